// The capture-protocol side of zmq in: decodes messages, follows each source's sequence numbers
// and turns what it learns into events of its own, sent like received ones (so zmq out
// republishes them on a side channel): source-connected, source-disconnected, capture-gap.
// The sequence state is saved to a file, so a restarted receiver still counts the packets that
// were lost while it restarted.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NodeMessage } from 'node-red';
import { decodeCaptureMessage, SequenceTracker, type CaptureEvent, type CaptureSequence, type SequenceState } from '../common/capture-protocol';
import { SHARD_PREFIX } from '../common/zmq/shard';
import { eventMessage, messageOfCapture, packetMessages } from '../shared/zmq-messages';

/** The event a sender sends last (zmq out at close); it becomes source-disconnected here. */
export const SOURCE_CLOSING = 'source-closing';

interface SourceLiveness {
  connected: boolean;
  lastSeen: number;
}

export class CaptureReceiver {
  packets = 0;
  messages = 0;
  private readonly tracker: SequenceTracker;
  private readonly live = new Map<string, SourceLiveness>();
  private dirty = false;

  constructor(
    private readonly send: (msg: NodeMessage) => void,
    private readonly stateFile?: string,
    /** One message per packet, dissected (for flow decode), instead of one per data message. */
    private readonly perPacket = false,
    private readonly maxSources = 10000,
  ) {
    this.tracker = new SequenceTracker(maxSources, stateFile ? readState(stateFile) : undefined);
  }

  get lost(): number {
    return this.tracker.missingTotal;
  }

  /** One received multipart message; throws CaptureProtocolError when it is malformed. */
  receive(frames: Buffer[], now = Date.now()): void {
    // A sharding zmq out puts the worker's topic ("shard/<name>/") in front of the message.
    const decoded = decodeCaptureMessage(frames.length > 2 && frames[0].subarray(0, SHARD_PREFIX.length).toString() === SHARD_PREFIX ? frames.slice(1) : frames);
    const { source, sequence } = decoded;
    this.messages += 1;
    const closing = decoded.kind === 'event' && decoded.event.type === SOURCE_CLOSING;
    if (decoded.kind === 'data') {
      this.packets += decoded.packets.length;
      const observed = sequence ? this.tracker.data(source, sequence, decoded.packets.length) : undefined;
      if (observed) this.dirty = true;
      this.seen(source, now, sequence, !!observed?.newSession);
      if (observed?.missing) this.gap(source, observed.missing, observed.expected!, sequence!.seq);
      const messages = (this.perPacket ? packetMessages(decoded) : [messageOfCapture(decoded)]) as Array<NodeMessage & { gap?: number }>;
      // The packets missing just before these, so a consumer (rtp stats) can tell this loss apart.
      if (observed?.missing && messages.length > 0) messages[0].gap = observed.missing;
      for (const msg of messages) this.send(msg);
      return;
    }
    const observed = sequence ? this.tracker.event(source, sequence) : undefined;
    if (observed?.missing) {
      this.dirty = true;
      this.gap(source, observed.missing, observed.expected!, sequence!.seq);
    }
    if (closing) {
      this.disconnected(source, 'closed', sequence?.seq);
      return;
    }
    this.seen(source, now, sequence, false);
    this.send(messageOfCapture(decoded));
  }

  /**
   * The socket lost a peer. PULL and SUB cannot say which one, so: with no peer left every source
   * is gone; otherwise the sources that stay silent for `silenceMs` are declared gone.
   */
  peerDisconnected(peersLeft: number, silenceMs: number, now = Date.now()): NodeJS.Timeout | undefined {
    if (peersLeft === 0) {
      for (const source of this.live.keys()) this.disconnected(source, 'peer-disconnected');
      return undefined;
    }
    const timer = setTimeout(() => {
      for (const [source, state] of this.live) if (state.connected && state.lastSeen <= now) this.disconnected(source, 'silent-after-disconnect');
    }, silenceMs);
    timer.unref?.();
    return timer;
  }

  /** Writes the sequence state when it changed since the last save. */
  save(): void {
    if (!this.stateFile || !this.dirty) return;
    this.dirty = false;
    try {
      mkdirSync(dirname(this.stateFile), { recursive: true });
      writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(this.tracker.state()));
      renameSync(`${this.stateFile}.tmp`, this.stateFile);
    } catch {
      // A state file that cannot be written makes a restart's gap unknowable, nothing worse.
      this.dirty = true;
    }
  }

  private seen(source: string, now: number, sequence: CaptureSequence | undefined, newSession: boolean): void {
    const state = this.live.get(source);
    if (state?.connected && !newSession) {
      state.lastSeen = now;
      return;
    }
    this.live.delete(source);
    this.live.set(source, { connected: true, lastSeen: now });
    if (this.live.size > this.maxSources) this.live.delete(this.live.keys().next().value as string);
    this.emit(source, 'source-connected', sequence ? { ...sequence } : {});
  }

  private disconnected(source: string, reason: string, seq?: number): void {
    const state = this.live.get(source);
    if (state && !state.connected) return;
    this.live.set(source, { connected: false, lastSeen: state?.lastSeen ?? Date.now() });
    this.emit(source, 'source-disconnected', { reason, ...(seq === undefined ? {} : { packetsSent: seq }), lost: this.tracker.missingOf(source) });
  }

  private gap(source: string, missing: number, expected: number, received: number): void {
    this.emit(source, 'capture-gap', { missing, expected, received, lost: this.tracker.missingOf(source), lostTotal: this.tracker.missingTotal });
  }

  private emit(source: string, type: string, details: Record<string, unknown>): void {
    const event: CaptureEvent = { type, time: Date.now(), details };
    this.send(eventMessage(source, event));
  }
}

function readState(file: string): SequenceState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SequenceState;
  } catch {
    return undefined;
  }
}
