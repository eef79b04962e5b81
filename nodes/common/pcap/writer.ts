// Capture writers: bytes for a stream, header first, then one record per packet.
import { PCAP_MAGIC_MICROSECONDS, PCAP_MAGIC_NANOSECONDS } from './classic';
import { BLOCK_ENHANCED_PACKET, BLOCK_INTERFACE_DESCRIPTION, BLOCK_SECTION_HEADER, BYTE_ORDER_MAGIC, EPB_FLAGS, IF_NAME, IF_TSRESOL, OPT_COMMENT } from './pcapng';

/** A timestamp to write: exact parts, a Date, or milliseconds since the epoch. */
export type WriteTimestamp = { seconds: number; nanoseconds: number } | Date | number;

function splitTimestamp(ts: WriteTimestamp): { seconds: number; nanoseconds: number } {
  if (typeof ts === 'number' || ts instanceof Date) {
    const ms = typeof ts === 'number' ? ts : ts.getTime();
    const seconds = Math.floor(ms / 1000);
    return { seconds, nanoseconds: Math.round((ms - seconds * 1000) * 1e6) };
  }
  return ts;
}

export interface PcapWriterOptions {
  linkType?: number; // default 1 (Ethernet)
  snapLength?: number; // default 262144
  /** Write the nanosecond magic (0xa1b23c4d) and nanosecond fractions. */
  nanosecond?: boolean;
  /** Byte order of the output; default little-endian. */
  bigEndian?: boolean;
}

/** Classic pcap writer (draft-ietf-opsawg-pcap). */
export class PcapWriter {
  readonly linkType: number;
  readonly snapLength: number;
  readonly nanosecond: boolean;
  readonly bigEndian: boolean;

  constructor(options: PcapWriterOptions = {}) {
    this.linkType = options.linkType ?? 1;
    this.snapLength = options.snapLength ?? 262144;
    this.nanosecond = options.nanosecond ?? false;
    this.bigEndian = options.bigEndian ?? false;
  }

  /** The 24-byte file header. */
  header(): Buffer {
    const b = Buffer.alloc(24);
    const w32 = (v: number, o: number) => (this.bigEndian ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o));
    const w16 = (v: number, o: number) => (this.bigEndian ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
    w32(this.nanosecond ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS, 0);
    w16(2, 4);
    w16(4, 6);
    w32(this.snapLength, 16);
    w32(this.linkType, 20);
    return b;
  }

  /** Bytes a record of `data` takes. */
  recordLength(data: Buffer): number {
    return 16 + Math.min(data.length, this.snapLength);
  }

  /** One record; data longer than the snap length is cut, keeping the original length. */
  packet(data: Buffer, timestamp: WriteTimestamp, originalLength?: number): Buffer {
    const out = Buffer.allocUnsafe(this.recordLength(data));
    this.writePacket(out, 0, data, timestamp, originalLength);
    return out;
  }

  /** Writes one record into `target` at `offset` (for batching); returns the offset after it. */
  writePacket(target: Buffer, offset: number, data: Buffer, timestamp: WriteTimestamp, originalLength?: number): number {
    const { seconds, nanoseconds } = splitTimestamp(timestamp);
    const caplen = Math.min(data.length, this.snapLength);
    const fraction = this.nanosecond ? nanoseconds : Math.floor(nanoseconds / 1000);
    const orig = originalLength ?? data.length;
    if (this.bigEndian) {
      target.writeUInt32BE(seconds >>> 0, offset);
      target.writeUInt32BE(fraction, offset + 4);
      target.writeUInt32BE(caplen, offset + 8);
      target.writeUInt32BE(orig, offset + 12);
    } else {
      target.writeUInt32LE(seconds >>> 0, offset);
      target.writeUInt32LE(fraction, offset + 4);
      target.writeUInt32LE(caplen, offset + 8);
      target.writeUInt32LE(orig, offset + 12);
    }
    data.copy(target, offset + 16, 0, caplen);
    return offset + 16 + caplen;
  }
}

export interface PcapngInterfaceOptions {
  linkType: number;
  snapLength?: number; // 0 = no limit (default)
  name?: string;
  /** Timestamp resolution: 'us' (default, 10^-6) or 'ns' (10^-9, if_tsresol = 9). */
  resolution?: 'us' | 'ns';
}

export interface PcapngWriterOptions {
  interfaces?: PcapngInterfaceOptions[]; // default one Ethernet interface
  userApplication?: string;
  comment?: string;
  bigEndian?: boolean;
}

export interface PcapngPacketOptions {
  interfaceId?: number;
  originalLength?: number;
  comment?: string;
  flags?: number;
}

interface OptionValue {
  code: number;
  value: Buffer;
}

/** pcapng writer: a Section Header Block, Interface Description Blocks, then Enhanced Packet Blocks. */
export class PcapngWriter {
  readonly interfaces: Required<Pick<PcapngInterfaceOptions, 'linkType' | 'snapLength' | 'resolution'>>[] & { name?: string }[];
  readonly bigEndian: boolean;
  private readonly options: PcapngWriterOptions;

  constructor(options: PcapngWriterOptions = {}) {
    this.options = options;
    this.bigEndian = options.bigEndian ?? false;
    this.interfaces = (options.interfaces ?? [{ linkType: 1 }]).map((i) => ({
      linkType: i.linkType,
      snapLength: i.snapLength ?? 0,
      resolution: i.resolution ?? 'us',
      name: i.name,
    }));
  }

  private u32(b: Buffer, v: number, o: number): void {
    if (this.bigEndian) b.writeUInt32BE(v, o);
    else b.writeUInt32LE(v, o);
  }
  private u16(b: Buffer, v: number, o: number): void {
    if (this.bigEndian) b.writeUInt16BE(v, o);
    else b.writeUInt16LE(v, o);
  }

  /** Encodes an options list with opt_endofopt (section 3.5); empty list encodes to nothing. */
  private encodeOptions(options: OptionValue[]): Buffer {
    if (options.length === 0) return Buffer.alloc(0);
    const size = options.reduce((n, o) => n + 4 + ((o.value.length + 3) & ~3), 4);
    const b = Buffer.alloc(size);
    let p = 0;
    for (const o of options) {
      this.u16(b, o.code, p);
      this.u16(b, o.value.length, p + 2);
      o.value.copy(b, p + 4);
      p += 4 + ((o.value.length + 3) & ~3);
    }
    return b; // trailing 4 zero bytes are opt_endofopt
  }

  private block(type: number, body: Buffer): Buffer {
    const total = 12 + body.length;
    const b = Buffer.alloc(total);
    this.u32(b, type, 0);
    this.u32(b, total, 4);
    body.copy(b, 8);
    this.u32(b, total, total - 4);
    return b;
  }

  /** Section Header Block followed by one Interface Description Block per interface. */
  header(): Buffer {
    const shbFixed = Buffer.alloc(16);
    this.u32(shbFixed, BYTE_ORDER_MAGIC, 0);
    this.u16(shbFixed, 1, 4);
    this.u16(shbFixed, 0, 6);
    shbFixed.writeInt32LE(-1, 8); // section length unknown (-1 in both byte orders)
    shbFixed.writeInt32LE(-1, 12);
    const shbOpts: OptionValue[] = [];
    if (this.options.comment) shbOpts.push({ code: OPT_COMMENT, value: Buffer.from(this.options.comment) });
    if (this.options.userApplication) shbOpts.push({ code: 4, value: Buffer.from(this.options.userApplication) });
    const parts = [this.block(BLOCK_SECTION_HEADER, Buffer.concat([shbFixed, this.encodeOptions(shbOpts)]))];
    for (const i of this.interfaces) {
      const fixed = Buffer.alloc(8);
      this.u16(fixed, i.linkType, 0);
      this.u32(fixed, i.snapLength, 4);
      const opts: OptionValue[] = [];
      if (i.name) opts.push({ code: IF_NAME, value: Buffer.from(i.name) });
      if (i.resolution === 'ns') opts.push({ code: IF_TSRESOL, value: Buffer.from([9]) });
      parts.push(this.block(BLOCK_INTERFACE_DESCRIPTION, Buffer.concat([fixed, this.encodeOptions(opts)])));
    }
    return Buffer.concat(parts);
  }

  /** One Enhanced Packet Block. */
  packet(data: Buffer, timestamp: WriteTimestamp, options: PcapngPacketOptions = {}): Buffer {
    const id = options.interfaceId ?? 0;
    const iface = this.interfaces[id];
    if (!iface) throw new RangeError(`unknown interface ${id}`);
    const { seconds, nanoseconds } = splitTimestamp(timestamp);
    const caplen = iface.snapLength > 0 ? Math.min(iface.snapLength, data.length) : data.length;
    const opts: OptionValue[] = [];
    if (options.comment) opts.push({ code: OPT_COMMENT, value: Buffer.from(options.comment) });
    if (options.flags !== undefined) {
      const v = Buffer.alloc(4);
      this.u32(v, options.flags, 0);
      opts.push({ code: EPB_FLAGS, value: v });
    }
    const optBytes = this.encodeOptions(opts);
    const padded = (caplen + 3) & ~3;
    const total = 32 + padded + optBytes.length;
    const b = Buffer.alloc(total);
    this.u32(b, BLOCK_ENHANCED_PACKET, 0);
    this.u32(b, total, 4);
    this.u32(b, id, 8);
    // 64-bit count of units: split into 32-bit halves exactly via BigInt (not on a hot path).
    const perSecond = iface.resolution === 'ns' ? 1_000_000_000n : 1_000_000n;
    const units = BigInt(seconds) * perSecond + BigInt(iface.resolution === 'ns' ? nanoseconds : Math.floor(nanoseconds / 1000));
    this.u32(b, Number(units >> 32n), 12);
    this.u32(b, Number(units & 0xffffffffn), 16);
    this.u32(b, caplen, 20);
    this.u32(b, options.originalLength ?? data.length, 24);
    data.copy(b, 28, 0, caplen);
    optBytes.copy(b, 28 + padded);
    this.u32(b, total, total - 4);
    return b;
  }
}
