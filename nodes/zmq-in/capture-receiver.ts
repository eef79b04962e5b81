// The capture-protocol side of zmq in: decodes messages, follows each source's sequence numbers
// and turns what it learns into events of its own, sent like received ones (so zmq out
// republishes them on a side channel): source-connected, source-disconnected, capture-gap.
// The sequence state is saved to a file, so a restarted receiver still counts the packets that
// were lost while it restarted.
// In the acknowledged mode many senders share one receiver (DEALERs into one ROUTER), so the state
// is kept per (source, session): a session is one sender's run, so two edges that carry the same
// source name still keep their order, acknowledgements and gaps apart. Otherwise it is per source
// (a subscriber follows the numbering of the one sender that republishes a source).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NodeMessage } from 'node-red';
import {
  decodeCaptureMessage, SequenceTracker, type CaptureEvent, type CaptureMessage, type CaptureSequence, type ControlKind, type SequenceState, type SourcePosition,
} from '../common/capture-protocol';
import { SHARD_PREFIX } from '../common/zmq/shard';
import { eventMessage, messageOfCapture, packetMessages } from '../shared/zmq-messages';

/** The event a sender sends last (zmq out at close); it becomes source-disconnected here. */
const SOURCE_CLOSING = 'source-closing';
/** An acknowledged sender no longer holds the packets a resend asked for: its seq is where it can resume. */
export const RESEND_UNAVAILABLE = 'resend-unavailable';

/** What the acknowledged mode answers the sender of a message. */
export interface CaptureReply {
  kind: ControlKind;
  position: SourcePosition;
}

export interface AcknowledgedOptions {
  /** How long messages ahead of a gap are refused (asking for a resend) before the gap is taken as loss. */
  gapWaitMs: number;
}

interface SourceLiveness {
  connected: boolean;
  lastSeen: number;
}

export class CaptureReceiver {
  packets = 0;
  messages = 0;
  /** Acknowledged mode: packets that arrived again (a resend of what was already passed on), dropped. */
  duplicates = 0;
  /** Acknowledged mode: packets refused because they came ahead of a gap (their sender resends them). */
  held = 0;
  private readonly tracker: SequenceTracker;
  private readonly live = new Map<string, SourceLiveness>();
  /** Acknowledged mode: since when each stream's messages have been refused for a gap. */
  private readonly waiting = new Map<string, number>();
  private dirty = false;

  constructor(
    private readonly send: (msg: NodeMessage) => void,
    private readonly stateFile?: string,
    /** One message per packet, dissected (for flow decode), instead of one per data message. */
    private readonly perPacket = false,
    private readonly maxSources = 10000,
    /** Acknowledged mode (ROUTER): pass packets on in order, exactly once, and say so to the sender. */
    private readonly acknowledged?: AcknowledgedOptions,
  ) {
    // Acknowledged senders number every session from 0 and resend on request, so a session this
    // receiver has not seen yet is followed from its start: a first message that went missing is asked for.
    this.tracker = new SequenceTracker(maxSources, stateFile ? readState(stateFile) : undefined, !!acknowledged);
  }

  get lost(): number {
    return this.tracker.missingTotal;
  }

  /**
   * One received multipart message; throws CaptureProtocolError when it is malformed. In the
   * acknowledged mode, returns what to answer its sender.
   */
  receive(frames: Buffer[], now = Date.now()): CaptureReply | undefined {
    // A sharding zmq out puts the worker's topic ("shard/<name>/") in front of the message.
    const decoded = decodeCaptureMessage(frames.length > 2 && frames[0].subarray(0, SHARD_PREFIX.length).toString() === SHARD_PREFIX ? frames.slice(1) : frames);
    const { source, sequence } = decoded;
    this.messages += 1;
    const refused = this.acknowledged && sequence && decoded.kind === 'data' ? this.admit(decoded, sequence, now) : undefined;
    if (refused) return refused;
    if (decoded.kind === 'data') this.deliver(decoded, now);
    else this.event(decoded, now);
    if (!this.acknowledged || !sequence) return undefined;
    const next = this.tracker.position(this.stream(source, sequence), sequence.session);
    return next === undefined ? undefined : { kind: 'ack', position: { source, session: sequence.session, next } };
  }

  /** The key of a sender's numbering in the tracker: (source, session) when acknowledged, else the source. */
  private stream(source: string, sequence: CaptureSequence): string {
    // A source name never holds "/", so the key cannot collide with a plain source.
    return this.acknowledged ? `${source}/${sequence.session}` : source;
  }

  private deliver(decoded: Extract<CaptureMessage, { kind: 'data' }>, now: number): void {
    const { source, sequence } = decoded;
    this.packets += decoded.packets.length;
    const stream = sequence ? this.stream(source, sequence) : source;
    const observed = sequence ? this.tracker.data(stream, sequence, decoded.packets.length) : undefined;
    if (observed) this.dirty = true;
    this.seen(source, now, sequence, !!observed?.newSession);
    if (observed?.missing) this.gap(source, stream, observed.missing, observed.expected!, sequence!.seq);
    const messages = (this.perPacket ? packetMessages(decoded) : [messageOfCapture(decoded)]) as Array<NodeMessage & { gap?: number }>;
    // The packets missing just before these, so a consumer (rtp stats) can tell this loss apart.
    if (observed?.missing && messages.length > 0) messages[0].gap = observed.missing;
    for (const msg of messages) this.send(msg);
  }

  private event(decoded: Extract<CaptureMessage, { kind: 'event' }>, now: number): void {
    const { source, sequence } = decoded;
    const closing = decoded.event.type === SOURCE_CLOSING;
    // Acknowledged: an event ahead of missing data must not count that data lost, since the sender
    // is about to resend it; only its last word (closing) or its "no longer held" settles the account.
    const stream = sequence ? this.stream(source, sequence) : source;
    const position = this.acknowledged && sequence ? this.tracker.position(stream, sequence.session) ?? 0 : undefined;
    const ahead = position !== undefined && sequence!.seq > position && !closing && decoded.event.type !== RESEND_UNAVAILABLE;
    const observed = sequence && !ahead ? this.tracker.event(stream, sequence) : undefined;
    if (observed?.missing) {
      this.dirty = true;
      this.gap(source, stream, observed.missing, observed.expected!, sequence!.seq);
    }
    if (closing) {
      this.disconnected(source, 'closed', sequence?.seq, this.tracker.missingOf(stream));
      // Acknowledged: the session is over (its sender waited for its last acknowledgement), so its
      // state goes; an edge that restarts many times does not fill the tracker with dead sessions.
      if (this.acknowledged && sequence && this.tracker.forget(stream)) this.dirty = true;
      return;
    }
    this.seen(source, now, sequence, false);
    this.send(messageOfCapture(decoded));
  }

  /**
   * Acknowledged mode: a data message passes when it is the next one of its session (packet 0 for
   * a session this receiver does not know yet). A repeat is dropped (and acknowledged again), a
   * partial repeat trimmed; a message ahead of a gap is refused with a resend request, until
   * gapWaitMs have passed: then the gap is taken as loss, counted, and the message passes.
   */
  private admit(decoded: Extract<CaptureMessage, { kind: 'data' }>, sequence: CaptureSequence, now: number): CaptureReply | undefined {
    const stream = this.stream(decoded.source, sequence);
    // A session not seen yet starts at packet 0.
    const next = this.tracker.position(stream, sequence.session) ?? 0;
    const { source } = decoded;
    const position = { source, session: sequence.session, next };
    const count = decoded.packets.length;
    if (sequence.seq + count <= next && count > 0) {
      this.duplicates += count;
      return { kind: 'ack', position };
    }
    if (sequence.seq > next) {
      const since = this.waiting.get(stream) ?? now;
      if (!this.waiting.has(stream)) {
        if (this.waiting.size >= this.maxSources) this.waiting.clear();
        this.waiting.set(stream, now);
      }
      if (now - since < this.acknowledged!.gapWaitMs) {
        this.held += count;
        return { kind: 'resend', position };
      }
    }
    this.waiting.delete(stream);
    if (sequence.seq < next) {
      this.duplicates += next - sequence.seq;
      decoded.packets = decoded.packets.slice(next - sequence.seq);
      decoded.sequence = { session: sequence.session, seq: next };
    }
    return undefined;
  }

  /**
   * The socket lost a peer. PULL and SUB cannot say which one, so: with no peer left every source
   * is gone; otherwise the sources that stay silent for `silenceMs` are declared gone.
   */
  peerDisconnected(peersLeft: number, silenceMs: number, now = Date.now()): NodeJS.Timeout | undefined {
    if (peersLeft === 0) {
      for (const source of this.live.keys()) this.disconnected(source, 'peer-disconnected', undefined, this.lostOf(source));
      return undefined;
    }
    const timer = setTimeout(() => {
      for (const [source, state] of this.live) if (state.connected && state.lastSeen <= now) this.disconnected(source, 'silent-after-disconnect', undefined, this.lostOf(source));
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

  private disconnected(source: string, reason: string, seq: number | undefined, lost: number): void {
    const state = this.live.get(source);
    if (state && !state.connected) return;
    this.live.set(source, { connected: false, lastSeen: state?.lastSeen ?? Date.now() });
    this.emit(source, 'source-disconnected', { reason, ...(seq === undefined ? {} : { packetsSent: seq }), lost });
  }

  /** Packets counted missing for a source's current session (per source), or for all its sessions (acknowledged). */
  private lostOf(source: string): number {
    return this.acknowledged ? this.tracker.missingOfPrefix(`${source}/`) : this.tracker.missingOf(source);
  }

  /** `lost`: the packets missing in this stream (the sender's session) so far. */
  private gap(source: string, stream: string, missing: number, expected: number, received: number): void {
    this.emit(source, 'capture-gap', { missing, expected, received, lost: this.tracker.missingOf(stream), lostTotal: this.tracker.missingTotal });
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
