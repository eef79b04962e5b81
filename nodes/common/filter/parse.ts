// libpcap's filter grammar (pcap-filter(7), grammar.y of libpcap 1.10) read into a FilterNode tree.
// What libpcap decides while parsing is decided here the same way, so every evaluator agrees:
//  - `and` and `or` have the SAME precedence and group left to right; `not` binds tightest;
//  - a bare value after and/or reuses the qualifiers of the term before it (`port 80 or 443`);
//  - `host`/`net` without a protocol cover IP, ARP and RARP; `port` covers TCP, UDP and SCTP;
//  - number forms (0x hex, 0 octal), short networks (`net 10` = 10.0.0.0/8) and its error cases.
// Host and service names are not resolved (no DNS in a filter): use addresses and numbers.
import type { Arith, ArithOp, CompareOp, Direction, FilterNode, LoadLayer } from './ast';
import { FilterSyntaxError, SUPPORTED } from './ast';
import { parseNumber, tokenize, UNSUPPORTED_KEYWORDS, type Token } from './lexer';
import { ipv6Bytes } from '../packet/text';

type ProtoQual = 'default' | 'link' | 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6' | 'igmp' | 'pim' | 'vrrp' | 'ah' | 'esp';
type AddrQual = 'default' | 'host' | 'net' | 'port' | 'portrange' | 'proto';
interface Qualifiers { proto: ProtoQual; dir: Direction | 'default'; addr: AddrQual }
/** libpcap's `qerr`: what follows a term that takes no bare value (`tcp or 80` is an error). */
type Inherited = Qualifiers | null;
interface Parsed { node: FilterNode; q: Inherited }

const PROTO_NAMES: Record<string, ProtoQual> = {
  ether: 'link', link: 'link', ip: 'ip', ip6: 'ip6', arp: 'arp', rarp: 'rarp', tcp: 'tcp', udp: 'udp', sctp: 'sctp',
  icmp: 'icmp', icmp6: 'icmp6', igmp: 'igmp', pim: 'pim', vrrp: 'vrrp', ah: 'ah', esp: 'esp',
};
const LOAD_LAYERS = new Set<string>(['link', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'sctp', 'igmp', 'icmp6']);
const ETHERTYPE = { ip: 0x0800, ip6: 0x86dd, arp: 0x0806, rarp: 0x8035, lldp: 0x88cc } as const;
/** pcap_nametoeproto's names, for `ether proto \ip`. */
const ETHER_PROTO_NAMES: Record<string, number> = {
  ip: 0x0800, ip6: 0x86dd, arp: 0x0806, rarp: 0x8035, decnet: 0x6003, lat: 0x6004, loopback: 0x9000, mopdl: 0x6001, moprc: 0x6002, sca: 0x6007,
};
/** IP protocol names (as /etc/protocols spells them), for `ip proto \tcp`. */
const IP_PROTO_NAMES: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, ipv6: 41, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, ospf: 89, pim: 103, vrrp: 112, sctp: 132,
};
const PORT_PROTOCOLS: Partial<Record<ProtoQual, number[]>> = { default: [6, 17, 132], tcp: [6], udp: [17], sctp: [132] };
/** pname alone (libpcap's gen_proto_abbrev). */
const ABBREVIATIONS: Partial<Record<ProtoQual, FilterNodeWithoutAt>> = {
  ip: { kind: 'linkProto', etherType: ETHERTYPE.ip },
  ip6: { kind: 'linkProto', etherType: ETHERTYPE.ip6 },
  arp: { kind: 'linkProto', etherType: ETHERTYPE.arp },
  rarp: { kind: 'linkProto', etherType: ETHERTYPE.rarp },
  tcp: { kind: 'ipProto', version: 'any', protocol: 6 },
  udp: { kind: 'ipProto', version: 'any', protocol: 17 },
  sctp: { kind: 'ipProto', version: 'any', protocol: 132 },
  icmp: { kind: 'ipProto', version: 4, protocol: 1 },
  icmp6: { kind: 'ipProto', version: 6, protocol: 58 },
  igmp: { kind: 'ipProto', version: 4, protocol: 2 },
  pim: { kind: 'ipProto', version: 'any', protocol: 103 },
  vrrp: { kind: 'ipProto', version: 4, protocol: 112 },
  ah: { kind: 'ipProto', version: 'any', protocol: 51 },
  esp: { kind: 'ipProto', version: 'any', protocol: 50 },
};
type FilterNodeWithoutAt = { kind: 'linkProto'; etherType: number } | { kind: 'ipProto'; version: 4 | 6 | 'any'; protocol: number };

// Arithmetic binding powers. libpcap gives '%' and '^' no precedence, so yacc always shifts them:
// they take everything to their right (`2 * 3 % 4` is 2 * (3 % 4)).
const BINDING: Record<string, [left: number, right: number]> = {
  '|': [1, 1], '&': [2, 2], '<<': [3, 3], '>>': [3, 3], '+': [4, 4], '-': [4, 4], '*': [5, 5], '/': [5, 5], '%': [10, 0], '^': [10, 0],
};
const UNARY_MINUS = 6;
const RELATIONS = new Set(['>', '>=', '=', '!=', '<', '<=']);

/** Parses a filter; undefined for an empty one (everything passes). Throws FilterSyntaxError. */
export function parseFilter(expression: string): FilterNode | undefined {
  return new Parser(expression).program();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly expression: string) {
    this.tokens = tokenize(expression);
  }

  private get tok(): Token {
    return this.tokens[this.i];
  }
  private next(): Token {
    return this.tokens[this.i++];
  }
  private is(type: Token['type'], text?: string): boolean {
    return this.tok.type === type && (text === undefined || this.tok.text === text);
  }
  private fail(message: string, at = this.tok.at): never {
    throw new FilterSyntaxError(message, this.expression, at);
  }
  private unexpected(): never {
    const t = this.tok;
    if (t.type === 'end') this.fail(`unexpected end; ${SUPPORTED}`);
    if (t.type === 'keyword' || t.type === 'word') {
      if (UNSUPPORTED_KEYWORDS.has(t.text)) this.fail(`"${t.text}" is not supported; ${SUPPORTED}`);
      if (t.type === 'word') this.fail(`unknown word "${t.text}" (host, network and service names are not resolved: use addresses and numbers); ${SUPPORTED}`);
    }
    this.fail(`unexpected "${t.text}"; ${SUPPORTED}`);
  }
  private expectOp(text: string): void {
    if (!this.is('op', text)) this.fail(`expected "${text}"${this.tok.type === 'end' ? ' before the end' : `, found "${this.tok.text}"`}`);
    this.next();
  }
  private number(what: string): number {
    if (this.tok.type !== 'num') this.fail(`expected ${what}${this.tok.type === 'end' ? '' : `, found "${this.tok.text}"`}`);
    return (this.next() as { value: number }).value;
  }

  program(): FilterNode | undefined {
    if (this.is('end')) return undefined;
    const { node } = this.expr(null, false);
    if (!this.is('end')) this.unexpected();
    return node;
  }

  /** expr: term ((and | or) (term | id))*, left to right at one precedence. */
  private expr(q: Inherited, allowId: boolean): Parsed {
    let left = this.termOrId(q, allowId);
    while (this.is('keyword', 'and') || this.is('keyword', 'or')) {
      const kind = this.next().text as 'and' | 'or';
      const right = this.termOrId(left.q, true);
      left = { node: { kind, left: left.node, right: right.node }, q: right.q };
    }
    return left;
  }

  private termOrId(q: Inherited, allowId: boolean): Parsed {
    if (this.is('keyword', 'not')) {
      this.next();
      const inner = this.termOrId(q, allowId);
      return { node: { kind: 'not', operand: inner.node }, q: inner.q };
    }
    const relation = this.tryRelation();
    if (relation) return { node: relation, q: null };
    if (this.is('op', '(')) {
      this.next();
      const inner = this.expr(q, allowId);
      this.expectOp(')');
      return { node: inner.node, q };
    }
    if (this.tok.type === 'word' && UNSUPPORTED_KEYWORDS.has(this.tok.text)) this.unexpected();
    if (allowId && ['num', 'hid', 'hid6', 'eid', 'word'].includes(this.tok.type)) return this.id(q);
    return { node: this.rterm(), q: this.lastQualifiers };
  }

  /** The qualifiers of the last `head id` term, which a following bare value reuses. */
  private lastQualifiers: Inherited = null;

  private rterm(): FilterNode {
    const t = this.tok;
    this.lastQualifiers = null;
    if (t.type !== 'keyword') this.unexpected();
    const at = t.at;
    switch (t.text) {
      case 'vlan': {
        this.next();
        if (!this.is('num')) return { kind: 'vlan', at };
        const id = this.number('a VLAN id');
        if (id > 0x0fff) this.fail(`VLAN tag ${id} greater than maximum 4095`, at);
        return { kind: 'vlan', id, at };
      }
      case 'less':
      case 'greater': {
        this.next();
        const n = this.number('a length');
        return { kind: 'compare', op: t.text === 'less' ? '<=' : '>=', left: { kind: 'len' }, right: { kind: 'number', value: n }, at };
      }
      case 'lldp':
        this.next();
        return { kind: 'linkProto', etherType: ETHERTYPE.lldp, at };
      case 'broadcast':
      case 'multicast':
        this.next();
        return { kind: t.text, layer: 'link', at };
    }
    return this.head();
  }

  /** head id: [proto] [src|dst|src or dst|src and dst] [host|net|port|portrange] | [proto] proto; or proto alone. */
  private head(): FilterNode {
    const at = this.tok.at;
    let proto: ProtoQual = 'default';
    if (this.tok.type === 'keyword' && this.tok.text in PROTO_NAMES) {
      proto = PROTO_NAMES[this.next().text];
      if (this.is('keyword', 'broadcast') || this.is('keyword', 'multicast')) {
        const kind = this.next().text as 'broadcast' | 'multicast';
        if (proto !== 'link' && proto !== 'ip' && proto !== 'ip6') this.fail(`"${kind}" applies to ether, ip or ip6 only`, at);
        return { kind, layer: proto, at };
      }
    }
    let dir: Direction | 'default' = 'default';
    if (this.is('keyword', 'src') || this.is('keyword', 'dst')) {
      const first = this.next().text;
      dir = first as Direction;
      const other = first === 'src' ? 'dst' : 'src';
      const joiner = this.tok;
      if (joiner.type === 'keyword' && (joiner.text === 'or' || joiner.text === 'and') && this.tokens[this.i + 1].type === 'keyword' && this.tokens[this.i + 1].text === other) {
        this.i += 2;
        dir = joiner.text as Direction;
      }
    }
    let addr: AddrQual = 'default';
    if (this.tok.type === 'keyword' && ['host', 'net', 'port', 'portrange'].includes(this.tok.text)) addr = this.next().text as AddrQual;
    else if (dir === 'default' && this.is('keyword', 'proto')) { this.next(); addr = 'proto'; }
    if (dir === 'default' && addr === 'default') {
      if (proto === 'default') this.unexpected();
      if (proto === 'link') this.fail('"ether" needs host, src, dst, proto, broadcast or multicast after it', at);
      return { ...ABBREVIATIONS[proto]!, at };
    }
    const q: Qualifiers = { proto, dir, addr };
    const { node } = this.id(q);
    this.lastQualifiers = q;
    return node;
  }

  /** A value under inherited qualifiers: a number, address, network, MAC, name, `not id` or `(id or id)`. */
  private id(q: Inherited): Parsed {
    if (this.is('keyword', 'not')) {
      this.next();
      const inner = this.id(q);
      return { node: { kind: 'not', operand: inner.node }, q };
    }
    if (this.is('op', '(')) {
      this.next();
      const inner = this.expr(q, true);
      this.expectOp(')');
      return { node: inner.node, q };
    }
    const t = this.tok;
    if (!['num', 'hid', 'hid6', 'eid', 'word'].includes(t.type)) this.fail(`expected an address, a number or a name${t.type === 'end' ? '' : `, found "${t.text}"`}`);
    if (!q && t.type === 'word') this.unexpected();
    if (!q) this.fail(`"${t.text}" has no qualifier to reuse (write host, net, port... before it)`);
    this.next();
    const at = t.at;
    if (t.type === 'num') return { node: this.numberValue(q, t.value, at), q };
    if (t.type === 'hid') {
      if (['port', 'portrange', 'proto'].includes(q.addr)) this.fail(`'${q.addr}' modifier applied to IP address`, at);
      if (this.is('op', '/')) {
        this.next();
        const bits = this.number('a prefix length');
        return { node: this.network4(q, t.text, at, { bits }), q };
      }
      if (this.is('keyword', 'mask')) {
        this.next();
        if (!this.is('hid')) this.fail('expected a netmask such as 255.255.0.0');
        const mask = this.next().text;
        return { node: this.network4(q, t.text, at, { mask }), q };
      }
      const [value, bits] = ipv4Prefix(t.text, this.expression, at);
      const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      return { node: this.host4(q, value, mask, at), q };
    }
    if (t.type === 'hid6') {
      if (['port', 'portrange', 'proto'].includes(q.addr)) this.fail(`'${q.addr}' modifier applied to IP address`, at);
      let bits = 128;
      if (this.is('op', '/')) { this.next(); bits = this.number('a prefix length'); }
      return { node: this.network6(q, t.text, bits, at), q };
    }
    if (t.type === 'eid') {
      if ((q.addr !== 'host' && q.addr !== 'default') || q.proto !== 'link') this.fail('ethernet address used in non-ether expression', at);
      return { node: { kind: 'etherHost', address: macBytes(t.text), dir: dirOf(q), at }, q };
    }
    return { node: this.name(q, t.text.replace(/^\\/, ''), at), q };
  }

  private numberValue(q: Qualifiers, value: number, at: number): FilterNode {
    switch (q.addr) {
      case 'port':
      case 'portrange':
        return this.port(q, value, value, at);
      case 'proto':
        return this.protocol(q, value, at);
      case 'net': {
        // A short network number: `net 10` is 10.0.0.0/8, `net 172.16` (a HID) 172.16.0.0/16.
        let mask = 0xffffffff;
        while (value && (value & 0xff000000) === 0) { value = (value << 8) >>> 0; mask = (mask << 8) >>> 0; }
        return this.host4(q, value, mask, at);
      }
      default:
        return this.host4(q, value, 0xffffffff, at);
    }
  }

  private host4(q: Qualifiers, address: number, mask: number, at: number): FilterNode {
    const over: Array<'ip' | 'arp' | 'rarp'> = q.proto === 'default' ? ['ip', 'arp', 'rarp'] : q.proto === 'ip' || q.proto === 'arp' || q.proto === 'rarp' ? [q.proto] : [];
    if (q.proto === 'link') this.fail('illegal link layer address', at);
    if (q.proto === 'ip6') this.fail("'ip6' modifier applied to ip host", at);
    if (over.length === 0) this.fail(`'${q.proto}' modifier applied to host`, at);
    return { kind: 'host4', address, mask, dir: dirOf(q), over, at };
  }

  private network4(q: Qualifiers, text: string, at: number, by: { bits: number } | { mask: string }): FilterNode {
    const value = ipv4Prefix(text, this.expression, at)[0];
    let mask: number;
    let shown: string;
    if ('bits' in by) {
      if (by.bits > 32) this.fail('mask length must be <= 32', at);
      mask = by.bits === 0 ? 0 : (0xffffffff << (32 - by.bits)) >>> 0;
      shown = `${text}/${by.bits}`;
    } else {
      mask = ipv4Prefix(by.mask, this.expression, at)[0];
      shown = `${text} mask ${by.mask}`;
    }
    if (((value & ~mask) >>> 0) !== 0) this.fail(`non-network bits set in "${shown}"`, at);
    if (q.addr !== 'net') this.fail('Mask syntax for networks only', at);
    return this.host4(q, value, mask, at);
  }

  private network6(q: Qualifiers, text: string, bits: number, at: number): FilterNode {
    if (bits > 128) this.fail('mask length must be <= 128', at);
    const address = ipv6Bytes(text);
    if (!address) this.fail(`invalid IPv6 address '${text}'`, at);
    const mask = new Uint8Array(16);
    for (let b = 0; b < bits; b++) mask[b >> 3] |= 0x80 >> (b & 7);
    if (address.some((byte, k) => (byte & ~mask[k]) !== 0)) this.fail(`non-network bits set in "${text}/${bits}"`, at);
    if (q.addr !== 'net' && bits !== 128) this.fail('Mask syntax for networks only', at);
    if (q.proto !== 'default' && q.proto !== 'ip6') this.fail(`'${q.proto}' modifier applied to ip6 host`, at);
    return { kind: 'host6', address, mask, dir: dirOf(q), at };
  }

  private port(q: Qualifiers, low: number, high: number, at: number): FilterNode {
    const protocols = PORT_PROTOCOLS[q.proto];
    if (!protocols) this.fail(`illegal qualifier of '${q.addr}'`, at);
    for (const p of [low, high]) if (p > 65535) this.fail(`illegal port number ${p} > 65535`, at);
    return { kind: 'port', protocols, low: Math.min(low, high), high: Math.max(low, high), dir: dirOf(q), at };
  }

  private protocol(q: Qualifiers, value: number, at: number): FilterNode {
    switch (q.proto) {
      case 'default': return { kind: 'ipProto', version: 'any', protocol: value, at };
      case 'ip': return { kind: 'ipProto', version: 4, protocol: value, at };
      case 'ip6': return { kind: 'ipProto', version: 6, protocol: value, at };
      case 'link': return { kind: 'linkProto', etherType: value, at };
      case 'arp':
      case 'rarp': return this.fail(`${q.proto} does not encapsulate another protocol`, at);
      default: return this.fail(`'${q.proto} proto' is bogus`, at);
    }
  }

  private name(q: Qualifiers, text: string, at: number): FilterNode {
    if (q.addr === 'portrange') {
      const range = /^(\d+)-(\d+)$/.exec(text);
      if (!range) this.fail(`"${text}" is not a port range such as 1024-2048 (service names are not resolved)`, at);
      return this.port(q, Number(range[1]), Number(range[2]), at);
    }
    if (q.addr === 'proto') {
      const value = q.proto === 'link' ? ETHER_PROTO_NAMES[text] : IP_PROTO_NAMES[text];
      const names = q.proto === 'link' ? ETHER_PROTO_NAMES : IP_PROTO_NAMES;
      if (value === undefined) this.fail(`unknown ${q.proto === 'link' ? 'ether' : 'ip'} proto '${text}' (names known: ${Object.keys(names).join(', ')})`, at);
      return this.protocol(q, value, at);
    }
    return this.fail(`"${text}" is a name; names are not resolved: use ${q.addr === 'port' ? 'a port number' : 'an address'}`, at);
  }

  /** `arth relop arth` when the tokens here read as one; otherwise nothing is consumed. */
  private tryRelation(): FilterNode | undefined {
    const t = this.tok;
    const startsArith = t.type === 'num' || this.is('op', '(') || this.is('op', '-') || this.is('keyword', 'len') || this.is('keyword', 'length') ||
      (t.type === 'keyword' && t.text in PROTO_NAMES && this.tokens[this.i + 1].type === 'op' && this.tokens[this.i + 1].text === '[');
    if (!startsArith) return undefined;
    // A load (`ip[8]`) or `len` can only start arithmetic; a number or "(" may start a value or a group.
    const committed = t.type === 'keyword';
    const start = this.i;
    let left: Arith;
    try {
      left = this.arith(0);
    } catch (err) {
      if (committed) throw err;
      this.i = start;
      return undefined;
    }
    if (!(this.tok.type === 'op' && RELATIONS.has(this.tok.text))) {
      if (committed) this.fail('expected a comparison (=, !=, <, <=, >, >=)');
      this.i = start;
      return undefined;
    }
    const op = this.next();
    const right = this.arith(0);
    return { kind: 'compare', op: op.text as CompareOp, left, right, at: op.at };
  }

  private arith(minBinding: number): Arith {
    let left = this.arithPrefix();
    for (;;) {
      const t = this.tok;
      const power = t.type === 'op' ? BINDING[t.text] : undefined;
      if (!power || power[0] <= minBinding) return left;
      this.next();
      const right = this.arith(power[1]);
      const op = t.text as ArithOp;
      if (right.kind === 'number') {
        if (op === '/' && right.value === 0) this.fail('division by zero', t.at);
        if (op === '%' && right.value === 0) this.fail('modulus by zero', t.at);
        if ((op === '<<' || op === '>>') && right.value > 31) this.fail('shift by more than 31 bits', t.at);
      }
      left = { kind: 'binary', op, left, right, at: t.at };
    }
  }

  private arithPrefix(): Arith {
    const t = this.tok;
    if (t.type === 'num') { this.next(); return { kind: 'number', value: t.value }; }
    if (this.is('op', '-')) { this.next(); return { kind: 'negate', operand: this.arith(UNARY_MINUS) }; }
    if (this.is('op', '(')) {
      this.next();
      const inner = this.arith(0);
      this.expectOp(')');
      return inner;
    }
    if (this.is('keyword', 'len') || this.is('keyword', 'length')) { this.next(); return { kind: 'len' }; }
    if (t.type === 'keyword' && t.text in PROTO_NAMES) {
      const layer = PROTO_NAMES[t.text];
      this.next();
      this.expectOp('[');
      if (!LOAD_LAYERS.has(layer)) this.fail(`byte tests on ${t.text} are not supported`, t.at);
      const index = this.arith(0);
      let size: 1 | 2 | 4 = 1;
      if (this.is('op', ':')) {
        this.next();
        const n = this.number('a size (1, 2 or 4)');
        if (n !== 1 && n !== 2 && n !== 4) this.fail('data size must be 1, 2, or 4');
        size = n;
      }
      this.expectOp(']');
      return { kind: 'load', layer: layer as LoadLayer, index, size, at: t.at };
    }
    return this.fail(`expected a number, len or a byte test such as ip[8]${t.type === 'end' ? '' : `, found "${t.text}"`}`);
  }
}

function dirOf(q: Qualifiers): Direction {
  return q.dir === 'default' ? 'or' : q.dir;
}

/** libpcap's __pcap_atoin: 2 to 4 dotted numbers, left-aligned: "10.1" is 10.1.0.0 with 16 significant bits. */
function ipv4Prefix(text: string, expression: string, at: number): [value: number, bits: number] {
  const parts = text.split('.').map(Number);
  if (parts.some((p) => p > 255)) throw new FilterSyntaxError(`invalid IPv4 address '${text}'`, expression, at);
  const value = parts.reduce((acc, p) => acc * 256 + p, 0);
  const bits = parts.length * 8;
  return [bits === 32 ? value : (value * 2 ** (32 - bits)) >>> 0, bits];
}

function macBytes(text: string): Uint8Array {
  const parts = text.includes(':') || text.includes('-') || text.split('.').length === 6
    ? text.split(/[:.-]/)
    : text.replace(/\./g, '').match(/../g)!;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}
