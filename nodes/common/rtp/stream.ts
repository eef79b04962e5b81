// Per-stream receive statistics of RFC 3550: extended sequence numbers (§A.1), cumulative loss
// (§A.3), interarrival jitter (§6.4.1, §A.8), plus duplicates and reordering, which the RFC folds
// into its loss figure but a monitor wants to see apart. Nothing of the payload is kept.
import type { RtpHeader } from './header';

/** §A.1: a jump this far ahead is a restart or a misbehaving sender, not loss. */
const MAX_DROPOUT = 3000;
/** §A.1: this far behind is a late (reordered) or duplicate packet. */
const MAX_MISORDER = 100;
/** Extended sequence numbers remembered to tell duplicates from late packets. */
const SEEN_WINDOW = 4096;

export interface RtpStreamKey {
  ssrc: number;
  sourceAddress: string;
  sourcePort: number;
  destinationAddress: string;
  destinationPort: number;
}

export interface RtpStreamStats extends RtpStreamKey {
  payloadType: number;
  /** RTP clock rate used for jitter (Hz); undefined when unknown (dynamic type not configured). */
  clockRate?: number;
  packets: number;
  payloadBytes: number;
  /** §A.3: highest extended sequence − first + 1. */
  expected: number;
  /** §A.3 cumulative number of packets lost: expected − received (duplicates make it smaller, may be negative). */
  lost: number;
  /** Sequence numbers never received (expected − distinct received); ≥ 0. */
  missing: number;
  lossPercent: number;
  duplicates: number;
  /** Packets that arrived after a higher sequence number (late, out of order). */
  reordered: number;
  /** Jumps larger than MAX_DROPOUT that restarted the sequence (§A.1). */
  sequenceResets: number;
  /** §6.4.1 interarrival jitter J, in milliseconds, after the last packet. */
  jitterMs?: number;
  maxJitterMs?: number;
  /** Mean of J over the packets after the first (as Wireshark's RTP stream statistics report it). */
  meanJitterMs?: number;
  firstSeen: number;
  lastSeen: number;
}

export class RtpStream {
  readonly key: RtpStreamKey;
  private payloadType = -1;
  private clockRate?: number;
  private packets = 0;
  private distinct = 0;
  private payloadBytes = 0;
  private duplicates = 0;
  private reordered = 0;
  private sequenceResets = 0;
  private baseExtended = 0;
  private highestExtended = 0;
  private cycles = 0;
  private maxSequence = 0;
  private badSequence = -1;
  private readonly seen = new Float64Array(SEEN_WINDOW).fill(-1);
  // Jitter state, in RTP timestamp units (§A.8).
  private transit?: number;
  private jitter = 0;
  private maxJitter = 0;
  private jitterSum = 0;
  private jitterSamples = 0;
  firstSeen = 0;
  lastSeen = 0;

  constructor(key: RtpStreamKey, private readonly clockRateOf: (payloadType: number) => number | undefined) {
    this.key = key;
  }

  private baseSeconds = 0;

  /** Adds one packet captured at `seconds` + `nanoseconds` since the epoch. */
  add(header: RtpHeader, seconds: number, nanoseconds: number): void {
    const arrival = seconds + nanoseconds / 1e9;
    if (this.packets === 0) {
      this.firstSeen = arrival;
      this.baseSeconds = seconds;
      this.baseExtended = this.highestExtended = header.sequence;
      this.maxSequence = header.sequence;
      this.remember(header.sequence);
      this.distinct = 1;
    } else {
      this.trackSequence(header.sequence);
    }
    this.packets += 1;
    this.payloadBytes += header.payloadLength;
    this.lastSeen = arrival;
    if (header.payloadType !== this.payloadType) {
      this.payloadType = header.payloadType;
      this.clockRate = this.clockRateOf(header.payloadType);
      this.transit = undefined; // a new clock: differences across the change mean nothing
    }
    // Relative to the first packet: 1.7e9 s as a double keeps only ~0.2 µs, far too coarse here.
    this.updateJitter(header.timestamp, seconds - this.baseSeconds + nanoseconds / 1e9);
  }

  // §A.1 update_seq, keeping its probation-free core: in-order and small gaps advance the
  // highest sequence (counting wraps), late packets are looked up to tell duplicates from
  // reordering, and a big jump restarts the sequence when the next packet confirms it.
  private trackSequence(sequence: number): void {
    const delta = (sequence - this.maxSequence) & 0xffff;
    if (delta === 0) {
      this.duplicates += 1;
      return;
    }
    if (delta < MAX_DROPOUT) {
      if (sequence < this.maxSequence) this.cycles += 0x10000;
      this.maxSequence = sequence;
      this.highestExtended = this.cycles + sequence;
      this.remember(this.highestExtended);
      this.distinct += 1;
      this.badSequence = -1;
      return;
    }
    if (delta >= 0x10000 - MAX_MISORDER) {
      const extended = this.cycles + sequence - (sequence > this.maxSequence ? 0x10000 : 0);
      if (extended < this.baseExtended) {
        // Older than the first packet seen: it extends the stream backwards (RFC's base_seq).
        this.baseExtended = extended;
        this.remember(extended);
        this.distinct += 1;
        this.reordered += 1;
      } else if (this.seen[extended % SEEN_WINDOW] === extended) {
        this.duplicates += 1;
      } else {
        this.remember(extended);
        this.distinct += 1;
        this.reordered += 1;
      }
      return;
    }
    // A jump: §A.1 waits for the next packet to be its successor before resynchronising.
    if (sequence === this.badSequence) {
      this.sequenceResets += 1;
      this.cycles = 0;
      this.maxSequence = sequence;
      this.baseExtended = this.highestExtended = sequence - 1;
      this.distinct = 1;
      this.seen.fill(-1);
      this.remember(sequence - 1);
      this.trackSequence(sequence);
    } else {
      this.badSequence = (sequence + 1) & 0xffff;
    }
  }

  private remember(extended: number): void {
    this.seen[extended % SEEN_WINDOW] = extended;
  }

  // §6.4.1 / §A.8: D(i,j) = (Rj − Ri) − (Sj − Si) = transit_j − transit_i, with R in RTP
  // timestamp units; J += (|D| − J) / 16. Computed in arrival order, for every packet.
  private updateJitter(rtpTimestamp: number, arrival: number): void {
    if (!this.clockRate) return;
    const transit = arrival * this.clockRate - rtpTimestamp;
    if (this.transit !== undefined) {
      let d = transit - this.transit;
      // The RTP timestamp is 32-bit: a wrap shows up as a 2^32 step in transit.
      if (d > 2 ** 31) d -= 2 ** 32;
      else if (d < -(2 ** 31)) d += 2 ** 32;
      this.jitter += (Math.abs(d) - this.jitter) / 16;
      if (this.jitter > this.maxJitter) this.maxJitter = this.jitter;
      this.jitterSum += this.jitter;
      this.jitterSamples += 1;
    }
    this.transit = transit;
  }

  stats(): RtpStreamStats {
    const expected = this.packets === 0 ? 0 : this.highestExtended - this.baseExtended + 1;
    const missing = Math.max(0, expected - this.distinct);
    const toMs = (units: number) => (this.clockRate ? (units / this.clockRate) * 1000 : undefined);
    return {
      ...this.key,
      payloadType: this.payloadType,
      clockRate: this.clockRate,
      packets: this.packets,
      payloadBytes: this.payloadBytes,
      expected,
      lost: expected - this.packets,
      missing,
      lossPercent: expected > 0 ? (missing / expected) * 100 : 0,
      duplicates: this.duplicates,
      reordered: this.reordered,
      sequenceResets: this.sequenceResets,
      jitterMs: toMs(this.jitter),
      maxJitterMs: toMs(this.maxJitter),
      meanJitterMs: this.jitterSamples > 0 ? toMs(this.jitterSum / this.jitterSamples) : this.clockRate ? 0 : undefined,
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
    };
  }
}
