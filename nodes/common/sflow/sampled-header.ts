// Maps the sampled packet header of an sFlow flow sample (header_protocol from the sFlow v5
// spec: 1 Ethernet, 11 IPv4, 12 IPv6) onto IANA-named flow fields, using the pack's dissectors.
// The full header stays in the record as dataLinkFrameSection.
import { dissect } from '../packet/dissect';
import { LinkType } from '../packet/types';

export type HeaderFields = Record<string, unknown>;

const LINK_TYPE_BY_HEADER_PROTOCOL: Record<number, number> = { 1: LinkType.ETHERNET, 11: LinkType.IPV4, 12: LinkType.IPV6 };

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
