// Shapes shared by the pcap and pcapng readers and writers.

/**
 * A capture timestamp kept exactly: whole seconds since the Unix epoch plus nanoseconds.
 * A JavaScript number cannot hold nanosecond epoch time exactly (2^53 ns is ~104 days), so the
 * two parts stay separate; `ms` and `toDate()` are the lossy conveniences.
 */
export class CaptureTimestamp {
  constructor(
    public readonly seconds: number,
    public readonly nanoseconds: number,
  ) {}

  /** Milliseconds since the epoch (fractional, lossy below ~0.1 µs). */
  get ms(): number {
    return this.seconds * 1000 + this.nanoseconds / 1e6;
  }

  toDate(): Date {
    return new Date(this.seconds * 1000 + Math.floor(this.nanoseconds / 1e6));
  }

  /** Exact nanoseconds since the epoch. */
  toBigInt(): bigint {
    return BigInt(this.seconds) * 1_000_000_000n + BigInt(this.nanoseconds);
  }
}

/** One captured frame. `data` is a slice of the buffer that was fed to the reader, never a copy. */
export class CapturePacket {
  constructor(
    public readonly timestamp: CaptureTimestamp,
    public readonly capturedLength: number,
    public readonly originalLength: number,
    /** LINKTYPE_* value (https://www.tcpdump.org/linktypes.html). */
    public readonly linkType: number,
    /** pcapng interface index within its section; always 0 for classic pcap. */
    public readonly interfaceId: number,
    public readonly data: Buffer,
    /** Byte offset of the record (pcap record header / pcapng block) in the whole stream. */
    public readonly offset: number,
    public readonly interfaceName?: string,
    /** pcapng `opt_comment` options of the packet block. */
    public readonly comments?: string[],
    /** pcapng `epb_flags` (direction, reception type, FCS length, link-layer errors). */
    public readonly flags?: number,
  ) {}

  /** Convenience: the timestamp as a Date (millisecond precision). */
  get date(): Date {
    return this.timestamp.toDate();
  }

  /** Convenience: the timestamp in (fractional) milliseconds since the epoch. */
  get timestampMs(): number {
    return this.timestamp.ms;
  }
}

/** What a pcapng Interface Description Block (or a classic pcap header) says about an interface. */
export interface CaptureInterface {
  /** Index of the pcapng section this interface belongs to (0 for classic pcap). */
  section: number;
  linkType: number;
  snapLength: number;
  name?: string;
  description?: string;
  /** Timestamp units per second: 10^n or 2^n from if_tsresol (default 10^6). */
  tsResolution: { base: 10 | 2; exponent: number };
  /** if_tsoffset: seconds added to every timestamp of this interface. */
  tsOffset: number;
  comments?: string[];
  /** Counters from the last pcapng Interface Statistics Block for this interface, if any. */
  statistics?: {
    received?: number;
    interfaceDropped?: number;
    filterAccepted?: number;
    osDropped?: number;
    delivered?: number;
  };
}

export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * Raised (or returned) when a capture is truncated or malformed. `offset` is the byte position in
 * the whole stream where the bad structure starts; every packet before it has been delivered.
 */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
  constructor(
    message: string,
    public readonly offset: number,
  ) {
    super(`${message} (at byte offset ${offset})`);
  }
}
