// pmacct's aggregate_filter over flow records: the pack's filter grammar (parseFilter, libpcap's
// pcap-filter(7)) evaluated over record fields instead of frame bytes. A record stands for the
// packets it summarises, as pmacct presents NetFlow/sFlow records to its filters: addresses,
// ports, protocol, VLAN, MACs and EtherType from the record; `len`, `less`, `greater` see the
// average packet length (bytes / packets); the byte tests a record can answer are tcp[13]
// (tcpflags, from tcpControlBits) and ip[1] (the TOS byte). Other byte tests are a syntax error
// naming the position, since a record has no packet bytes.
import { FilterSyntaxError, parseFilter, type Arith, type Direction, type FilterNode } from '../filter';
import type { FlowRecord } from '../flow/types';
import { ipv4Number, ipv6Bytes } from '../packet/text';

type Test = (r: FlowRecord) => boolean;
type Value = (r: FlowRecord) => number | undefined;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const ipv4Of = (text: string | undefined): number | undefined => (text === undefined ? undefined : ipv4Number(text));

const ipv6Of = (text: string | undefined): Uint8Array | undefined => (text === undefined ? undefined : ipv6Bytes(text));

function macBytes(text: string | undefined): Uint8Array | undefined {
  return text === undefined ? undefined : Uint8Array.from(text.split(':').map((h) => parseInt(h, 16)));
}

const v4 = (r: FlowRecord) => r.sourceIPv4Address !== undefined || r.destinationIPv4Address !== undefined;
const v6 = (r: FlowRecord) => !v4(r) && (r.sourceIPv6Address !== undefined || r.destinationIPv6Address !== undefined);

function etherType(r: FlowRecord): number | undefined {
  return num(r.ethernetType) ?? (v4(r) ? 0x0800 : v6(r) ? 0x86dd : undefined);
}

/** src/dst values combined as the direction says. */
function directed<T>(dir: Direction, src: (r: FlowRecord) => T | undefined, dst: (r: FlowRecord) => T | undefined, match: (v: T) => boolean): Test {
  const s = (r: FlowRecord) => { const v = src(r); return v !== undefined && match(v); };
  const d = (r: FlowRecord) => { const v = dst(r); return v !== undefined && match(v); };
  if (dir === 'src') return s;
  if (dir === 'dst') return d;
  if (dir === 'and') return (r) => s(r) && d(r);
  return (r) => s(r) || d(r);
}

function averageLength(r: FlowRecord): number {
  const bytes = num(r.octetDeltaCount ?? r.octetTotalCount) ?? 0;
  const packets = num(r.packetDeltaCount ?? r.packetTotalCount) ?? 0;
  return packets > 0 ? Math.floor(bytes / packets) : bytes;
}

class RecordCompiler {
  constructor(private readonly expression: string) {}

  private fail(message: string, at: number): never {
    throw new FilterSyntaxError(`${message} (flow records)`, this.expression, at);
  }

  test(node: FilterNode): Test {
    switch (node.kind) {
      case 'and': { const l = this.test(node.left), r = this.test(node.right); return (x) => l(x) && r(x); }
      case 'or': { const l = this.test(node.left), r = this.test(node.right); return (x) => l(x) || r(x); }
      case 'not': { const o = this.test(node.operand); return (x) => !o(x); }
      case 'linkProto': return (r) => etherType(r) === node.etherType;
      case 'ipProto': {
        const version = node.version === 4 ? v4 : node.version === 6 ? v6 : (r: FlowRecord) => v4(r) || v6(r);
        return (r) => version(r) && num(r.protocolIdentifier) === node.protocol;
      }
      case 'host4': {
        if (!node.over.includes('ip')) return () => false; // ARP/RARP only: a flow record is IP
        const want = (node.address & node.mask) >>> 0;
        return directed(node.dir, (r) => ipv4Of(str(r.sourceIPv4Address)), (r) => ipv4Of(str(r.destinationIPv4Address)),
          (a) => ((a & node.mask) >>> 0) === want);
      }
      case 'host6':
        return directed(node.dir, (r) => ipv6Of(str(r.sourceIPv6Address)), (r) => ipv6Of(str(r.destinationIPv6Address)),
          (a) => a.every((b, i) => (b & node.mask[i]) === (node.address[i] & node.mask[i])));
      case 'etherHost':
        return directed(node.dir, (r) => macBytes(str(r.sourceMacAddress)), (r) => macBytes(str(r.destinationMacAddress ?? r.postDestinationMacAddress)),
          (m) => m.length === node.address.length && m.every((b, i) => b === node.address[i]));
      case 'port': {
        const inRange = (p: number) => p >= node.low && p <= node.high;
        const ports = directed(node.dir, (r) => num(r.sourceTransportPort), (r) => num(r.destinationTransportPort), inRange);
        return (r) => node.protocols.includes(num(r.protocolIdentifier) ?? -1) && ports(r);
      }
      case 'vlan': {
        const id = node.id;
        return (r) => { const v = num(r.vlanId ?? r.dot1qVlanId); return v !== undefined && v !== 0 && (id === undefined || v === id); };
      }
      case 'broadcast':
      case 'multicast': return this.cast(node.kind, node.layer);
      case 'compare': return this.compare(node);
    }
  }

  private cast(kind: 'broadcast' | 'multicast', layer: 'link' | 'ip' | 'ip6'): Test {
    if (layer === 'link') {
      return (r) => {
        const m = macBytes(str(r.destinationMacAddress ?? r.postDestinationMacAddress));
        return !!m && (kind === 'multicast' ? (m[0] & 1) !== 0 : m.every((b) => b === 0xff));
      };
    }
    if (layer === 'ip6') return (r) => kind === 'multicast' && (ipv6Of(str(r.destinationIPv6Address))?.[0] === 0xff);
    return (r) => {
      const a = ipv4Of(str(r.destinationIPv4Address));
      if (a === undefined) return false;
      return kind === 'multicast' ? a >>> 28 === 0xe : a === 0 || a === 0xffffffff;
    };
  }

  private value(a: Arith): Value {
    switch (a.kind) {
      case 'number': return () => a.value;
      case 'len': return averageLength;
      case 'negate': { const o = this.value(a.operand); return (r) => { const v = o(r); return v === undefined ? undefined : (-v) >>> 0; }; }
      case 'load': {
        const index = a.index.kind === 'number' ? a.index.value : undefined;
        if (a.layer === 'tcp' && index === 13 && a.size === 1) return (r) => (num(r.protocolIdentifier) === 6 ? (num(r.tcpControlBits) ?? 0) & 0xff : undefined);
        if (a.layer === 'ip' && index === 1 && a.size === 1) return (r) => (v4(r) ? num(r.ipClassOfService) ?? 0 : undefined);
        return this.fail('a record has no packet bytes: only tcp[13] (tcpflags) and ip[1] can be tested', a.at);
      }
      case 'binary': {
        const l = this.value(a.left), r = this.value(a.right);
        const op = BINARY[a.op];
        return (x) => { const lv = l(x), rv = r(x); return lv === undefined || rv === undefined ? undefined : op(lv, rv); };
      }
    }
  }

  private compare(node: Extract<FilterNode, { kind: 'compare' }>): Test {
    const l = this.value(node.left), r = this.value(node.right);
    const op = COMPARE[node.op];
    // As BPF: a test on a header the packet lacks fails.
    return (x) => { const lv = l(x), rv = r(x); return lv !== undefined && rv !== undefined && op(lv, rv); };
  }
}

const BINARY: Record<string, (a: number, b: number) => number | undefined> = {
  '+': (a, b) => (a + b) >>> 0, '-': (a, b) => (a - b) >>> 0, '*': (a, b) => Math.imul(a, b) >>> 0,
  '/': (a, b) => (b === 0 ? undefined : Math.floor(a / b)), '%': (a, b) => (b === 0 ? undefined : a % b),
  '&': (a, b) => (a & b) >>> 0, '|': (a, b) => (a | b) >>> 0, '^': (a, b) => (a ^ b) >>> 0,
  '<<': (a, b) => (b > 31 ? 0 : (a << b) >>> 0), '>>': (a, b) => (b > 31 ? 0 : a >>> b),
};
const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b, '>=': (a, b) => a >= b, '=': (a, b) => a === b, '!=': (a, b) => a !== b, '<': (a, b) => a < b, '<=': (a, b) => a <= b,
};

/** Compiles an aggregate_filter; empty matches every record (undefined). Throws FilterSyntaxError. */
export function compileRecordFilter(expression: string): ((record: FlowRecord) => boolean) | undefined {
  const ast = parseFilter(String(expression ?? ''));
  return ast ? new RecordCompiler(expression).test(ast) : undefined;
}
