// IPv4 (RFC 791 section 3.2, "reassembly") and IPv6 (RFC 8200 section 4.5) fragment
// reassembly with explicit limits. Fragment data is copied (a fragment must not pin the whole
// capture chunk it came in), so `maxBytes` really bounds memory. Every drop is counted.
import type { Packet } from './types';
import { LinkType } from './types';
import { dissect } from './dissect';

export interface ReassemblerOptions {
  /** Datagrams being reassembled at once; the oldest is dropped to make room. Default 1024. */
  maxDatagrams?: number;
  /** Fragment bytes held in total; the oldest datagrams are dropped to make room. Default 16 MiB. */
  maxBytes?: number;
  /** A datagram not complete after this long is dropped. Default 30 s (RFC 8200 uses 60 s, Linux 30 s). */
  timeoutMs?: number;
}

export interface ReassemblerCounters {
  /** fragments accepted */
  fragments: number;
  /** datagrams completed */
  reassembled: number;
  /** datagrams dropped because they timed out */
  expired: number;
  /** datagrams dropped because maxDatagrams was reached */
  droppedDatagramLimit: number;
  /** datagrams (or a single fragment) dropped because maxBytes was reached */
  droppedByteLimit: number;
  /** datagrams dropped because fragments overlapped (RFC 5722 for IPv6; applied to IPv4 too) */
  droppedOverlap: number;
  /** fragments that were exact duplicates and were ignored */
  duplicates: number;
  /** fragments rejected as malformed (bad length, beyond 65535, conflicting ends) */
  invalid: number;
}

export interface ReassembledDatagram {
  family: 4 | 6;
  source: string;
  destination: string;
  identification: number;
  /** Upper-layer protocol (IPv4 Protocol, or the Fragment header's Next Header). */
  protocol: number;
  /** The reassembled fragmentable part (IPv4 payload, or the bytes after the IPv6 Fragment header). */
  payload: Buffer;
  /**
   * The datagram rebuilt without fragmentation: IPv4, the first fragment's header with the
   * fragment fields cleared, then the payload; IPv6 (RFC 8200 section 4.5), the first fragment's
   * unfragmentable part (fixed header and the extension headers before the Fragment header), then
   * the payload.
   */
  datagram: Buffer;
  /** `datagram` dissected as LINKTYPE_IPV4 / LINKTYPE_IPV6. */
  packet: Packet;
  fragmentCount: number;
}

interface Piece {
  offset: number;
  data: Buffer;
}

interface Pending {
  key: string;
  family: 4 | 6;
  source: string;
  destination: string;
  identification: number;
  protocol: number;
  pieces: Piece[];
  bytes: number;
  /** End offset given by the last fragment, -1 until it arrives. */
  totalLength: number;
  /**
   * Header of the offset-0 fragment (copied), once seen: IPv4's header, or IPv6's unfragmentable
   * part (fixed header and the extension headers before the Fragment header).
   */
  header?: Buffer;
  /** IPv6: where in `header` the Next Header byte naming the Fragment header sits. */
  nextHeaderAt?: number;
  deadline: number;
}

const MAX_IP_PAYLOAD = 65535;

export class IpReassembler {
  readonly counters: ReassemblerCounters = {
    fragments: 0,
    reassembled: 0,
    expired: 0,
    droppedDatagramLimit: 0,
    droppedByteLimit: 0,
    droppedOverlap: 0,
    duplicates: 0,
    invalid: 0,
  };
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  /** Insertion order is creation order, so the oldest datagram is always first. */
  private readonly pending = new Map<string, Pending>();
  private heldBytes = 0;

  constructor(options: ReassemblerOptions = {}) {
    this.maxDatagrams = Math.max(1, options.maxDatagrams ?? 1024);
    this.maxBytes = Math.max(1, options.maxBytes ?? 16 * 1024 * 1024);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Datagrams currently incomplete. */
  get inProgress(): number {
    return this.pending.size;
  }

  /** Fragment bytes currently held. */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  /** True when the dissected packet is an IPv4 or IPv6 fragment. */
  static isFragment(p: Packet): boolean {
    if (p.ipv4) return p.ipv4.moreFragments || p.ipv4.fragmentOffset !== 0;
    return p.ipv6?.fragment !== undefined;
  }

  /**
   * Offers a dissected packet. Returns the reassembled datagram when this fragment completes one,
   * otherwise undefined (also for packets that are not fragments). `now` is in milliseconds;
   * pass capture time to reassemble a file, wall time for live traffic.
   */
  push(p: Packet, now: number = Date.now()): ReassembledDatagram | undefined {
    this.expire(now);
    const v4 = p.ipv4;
    const v6 = p.ipv6;
    let key: string;
    let offset: number;
    let more: boolean;
    let data: Buffer | undefined;
    let init: Omit<Pending, 'pieces' | 'bytes' | 'totalLength' | 'deadline' | 'key'>;
    let header: Buffer | undefined;
    let nextHeaderAt: number | undefined;
    if (v4 !== undefined) {
      if (!v4.moreFragments && v4.fragmentOffset === 0) return undefined;
      offset = v4.fragmentOffset;
      more = v4.moreFragments;
      data = v4.payload;
      key = `4 ${v4.source} ${v4.destination} ${v4.protocol} ${v4.identification}`;
      init = { family: 4, source: v4.source, destination: v4.destination, identification: v4.identification, protocol: v4.protocol };
      if (offset === 0 && data !== undefined) header = ipv4HeaderOf(p, v4.headerLength);
    } else if (v6?.fragment !== undefined) {
      const f = v6.fragment;
      offset = f.offset;
      more = f.moreFragments;
      data = f.data;
      key = `6 ${v6.source} ${v6.destination} ${f.identification}`;
      init = { family: 6, source: v6.source, destination: v6.destination, identification: f.identification, protocol: f.nextHeader ?? v6.protocol };
      if (offset === 0) {
        // The first fragment's unfragmentable part leads the rebuilt packet; lengths are set on completion.
        const part = ipv6UnfragmentablePartOf(p);
        header = part?.bytes;
        nextHeaderAt = part?.nextHeaderAt;
      }
    } else {
      return undefined;
    }
    if (data === undefined || (more && data.length % 8 !== 0) || offset + data.length > MAX_IP_PAYLOAD) {
      this.counters.invalid++;
      return undefined;
    }
    let d = this.pending.get(key);
    if (d === undefined) {
      while (this.pending.size >= this.maxDatagrams) {
        this.dropOldest();
        this.counters.droppedDatagramLimit++;
      }
      d = { key, ...init, pieces: [], bytes: 0, totalLength: -1, deadline: now + this.timeoutMs };
      this.pending.set(key, d);
    }
    const end = offset + data.length;
    for (const piece of d.pieces) {
      const pieceEnd = piece.offset + piece.data.length;
      if (offset < pieceEnd && piece.offset < end) {
        if (piece.offset === offset && pieceEnd === end && piece.data.equals(data)) {
          this.counters.duplicates++;
          return undefined;
        }
        this.remove(d);
        this.counters.droppedOverlap++;
        return undefined;
      }
    }
    if (!more) {
      if ((d.totalLength !== -1 && d.totalLength !== end) || d.pieces.some((x) => x.offset + x.data.length > end)) {
        this.remove(d);
        this.counters.invalid++;
        return undefined;
      }
      d.totalLength = end;
    } else if (d.totalLength !== -1 && end > d.totalLength) {
      this.remove(d);
      this.counters.invalid++;
      return undefined;
    }
    if (data.length > this.maxBytes) {
      this.remove(d);
      this.counters.droppedByteLimit++;
      return undefined;
    }
    while (this.heldBytes + data.length > this.maxBytes) {
      const oldest = this.pending.values().next().value as Pending;
      this.remove(oldest);
      this.counters.droppedByteLimit++;
      if (oldest === d) return undefined;
    }
    d.pieces.push({ offset, data: Buffer.from(data) });
    d.bytes += data.length;
    this.heldBytes += data.length;
    if (header) {
      d.header = header;
      d.nextHeaderAt = nextHeaderAt;
    }
    this.counters.fragments++;
    if (d.totalLength === -1 || d.bytes !== d.totalLength || d.header === undefined) return undefined;
    // No overlaps and the byte count matches: the pieces tile [0, totalLength).
    this.remove(d);
    if (d.family === 6 && d.header.length - 40 + d.totalLength > MAX_IP_PAYLOAD) {
      // The unfragmentable part plus the fragmentable part would not fit the Payload Length field.
      this.counters.invalid++;
      return undefined;
    }
    this.counters.reassembled++;
    return this.build(d);
  }

  /** Drops datagrams whose deadline has passed; returns how many. */
  expire(now: number = Date.now()): number {
    let n = 0;
    for (const d of this.pending.values()) {
      if (d.deadline > now) break;
      this.remove(d);
      n++;
    }
    this.counters.expired += n;
    return n;
  }

  /** Forgets everything in progress (not counted as drops). */
  clear(): void {
    this.pending.clear();
    this.heldBytes = 0;
  }

  private dropOldest(): void {
    const first = this.pending.values().next().value as Pending | undefined;
    if (first) this.remove(first);
  }

  private remove(d: Pending): void {
    if (this.pending.delete(d.key)) this.heldBytes -= d.bytes;
  }

  private build(d: Pending): ReassembledDatagram {
    d.pieces.sort((a, b) => a.offset - b.offset);
    const payload = Buffer.concat(
      d.pieces.map((x) => x.data),
      d.totalLength,
    );
    const header = d.header!;
    let datagram: Buffer;
    if (d.family === 4) {
      datagram = Buffer.concat([header, payload]);
      datagram.writeUInt16BE(header.length + payload.length, 2);
      datagram.writeUInt16BE(datagram.readUInt16BE(6) & 0x4000, 6); // keep DF, clear MF and offset
    } else {
      // RFC 8200 section 4.5: unfragmentable part, then the fragmentable part; the Next Header that
      // named the Fragment header now names the fragmentable part's first header.
      datagram = Buffer.concat([header, payload]);
      datagram.writeUInt16BE(header.length - 40 + payload.length, 4);
      datagram[d.nextHeaderAt ?? 6] = d.protocol;
    }
    return {
      family: d.family,
      source: d.source,
      destination: d.destination,
      identification: d.identification,
      protocol: d.protocol,
      payload,
      datagram,
      packet: dissect(datagram, d.family === 4 ? LinkType.IPV4 : LinkType.IPV6),
      fragmentCount: d.pieces.length,
    };
  }
}

/** Copy of the IPv4 header: the fragment's payload slice starts right after it in the frame. */
function ipv4HeaderOf(p: Packet, headerLength: number): Buffer | undefined {
  const payload = p.ipv4!.payload!;
  const start = payload.byteOffset - headerLength;
  if (start < 0) return undefined;
  return Buffer.from(Buffer.from(payload.buffer, start, headerLength));
}

/**
 * The unfragmentable part of an IPv6 fragment (RFC 8200 section 4.5), copied: the fixed header and
 * the extension headers before the Fragment header (Hop-by-Hop, Destination Options, Routing),
 * and the offset in it of the Next Header byte that names the Fragment header.
 */
function ipv6UnfragmentablePartOf(p: Packet): { bytes: Buffer; nextHeaderAt: number } | undefined {
  const f = p.ipv6!.fragment!;
  if (f.data === undefined) return undefined;
  let extensionBytes = 0;
  let nextHeaderAt = 6; // the fixed header's Next Header field
  for (const e of p.ipv6!.extensions) {
    if (e.type === 44) break;
    nextHeaderAt = 40 + extensionBytes; // an extension header's Next Header is its first byte
    extensionBytes += e.length;
  }
  const start = f.data.byteOffset - 8 - extensionBytes - 40;
  if (start < 0) return undefined;
  return { bytes: Buffer.from(Buffer.from(f.data.buffer, start, 40 + extensionBytes)), nextHeaderAt };
}
