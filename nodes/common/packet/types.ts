// The shape of a dissected packet. This is the contract between the dissectors and everything
// that consumes them (pcap nodes, sFlow sampled headers, rtp stats, LLDP passive mode).
// Every Buffer here is a slice of the original frame, never a copy.

/** libpcap LINKTYPE_* values we dissect (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108, // like NULL, address family always big-endian (OpenBSD)
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
export type LinkTypeValue = number;

export interface EthernetHeader {
  destination: string; // "aa:bb:cc:dd:ee:ff"
  source: string;
  /** EtherType after any VLAN tags (0x0800, 0x86dd, 0x88cc, ...). */
  etherType: number;
}

export interface VlanTag {
  tpid: number; // 0x8100, 0x88a8, 0x9100
  pcp: number;
  dei: boolean;
  id: number;
}

export interface LinuxCookedHeader {
  version: 1 | 2;
  packetType: number;
  addressType: number;
  address: string;
  protocol: number;
  interfaceIndex?: number; // SLL2 only
}

export interface IPv4Header {
  version: 4;
  headerLength: number; // bytes
  dscp: number;
  ecn: number;
  totalLength: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  fragmentOffset: number; // bytes
  ttl: number;
  protocol: number;
  checksum: number;
  source: string;
  destination: string;
  options: Buffer;
  /** Fragments only: the bytes after the header, bounded by Total Length and the capture (for reassembly). */
  payload?: Buffer;
}

export interface IPv6ExtensionHeader {
  type: number; // next-header value that introduced it (0 hop-by-hop, 43 routing, 44 fragment, 60 dest opts, 51 AH)
  length: number; // bytes
}

export interface IPv6Header {
  version: 6;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number; // of the fixed header
  hopLimit: number;
  source: string; // RFC 5952 text form
  destination: string;
  extensions: IPv6ExtensionHeader[];
  /** Upper-layer protocol after the extension headers. */
  protocol: number;
  fragment?: {
    offset: number; // bytes (the field times 8), like IPv4Header.fragmentOffset
    moreFragments: boolean;
    identification: number;
    /** Next Header of the Fragment header (the first header of the fragmentable part). */
    nextHeader?: number;
    /** The fragmentable part this fragment carries (bytes after the Fragment header). */
    data?: Buffer;
  };
}

export interface TcpHeader {
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  acknowledgment: number;
  headerLength: number;
  flags: number; // low 9 bits: NS CWR ECE URG ACK PSH RST SYN FIN
  window: number;
  checksum: number;
  urgentPointer: number;
  options: Buffer;
}

export interface UdpHeader {
  sourcePort: number;
  destinationPort: number;
  length: number;
  checksum: number;
}

export interface IcmpHeader {
  type: number;
  code: number;
  checksum: number;
}

export interface TunnelHeader {
  kind: 'gre' | 'vxlan';
  protocol?: number; // GRE protocol type
  vni?: number; // VXLAN network identifier
  key?: number; // GRE key
}

export interface DissectError {
  layer: string;
  offset: number; // byte offset in the frame
  message: string;
}

export interface Packet {
  linkType: number;
  /** Names of the layers found, outermost first: ["eth","vlan","ipv4","udp","vxlan","eth","ipv4","tcp"]. */
  layers: string[];
  cooked?: LinuxCookedHeader;
  ethernet?: EthernetHeader;
  vlans: VlanTag[];
  ipv4?: IPv4Header;
  ipv6?: IPv6Header;
  tcp?: TcpHeader;
  udp?: UdpHeader;
  icmp?: IcmpHeader; // ICMP or ICMPv6 (see layers)
  tunnel?: TunnelHeader;
  /** The packet carried by GRE or VXLAN, dissected the same way. */
  inner?: Packet;
  /** Bytes after the last header dissected (L4 payload, or what could not be dissected). */
  payload: Buffer;
  /** Anything truncated or malformed; dissection stops at the first error and keeps what it read. */
  errors: DissectError[];
}
