// The parsed form of a libpcap filter expression (pcap-filter(7)), with libpcap's qualifier
// defaults and inheritance already resolved. It says WHAT to match, not where the bytes are:
// evaluators turn it into a test — frame.ts over raw link-layer frames (libpcap's offsets),
// and others over other things (flow records). Nodes keep their source order, which matters:
// libpcap's `vlan` moves the offsets of every term that comes after it.

/** Which addresses or ports of a packet a term looks at (`src`, `dst`, `src or dst`, `src and dst`). */
export type Direction = 'src' | 'dst' | 'or' | 'and';

/** The layers a byte test `proto[offset:size]` can index. */
export type LoadLayer = 'link' | 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'icmp' | 'sctp' | 'igmp' | 'icmp6';

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';
export type CompareOp = '>' | '>=' | '=' | '!=' | '<' | '<=';

/** A 32-bit unsigned value, as BPF computes it. */
export type Arith =
  | { kind: 'number'; value: number }
  | { kind: 'len' } // the packet's length on the wire
  | { kind: 'load'; layer: LoadLayer; index: Arith; size: 1 | 2 | 4; at: number }
  | { kind: 'binary'; op: ArithOp; left: Arith; right: Arith; at: number }
  | { kind: 'negate'; operand: Arith };

/** Where `at` appears it is the position in the expression, for evaluators' own errors. */
export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  /** The link layer's type field: `ip`, `ip6`, `arp`, `rarp`, `lldp`, `ether proto N`. */
  | { kind: 'linkProto'; etherType: number; at: number }
  /** The IP protocol field (IPv6: next header, also behind one fragment header): `tcp`, `ip proto N`... */
  | { kind: 'ipProto'; version: 4 | 6 | 'any'; protocol: number; at: number }
  /** An IPv4 host or network in IP (src 12 / dst 16), ARP and RARP (sender 14 / target 24) headers. */
  | { kind: 'host4'; address: number; mask: number; dir: Direction; over: Array<'ip' | 'arp' | 'rarp'>; at: number }
  | { kind: 'host6'; address: Uint8Array; mask: Uint8Array; dir: Direction; at: number }
  | { kind: 'etherHost'; address: Uint8Array; dir: Direction; at: number }
  /** TCP/UDP/SCTP ports (IPv4 first or only fragment; IPv6 with no extension header). */
  | { kind: 'port'; protocols: number[]; low: number; high: number; dir: Direction; at: number }
  | { kind: 'vlan'; id?: number; at: number }
  | { kind: 'broadcast' | 'multicast'; layer: 'link' | 'ip' | 'ip6'; at: number }
  | { kind: 'compare'; op: CompareOp; left: Arith; right: Arith; at: number };

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  constructor(message: string, readonly expression: string, readonly position: number) {
    super(`filter "${expression}": ${message} at position ${position}`);
  }
}

/** What the parser accepts, for error messages. */
export const SUPPORTED =
  'supported: [ip|ip6|arp|rarp] [src|dst] host ADDR, [src|dst] net ADDR/LEN or ADDR mask MASK, ' +
  '[tcp|udp|sctp] [src|dst] port N, portrange N-M, ether host|src|dst MAC, ether proto N, ' +
  'ip, ip6, arp, rarp, lldp, tcp, udp, sctp, icmp, icmp6, igmp, ip proto N, ip6 proto N, vlan [N], ' +
  '[ether|ip|ip6] broadcast|multicast, less N, greater N, len, byte tests such as ip[8] < 64 or ' +
  'tcp[tcpflags] & tcp-syn != 0, and/&&, or/||, not/!, parentheses';
