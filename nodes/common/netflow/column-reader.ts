// A second compiled reader for fixed-length templates: it writes a data set's records straight
// into typed arrays (a ColumnSink) instead of building an object per record. The flow collector's
// decode workers use it (flow-collector/result-transfer.ts): a record object built in the worker,
// packed, and built again on Node-RED's thread cost about three times the one-core path; here the
// worker writes each value once and the main thread builds the object once.
// What it takes: every field a number (unsigned up to 8 octets, dateTimeSeconds/Milliseconds,
// floats), an address, a MAC, a string or a boolean, no repeated element, no element named like a
// key the decoder adds (the three meta keys, the enrich keys). Anything else (signed, lists,
// variable-length fields, microsecond times, a sampling field of the template's own) stays on the
// object path (compiled-reader.ts or the generic walk).
// The layout of one record in the arrays, per field in template order: kind 'i' one int32
// (unsigned of 1-3 octets), 'w' one int32 (an unsigned32's bits: read back with >>> 0, so values
// under 2^30 stay small integers and cost the reading side no heap number), 'a' one int32 (an IPv4
// address's 32 bits: the text is made on the reading side), 'b' one int32 (a boolean's octet),
// 's' one int32 (a string's index in the message's table), 'f' one float64 (floats), 'u' one float64 (up to 64 bits: NaN
// when it is a bigint, which then goes in `bigs`); then, for a grouped layout, one int32: the
// record's group (its ingress/egress interface and sampler, whose options-taught values the
// decoder looks up once per group: flow/flow-decoder.ts).
import { ipv6, mac, readUnsigned, readUnsigned64 as u64, text } from './values';
import { VARIABLE_LENGTH, type Template } from './template-cache';

/** Typed arrays being written, with room made before each set. */
export interface ColumnSink {
  ints: Int32Array;
  floats: Float64Array;
  ni: number;
  nf: number;
  /** Values past 2^53 of 'u' fields, in order. */
  bigs: bigint[];
  intern(s: string): number;
  reserve(ints: number, floats: number): void;
  /** Whether records of this layout may be written (the reading side knows a bounded number of layouts). */
  admit(spec: ColumnSpec): boolean;
}

/** A layout of records in the arrays: what the reading side needs to build the objects. */
export interface ColumnSpec {
  /** The template's element names, in order (the reader's keys without the meta keys). */
  keys: string[];
  /** One kind per key (see the top of this file). */
  kinds: string;
  exporterField: 'exporterIPv4Address' | 'exporterIPv6Address';
  /** Whether each record ends with its group index. */
  grouped: boolean;
  /** The epoch keys the time base can add, in the order it adds them (with the uptime key each is made from). */
  times: Array<{ key: 'flowStartMilliseconds' | 'flowEndMilliseconds'; from: string }>;
  /** Sampled counts among the keys (the ones a sampling rate multiplies). */
  counts: string[];
}

/** The distinct (ingress, egress, sampler) values of a set's records; each record's index into them. */
export class GroupTable {
  /** Per group: the values of the group fields (undefined: the template has no such field). */
  readonly values: Array<Array<number | undefined>> = [];
  readonly counts: number[] = [];
  /** Group by key, made when a set has a second group. */
  private index: Map<string, number> | undefined;
  private la: number | undefined = NaN;
  private lb: number | undefined;
  private lc: number | undefined;
  private ld: number | undefined;
  private last = -1;

  /** The group of these values (the fields' own order), made on first sight. */
  of(a: number | undefined, b: number | undefined, c: number | undefined, d: number | undefined): number {
    // Records of a set mostly share their interfaces: the last group first, without a key.
    if (a === this.la && b === this.lb && c === this.lc && d === this.ld) {
      this.counts[this.last]++;
      return this.last;
    }
    let g: number | undefined;
    // A key (and a map) only once a set has a second group.
    const key = this.values.length ? `${a},${b},${c},${d}` : '';
    if (this.values.length) {
      if (!this.index) {
        const v = this.values[0];
        this.index = new Map([[`${v[0]},${v[1]},${v[2]},${v[3]}`, 0]]);
      }
      g = this.index.get(key);
    }
    if (g === undefined) {
      g = this.values.length;
      this.values.push([a, b, c, d]);
      this.counts.push(0);
      this.index?.set(key, g);
    }
    this.la = a;
    this.lb = b;
    this.lc = c;
    this.ld = d;
    this.last = g;
    this.counts[g]++;
    return g;
  }
}

/** The fields a group is made of, in GroupTable's order. */
export const GROUP_FIELDS = ['ingressInterface', 'egressInterface', 'samplerId', 'selectorId'] as const;

export type ColumnWriter = (b: Buffer, off: number, n: number, length: number, o: ColumnSink, g: GroupTable) => void;

export interface ColumnTemplate {
  write: ColumnWriter;
  spec: ColumnSpec;
  /** int32 and float64 slots per record. */
  ints: number;
  floats: number;
}

/** Keys the decoder or its enrich steps write, which a template's own field must not take. */
const RESERVED = new Set([
  'templateId', 'observationDomainId', 'exporterIPv4Address', 'exporterIPv6Address', '__proto__',
  'samplingInterval', 'samplerRandomInterval', 'ingressInterfaceName', 'egressInterfaceName', 'samplingScaled',
]);
const SAMPLED = new Set(['octetDeltaCount', 'packetDeltaCount', 'octetTotalCount', 'packetTotalCount', 'postOctetDeltaCount', 'postPacketDeltaCount', 'layer2OctetDeltaCount']);

const helpers = { ipv6, mac, readUnsigned, text, u64 };

/** The kind of a field, or undefined when the object path must read it. */
function kindOf(type: string, len: number): string | undefined {
  switch (type) {
    case 'unsigned8': case 'unsigned16': case 'unsigned32': case 'unsigned64':
      if (len <= 3) return 'i';
      if (len === 4) return 'w';
      return len <= 8 ? 'u' : undefined;
    case 'dateTimeSeconds': return len === 4 ? 'w' : undefined;
    case 'dateTimeMilliseconds': return len === 8 ? 'u' : undefined;
    case 'ipv4Address': return len === 4 ? 'a' : undefined;
    case 'ipv6Address': return len === 16 ? 's' : undefined;
    case 'macAddress': return len === 6 ? 's' : undefined;
    case 'string': return 's';
    case 'boolean': return len === 1 ? 'b' : undefined;
    case 'float32': case 'float64': return len === 4 || len === 8 ? 'f' : undefined;
  }
  return undefined;
}

function u32(at: string): string {
  return `(b[${at}] * 16777216 + ((b[${at} + 1] << 16) | (b[${at} + 2] << 8) | b[${at} + 3]))`;
}

/** The statement writing one field at `at` (values into `v<i>` first where a group needs them). */
function statement(type: string, kind: string, len: number, at: string, v: string): string {
  switch (kind) {
    case 'i':
      return `${v} = ${len === 1 ? `b[${at}]` : len === 2 ? `((b[${at}] << 8) | b[${at} + 1])` : `((b[${at}] << 16) | (b[${at} + 1] << 8) | b[${at} + 2])`}; I[i++] = ${v};`;
    case 'w':
      return `${v} = ${u32(at)}; I[i++] = ${v};`;
    case 'a':
      return `I[i++] = (b[${at}] << 24) | (b[${at} + 1] << 16) | (b[${at} + 2] << 8) | b[${at} + 3];`;
    case 'b':
      return `I[i++] = b[${at}];`;
    case 's':
      return `I[i++] = o.intern(${type === 'ipv6Address' ? `H.ipv6(b, ${at})` : type === 'macAddress' ? `H.mac(b, ${at})` : `H.text(b, ${at}, ${at} + ${len})`});`;
    case 'f':
      return `${v} = ${len === 4 ? `b.readFloatBE(${at})` : `b.readDoubleBE(${at})`}; F[f++] = ${v};`;
    default: // 'u'
      return `${v} = ${len === 8 ? `H.u64(b, ${at})` : `H.readUnsigned(b, ${at}, ${len})`}; if (typeof ${v} === 'number') F[f++] = ${v}; else { F[f++] = NaN; o.bigs.push(${v}); }`;
  }
}

/** The column reader of a template, or undefined when its records need the object path. */
export function compileColumns(t: Template, exporterField: ColumnSpec['exporterField']): ColumnTemplate | undefined {
  if (t.options) return undefined;
  const keys: string[] = [];
  let kinds = '';
  const body: string[] = [];
  let offset = 0;
  let ints = 0;
  let floats = 0;
  for (const f of t.fields) {
    if (f.length === VARIABLE_LENGTH) return undefined;
    if (f.length > 0) {
      const name = f.ie.name;
      const kind = kindOf(f.ie.type, f.length);
      if (kind === undefined || RESERVED.has(name) || keys.includes(name)) return undefined;
      // The group fields and the uptimes are read as numbers by the decoder's steps: no bigints there.
      const numeric = (GROUP_FIELDS as readonly string[]).includes(name) || name === 'flowStartSysUpTime' || name === 'flowEndSysUpTime';
      if (numeric && kind !== 'i' && kind !== 'w') return undefined;
      body.push(statement(f.ie.type, kind, f.length, `o_ + ${offset}`, `v${keys.length}`));
      keys.push(name);
      kinds += kind;
      if (kind === 'f' || kind === 'u') floats++;
      else ints++;
    }
    offset += f.length;
  }
  if (offset === 0) return undefined;
  const groupArgs = GROUP_FIELDS.map((k) => (keys.includes(k) ? `v${keys.indexOf(k)}` : 'undefined'));
  const grouped = groupArgs.some((a) => a !== 'undefined');
  if (grouped) {
    body.push(`I[i++] = g.of(${groupArgs.join(', ')});`);
    ints++;
  }
  const times: ColumnSpec['times'] = [];
  const start = keys.indexOf('flowStartSysUpTime');
  const end = keys.indexOf('flowEndSysUpTime');
  const addStart = start >= 0 && !keys.includes('flowStartMilliseconds');
  const addEnd = end >= 0 && !keys.includes('flowEndMilliseconds');
  // The template's order of the two uptimes decides the order of the keys (enrich/exporter-options.ts).
  const endFirst = end >= 0 && (start < 0 || end < start);
  if (endFirst && addEnd) times.push({ key: 'flowEndMilliseconds', from: 'flowEndSysUpTime' });
  if (addStart) times.push({ key: 'flowStartMilliseconds', from: 'flowStartSysUpTime' });
  if (!endFirst && addEnd) times.push({ key: 'flowEndMilliseconds', from: 'flowEndSysUpTime' });
  const locals = keys.map((_, i) => `v${i}`).join(', ');
  // Built only from registry names (in comments never), numbers and kinds, never from packet data.
  const code = `return function write(b, off, n, length, o, g) {
    o.reserve(n * ${ints}, n * ${floats});
    const I = o.ints, F = o.floats;
    let i = o.ni, f = o.nf;
    let ${locals};
    for (let r = 0, o_ = off; r < n; r++, o_ += length) {
      ${body.join('\n      ')}
    }
    o.ni = i; o.nf = f;
  };`;
  const write = new Function('H', code)(helpers) as ColumnWriter;
  const spec: ColumnSpec = { keys, kinds, exporterField, grouped, times, counts: keys.filter((k) => SAMPLED.has(k)) };
  return { write, spec, ints, floats };
}
