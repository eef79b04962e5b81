// Reads the sampled packet header of an sFlow flow sample (header_protocol values from the sFlow v5
// spec: 1 Ethernet, 11 IPv4, 12 IPv6) down to L4, into IANA-named fields.
// Only the fields a flow record needs; the full packet is kept as dataLinkFrameSection.
import { ipv4, ipv6, mac } from '../netflow/values';

export type HeaderFields = Record<string, unknown>;

const ETHERNET = 1, IPV4 = 11, IPV6 = 12;

export function dissectSampledHeader(protocol: number, h: Buffer): HeaderFields {
  const f: HeaderFields = {};
  if (protocol === ETHERNET) {
    if (h.length < 14) return f;
    f.destinationMacAddress = mac(h, 0);
    f.sourceMacAddress = mac(h, 6);
    let off = 12;
    let type = h.readUInt16BE(off);
    // 802.1Q / 802.1ad tags: outermost is the VLAN the flow was seen on.
    while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && off + 6 <= h.length) {
      if (f.vlanId === undefined) f.vlanId = h.readUInt16BE(off + 2) & 0x0fff;
      else if (f.dot1qCustomerVlanId === undefined) f.dot1qCustomerVlanId = h.readUInt16BE(off + 2) & 0x0fff;
      off += 4;
      type = h.readUInt16BE(off);
    }
    f.ethernetType = type;
    off += 2;
    if (type === 0x0800) readIPv4(h, off, f);
    else if (type === 0x86dd) readIPv6(h, off, f);
  } else if (protocol === IPV4) readIPv4(h, 0, f);
  else if (protocol === IPV6) readIPv6(h, 0, f);
  return f;
}

function readIPv4(h: Buffer, off: number, f: HeaderFields): void {
  if (h.length - off < 20 || h[off] >> 4 !== 4) return;
  const ihl = (h[off] & 0x0f) * 4;
  f.ipVersion = 4;
  f.ipClassOfService = h[off + 1];
  f.ipTTL = h[off + 8];
  f.protocolIdentifier = h[off + 9];
  f.sourceIPv4Address = ipv4(h, off + 12);
  f.destinationIPv4Address = ipv4(h, off + 16);
  // Only the first fragment carries the L4 header.
  if ((h.readUInt16BE(off + 6) & 0x1fff) === 0) readL4(h, off + ihl, h[off + 9], f, 4);
}

function readIPv6(h: Buffer, off: number, f: HeaderFields): void {
  if (h.length - off < 40 || h[off] >> 4 !== 6) return;
  f.ipVersion = 6;
  f.ipClassOfService = (h.readUInt16BE(off) >> 4) & 0xff;
  f.flowLabelIPv6 = h.readUInt32BE(off) & 0xfffff;
  f.ipTTL = h[off + 7];
  f.sourceIPv6Address = ipv6(h, off + 8);
  f.destinationIPv6Address = ipv6(h, off + 24);
  let next = h[off + 6];
  off += 40;
  // Skip hop-by-hop, routing and destination-options extension headers.
  while ((next === 0 || next === 43 || next === 60) && h.length - off >= 8) {
    const len = (h[off + 1] + 1) * 8;
    next = h[off];
    off += len;
  }
  f.protocolIdentifier = next;
  readL4(h, off, next, f, 6);
}

function readL4(h: Buffer, off: number, proto: number, f: HeaderFields, ipVersion: 4 | 6): void {
  if (proto === 6 || proto === 17 || proto === 132) {
    if (h.length - off < 4) return;
    f.sourceTransportPort = h.readUInt16BE(off);
    f.destinationTransportPort = h.readUInt16BE(off + 2);
    if (proto === 6 && h.length - off >= 14) f.tcpControlBits = h[off + 13] | ((h[off + 12] & 1) << 8);
  } else if (proto === 1 || proto === 58) {
    if (h.length - off < 2) return;
    f[ipVersion === 4 ? 'icmpTypeCodeIPv4' : 'icmpTypeCodeIPv6'] = h.readUInt16BE(off);
  }
}
