// Classic libpcap savefile format (draft-ietf-opsawg-pcap, "PCAP Capture File Format").
// A 24-byte file header is followed by records of a 16-byte header plus the captured bytes.
// The magic number gives both the byte order of the writer and the timestamp resolution.
import { CaptureFormatError, CapturePacket, CaptureTimestamp } from './types';

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
/**
 * Alexey Kuznetzov's patched libpcap ("modified tcpdump", editcap's modpcap): microsecond
 * records with 8 more header bytes (ifindex, protocol, packet type, padding).
 */
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
export const PCAP_HEADER_LENGTH = 24;

export interface ClassicHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  /** 16, or 24 for the modified (Kuznetzov) format */
  recordHeaderLength: number;
  versionMajor: number;
  versionMinor: number;
  snapLength: number;
  /** LINKTYPE_* (low 26 bits of the field, as libpcap's LT_LINKTYPE does). */
  linkType: number;
  /** FCS length in 16-bit words when the F bit is set (draft section 4, "LinkType and additional information"). */
  fcsLength?: number;
}

/** Reads the 4-byte magic; returns undefined when it is not a classic pcap magic. */
export function classicMagic(magicLE: number): { littleEndian: boolean; nanosecond: boolean; recordHeaderLength: number } | undefined {
  // The writer stored the magic in its own byte order; read little-endian and compare both ways.
  switch (magicLE) {
    case PCAP_MAGIC_MICROSECONDS:
      return { littleEndian: true, nanosecond: false, recordHeaderLength: 16 };
    case PCAP_MAGIC_NANOSECONDS:
      return { littleEndian: true, nanosecond: true, recordHeaderLength: 16 };
    case PCAP_MAGIC_MODIFIED:
      return { littleEndian: true, nanosecond: false, recordHeaderLength: 24 };
    case 0xd4c3b2a1:
      return { littleEndian: false, nanosecond: false, recordHeaderLength: 16 };
    case 0x4d3cb2a1:
      return { littleEndian: false, nanosecond: true, recordHeaderLength: 16 };
    case 0x34cdb2a1:
      return { littleEndian: false, nanosecond: false, recordHeaderLength: 24 };
    default:
      return undefined;
  }
}

export function parseClassicHeader(buf: Buffer, pos: number, streamOffset: number): ClassicHeader | CaptureFormatError {
  const magic = classicMagic(buf.readUInt32LE(pos));
  if (!magic) return new CaptureFormatError('not a pcap magic number', streamOffset);
  const le = magic.littleEndian;
  const u16 = (o: number) => (le ? buf.readUInt16LE(pos + o) : buf.readUInt16BE(pos + o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(pos + o) : buf.readUInt32BE(pos + o));
  const versionMajor = u16(4);
  if (versionMajor !== 2) return new CaptureFormatError(`unsupported pcap version ${versionMajor}`, streamOffset + 4);
  const field = u32(20);
  const header: ClassicHeader = {
    ...magic,
    versionMajor,
    versionMinor: u16(6),
    snapLength: u32(16),
    linkType: field & 0x03ffffff,
  };
  if (field & 0x10000000) header.fcsLength = (field >>> 29) * 2;
  return header;
}

export interface ClassicRecordState {
  header: ClassicHeader;
  maxPacketLength: number;
}

/**
 * Parses as many complete records as `buf[pos..end)` holds, pushing packets to `out`.
 * Returns the position of the first unparsed byte, or a CaptureFormatError for a bad record.
 * Little- and big-endian loops are separate so the hot path has no per-field branch.
 */
export function readClassicRecords(
  state: ClassicRecordState,
  buf: Buffer,
  pos: number,
  streamBase: number,
  out: CapturePacket[],
): number | CaptureFormatError {
  const end = buf.length;
  const { linkType, littleEndian, nanosecond, recordHeaderLength } = state.header;
  const max = state.maxPacketLength;
  const scale = nanosecond ? 1 : 1000;
  while (end - pos >= recordHeaderLength) {
    let seconds: number, fraction: number, caplen: number, origlen: number;
    if (littleEndian) {
      seconds = buf.readUInt32LE(pos);
      fraction = buf.readUInt32LE(pos + 4);
      caplen = buf.readUInt32LE(pos + 8);
      origlen = buf.readUInt32LE(pos + 12);
    } else {
      seconds = buf.readUInt32BE(pos);
      fraction = buf.readUInt32BE(pos + 4);
      caplen = buf.readUInt32BE(pos + 8);
      origlen = buf.readUInt32BE(pos + 12);
    }
    if (caplen > max) {
      return new CaptureFormatError(`record captured length ${caplen} exceeds the limit ${max}`, streamBase + pos + 8);
    }
    const dataStart = pos + recordHeaderLength;
    if (end - dataStart < caplen) break;
    let ns = fraction * scale;
    if (ns >= 1_000_000_000) {
      // Some writers store a fraction of a second >= 1 s; carry it like libpcap users do.
      seconds += Math.floor(ns / 1_000_000_000);
      ns %= 1_000_000_000;
    }
    out.push(
      new CapturePacket(
        new CaptureTimestamp(seconds, ns),
        caplen,
        origlen,
        linkType,
        0,
        buf.subarray(dataStart, dataStart + caplen),
        streamBase + pos,
      ),
    );
    pos = dataStart + caplen;
  }
  return pos;
}

/** How many bytes the record at `pos` needs in total (header + data), once its header is there. */
export function classicRecordLength(header: ClassicHeader, buf: Buffer, pos: number): number {
  if (buf.length - pos < header.recordHeaderLength) return header.recordHeaderLength;
  const caplen = header.littleEndian ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
  return header.recordHeaderLength + caplen;
}
