// Sequence accounting per exporter + domain. Each protocol counts in its own unit:
// v5 flows (RFC-less Cisco format: flow_sequence = flows seen), v9 export packets (RFC 3954 section 5.1),
// IPFIX data records (RFC 7011 section 3.1), sFlow datagrams (sFlow v5 spec, datagram sequence).
import type { SequenceStats } from './types';

/** A jump backwards larger than this is an exporter restart rather than reordering. */
const REORDER_WINDOW = 1000;

export interface SequenceTrack extends SequenceStats {
  expected?: number;
}

export class SequenceTracker {
  private readonly tracks = new Map<string, SequenceTrack>();

  /**
   * Records a sequence number. `advance` is how far this message moves the sequence
   * (1 for a v9 packet, the record count for v5/IPFIX). Arithmetic is modulo 2^32.
   */
  observe(key: string, sequence: number, advance: number): void {
    this.observeTrack(this.track(key), sequence, advance);
  }

  /** The counters of `key`, created on first use; callers may keep it for observeTrack. */
  track(key: string): SequenceTrack {
    let t = this.tracks.get(key);
    if (!t) {
      t = { received: 0, lost: 0, outOfOrder: 0, resets: 0 };
      this.tracks.set(key, t);
    }
    return t;
  }

  observeTrack(t: SequenceTrack, sequence: number, advance: number): void {
    t.received++;
    if (t.expected !== undefined && sequence !== t.expected) {
      const ahead = (sequence - t.expected) >>> 0;
      if (ahead < 0x80000000) {
        t.lost += ahead;
      } else {
        const behind = 0x100000000 - ahead;
        if (behind <= REORDER_WINDOW) {
          t.outOfOrder++;
          // A late message fills part of a gap we already counted as lost.
          t.lost = Math.max(0, t.lost - advance);
          return;
        }
        t.resets++;
      }
    }
    t.expected = (sequence + advance) >>> 0;
  }

  snapshot(): Record<string, SequenceStats> {
    const out: Record<string, SequenceStats> = {};
    for (const [k, t] of this.tracks) out[k] = { received: t.received, lost: t.lost, outOfOrder: t.outOfOrder, resets: t.resets };
    return out;
  }
}
