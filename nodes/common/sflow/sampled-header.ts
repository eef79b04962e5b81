// Maps the sampled packet header of an sFlow flow sample (header_protocol from the sFlow v5
// spec: 1 Ethernet, 11 IPv4, 12 IPv6) onto IANA-named flow fields. The full header stays in the
// record as dataLinkFrameSection.
//
// Default: the foundation's `dissectL2L4` fast path (offsets and numbers into one reused summary,
// no per-layer objects), with the few header fields it does not summarise (MACs, inner VLAN,
// class of service, TTL, flow label) read at the offsets it found. `dissectSampledHeader` is the
// full `dissect()` mapping, for FlowDecoder's `dissectHeader` option when that is wanted.
import { dissect } from '../packet/dissect';
import { dissectL2L4 as l2l4, newL2L4Summary } from '../packet/fast';
import { ipv4ToString as v4, ipv6ToString as v6, macToString as macText } from '../packet/text';
import { LinkType as LT } from '../packet/types';
import type { FlowRecord } from '../flow/types';
import { HEADER_PROTOCOL as HP } from './wire';

export type HeaderFields = Record<string, unknown>;

const LINK_TYPE_BY_HEADER_PROTOCOL: Record<number, number> = {
  [HP.ethernet]: LT.ETHERNET, [HP.ipv4]: LT.IPV4, [HP.ipv6]: LT.IPV6,
};

const summary = newL2L4Summary();
// Module-local bindings: one lookup at load, not an export getter per call (tsx/CJS output).
const dissectL2L4 = l2l4;
const ipv4ToString = v4;
const ipv6ToString = v6;
const macToString = macText;
const HEADER_PROTOCOL = HP;
const LinkType = LT;

/** Writes the header's fields straight into `rec` (same names and values as dissectSampledHeader). */
export function addSampledHeaderFields(protocol: number, b: Buffer, rec: FlowRecord): void {
  const linkType = protocol === HEADER_PROTOCOL.ethernet ? LinkType.ETHERNET : protocol === HEADER_PROTOCOL.ipv4 ? LinkType.IPV4
    : protocol === HEADER_PROTOCOL.ipv6 ? LinkType.IPV6 : -1;
  if (linkType < 0) return;
  const p = dissectL2L4(b, linkType, summary);
  if (linkType === LinkType.ETHERNET) {
    if (b.length < 14) return;
    rec.sourceMacAddress = macToString(b, 6);
    rec.destinationMacAddress = macToString(b, 0);
    // The EtherType after the VLAN tags, as dissect() reports it.
    rec.ethernetType = p.etherType;
    if (p.vlanId >= 0) {
      rec.vlanId = p.vlanId;
      // A second tag (QinQ): its id is the customer VLAN.
      const t = (b[16] << 8) | b[17];
      if ((t === 0x8100 || t === 0x88a8 || t === 0x9100) && b.length >= 22) rec.dot1qCustomerVlanId = ((b[18] << 8) | b[19]) & 0x0fff;
    }
  }
  const ip = p.ipOffset;
  if (p.ipVersion === 4) {
    rec.ipVersion = 4;
    rec.sourceIPv4Address = ipv4ToString(b, p.sourceOffset);
    rec.destinationIPv4Address = ipv4ToString(b, p.destinationOffset);
    rec.protocolIdentifier = p.protocol;
    rec.ipClassOfService = b[ip + 1];
    rec.ipTTL = b[ip + 8];
  } else if (p.ipVersion === 6) {
    rec.ipVersion = 6;
    rec.sourceIPv6Address = ipv6ToString(b, p.sourceOffset);
    rec.destinationIPv6Address = ipv6ToString(b, p.destinationOffset);
    rec.protocolIdentifier = p.protocol;
    rec.ipClassOfService = ((b[ip] & 0x0f) << 4) | (b[ip + 1] >> 4);
    rec.flowLabelIPv6 = ((b[ip + 1] & 0x0f) << 16) | (b[ip + 2] << 8) | b[ip + 3];
    rec.ipTTL = b[ip + 7];
  } else return;
  if (p.sourcePort < 0) return;
  if (p.protocol === 6 || p.protocol === 17) {
    rec.sourceTransportPort = p.sourcePort;
    rec.destinationTransportPort = p.destinationPort;
    if (p.protocol === 6) rec.tcpControlBits = p.tcpFlags;
  } else if (p.ipVersion === 4 && p.protocol === 1) rec.icmpTypeCodeIPv4 = (p.sourcePort << 8) | p.destinationPort;
  else if (p.ipVersion === 6 && p.protocol === 58) rec.icmpTypeCodeIPv6 = (p.sourcePort << 8) | p.destinationPort;
}

/** The full-dissector mapping (the pack's `dissect()`), returned as a separate object. */
export function dissectSampledHeader(protocol: number, header: Buffer): HeaderFields {
  const f: HeaderFields = {};
  const linkType = LINK_TYPE_BY_HEADER_PROTOCOL[protocol];
  if (linkType === undefined) return f;
  // Sampled headers are cut at 128 octets by most agents: the dissector keeps what it read.
  const p = dissect(header, linkType, { noTunnels: true });
  if (p.ethernet) {
    f.sourceMacAddress = p.ethernet.source;
    f.destinationMacAddress = p.ethernet.destination;
    f.ethernetType = p.ethernet.etherType;
  }
  if (p.vlans.length) f.vlanId = p.vlans[0].id;
  if (p.vlans.length > 1) f.dot1qCustomerVlanId = p.vlans[1].id;
  if (p.ipv4) {
    f.ipVersion = 4;
    f.sourceIPv4Address = p.ipv4.source;
    f.destinationIPv4Address = p.ipv4.destination;
    f.protocolIdentifier = p.ipv4.protocol;
    f.ipClassOfService = (p.ipv4.dscp << 2) | p.ipv4.ecn;
    f.ipTTL = p.ipv4.ttl;
  } else if (p.ipv6) {
    f.ipVersion = 6;
    f.sourceIPv6Address = p.ipv6.source;
    f.destinationIPv6Address = p.ipv6.destination;
    f.protocolIdentifier = p.ipv6.protocol;
    f.ipClassOfService = p.ipv6.trafficClass;
    f.flowLabelIPv6 = p.ipv6.flowLabel;
    f.ipTTL = p.ipv6.hopLimit;
  }
  const l4 = p.tcp ?? p.udp;
  if (l4) {
    f.sourceTransportPort = l4.sourcePort;
    f.destinationTransportPort = l4.destinationPort;
  }
  if (p.tcp) f.tcpControlBits = p.tcp.flags;
  if (p.icmp) f[p.ipv6 ? 'icmpTypeCodeIPv6' : 'icmpTypeCodeIPv4'] = (p.icmp.type << 8) | p.icmp.code;
  return f;
}
