// Evaluates a FilterNode over raw link-layer frames exactly as libpcap's generated BPF code does
// (gencode.c, libpcap 1.10), so a file filtered here keeps the frames `tcpdump -r FILE EXPR` keeps:
//  - the link type field and the network layer sit at fixed offsets; each `vlan` term moves both
//    4 bytes further for every term AFTER it in the expression (so `ip` alone never matches a
//    tagged frame, and `vlan and vlan and ip` reads QinQ);
//  - `tcp`/`udp`/`ip proto N` look at the protocol field of every IPv4 fragment; IPv6 also behind
//    one fragment header;
//  - ports and `tcp[...]` byte tests read only IPv4 first (or only) fragments, after the IHL; IPv6
//    ports only right after the fixed header;
//  - a read past the captured bytes, or a division by zero, rejects the frame whatever
//    surrounds it (`not` included), as a BPF program returns 0.
import type { Arith, FilterNode } from './ast';
import { FilterSyntaxError } from './ast';
import { parseFilter } from './parse';

/** Keeps a frame? `data`: the captured bytes; `wireLength`: the length on the wire (for `len`). */
export type FramePredicate = (data: Buffer, linkType: number, wireLength: number) => boolean;
type Test = (d: Buffer, len: number) => boolean;
type Value = (d: Buffer, len: number) => number;

/** Thrown by a read past the capture; caught once per frame. */
const REJECT = Symbol('reject');

function u8(d: Buffer, o: number): number {
  if (o >= d.length) throw REJECT;
  return d[o];
}
function u16(d: Buffer, o: number): number {
  if (o + 2 > d.length) throw REJECT;
  return (d[o] << 8) | d[o + 1];
}
function u32(d: Buffer, o: number): number {
  if (o + 4 > d.length) throw REJECT;
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}
function load(d: Buffer, o: number, size: 1 | 2 | 4): number {
  return size === 1 ? u8(d, o) : size === 2 ? u16(d, o) : u32(d, o);
}

const ETHERMTU = 1500;
const ETHERTYPE_IP = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_RARP = 0x8035;
const VLAN_TPIDS = [0x8100, 0x88a8, 0x9100];
const IPPROTO_FRAGMENT = 44;
const ALWAYS: Test = () => true;
const NEVER: Test = () => false;

/** pcap LINKTYPE values with their libpcap offsets. */
const LINKS: Record<number, { name: string; typeAt?: number; payloadAt: number; ethernet?: boolean; rawVersion?: 'any' | 4 | 6 }> = {
  1: { name: 'Ethernet', typeAt: 12, payloadAt: 14, ethernet: true },
  113: { name: 'Linux cooked (SLL)', typeAt: 14, payloadAt: 16 },
  276: { name: 'Linux cooked v2 (SLL2)', typeAt: 0, payloadAt: 20 },
  101: { name: 'raw IP', payloadAt: 0, rawVersion: 'any' },
  228: { name: 'raw IPv4', payloadAt: 0, rawVersion: 4 },
  229: { name: 'raw IPv6', payloadAt: 0, rawVersion: 6 },
};

/** The compiler state libpcap keeps while it walks the expression: offsets that `vlan` moves. */
class FrameCompiler {
  private typeAt: number;
  private payloadAt: number;
  private readonly link: (typeof LINKS)[number];

  constructor(private readonly expression: string, linkType: number) {
    const link = LINKS[linkType];
    if (!link) throw new FilterSyntaxError(`link type ${linkType} is not supported by the filter (Ethernet, Linux cooked, raw IP are)`, expression, 0);
    this.link = link;
    this.typeAt = link.typeAt ?? 0;
    this.payloadAt = link.payloadAt;
  }

  private fail(message: string, at: number): never {
    throw new FilterSyntaxError(`${message} on ${this.link.name} frames`, this.expression, at);
  }

  compile(node: FilterNode): Test {
    switch (node.kind) {
      case 'and': { const l = this.compile(node.left), r = this.compile(node.right); return (d, n) => l(d, n) && r(d, n); }
      case 'or': { const l = this.compile(node.left), r = this.compile(node.right); return (d, n) => l(d, n) || r(d, n); }
      case 'not': { const o = this.compile(node.operand); return (d, n) => !o(d, n); }
      case 'linkProto': return this.linkProto(node.etherType, node.at);
      case 'ipProto': {
        const v4 = node.version !== 6 ? this.ipProto4(node.protocol) : NEVER;
        const v6 = node.version !== 4 ? this.ipProto6(node.protocol) : NEVER;
        return node.version === 4 ? v4 : node.version === 6 ? v6 : (d, n) => v4(d, n) || v6(d, n);
      }
      case 'host4': return this.host4(node);
      case 'host6': return this.host6(node);
      case 'etherHost': {
        if (!this.link.ethernet) this.fail('"ether host" needs Ethernet addresses', node.at);
        const a = node.address;
        const hi = ((a[0] << 8) | a[1]) >>> 0, lo = ((a[2] << 24) | (a[3] << 16) | (a[4] << 8) | a[5]) >>> 0;
        const at = (o: number): Test => (d) => u32(d, o + 2) === lo && u16(d, o) === hi;
        return this.directed(node.dir, at(6), at(0));
      }
      case 'port': return this.port(node);
      case 'vlan': return this.vlan(node.id, node.at);
      case 'broadcast':
      case 'multicast': return this.cast(node.kind, node.layer, node.at);
      case 'compare': return this.compare(node);
    }
  }

  /** gen_linktype: is the link layer's type field `etherType`? */
  private linkProto(etherType: number, at: number): Test {
    const o = this.typeAt;
    if (this.link.rawVersion !== undefined) {
      const version = etherType === ETHERTYPE_IP ? 4 : etherType === ETHERTYPE_IPV6 ? 6 : 0;
      if (!version) return NEVER;
      if (this.link.rawVersion !== 'any') return this.link.rawVersion === version ? ALWAYS : NEVER;
      return (d) => (u8(d, 0) & 0xf0) === version << 4;
    }
    if (etherType > ETHERMTU) return (d) => u16(d, o) === etherType;
    if (!this.link.ethernet) this.fail(`ether proto ${etherType} (an 802.2 LLC SAP) is not supported`, at);
    // 802.3 frames: the type field is a length; the DSAP (and for some SAPs the SSAP too) follows.
    if (etherType === 0x06 || etherType === 0xfe || etherType === 0xf0) {
      const both = (etherType << 8) | etherType;
      return (d) => !(u16(d, o) > ETHERMTU) && u16(d, o + 2) === both;
    }
    if (etherType === 0xe0) this.fail('ether proto 0xe0 (IPX) is not supported', at);
    return (d) => !(u16(d, o) > ETHERMTU) && u8(d, o + 2) === etherType;
  }

  private ipProto4(protocol: number): Test {
    const isIp = this.linkProto(ETHERTYPE_IP, 0), p = this.payloadAt;
    return (d, n) => isIp(d, n) && u8(d, p + 9) === protocol;
  }

  private ipProto6(protocol: number): Test {
    const isIp6 = this.linkProto(ETHERTYPE_IPV6, 0), p = this.payloadAt;
    return (d, n) => {
      if (!isIp6(d, n)) return false;
      const next = u8(d, p + 6);
      return next === protocol || (next === IPPROTO_FRAGMENT && u8(d, p + 40) === protocol);
    };
  }

  private directed(dir: 'src' | 'dst' | 'or' | 'and', src: Test, dst: Test): Test {
    if (dir === 'src') return src;
    if (dir === 'dst') return dst;
    if (dir === 'and') return (d, n) => src(d, n) && dst(d, n);
    return (d, n) => src(d, n) || dst(d, n);
  }

  private host4(node: Extract<FilterNode, { kind: 'host4' }>): Test {
    const { address, mask } = node;
    const tests = node.over.map((over) => {
      const isProto = this.linkProto(over === 'ip' ? ETHERTYPE_IP : over === 'arp' ? ETHERTYPE_ARP : ETHERTYPE_RARP, node.at);
      const [srcAt, dstAt] = over === 'ip' ? [12, 16] : [14, 24];
      const word = (o: number): Test => (d) => ((u32(d, o) & mask) >>> 0) === address;
      const addressTest = this.directed(node.dir, word(this.payloadAt + srcAt), word(this.payloadAt + dstAt));
      return (d: Buffer, n: number) => isProto(d, n) && addressTest(d, n);
    });
    return tests.length === 1 ? tests[0] : (d, n) => tests.some((t) => t(d, n));
  }

  private host6(node: Extract<FilterNode, { kind: 'host6' }>): Test {
    const isIp6 = this.linkProto(ETHERTYPE_IPV6, node.at);
    const word = (bytes: Uint8Array, k: number) => ((bytes[4 * k] << 24) | (bytes[4 * k + 1] << 16) | (bytes[4 * k + 2] << 8) | bytes[4 * k + 3]) >>> 0;
    const at = (base: number): Test => {
      const checks = [0, 1, 2, 3].map((k) => ({ o: base + 4 * k, address: word(node.address, k), mask: word(node.mask, k) })).filter((c) => c.mask !== 0);
      return (d) => checks.every((c) => ((u32(d, c.o) & c.mask) >>> 0) === c.address);
    };
    const addressTest = this.directed(node.dir, at(this.payloadAt + 8), at(this.payloadAt + 24));
    return (d, n) => isIp6(d, n) && addressTest(d, n);
  }

  private port(node: Extract<FilterNode, { kind: 'port' }>): Test {
    const { low, high, protocols } = node;
    const p = this.payloadAt;
    const inRange = (o: number): Test => (d) => { const v = u16(d, o); return v >= low && v <= high; };
    const isIp = this.linkProto(ETHERTYPE_IP, node.at), isIp6 = this.linkProto(ETHERTYPE_IPV6, node.at);
    // IPv4: the transport header follows the IHL; only the first (or only) fragment has it.
    const ports4 = this.directed(node.dir, (d, n) => inRange(p + 4 * (u8(d, p) & 0xf))(d, n), (d, n) => inRange(p + 4 * (u8(d, p) & 0xf) + 2)(d, n));
    const ports6 = this.directed(node.dir, inRange(p + 40), inRange(p + 42));
    return (d, n) =>
      (isIp(d, n) && protocols.includes(u8(d, p + 9)) && (u16(d, p + 6) & 0x1fff) === 0 && ports4(d, n)) ||
      (isIp6(d, n) && protocols.includes(u8(d, p + 6)) && ports6(d, n));
  }

  private vlan(id: number | undefined, at: number): Test {
    if (!this.link.ethernet) this.fail('vlan is not supported', at);
    const t = this.typeAt, p = this.payloadAt;
    // Every term after this one reads 4 bytes further in.
    this.typeAt += 4;
    this.payloadAt += 4;
    const tagged: Test = (d) => VLAN_TPIDS.includes(u16(d, t));
    if (id === undefined) return tagged;
    return (d, n) => tagged(d, n) && (u16(d, p) & 0x0fff) === id;
  }

  private cast(kind: 'broadcast' | 'multicast', layer: 'link' | 'ip' | 'ip6', at: number): Test {
    const p = this.payloadAt;
    if (layer === 'link') {
      if (!this.link.ethernet) this.fail(`${kind} needs Ethernet addresses`, at);
      return kind === 'multicast' ? (d) => (u8(d, 0) & 1) !== 0 : (d) => u32(d, 2) === 0xffffffff && u16(d, 0) === 0xffff;
    }
    if (layer === 'ip6') {
      if (kind === 'broadcast') this.fail('IPv6 has no broadcast', at);
      const isIp6 = this.linkProto(ETHERTYPE_IPV6, at);
      return (d, n) => isIp6(d, n) && u8(d, p + 24) === 0xff;
    }
    const isIp = this.linkProto(ETHERTYPE_IP, at);
    // A file has no netmask, so (as tcpdump -r) the IP broadcast addresses are 0.0.0.0 and 255.255.255.255.
    if (kind === 'broadcast') return (d, n) => { if (!isIp(d, n)) return false; const a = u32(d, p + 16); return a === 0 || a === 0xffffffff; };
    return (d, n) => isIp(d, n) && u8(d, p + 16) >= 224;
  }

  private compare(node: Extract<FilterNode, { kind: 'compare' }>): Test {
    const guards: Test[] = [];
    const left = this.value(node.left, guards), right = this.value(node.right, guards);
    const guard: Test = guards.length === 0 ? ALWAYS : (d, n) => guards.every((g) => g(d, n));
    switch (node.op) {
      case '>': return (d, n) => guard(d, n) && left(d, n) > right(d, n);
      case '>=': return (d, n) => guard(d, n) && left(d, n) >= right(d, n);
      case '=': return (d, n) => guard(d, n) && left(d, n) === right(d, n);
      case '!=': return (d, n) => guard(d, n) && left(d, n) !== right(d, n);
      case '<': return (d, n) => guard(d, n) && left(d, n) < right(d, n);
      case '<=': return (d, n) => guard(d, n) && left(d, n) <= right(d, n);
    }
  }

  /** An arithmetic value; the protocol checks its loads need go to `guards` (all must pass first). */
  private value(a: Arith, guards: Test[]): Value {
    switch (a.kind) {
      case 'number': { const v = a.value >>> 0; return () => v; }
      case 'len': return (_d, n) => n >>> 0;
      case 'negate': { const v = this.value(a.operand, guards); return (d, n) => (-v(d, n)) >>> 0; }
      case 'binary': return binary(a.op, this.value(a.left, guards), this.value(a.right, guards));
      case 'load': {
        const index = this.value(a.index, guards);
        const size = a.size, p = this.payloadAt;
        switch (a.layer) {
          case 'link':
            return (d, n) => load(d, index(d, n), size);
          case 'ip': case 'ip6': case 'arp': case 'rarp': {
            const etherType = { ip: ETHERTYPE_IP, ip6: ETHERTYPE_IPV6, arp: ETHERTYPE_ARP, rarp: ETHERTYPE_RARP }[a.layer];
            guards.push(this.linkProto(etherType, a.at));
            return (d, n) => load(d, p + index(d, n), size);
          }
          case 'icmp6': {
            const isIcmp6 = this.linkProto(ETHERTYPE_IPV6, a.at);
            guards.push((d, n) => isIcmp6(d, n) && u8(d, p + 6) === 58);
            return (d, n) => load(d, p + 40 + index(d, n), size);
          }
          default: {
            // Transport layers: IPv4 only, first fragment, after the IHL (libpcap's gen_load).
            const protocol = { tcp: 6, udp: 17, icmp: 1, sctp: 132, igmp: 2 }[a.layer];
            const isIp = this.linkProto(ETHERTYPE_IP, a.at);
            guards.push((d, n) => isIp(d, n) && u8(d, p + 9) === protocol && (u16(d, p + 6) & 0x1fff) === 0);
            return (d, n) => load(d, p + 4 * (u8(d, p) & 0xf) + index(d, n), size);
          }
        }
      }
    }
  }
}

function binary(op: string, l: Value, r: Value): Value {
  switch (op) {
    case '+': return (d, n) => (l(d, n) + r(d, n)) >>> 0;
    case '-': return (d, n) => (l(d, n) - r(d, n)) >>> 0;
    case '*': return (d, n) => Math.imul(l(d, n), r(d, n)) >>> 0;
    case '/': return (d, n) => { const a = l(d, n), b = r(d, n); if (b === 0) throw REJECT; return Math.floor(a / b); };
    case '%': return (d, n) => { const a = l(d, n), b = r(d, n); if (b === 0) throw REJECT; return a % b; };
    case '&': return (d, n) => (l(d, n) & r(d, n)) >>> 0;
    case '|': return (d, n) => (l(d, n) | r(d, n)) >>> 0;
    case '^': return (d, n) => (l(d, n) ^ r(d, n)) >>> 0;
    case '<<': return (d, n) => { const s = r(d, n); return s < 32 ? (l(d, n) << s) >>> 0 : 0; };
    default: return (d, n) => { const s = r(d, n); return s < 32 ? l(d, n) >>> s : 0; };
  }
}

/** Compiles a parsed filter for frames; each link type is compiled once, when its first frame comes. */
export function frameFilter(expression: string, ast: FilterNode | undefined): FramePredicate {
  if (!ast) return () => true;
  let lastLink = -1;
  let lastTest: Test = ALWAYS;
  const compiled = new Map<number, Test>();
  return (data, linkType, wireLength) => {
    if (linkType !== lastLink) {
      let test = compiled.get(linkType);
      if (!test) {
        test = new FrameCompiler(expression, linkType).compile(ast);
        compiled.set(linkType, test);
      }
      lastLink = linkType;
      lastTest = test;
    }
    try {
      return lastTest(data, wireLength);
    } catch (err) {
      if (err === REJECT) return false;
      throw err;
    }
  };
}

/** Parses and compiles a libpcap filter for frames; an empty one keeps everything. Throws FilterSyntaxError. */
export function compileFilter(expression: string): FramePredicate {
  return frameFilter(expression, parseFilter(expression));
}
