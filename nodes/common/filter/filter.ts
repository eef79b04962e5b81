// A BPF-like filter over dissected packets, for files and buffers (live capture hands the
// expression to libpcap itself). It understands the everyday part of pcap-filter(7):
//   proto:      ether vlan ip ip6 tcp udp icmp icmp6 gre vxlan
//   qualifiers: [src|dst] host ADDR, [src|dst] net CIDR, [tcp|udp] [src|dst] port N,
//               [src|dst] portrange A-B, vlan [ID], ip proto N, less N, greater N
//   logic:      not/!, and/&&, or/||, parentheses
// Addresses are compared in their text form (IPv6 as RFC 5952), so `host ::1` matches.
import { isIP } from 'node:net';
import type { Packet } from '../packet/types';

export type PacketPredicate = (packet: Packet, frameLength: number) => boolean;

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  constructor(message: string, readonly expression: string, readonly position: number) {
    super(`filter "${expression}": ${message} at position ${position}`);
  }
}

type Direction = 'src' | 'dst' | 'any';
const PROTOCOLS = new Set(['ether', 'vlan', 'ip', 'ip6', 'tcp', 'udp', 'icmp', 'icmp6', 'gre', 'vxlan', 'lldp', 'arp']);

function addresses(p: Packet, dir: Direction): string[] {
  const ip = p.ipv4 ?? p.ipv6;
  if (!ip) return [];
  if (dir === 'src') return [ip.source];
  if (dir === 'dst') return [ip.destination];
  return [ip.source, ip.destination];
}

function ports(p: Packet, dir: Direction, transport?: 'tcp' | 'udp'): number[] {
  const l4 = transport === 'tcp' ? p.tcp : transport === 'udp' ? p.udp : p.tcp ?? p.udp;
  if (!l4) return [];
  if (dir === 'src') return [l4.sourcePort];
  if (dir === 'dst') return [l4.destinationPort];
  return [l4.sourcePort, l4.destinationPort];
}

function ipv4ToInt(text: string): number {
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function inNet(address: string, network: string, bits: number): boolean {
  if (isIP(address) !== 4 || isIP(network) !== 4) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipv4ToInt(address) & mask) >>> 0) === ((ipv4ToInt(network) & mask) >>> 0);
}

function hasLayer(p: Packet, name: string): boolean {
  if (name === 'ether') return !!p.ethernet;
  if (name === 'lldp') return p.ethernet?.etherType === 0x88cc;
  if (name === 'arp') return p.ethernet?.etherType === 0x0806;
  if (name === 'ip') return !!p.ipv4;
  if (name === 'ip6') return !!p.ipv6;
  if (name === 'icmp6') return p.layers.includes('icmpv6');
  if (name === 'icmp') return p.layers.includes('icmp');
  if (name === 'gre' || name === 'vxlan') return p.tunnel?.kind === name;
  return p.layers.includes(name);
}

/** Compiles an expression; an empty one matches everything. Throws FilterSyntaxError. */
export function compileFilter(expression: string): PacketPredicate {
  const tokens = [...expression.matchAll(/\(|\)|&&|\|\||!|[^\s()!&|]+/g)].map((m) => ({ text: m[0].toLowerCase(), at: m.index ?? 0 }));
  if (tokens.length === 0) return () => true;
  let i = 0;
  const peek = () => tokens[i]?.text;
  const fail = (message: string): never => { throw new FilterSyntaxError(message, expression, tokens[i]?.at ?? expression.length); };
  const take = (): string => (i < tokens.length ? tokens[i++].text : fail('unexpected end'));
  const number = (what: string): number => {
    const text = take();
    if (!/^\d+$/.test(text)) fail(`expected ${what}, found "${text}"`);
    return Number(text);
  };

  function orExpr(): PacketPredicate {
    let left = andExpr();
    while (peek() === 'or' || peek() === '||') { take(); const l = left, r = andExpr(); left = (p, n) => l(p, n) || r(p, n); }
    return left;
  }
  function andExpr(): PacketPredicate {
    let left = notExpr();
    while (peek() === 'and' || peek() === '&&') { take(); const l = left, r = notExpr(); left = (p, n) => l(p, n) && r(p, n); }
    return left;
  }
  function notExpr(): PacketPredicate {
    if (peek() === 'not' || peek() === '!') { take(); const inner = notExpr(); return (p, n) => !inner(p, n); }
    if (peek() === '(') {
      take();
      const inner = orExpr();
      if (take() !== ')') fail('expected ")"');
      return inner;
    }
    return term();
  }
  function term(): PacketPredicate {
    let transport: 'tcp' | 'udp' | undefined;
    if ((peek() === 'tcp' || peek() === 'udp') && ['port', 'src', 'dst', 'portrange'].includes(tokens[i + 1]?.text)) transport = take() as 'tcp' | 'udp';
    let dir: Direction = 'any';
    if (peek() === 'src' || peek() === 'dst') dir = take() as Direction;
    const word = take();
    switch (word) {
      case 'host': {
        const host = take();
        if (!isIP(host)) fail(`"${host}" is not an IP address`);
        return (p) => addresses(p, dir).includes(host);
      }
      case 'net': {
        const [network, bitsText] = take().split('/');
        const bits = bitsText === undefined ? 32 : Number(bitsText);
        if (isIP(network) !== 4 || !(bits >= 0 && bits <= 32)) fail(`"${network}/${bitsText}" is not an IPv4 network`);
        return (p) => addresses(p, dir).some((a) => inNet(a, network, bits));
      }
      case 'port': {
        const port = number('a port');
        return (p) => ports(p, dir, transport).includes(port);
      }
      case 'portrange': {
        const [low, high] = take().split('-').map(Number);
        if (!(low >= 0 && high >= low)) fail('expected a range such as 1024-2048');
        return (p) => ports(p, dir, transport).some((x) => x >= low && x <= high);
      }
      case 'less': { const max = number('a length'); return (_p, n) => n <= max; }
      case 'greater': { const min = number('a length'); return (_p, n) => n >= min; }
      case 'vlan': {
        if (peek() && /^\d+$/.test(peek()!)) { const id = number('a VLAN id'); return (p) => p.vlans.some((v) => v.id === id); }
        return (p) => p.vlans.length > 0;
      }
      case 'ip':
      case 'ip6':
        if (peek() === 'proto') { take(); const proto = number('a protocol number'); return (p) => (word === 'ip' ? p.ipv4?.protocol : p.ipv6?.protocol) === proto; }
        return (p) => hasLayer(p, word);
      default:
        if (dir !== 'any') fail(`"${dir}" must be followed by host, net, port or portrange`);
        if (!PROTOCOLS.has(word)) fail(`unknown word "${word}"`);
        return (p) => hasLayer(p, word);
    }
  }

  const predicate = orExpr();
  if (i < tokens.length) fail(`unexpected "${tokens[i].text}"`);
  return predicate;
}
