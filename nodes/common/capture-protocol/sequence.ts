// Sequence accounting of the capture-server protocol. The sender numbers packets per source
// within a session (SequenceNumbering); the receiver follows each (source, session) and counts
// the packets that never arrived (SequenceTracker). Both are bounded by a number of sources.
import { randomBytes } from 'node:crypto';
import type { CaptureSequence } from './index';

/** Sender side: one random session per sender, packets numbered from 0 per source. */
export class SequenceNumbering {
  readonly session = randomBytes(8).toString('hex');
  private readonly next = new Map<string, number>();

  /** The sequence of a data message of `count` packets; advances the source's counter. */
  data(source: string, count: number): CaptureSequence {
    const seq = this.next.get(source) ?? 0;
    this.next.set(source, seq + count);
    return { session: this.session, seq };
  }

  /** The sequence an event carries: the number the source's next packet will get. */
  event(source: string): CaptureSequence {
    return { session: this.session, seq: this.next.get(source) ?? 0 };
  }

  /** Every source numbered so far, with the number of packets sent. */
  sources(): Array<[string, number]> {
    return [...this.next.entries()];
  }
}

export interface SequenceObservation {
  /** First message of this (source, session) since the tracker knew it. */
  newSession: boolean;
  /** Packets that never arrived just before this message (0 when none, or when unknowable). */
  missing: number;
  /** Packets of this message that were already accounted for (a repeat or a reordered message). */
  repeated: number;
  /** The sequence number the tracker expected (undefined for a new session). */
  expected?: number;
}

interface SourceState {
  session: string;
  next: number;
  missing: number;
}

/** Saved state, so a restarted receiver still knows where each session stood. */
export type SequenceState = Record<string, { session: string; next: number; missing: number }>;

export class SequenceTracker {
  private readonly sources = new Map<string, SourceState>();
  /** Sources forgotten because more than maxSources were tracked (least recently seen first). */
  evicted = 0;
  missingTotal = 0;
  repeatedTotal = 0;

  constructor(
    private readonly maxSources = 10000,
    state?: SequenceState,
    /**
     * Every session is followed from its packet 0 (the acknowledged mode, where the receiver asks
     * for whatever it has not seen), instead of from the first message seen (a subscriber joining
     * a sender mid-session cannot know what came before).
     */
    private readonly fromStart = false,
  ) {
    for (const [source, s] of Object.entries(state ?? {})) {
      if (typeof s?.session === 'string' && Number.isSafeInteger(s.next) && s.next >= 0) {
        this.sources.set(source, { session: s.session, next: s.next, missing: Number(s.missing) || 0 });
      }
    }
  }

  /** A data message of `count` packets. */
  data(source: string, sequence: CaptureSequence, count: number): SequenceObservation {
    const observation = this.sync(source, sequence);
    const state = this.sources.get(source)!;
    const end = sequence.seq + count;
    if (end <= state.next && !observation.newSession) {
      observation.repeated += count;
    } else if (sequence.seq < state.next && !observation.newSession) {
      observation.repeated += state.next - sequence.seq;
    }
    state.next = Math.max(state.next, end);
    this.repeatedTotal += observation.repeated;
    return observation;
  }

  /**
   * An event: it carries the number of the next packet, so packets lost just before it (the tail
   * of a session that then closes) are counted too. An event of a session the tracker has seen no
   * data of tells nothing about loss (a subscriber may take events but not that source's data).
   */
  event(source: string, sequence: CaptureSequence): SequenceObservation {
    const state = this.sources.get(source);
    if (!this.fromStart && (!state || state.session !== sequence.session)) return { newSession: false, missing: 0, repeated: 0 };
    return this.sync(source, sequence);
  }

  /** The next packet number the tracker expects of (source, session); undefined for a session it does not know. */
  position(source: string, session: string): number | undefined {
    const state = this.sources.get(source);
    return state?.session === session ? state.next : undefined;
  }

  /** Packets counted missing for a source in its current session. */
  missingOf(source: string): number {
    return this.sources.get(source)?.missing ?? 0;
  }

  /** Packets counted missing over every key that starts with `prefix` (every session of a source, keyed "source/session"). */
  missingOfPrefix(prefix: string): number {
    let missing = 0;
    for (const [key, state] of this.sources) if (key.startsWith(prefix)) missing += state.missing;
    return missing;
  }

  /** Drops what is known of `source` (a session that ended); true when there was something. */
  forget(source: string): boolean {
    return this.sources.delete(source);
  }

  state(): SequenceState {
    return Object.fromEntries([...this.sources].map(([source, s]) => [source, { ...s }]));
  }

  private sync(source: string, sequence: CaptureSequence): SequenceObservation {
    let state = this.sources.get(source);
    const newSession = !state || state.session !== sequence.session;
    if (newSession) {
      // A sender we join mid-session: what came before is unknown, not counted as lost (unless
      // sessions are followed from their start).
      state = { session: sequence.session, next: this.fromStart ? 0 : sequence.seq, missing: 0 };
      if (this.sources.size >= this.maxSources && !this.sources.has(source)) {
        this.sources.delete(this.sources.keys().next().value as string);
        this.evicted += 1;
      }
      if (!this.fromStart) {
        this.sources.delete(source);
        this.sources.set(source, state);
        return { newSession: true, missing: 0, repeated: 0 };
      }
    }
    // Keep the map in least-recently-seen order for eviction.
    this.sources.delete(source);
    this.sources.set(source, state!);
    const expected = state!.next;
    const missing = Math.max(0, sequence.seq - expected);
    state!.next = Math.max(state!.next, sequence.seq);
    state!.missing += missing;
    this.missingTotal += missing;
    return { newSession, missing, repeated: 0, expected };
  }
}
