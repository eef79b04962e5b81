// Push-style incremental capture reader: feed it chunks in any sizes, get packets back as soon as
// their record is complete. It only keeps the unfinished tail of the input (bounded by the
// largest allowed record), so memory stays bounded whatever the file size.
import {
  ClassicHeader,
  PCAP_HEADER_LENGTH,
  classicMagic,
  classicRecordLength,
  parseClassicHeader,
  readClassicRecords,
} from './classic';
import { BLOCK_SECTION_HEADER, PcapngSection, PcapngState } from './pcapng';
import { CaptureFormat, CaptureFormatError, CaptureInterface, CapturePacket } from './types';

export interface CaptureReaderOptions {
  /** Largest captured length accepted for one packet (bounds memory). Default 16 MiB. */
  maxPacketLength?: number;
}

const DEFAULT_MAX_PACKET = 16 * 1024 * 1024;

export class CaptureReader {
  /** 'pcap' or 'pcapng' once the first bytes have been seen. */
  format?: CaptureFormat;
  /** The classic pcap file header, for 'pcap'. */
  pcapHeader?: ClassicHeader;
  /** Set when the input turned out truncated or corrupt; the reader then ignores further input. */
  error?: CaptureFormatError;

  private readonly maxPacketLength: number;
  private ng?: PcapngState;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** bytes needed before parsing can progress (the size of the structure at the head) */
  private needed = 4;
  /** stream offset of the first pending byte */
  private consumed = 0;
  private ended = false;

  constructor(options: CaptureReaderOptions = {}) {
    this.maxPacketLength = options.maxPacketLength ?? DEFAULT_MAX_PACKET;
  }

  /** Interfaces seen so far (one for classic pcap; every IDB of every section for pcapng). */
  get interfaces(): CaptureInterface[] {
    if (this.ng) return this.ng.allInterfaces;
    if (this.pcapHeader) {
      const h = this.pcapHeader;
      return [
        {
          section: 0,
          linkType: h.linkType,
          snapLength: h.snapLength,
          tsResolution: { base: 10, exponent: h.nanosecond ? 9 : 6 },
          tsOffset: 0,
        },
      ];
    }
    return [];
  }

  /** pcapng sections seen so far. */
  get sections(): PcapngSection[] {
    return this.ng ? this.ng.sections : [];
  }

  /** pcapng blocks skipped as not relevant to packets (counted, so nothing vanishes unseen). */
  get skippedBlocks(): number {
    return this.ng ? this.ng.skippedBlocks : 0;
  }

  /** Total bytes fed so far. */
  get bytesFed(): number {
    return this.consumed + this.pendingLength;
  }

  /**
   * Adds a chunk and returns the packets it completed. After an error (see `error`) returns the
   * packets before the bad structure and nothing afterwards.
   */
  feed(chunk: Buffer): CapturePacket[] {
    const out: CapturePacket[] = [];
    if (this.error || this.ended || chunk.length === 0) return out;
    let from = 0;
    // A structure straddles the previous chunk(s) and this one: stitch only the bytes it needs
    // (never the whole new chunk), parse it, then go on in the new chunk without copying.
    while (this.pendingLength > 0) {
      const want = Math.max(1, this.needed - this.pendingLength);
      if (chunk.length - from < want) {
        this.pending.push(from === 0 ? chunk : chunk.subarray(from));
        this.pendingLength += chunk.length - from;
        return out;
      }
      this.pending.push(chunk.subarray(from, from + want));
      from += want;
      const stitched = Buffer.concat(this.pending, this.pendingLength + want);
      const pos = this.parse(stitched, out);
      this.consumed += pos;
      if (this.error) {
        this.pending = [];
        this.pendingLength = 0;
        return out;
      }
      const tail = stitched.subarray(pos);
      this.pending = tail.length > 0 ? [tail] : [];
      this.pendingLength = tail.length;
    }
    if (from >= chunk.length) return out;
    const buf = from === 0 ? chunk : chunk.subarray(from);
    if (buf.length < this.needed) {
      this.pending = [buf];
      this.pendingLength = buf.length;
      return out;
    }
    const pos = this.parse(buf, out);
    this.consumed += pos;
    if (!this.error && pos < buf.length) {
      // Keep the tail as a view; it pins the chunk only until the next record completes.
      this.pending = [buf.subarray(pos)];
      this.pendingLength = buf.length - pos;
    }
    return out;
  }

  /**
   * Marks the end of input. Returns (and records in `error`) a CaptureFormatError when the input
   * stopped inside a structure or held no capture header.
   */
  end(): CaptureFormatError | undefined {
    if (this.ended) return this.error;
    this.ended = true;
    if (this.error) return this.error;
    if (!this.format) {
      this.error = new CaptureFormatError(
        this.pendingLength === 0 ? 'empty input: no capture header' : 'input too short for a capture header',
        0,
      );
    } else if (this.pendingLength > 0) {
      this.error = new CaptureFormatError(
        `truncated ${this.format === 'pcap' ? (this.pcapHeader ? 'record' : 'file header') : 'block'}: ${this.pendingLength} of ${this.needed} bytes`,
        this.consumed,
      );
    }
    this.pending = [];
    this.pendingLength = 0;
    return this.error;
  }

  private fail(err: CaptureFormatError): void {
    this.error = err;
  }

  /** Parses from the start of `buf` (stream offset `consumed`); returns bytes consumed. */
  private parse(buf: Buffer, out: CapturePacket[]): number {
    let pos = 0;
    const base = this.consumed;
    if (!this.format) {
      const magic = buf.readUInt32LE(0);
      if (magic === BLOCK_SECTION_HEADER) {
        this.format = 'pcapng';
        this.ng = new PcapngState(this.maxPacketLength);
      } else if (classicMagic(magic)) {
        this.format = 'pcap';
        this.needed = PCAP_HEADER_LENGTH;
      } else {
        this.fail(new CaptureFormatError(`unknown capture format (magic 0x${buf.readUInt32BE(0).toString(16).padStart(8, '0')})`, 0));
        return 0;
      }
    }
    if (this.format === 'pcap') {
      if (!this.pcapHeader) {
        if (buf.length < PCAP_HEADER_LENGTH) {
          this.needed = PCAP_HEADER_LENGTH;
          return 0;
        }
        const header = parseClassicHeader(buf, 0, base);
        if (header instanceof CaptureFormatError) {
          this.fail(header);
          return 0;
        }
        this.pcapHeader = header;
        pos = PCAP_HEADER_LENGTH;
      }
      const state = { header: this.pcapHeader, maxPacketLength: this.maxPacketLength };
      const result = readClassicRecords(state, buf, pos, base, out);
      if (result instanceof CaptureFormatError) {
        this.fail(result);
        return buf.length;
      }
      this.needed = result < buf.length ? classicRecordLength(this.pcapHeader, buf, result) : this.pcapHeader.recordHeaderLength;
      return result;
    }
    // pcapng: whole blocks only.
    const ng = this.ng!;
    for (;;) {
      const left = buf.length - pos;
      if (left < 12) {
        this.needed = 12;
        return pos;
      }
      const length = ng.blockLength(buf, pos, base + pos);
      if (length instanceof CaptureFormatError) {
        this.fail(length);
        return buf.length;
      }
      if (left < length) {
        this.needed = length;
        return pos;
      }
      const err = ng.parseBlock(buf, pos, length, base + pos, out);
      if (err) {
        this.fail(err);
        return buf.length;
      }
      pos += length;
    }
  }
}
