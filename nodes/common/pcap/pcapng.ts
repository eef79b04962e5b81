// pcapng (draft-ietf-opsawg-pcapng): a stream of blocks, each
//   Block Type (4) | Block Total Length (4) | body | Block Total Length (4)
// in the byte order of the enclosing section, set by the Section Header Block's byte-order magic.
// Interfaces (IDB) are numbered per section; packets (EPB/SPB/obsolete PB) refer to them.
import { CaptureFormatError, CaptureInterface, CapturePacket } from './types';
import { MICROSECONDS, TimestampUnit, unitFromTsresol, unitsToTimestamp } from './timestamp';

export const BLOCK_SECTION_HEADER = 0x0a0d0d0a; // same bytes in both orders on purpose (4.1)
export const BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
const BLOCK_PACKET_OBSOLETE = 0x00000002; // Appendix: obsolete Packet Block
const BLOCK_SIMPLE_PACKET = 0x00000003;
const BLOCK_INTERFACE_STATISTICS = 0x00000005;
export const BLOCK_ENHANCED_PACKET = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes (section 3.5 and per-block tables). */
const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const IF_NAME = 2;
const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
export const EPB_FLAGS = 2;

interface InterfaceState {
  info: CaptureInterface;
  unit: TimestampUnit;
}

export interface PcapngSection {
  index: number;
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  comments?: string[];
  hardware?: string;
  os?: string;
  userApplication?: string;
}

/** Parser state across blocks: the current section and its interfaces. */
export class PcapngState {
  littleEndian = true;
  sectionIndex = -1;
  section?: PcapngSection;
  private interfaces: InterfaceState[] = [];
  readonly allInterfaces: CaptureInterface[] = [];
  readonly sections: PcapngSection[] = [];
  /** Blocks skipped because this reader does not use them (name resolution, custom, unknown...). */
  skippedBlocks = 0;
  constructor(public maxPacketLength: number) {}

  /** Total length of the block starting at pos (needs 12 bytes), or an error. */
  blockLength(buf: Buffer, pos: number, streamOffset: number): number | CaptureFormatError {
    const type = buf.readUInt32LE(pos);
    let le = this.littleEndian;
    if (type === BLOCK_SECTION_HEADER) {
      const magic = buf.readUInt32LE(pos + 8);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else return new CaptureFormatError('pcapng section header has a bad byte-order magic', streamOffset + 8);
    } else if (this.sectionIndex < 0) {
      return new CaptureFormatError('pcapng stream does not start with a section header block', streamOffset);
    }
    const length = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
    if (length < 12 || length % 4 !== 0) {
      return new CaptureFormatError(`pcapng block total length ${length} is invalid`, streamOffset + 4);
    }
    // Packet data can be up to maxPacketLength; allow for headers and options around it.
    if (length > this.maxPacketLength + 65536 + 32) {
      return new CaptureFormatError(`pcapng block total length ${length} exceeds the limit`, streamOffset + 4);
    }
    return length;
  }

  /**
   * Parses one complete block `buf[pos..pos+length)`. Packets go to `out`; unknown blocks are
   * skipped, as the draft requires (section 3.1: "skip the block and continue").
   */
  parseBlock(buf: Buffer, pos: number, length: number, streamOffset: number, out: CapturePacket[]): CaptureFormatError | undefined {
    const type = buf.readUInt32LE(pos);
    if (type === BLOCK_SECTION_HEADER) return this.sectionHeader(buf, pos, length, streamOffset);
    const le = this.littleEndian;
    const trailer = le ? buf.readUInt32LE(pos + length - 4) : buf.readUInt32BE(pos + length - 4);
    if (trailer !== length) {
      return new CaptureFormatError(`pcapng block trailing length ${trailer} differs from ${length}`, streamOffset + length - 4);
    }
    const blockType = le ? type : buf.readUInt32BE(pos);
    switch (blockType) {
      case BLOCK_ENHANCED_PACKET:
        return this.enhancedPacket(buf, pos, length, streamOffset, out);
      case BLOCK_SIMPLE_PACKET:
        return this.simplePacket(buf, pos, length, streamOffset, out);
      case BLOCK_INTERFACE_DESCRIPTION:
        return this.interfaceDescription(buf, pos, length, streamOffset);
      case BLOCK_PACKET_OBSOLETE:
        return this.obsoletePacket(buf, pos, length, streamOffset, out);
      case BLOCK_INTERFACE_STATISTICS:
        return this.interfaceStatistics(buf, pos, length, streamOffset);
      default:
        this.skippedBlocks++;
        return undefined;
    }
  }

  private sectionHeader(buf: Buffer, pos: number, length: number, streamOffset: number): CaptureFormatError | undefined {
    // Section Header Block (4.1): magic, major, minor, section length (i64, may be -1), options.
    const le = buf.readUInt32LE(pos + 8) === BYTE_ORDER_MAGIC;
    if (length < 28) return new CaptureFormatError('pcapng section header block too short', streamOffset + 4);
    const trailer = le ? buf.readUInt32LE(pos + length - 4) : buf.readUInt32BE(pos + length - 4);
    if (trailer !== length) {
      return new CaptureFormatError(`pcapng block trailing length ${trailer} differs from ${length}`, streamOffset + length - 4);
    }
    const versionMajor = le ? buf.readUInt16LE(pos + 12) : buf.readUInt16BE(pos + 12);
    const versionMinor = le ? buf.readUInt16LE(pos + 14) : buf.readUInt16BE(pos + 14);
    if (versionMajor !== 1) {
      return new CaptureFormatError(`unsupported pcapng version ${versionMajor}.${versionMinor}`, streamOffset + 12);
    }
    this.littleEndian = le;
    this.sectionIndex += 1;
    this.interfaces = [];
    const section: PcapngSection = { index: this.sectionIndex, littleEndian: le, versionMajor, versionMinor };
    const err = readOptions(buf, pos + 24, pos + length - 4, le, streamOffset + 24, (code, start, len) => {
      const text = () => buf.toString('utf8', start, start + len);
      if (code === OPT_COMMENT) (section.comments ??= []).push(text());
      else if (code === 2) section.hardware = text();
      else if (code === 3) section.os = text();
      else if (code === 4) section.userApplication = text();
    });
    if (err) return err;
    this.section = section;
    this.sections.push(section);
    return undefined;
  }

  private interfaceDescription(buf: Buffer, pos: number, length: number, streamOffset: number): CaptureFormatError | undefined {
    // Interface Description Block (4.2): LinkType (2), Reserved (2), SnapLen (4), options.
    if (length < 20) return new CaptureFormatError('pcapng interface description block too short', streamOffset + 4);
    const le = this.littleEndian;
    const info: CaptureInterface = {
      section: this.sectionIndex,
      linkType: le ? buf.readUInt16LE(pos + 8) : buf.readUInt16BE(pos + 8),
      snapLength: le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12),
      tsResolution: { base: 10, exponent: 6 },
      tsOffset: 0,
    };
    let unit = MICROSECONDS;
    const err = readOptions(buf, pos + 16, pos + length - 4, le, streamOffset + 16, (code, start, len) => {
      switch (code) {
        case OPT_COMMENT:
          (info.comments ??= []).push(buf.toString('utf8', start, start + len));
          break;
        case IF_NAME:
          info.name = buf.toString('utf8', start, start + len);
          break;
        case IF_DESCRIPTION:
          info.description = buf.toString('utf8', start, start + len);
          break;
        case IF_TSRESOL:
          if (len >= 1) {
            unit = unitFromTsresol(buf[start]);
            info.tsResolution = { base: unit.base, exponent: unit.exponent };
          }
          break;
        case IF_TSOFFSET:
          if (len >= 8) {
            info.tsOffset = Number(le ? buf.readBigInt64LE(start) : buf.readBigInt64BE(start));
          }
          break;
      }
    });
    if (err) return err;
    this.interfaces.push({ info, unit });
    this.allInterfaces.push(info);
    return undefined;
  }

  private interfaceStatistics(buf: Buffer, pos: number, length: number, streamOffset: number): CaptureFormatError | undefined {
    // Interface Statistics Block (4.6): Interface ID, Timestamp (high, low), options. The
    // capturer's own drop counters: what the capture lost before it reached the file.
    if (length < 24) return new CaptureFormatError('pcapng interface statistics block too short', streamOffset + 4);
    const le = this.littleEndian;
    const id = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
    const iface = this.interfaces[id];
    if (iface === undefined) {
      return new CaptureFormatError(`interface statistics block refers to unknown interface ${id}`, streamOffset + 8);
    }
    const stats: NonNullable<CaptureInterface['statistics']> = {};
    const u64 = (start: number) => Number(le ? buf.readBigUInt64LE(start) : buf.readBigUInt64BE(start));
    const err = readOptions(buf, pos + 20, pos + length - 4, le, streamOffset + 20, (code, start, len) => {
      if (len < 8) return;
      if (code === 4) stats.received = u64(start); // isb_ifrecv
      else if (code === 5) stats.interfaceDropped = u64(start); // isb_ifdrop
      else if (code === 6) stats.filterAccepted = u64(start); // isb_filteraccept
      else if (code === 7) stats.osDropped = u64(start); // isb_osdrop
      else if (code === 8) stats.delivered = u64(start); // isb_usrdeliv
    });
    if (err) return err;
    // Later statistics blocks supersede earlier ones (the counters are cumulative).
    iface.info.statistics = stats;
    return undefined;
  }

  private enhancedPacket(buf: Buffer, pos: number, length: number, streamOffset: number, out: CapturePacket[]): CaptureFormatError | undefined {
    // Enhanced Packet Block (4.3): Interface ID, Timestamp (high, low), Captured Len,
    // Original Len, data padded to 32 bits, options.
    if (length < 32) return new CaptureFormatError('pcapng enhanced packet block too short', streamOffset + 4);
    const le = this.littleEndian;
    let interfaceId: number, high: number, low: number, caplen: number, origlen: number;
    if (le) {
      interfaceId = buf.readUInt32LE(pos + 8);
      high = buf.readUInt32LE(pos + 12);
      low = buf.readUInt32LE(pos + 16);
      caplen = buf.readUInt32LE(pos + 20);
      origlen = buf.readUInt32LE(pos + 24);
    } else {
      interfaceId = buf.readUInt32BE(pos + 8);
      high = buf.readUInt32BE(pos + 12);
      low = buf.readUInt32BE(pos + 16);
      caplen = buf.readUInt32BE(pos + 20);
      origlen = buf.readUInt32BE(pos + 24);
    }
    const iface = this.interfaces[interfaceId];
    if (iface === undefined) {
      return new CaptureFormatError(`enhanced packet block refers to unknown interface ${interfaceId}`, streamOffset + 8);
    }
    const dataStart = pos + 28;
    const padded = (caplen + 3) & ~3;
    if (caplen > length - 32 || padded > length - 32) {
      return new CaptureFormatError(`enhanced packet block captured length ${caplen} exceeds the block`, streamOffset + 20);
    }
    let comments: string[] | undefined;
    let flags: number | undefined;
    const optStart = dataStart + padded;
    const optEnd = pos + length - 4;
    if (optEnd > optStart) {
      const err = readOptions(buf, optStart, optEnd, le, streamOffset + (optStart - pos), (code, start, len) => {
        if (code === OPT_COMMENT) (comments ??= []).push(buf.toString('utf8', start, start + len));
        else if (code === EPB_FLAGS && len >= 4) flags = le ? buf.readUInt32LE(start) : buf.readUInt32BE(start);
      });
      if (err) return err;
    }
    out.push(
      new CapturePacket(
        unitsToTimestamp(high, low, iface.unit, iface.info.tsOffset),
        caplen,
        origlen,
        iface.info.linkType,
        interfaceId,
        buf.subarray(dataStart, dataStart + caplen),
        streamOffset,
        iface.info.name,
        comments,
        flags,
      ),
    );
    return undefined;
  }

  private simplePacket(buf: Buffer, pos: number, length: number, streamOffset: number, out: CapturePacket[]): CaptureFormatError | undefined {
    // Simple Packet Block (4.4): Original Len, data. Always interface 0, no timestamp; the
    // captured length is the smaller of the original length and the interface's SnapLen
    // (0 means no limit), bounded by the block.
    const iface = this.interfaces[0];
    if (iface === undefined) return new CaptureFormatError('simple packet block without an interface', streamOffset);
    if (length < 16) return new CaptureFormatError('pcapng simple packet block too short', streamOffset + 4);
    const le = this.littleEndian;
    const origlen = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
    let caplen = Math.min(origlen, length - 16);
    if (iface.info.snapLength > 0) caplen = Math.min(caplen, iface.info.snapLength);
    out.push(
      new CapturePacket(
        unitsToTimestamp(0, 0, iface.unit, 0),
        caplen,
        origlen,
        iface.info.linkType,
        0,
        buf.subarray(pos + 12, pos + 12 + caplen),
        streamOffset,
        iface.info.name,
      ),
    );
    return undefined;
  }

  private obsoletePacket(buf: Buffer, pos: number, length: number, streamOffset: number, out: CapturePacket[]): CaptureFormatError | undefined {
    // Packet Block (obsolete, Appendix A): Interface ID (2), Drops Count (2), Timestamp (8),
    // Captured Len, Packet Len, data, options. Still written by old tools.
    if (length < 32) return new CaptureFormatError('pcapng packet block too short', streamOffset + 4);
    const le = this.littleEndian;
    const interfaceId = le ? buf.readUInt16LE(pos + 8) : buf.readUInt16BE(pos + 8);
    const iface = this.interfaces[interfaceId];
    if (iface === undefined) {
      return new CaptureFormatError(`packet block refers to unknown interface ${interfaceId}`, streamOffset + 8);
    }
    const high = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
    const low = le ? buf.readUInt32LE(pos + 16) : buf.readUInt32BE(pos + 16);
    const caplen = le ? buf.readUInt32LE(pos + 20) : buf.readUInt32BE(pos + 20);
    const origlen = le ? buf.readUInt32LE(pos + 24) : buf.readUInt32BE(pos + 24);
    if (caplen > length - 32) {
      return new CaptureFormatError(`packet block captured length ${caplen} exceeds the block`, streamOffset + 20);
    }
    out.push(
      new CapturePacket(
        unitsToTimestamp(high, low, iface.unit, iface.info.tsOffset),
        caplen,
        origlen,
        iface.info.linkType,
        interfaceId,
        buf.subarray(pos + 28, pos + 28 + caplen),
        streamOffset,
        iface.info.name,
      ),
    );
    return undefined;
  }
}

/**
 * Walks an options list (section 3.5): Option Code (2) | Option Length (2) | value padded to 32
 * bits, ending with opt_endofopt or at the end of the block.
 */
function readOptions(
  buf: Buffer,
  start: number,
  end: number,
  le: boolean,
  streamOffset: number,
  onOption: (code: number, valueStart: number, valueLength: number) => void,
): CaptureFormatError | undefined {
  let pos = start;
  while (end - pos >= 4) {
    const code = le ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
    const len = le ? buf.readUInt16LE(pos + 2) : buf.readUInt16BE(pos + 2);
    if (code === OPT_ENDOFOPT) return undefined;
    const next = pos + 4 + ((len + 3) & ~3);
    if (pos + 4 + len > end) {
      return new CaptureFormatError(`pcapng option ${code} of length ${len} overruns its block`, streamOffset + (pos - start));
    }
    onOption(code, pos + 4, len);
    pos = next;
  }
  return undefined;
}
