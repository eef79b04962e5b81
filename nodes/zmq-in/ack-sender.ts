// zmq in's replies in the acknowledged mode (ROUTER): acknowledgements gathered per sender and
// sent a few milliseconds later, one message per sender however many messages it sent meanwhile;
// resend requests at once, at most one per (source, session) every RESEND_EVERY_MS (the messages
// behind a gap keep arriving until the sender has rewound). Senders are kept apart by their ROUTER
// identity, and within one sender by source and session.
import type * as Zmq from 'zeromq';
import { encodeCaptureControl, type SourcePosition } from '../common/capture-protocol';
import type { CaptureReply } from './capture-receiver';

const ACK_DELAY_MS = 10;
const RESEND_EVERY_MS = 500;

interface Peer {
  id: Buffer;
  acks: Map<string, SourcePosition>;
}

export class AckSender {
  acksSent = 0;
  resendsSent = 0;
  private readonly pending = new Map<string, Peer>();
  private readonly lastResend = new Map<string, number>();
  private readonly outbox: Buffer[][] = [];
  private sending = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly socket: Zmq.Router, private readonly onError: (err: Error) => void) {}

  reply(peer: Buffer, reply: CaptureReply, now = Date.now()): void {
    const key = peer.toString('hex');
    if (reply.kind === 'resend') {
      const resendKey = `${key}/${reply.position.source}/${reply.position.session}`;
      if (now - (this.lastResend.get(resendKey) ?? 0) < RESEND_EVERY_MS) return;
      if (this.lastResend.size > 10000) this.lastResend.clear();
      this.lastResend.set(resendKey, now);
      this.resendsSent += 1;
      this.post([peer, ...encodeCaptureControl('resend', [reply.position])]);
      return;
    }
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { id: peer, acks: new Map() };
      this.pending.set(key, entry);
    }
    entry.acks.set(`${reply.position.source}/${reply.position.session}`, reply.position);
    this.timer ??= setTimeout(() => this.flush(), ACK_DELAY_MS);
  }

  /** Sends what is pending now (also at close, so the sender forgets what was passed on). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const { id, acks } of this.pending.values()) {
      this.acksSent += 1;
      this.post([id, ...encodeCaptureControl('ack', [...acks.values()])]);
    }
    this.pending.clear();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  // zeromq allows one send at a time per socket. A ROUTER never blocks: it drops what it cannot
  // route (a sender that went away), and the sender then resends after its ack timeout.
  private post(frames: Buffer[]): void {
    this.outbox.push(frames);
    if (!this.sending) void this.pump();
  }

  private async pump(): Promise<void> {
    this.sending = true;
    while (this.outbox.length > 0 && !this.socket.closed) {
      try {
        await this.socket.send(this.outbox.shift()!);
      } catch (err) {
        if (this.socket.closed) break;
        this.onError(err as Error);
      }
    }
    this.outbox.length = 0;
    this.sending = false;
  }
}
