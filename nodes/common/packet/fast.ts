// A cheap summary for hot loops (flow keys, counters): numbers and offsets only, no strings,
// no slices, and the result object can be reused across calls. It follows the same rules as
// `dissect` for the outer headers but does not enter tunnels or record errors beyond `ok`.
import { LinkType } from './types';

export interface L2L4Summary {
  /** false when a header was truncated or malformed (fields up to that layer are still set). */
  ok: boolean;
  /** EtherType after VLAN tags (0 when the link type carries IP directly). */
  etherType: number;
  /** Outermost VLAN ID, -1 without tags. */
  vlanId: number;
  /** 4, 6, or 0 for non-IP. */
  ipVersion: number;
  /** Offset of the IP header in the frame, -1 for non-IP. */
  ipOffset: number;
  /** Offsets of the source and destination address bytes (4 or 16 bytes each). */
  sourceOffset: number;
  destinationOffset: number;
  /** Upper-layer protocol (after IPv6 extension headers), -1 for non-IP. */
  protocol: number;
  /** true for non-first fragments (no transport header). */
  fragment: boolean;
  /** Transport ports, -1 when absent; for ICMP/ICMPv6 the type and code. */
  sourcePort: number;
  destinationPort: number;
  /** TCP flags (low 9 bits), 0 otherwise. */
  tcpFlags: number;
  /** Where the transport payload starts and how long it is (bounded by IP/UDP lengths). */
  payloadOffset: number;
  payloadLength: number;
}

export function newL2L4Summary(): L2L4Summary {
  return {
    ok: false,
    etherType: 0,
    vlanId: -1,
    ipVersion: 0,
    ipOffset: -1,
    sourceOffset: -1,
    destinationOffset: -1,
    protocol: -1,
    fragment: false,
    sourcePort: -1,
    destinationPort: -1,
    tcpFlags: 0,
    payloadOffset: 0,
    payloadLength: 0,
  };
}

/** Fills `out` (or a new summary) from the frame; never throws. */
export function dissectL2L4(b: Buffer, linkType: number, out: L2L4Summary = newL2L4Summary()): L2L4Summary {
  out.ok = false;
  out.etherType = 0;
  out.vlanId = -1;
  out.ipVersion = 0;
  out.ipOffset = out.sourceOffset = out.destinationOffset = out.protocol = -1;
  out.fragment = false;
  out.sourcePort = out.destinationPort = -1;
  out.tcpFlags = 0;
  out.payloadOffset = 0;
  out.payloadLength = 0;
  let end = b.length;
  let o = 0;
  let type: number;
  switch (linkType) {
    case LinkType.ETHERNET: {
      if (end < 14) return out;
      type = (b[12] << 8) | b[13];
      o = 14;
      for (let n = 0; (type === 0x8100 || type === 0x88a8 || type === 0x9100) && n < 8; n++) {
        if (end - o < 4) return out;
        if (out.vlanId < 0) out.vlanId = ((b[o] << 8) | b[o + 1]) & 0x0fff;
        type = (b[o + 2] << 8) | b[o + 3];
        o += 4;
      }
      break;
    }
    case LinkType.LINUX_SLL:
      if (end < 16) return out;
      type = (b[14] << 8) | b[15];
      o = 16;
      break;
    case LinkType.LINUX_SLL2:
      if (end < 20) return out;
      type = (b[0] << 8) | b[1];
      o = 20;
      break;
    case LinkType.RAW:
      if (end < 1) return out;
      type = b[0] >> 4 === 4 ? 0x0800 : b[0] >> 4 === 6 ? 0x86dd : 0;
      break;
    case LinkType.IPV4:
      type = 0x0800;
      break;
    case LinkType.IPV6:
      type = 0x86dd;
      break;
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (end < 4) return out;
      let family = linkType === LinkType.LOOP ? b.readUInt32BE(0) : b.readUInt32LE(0);
      if (family > 0xffff) family = b.readUInt32BE(0);
      type = family === 2 ? 0x0800 : family === 10 || family === 23 || family === 24 || family === 28 || family === 30 ? 0x86dd : 0;
      o = 4;
      break;
    }
    default:
      return out;
  }
  out.etherType = linkType === LinkType.ETHERNET || linkType === LinkType.LINUX_SLL || linkType === LinkType.LINUX_SLL2 ? type : 0;
  let proto: number;
  if (type === 0x0800) {
    if (end - o < 20 || b[o] >> 4 !== 4) return out;
    const hl = (b[o] & 15) * 4;
    const total = (b[o + 2] << 8) | b[o + 3];
    if (hl < 20 || end - o < hl || total < hl) return out;
    if (o + total < end) end = o + total;
    out.ipVersion = 4;
    out.ipOffset = o;
    out.sourceOffset = o + 12;
    out.destinationOffset = o + 16;
    proto = b[o + 9];
    out.protocol = proto;
    out.fragment = (((b[o + 6] << 8) | b[o + 7]) & 0x1fff) !== 0;
    o += hl;
  } else if (type === 0x86dd) {
    if (end - o < 40 || b[o] >> 4 !== 6) return out;
    const plen = (b[o + 4] << 8) | b[o + 5];
    proto = b[o + 6];
    if (!(plen === 0 && proto === 0) && o + 40 + plen < end) end = o + 40 + plen;
    out.ipVersion = 6;
    out.ipOffset = o;
    out.sourceOffset = o + 8;
    out.destinationOffset = o + 24;
    o += 40;
    for (let n = 0; n < 16 && (proto === 0 || proto === 43 || proto === 44 || proto === 60 || proto === 51); n++) {
      if (end - o < 8) {
        out.protocol = proto;
        return out;
      }
      const len = proto === 44 ? 8 : proto === 51 ? (b[o + 1] + 2) * 4 : (b[o + 1] + 1) * 8;
      if (end - o < len) {
        out.protocol = proto;
        return out;
      }
      if (proto === 44 && (((b[o + 2] << 8) | b[o + 3]) & 0xfff8) !== 0) out.fragment = true;
      proto = b[o];
      o += len;
      if (out.fragment) break;
    }
    out.protocol = proto;
  } else {
    out.payloadOffset = o;
    out.payloadLength = end - o;
    out.ok = true;
    return out;
  }
  if (!out.fragment) {
    if (proto === 6) {
      if (end - o < 20) return out;
      const hl = (b[o + 12] >> 4) * 4;
      if (hl < 20 || end - o < hl) return out;
      out.sourcePort = (b[o] << 8) | b[o + 1];
      out.destinationPort = (b[o + 2] << 8) | b[o + 3];
      out.tcpFlags = ((b[o + 12] & 1) << 8) | b[o + 13];
      o += hl;
    } else if (proto === 17) {
      if (end - o < 8) return out;
      out.sourcePort = (b[o] << 8) | b[o + 1];
      out.destinationPort = (b[o + 2] << 8) | b[o + 3];
      const len = (b[o + 4] << 8) | b[o + 5];
      if (len >= 8 && o + len < end) end = o + len;
      o += 8;
    } else if (proto === 1 || proto === 58) {
      if (end - o < 4) return out;
      out.sourcePort = b[o];
      out.destinationPort = b[o + 1];
      o += Math.min(8, end - o);
    }
  }
  out.payloadOffset = o;
  out.payloadLength = end - o;
  out.ok = true;
  return out;
}
