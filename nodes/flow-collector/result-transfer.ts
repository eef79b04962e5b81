// How decode workers hand their results to the main thread cheaply. A structured clone of many
// small objects costs more than decoding them (about 13 µs a record with its datagram's side
// lists); here the worker writes every record, options record, counter sample, template event and
// error whose values are numbers, strings and booleans into two typed arrays (transferred, not
// copied) after a "layout" (its keys in order, and per key: int32, float64, string or boolean),
// and the main thread builds the objects back with one compiled function per layout: the same
// objects, keys in the same order. Strings go once per message in a table. Anything else
// (records holding Buffers, bigints, lists) goes beside them in a structured clone.
// Checking that a record's keys are its layout's, in order, cost about 730 instructions a
// softflowd record; a record a template's compiled reader made needs no check when the decoder's
// runs come with it: its keys are the reader's and those the enrich steps added (ADDED_*).
// The arrays go back to the worker with the acknowledgement and are written again (recycle):
// fresh arrays of a few hundred KiB per message kept both threads' garbage collectors busy.
// Records of v9/IPFIX data sets a column reader can read are not objects in the worker at all:
// the decoder writes them into a second pair of arrays (the "blocks", `sink()`) while it walks the
// datagram (netflow/column-reader.ts), and the results' record lists say where each set's block
// goes and what the decoder's enrich steps add to its records (FlowDecoder.lastColumnRuns()); the
// main thread builds them with one compiled function per layout, times and added keys.
import type { ColumnRun, DecodeResult, FlowRecord, RecordBuilder, RecordRun } from '../common';
import type { ColumnSink, ColumnSpec } from '../common/netflow/column-reader';
import { ipv4ToString } from '../common/packet/text';
import { scaleCount } from '../common/enrich/sampling';

/** What a worker sends per batch of results. */
export interface PackedResults {
  count: number;
  /** Whole arrays, written up to intCount and floatCount. */
  ints: ArrayBuffer;
  floats: ArrayBuffer;
  intCount: number;
  floatCount: number;
  strings: string[];
  /** Layouts first used in this message (numbered on from the worker's earlier messages). */
  layouts: LayoutSpec[];
  /** Results and records that are not packed, in order of use. */
  cloned: unknown[];
  /** The column blocks' arrays (whole, written up to their counts), the bigints of their records. */
  blockInts: ArrayBuffer;
  blockFloats: ArrayBuffer;
  blockIntCount: number;
  blockFloatCount: number;
  bigs: bigint[];
  /** Column layouts first used in this message (numbered on from the worker's earlier messages). */
  columnSpecs: ColumnSpec[];
}

/** The arrays of a message, which go to the main thread and back. */
export interface MessageArrays {
  ints: ArrayBuffer;
  floats: ArrayBuffer;
  blockInts: ArrayBuffer;
  blockFloats: ArrayBuffer;
}

interface LayoutSpec {
  keys: string[];
  /** Per key: 'i' int32, 'f' float64 (any number), 's' string, 'b' boolean. */
  tags: string;
}

/** The buffers of a PackedResults, to transfer with it (and back with its acknowledgement). */
export const transferList = (p: MessageArrays): ArrayBuffer[] => [p.ints, p.floats, p.blockInts, p.blockFloats];

/** Just the arrays of a message (to send back). */
export const messageArrays = (p: MessageArrays): MessageArrays => ({ ints: p.ints, floats: p.floats, blockInts: p.blockInts, blockFloats: p.blockFloats });

/** Result keys the header encodes; a result with any other key goes whole in the clone. */
const RESULT_KEYS = new Set(['protocol', 'version', 'exporter', 'receivedAt', 'records', 'options', 'counters', 'templates', 'delayedRecords', 'errors', 'exportTime', 'sequenceNumber', 'observationDomainId']);
/** Result kinds in the int stream. */
const PACKED = 0;
const CLONED = 1;
/** A result's lists, in the order they are packed. */
const LISTS = ['records', 'options', 'counters', 'templates', 'errors'] as const;
/** A record's layout id in the int stream when the record itself is in the clone. */
const CLONED_RECORD = -1;
/** In a records list: the records of a column block follow (their number after it). */
const COLUMN_BLOCK = -2;
/** Bits of a column block group's added keys. */
const HAS_INTERVAL = 1;
const HAS_IN_NAME = 2;
const HAS_OUT_NAME = 4;
const SCALED = 8;
/** Layouts a worker defines at most (distinct templates and value types); records beyond go in the clone. */
const MAX_LAYOUTS = 4096;
/** Layouts tried before a record's own layout is worked out (most recently used first). */
const RECENT_LAYOUTS = 4;
/** Arrays a packer keeps for reuse (more come back only if more messages were in flight). */
const MAX_RECYCLED = 4;
const MIN_INTS = 4096;
const MIN_FLOATS = 1024;

const isInt32 = (v: number) => (v | 0) === v && !Object.is(v, -0);

/**
 * The keys FlowDecoder's own enrich steps add to a record a compiled reader made, in the order
 * they add them, when the record lacks them: the uptimes as epoch times in the template's order of
 * the two uptimes (enrich/exporter-options.ts convertUptimes, addToUptimes), the options data's
 * sampling interval and interface names (applyOptions), the sampling mark (enrich/sampling.ts
 * scaleBySampling). Nothing else adds keys (the other steps only change values), so such a
 * record's keys are its reader's, then those of these it has: known without looking at its keys.
 * (The collector's decoders take no other enrich steps.)
 */
const ADDED_START_FIRST = ['flowStartMilliseconds', 'flowEndMilliseconds', 'samplingInterval', 'ingressInterfaceName', 'egressInterfaceName', 'samplingScaled'];
const ADDED_END_FIRST = ['flowEndMilliseconds', 'flowStartMilliseconds', 'samplingInterval', 'ingressInterfaceName', 'egressInterfaceName', 'samplingScaled'];
/** Layouts tried per reader shape before the record's value types are worked out. */
const SHAPE_LAYOUTS = 4;

type Writer = (r: RecordBuilder, out: Columns) => boolean;

interface Layout extends LayoutSpec {
  id: number;
  ints: number;
  floats: number;
  write: Writer;
  /** As write, for a record whose keys are known to be the layout's (no look at them). */
  writeKnown?: Writer;
}

/** The records of one compiled reader (its keys) and one order of the uptimes: the keys they can have. */
interface ReaderShapes {
  /** Which of `added` a record has, as bits. */
  mask: (r: RecordBuilder) => number;
  added: string[];
  base: readonly string[];
  /** Per mask: the record's keys and the layouts (value types) seen with them, most recent first. */
  byMask: Array<{ keys: string[]; layouts: Layout[] } | undefined>;
}

/** Growing typed arrays a message is written into; a message's two share one string table. */
class Columns implements ColumnSink {
  ni = 0;
  nf = 0;
  strings: string[];
  bigs: bigint[] = [];
  private readonly index: Map<string, number>;

  /** Set by the packer on the blocks' columns. */
  admit: (spec: ColumnSpec) => boolean = () => false;

  constructor(public ints: Int32Array, public floats: Float64Array, shared?: Columns) {
    this.strings = shared ? shared.strings : [];
    this.index = shared ? shared.index : new Map();
  }

  intern(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  reserve(ints: number, floats: number): void {
    if (this.ni + ints > this.ints.length) {
      const bigger = new Int32Array(Math.max(this.ni + ints, this.ints.length * 2));
      bigger.set(this.ints);
      this.ints = bigger;
    }
    if (this.nf + floats > this.floats.length) {
      const bigger = new Float64Array(Math.max(this.nf + floats, this.floats.length * 2));
      bigger.set(this.floats);
      this.floats = bigger;
    }
  }
}

/**
 * Checks a record against a layout (exact keys in order unless `keysKnown`, value types) while
 * writing its values.
 */
function compileWriter(keys: string[], tags: string, keysKnown = false): Writer {
  const checks: string[] = [];
  keys.forEach((k, i) => {
    const v = `v${i}`;
    const get = `const ${v} = r[${JSON.stringify(k)}];`;
    if (tags[i] === 's') checks.push(`${get} if (typeof ${v} !== 'string') return false;`);
    else if (tags[i] === 'i') checks.push(`${get} if (typeof ${v} !== 'number' || !isInt32(${v})) return false;`);
    else if (tags[i] === 'b') checks.push(`${get} if (typeof ${v} !== 'boolean') return false;`);
    else checks.push(`${get} if (typeof ${v} !== 'number') return false;`);
  });
  const writes = keys.map((_, i) => (tags[i] === 'f' ? `F[f++] = v${i};` : tags[i] === 's' ? `I[n++] = o.intern(v${i});` : tags[i] === 'b' ? `I[n++] = v${i} ? 1 : 0;` : `I[n++] = v${i};`));
  const body = `return function write(r, o) {
    ${checks.join('\n')}
    ${keysKnown ? '' : `let c = 0;
    for (const k in r) if (k !== K[c++]) return false;
    if (c !== ${keys.length}) return false;`}
    const I = o.ints, F = o.floats;
    let n = o.ni, f = o.nf;
    ${writes.join(' ')}
    o.ni = n; o.nf = f;
    return true;
  };`;
  // Keys are JSON-quoted: never code.
  return new Function('K', 'isInt32', body)(keys, isInt32) as Writer;
}

/** The layout a record would need: undefined when one of its values is not a number or string. */
function layoutOf(r: RecordBuilder): LayoutSpec | undefined {
  const keys: string[] = [];
  let tags = '';
  for (const k in r) {
    const v = r[k];
    if (typeof v === 'string') tags += 's';
    else if (typeof v === 'number') tags += isInt32(v) ? 'i' : 'f';
    else if (typeof v === 'boolean') tags += 'b';
    else return undefined;
    // An object literal with this key would set the prototype instead.
    if (k === '__proto__') return undefined;
    keys.push(k);
  }
  return { keys, tags };
}

/** The values' types of `keys` of a record, or undefined when one is not a number, string or boolean. */
function tagsOf(r: RecordBuilder, keys: string[]): string | undefined {
  let tags = '';
  for (const k of keys) {
    const v = r[k];
    if (typeof v === 'string') tags += 's';
    else if (typeof v === 'number') tags += isInt32(v) ? 'i' : 'f';
    else if (typeof v === 'boolean') tags += 'b';
    else return undefined;
  }
  return tags;
}

function readerShapes(base: readonly string[], endFirst: boolean): ReaderShapes | undefined {
  // An object literal with this key would set the prototype instead.
  if (base.includes('__proto__')) return undefined;
  const added = (endFirst ? ADDED_END_FIRST : ADDED_START_FIRST).filter((k) => !base.includes(k));
  const bits = added.map((k, i) => `(r[${JSON.stringify(k)}] !== undefined ? ${1 << i} : 0)`);
  // Keys are JSON-quoted: never code.
  const mask = new Function(`return function mask(r) { return ${bits.join(' | ') || '0'}; };`)() as ReaderShapes['mask'];
  return { mask, added, base, byMask: [] };
}

/** Worker side: writes results into PackedResults; remembers the layouts it has sent. */
export class ResultPacker {
  private readonly layouts = new Map<string, Layout>();
  /** Per compiled reader's keys: its shapes with the uptimes start first [0] and end first [1]. */
  private readonly shapes = new WeakMap<readonly string[], Array<ReaderShapes | null>>();
  /** Records packed without a look at their keys (their compiled reader's), since the packer was made. */
  knownRecords = 0;
  private recent: Layout[] = [];
  private fresh: LayoutSpec[] = [];
  /** Arrays handed back (recycle), and the sizes the last message needed. */
  private spare: Array<{ ints: Int32Array; floats: Float64Array }> = [];
  private needed = { ints: MIN_INTS, floats: MIN_FLOATS };
  private out = this.columns(this.needed);
  private blockSpare: Array<{ ints: Int32Array; floats: Float64Array }> = [];
  private blockNeeded = { ints: MIN_INTS, floats: MIN_FLOATS };
  private blocks = this.blocksColumns();
  /** Column layouts by their text (templates learned again make new spec objects of the same layout), and by object. */
  private readonly specIds = new Map<string, number>();
  private readonly specIdOf = new WeakMap<ColumnSpec, number>();
  private freshSpecs: ColumnSpec[] = [];
  private cloned: unknown[] = [];
  private count = 0;
  /** Records written by column readers, since the packer was made. */
  columnRecords = 0;

  private blocksColumns(): Columns {
    const c = this.columns(this.blockNeeded, this.blockSpare, this.out);
    c.admit = (spec) => this.specId(spec) !== undefined;
    return c;
  }

  /** A column layout's id, numbered on first use; undefined past MAX_LAYOUTS (the decoder then builds objects). */
  private specId(spec: ColumnSpec): number | undefined {
    let id = this.specIdOf.get(spec);
    if (id !== undefined) return id;
    const key = JSON.stringify([spec.keys, spec.kinds, spec.exporterField]);
    id = this.specIds.get(key);
    if (id === undefined) {
      if (this.specIds.size >= MAX_LAYOUTS) return undefined;
      id = this.specIds.size;
      this.specIds.set(key, id);
      this.freshSpecs.push(spec);
    }
    this.specIdOf.set(spec, id);
    return id;
  }

  /** Where the decoder writes the records of the next result it decodes (FlowDecoder.decode's sink). */
  sink(): ColumnSink {
    return this.blocks;
  }

  /**
   * `runs`: the decoder's lastRuns() for `r` (right after decoding it, from a FlowDecoder without
   * enrich steps of the caller's): the records its compiled readers made are packed without a
   * look at their keys.
   */
  add(r: DecodeResult, runs?: readonly RecordRun[], columnRuns?: readonly ColumnRun[]): void {
    this.count++;
    const o = this.out;
    let extra = 0;
    for (const k in r) {
      if (!RESULT_KEYS.has(k) || (r as unknown as Record<string, unknown>)[k] === undefined) extra++;
    }
    const e = r.exporter;
    if (!columnRuns?.length && (extra || typeof e?.address !== 'string' || typeof e.port !== 'number' || Object.keys(e).length !== 2)) {
      o.reserve(1, 0);
      o.ints[o.ni++] = CLONED;
      this.cloned.push(r);
      return;
    }
    o.reserve(6, 4);
    const I = o.ints;
    I[o.ni++] = PACKED;
    I[o.ni++] = o.intern(r.protocol);
    I[o.ni++] = r.version;
    I[o.ni++] = o.intern(e.address);
    I[o.ni++] = e.port;
    I[o.ni++] = r.delayedRecords;
    const F = o.floats;
    F[o.nf++] = r.receivedAt.getTime();
    // Absent is NaN (these are never NaN when present).
    F[o.nf++] = 'exportTime' in r ? r.exportTime!.getTime() : NaN;
    F[o.nf++] = 'sequenceNumber' in r ? r.sequenceNumber! : NaN;
    F[o.nf++] = 'observationDomainId' in r ? r.observationDomainId! : NaN;
    for (const list of LISTS) {
      const items = r[list] as unknown as RecordBuilder[];
      o.reserve(1, 0);
      if (list === 'records' && columnRuns?.length) {
        let written = 0;
        for (const c of columnRuns) written += c.count;
        o.ints[o.ni++] = items.length + written;
        let j = 0;
        for (const c of columnRuns) {
          j = this.addObjects(items, runs, false, j, c.at);
          this.addBlock(c);
        }
        this.addObjects(items, runs, false, j, items.length);
        continue;
      }
      o.ints[o.ni++] = items.length;
      if (runs?.length && (list === 'records' || list === 'options')) this.addObjects(items, runs, list === 'options', 0, items.length);
      else for (let j = 0; j < items.length; j++) this.addRecord(items[j]);
    }
  }

  /** `items[from, to)`, those of the runs by their reader's keys; returns `to`. */
  private addObjects(items: RecordBuilder[], runs: readonly RecordRun[] | undefined, options: boolean, from: number, to: number): number {
    let j = from;
    if (runs) {
      for (const run of runs) {
        if (run.options !== options || run.to <= j) continue;
        if (run.from >= to) break;
        for (; j < run.from; j++) this.addRecord(items[j]);
        const shapes = run.readerKeys && this.shapesOf(run.readerKeys, run.endTimeFirst);
        const end = Math.min(run.to, to, items.length);
        for (; j < end; j++) if (!shapes || !this.addKnown(items[j], shapes)) this.addRecord(items[j]);
      }
    }
    for (; j < to; j++) this.addRecord(items[j]);
    return to;
  }

  /** A column block's place in a records list: its layout, header and groups (its values are in the blocks' arrays). */
  private addBlock(c: ColumnRun): void {
    // Admitted (numbered) when the decoder wrote the block.
    const id = this.specId(c.spec)!;
    const o = this.out;
    const groups = c.groups;
    o.reserve(8 + 3 * groups.length, 3 + 2 * groups.length);
    const I = o.ints;
    const F = o.floats;
    I[o.ni++] = COLUMN_BLOCK;
    I[o.ni++] = id;
    I[o.ni++] = c.count;
    I[o.ni++] = c.times;
    I[o.ni++] = groups.length;
    I[o.ni++] = c.templateId;
    I[o.ni++] = o.intern(c.exporter);
    // A 32-bit id, read back with >>> 0: a small integer, as the decoder's own (no heap number per record).
    I[o.ni++] = c.observationDomainId;
    F[o.nf++] = c.exportTimeMs;
    F[o.nf++] = c.sysUptimeMs;
    F[o.nf++] = c.initMs;
    for (const g of groups) {
      I[o.ni++] = (g.samplingInterval !== undefined ? HAS_INTERVAL : 0) | (g.ingressInterfaceName !== undefined ? HAS_IN_NAME : 0)
        | (g.egressInterfaceName !== undefined ? HAS_OUT_NAME : 0) | (g.factor !== 1 ? SCALED : 0);
      I[o.ni++] = g.ingressInterfaceName !== undefined ? o.intern(g.ingressInterfaceName) : -1;
      I[o.ni++] = g.egressInterfaceName !== undefined ? o.intern(g.egressInterfaceName) : -1;
      F[o.nf++] = g.samplingInterval ?? NaN;
      F[o.nf++] = g.factor;
    }
    this.columnRecords += c.count;
  }

  private shapesOf(base: readonly string[], endFirst: boolean): ReaderShapes | undefined {
    let pair = this.shapes.get(base);
    if (!pair) this.shapes.set(base, (pair = []));
    const i = endFirst ? 1 : 0;
    if (pair[i] === undefined) pair[i] = readerShapes(base, endFirst) ?? null;
    return pair[i] ?? undefined;
  }

  /** A record a compiled reader made: its keys follow from which enrich keys it has. False: pack it as any other. */
  private addKnown(rec: RecordBuilder, shapes: ReaderShapes): boolean {
    const mask = shapes.mask(rec);
    let shape = shapes.byMask[mask];
    if (!shape) {
      const keys = [...shapes.base];
      shapes.added.forEach((k, i) => { if (mask & (1 << i)) keys.push(k); });
      shape = shapes.byMask[mask] = { keys, layouts: [] };
    }
    const o = this.out;
    o.reserve(1, 0);
    const at = o.ni++;
    for (const layout of shape.layouts) {
      o.reserve(layout.ints, layout.floats);
      if (layout.writeKnown!(rec, o)) {
        o.ints[at] = layout.id;
        this.knownRecords++;
        return true;
      }
    }
    const tags = tagsOf(rec, shape.keys);
    const layout = tags === undefined ? undefined : this.layoutFor({ keys: shape.keys, tags });
    if (!layout) {
      o.ni = at;
      return false;
    }
    layout.writeKnown ??= compileWriter(layout.keys, layout.tags, true);
    shape.layouts = [layout, ...shape.layouts.filter((l) => l !== layout)].slice(0, SHAPE_LAYOUTS);
    o.reserve(layout.ints, layout.floats);
    layout.writeKnown(rec, o);
    o.ints[at] = layout.id;
    this.knownRecords++;
    return true;
  }

  private addRecord(rec: RecordBuilder): void {
    const o = this.out;
    o.reserve(1, 0);
    const at = o.ni++;
    for (const layout of this.recent) {
      o.reserve(layout.ints, layout.floats);
      if (layout.write(rec, o)) {
        o.ints[at] = layout.id;
        return;
      }
    }
    const spec = layoutOf(rec);
    const layout = spec && this.layoutFor(spec);
    if (layout) {
      o.reserve(layout.ints, layout.floats);
      layout.write(rec, o);
      o.ints[at] = layout.id;
      this.recent = [layout, ...this.recent.filter((l) => l !== layout)].slice(0, RECENT_LAYOUTS);
      return;
    }
    o.ints[at] = CLONED_RECORD;
    this.cloned.push(rec);
  }

  private layoutFor(spec: LayoutSpec): Layout | undefined {
    const key = `${spec.keys.join('\n')}\n${spec.tags}`;
    let layout = this.layouts.get(key);
    if (!layout && this.layouts.size < MAX_LAYOUTS) {
      let ints = 0;
      for (const t of spec.tags) if (t !== 'f') ints++;
      layout = { ...spec, id: this.layouts.size, ints, floats: spec.tags.length - ints, write: compileWriter(spec.keys, spec.tags) };
      this.layouts.set(key, layout);
      this.fresh.push(spec);
    }
    return layout;
  }

  get pending(): number {
    return this.count;
  }

  /** The message so far (its arrays are the packer's until `recycle` gives them back); the packer starts a new one. */
  take(): PackedResults {
    const o = this.out;
    const b = this.blocks;
    const packed: PackedResults = {
      count: this.count,
      ints: o.ints.buffer as ArrayBuffer, floats: o.floats.buffer as ArrayBuffer, intCount: o.ni, floatCount: o.nf,
      strings: o.strings, layouts: this.fresh, cloned: this.cloned,
      blockInts: b.ints.buffer as ArrayBuffer, blockFloats: b.floats.buffer as ArrayBuffer, blockIntCount: b.ni, blockFloatCount: b.nf,
      bigs: b.bigs, columnSpecs: this.freshSpecs,
    };
    // The next message starts with arrays as large as this one needed.
    this.needed = { ints: Math.max(MIN_INTS, o.ni), floats: Math.max(MIN_FLOATS, o.nf) };
    this.blockNeeded = { ints: Math.max(MIN_INTS, b.ni), floats: Math.max(MIN_FLOATS, b.nf) };
    this.out = this.columns(this.needed);
    this.blocks = this.blocksColumns();
    this.fresh = [];
    this.freshSpecs = [];
    this.cloned = [];
    this.count = 0;
    return packed;
  }

  /** A message's arrays, back from the thread that read it (transferred), to write again. */
  recycle(a: MessageArrays): void {
    if (this.spare.length < MAX_RECYCLED) this.spare.push({ ints: new Int32Array(a.ints), floats: new Float64Array(a.floats) });
    if (this.blockSpare.length < MAX_RECYCLED) this.blockSpare.push({ ints: new Int32Array(a.blockInts), floats: new Float64Array(a.blockFloats) });
  }

  /** Arrays for the next message: recycled ones if large enough, else new ones. */
  private columns(needed: { ints: number; floats: number }, spare = this.spare, shared?: Columns): Columns {
    const { ints, floats } = needed;
    while (spare.length) {
      const s = spare.pop()!;
      if (s.ints.length >= ints && s.floats.length >= floats) return new Columns(s.ints, s.floats, shared);
    }
    return new Columns(new Int32Array(ints), new Float64Array(floats), shared);
  }
}

type Reader = (I: Int32Array, F: Float64Array, S: string[], at: { i: number; f: number }) => FlowRecord;

function compileReader(spec: LayoutSpec): Reader {
  let ni = 0;
  let nf = 0;
  const props = spec.keys.map((k, i) => {
    const t = spec.tags[i];
    const value = t === 'f' ? `F[f + ${nf++}]` : t === 's' ? `S[I[i + ${ni++}]]` : t === 'b' ? `I[i + ${ni++}] === 1` : `I[i + ${ni++}]`;
    return `${JSON.stringify(k)}: ${value}`;
  });
  const body = `return function read(I, F, S, at) {
    const i = at.i, f = at.f;
    at.i = i + ${ni}; at.f = f + ${nf};
    return { ${props.join(', ')} };
  };`;
  return new Function(body)() as Reader;
}

/** What a column block's records share: its header and one group's added values. */
interface BlockContext {
  templateId: number;
  observationDomainId: number;
  exporter: string;
  exportTimeMs: number;
  sysUptimeMs: number;
  initMs: number;
  samplingInterval: number;
  ingressInterfaceName: string;
  egressInterfaceName: string;
  factor: number;
}

/** Cursor over the blocks' arrays. */
interface BlockCursor { i: number; f: number; b: number }

/** Builds `n` records of one group into `items` from `j`. */
type Builder = (I: Int32Array, F: Float64Array, S: string[], B: bigint[], at: BlockCursor, c: BlockContext, items: unknown[], j: number, n: number) => void;

/** An IPv4 address's 32 bits as text, through the packet module's memoised text (flows repeat addresses). */
const v4 = Buffer.alloc(4);
function ipv4Text(bits: number): string {
  v4[0] = bits >>> 24;
  v4[1] = (bits >>> 16) & 255;
  v4[2] = (bits >>> 8) & 255;
  v4[3] = bits & 255;
  return ipv4ToString(v4, 0);
}

/**
 * A float64 that holds an int32 as an int32: V8 keeps it a small integer in the record (a double
 * would be a heap number in every record built with it: 16 bytes each, and garbage collector work).
 */
const smallInteger = (x: number): number => ((x | 0) === x ? x | 0 : x);

/** A boolean field's octet as the object path reads it: 1 true, 2 false, else the octet (RFC 7011 section 6.1.5). */
const booleanOf = (x: number): boolean | Buffer => (x === 1 ? true : x === 2 ? false : Buffer.from([x]));

const builderHelpers = { ipv4Text, booleanOf, scaleCount };

/**
 * The function building a column block's record: its template's keys, the meta keys, then what
 * the enrich steps added, in their order (as FlowDecoder builds it; see ColumnRun).
 */
function compileBuilder(spec: ColumnSpec, times: number, mask: number): Builder {
  const reads: string[] = [];
  const values: string[] = [];
  const counts = new Set(spec.counts);
  for (let k = 0; k < spec.keys.length; k++) {
    const v = `v${k}`;
    switch (spec.kinds[k]) {
      case 'i': reads.push(`const ${v} = I[i++];`); break;
      case 'w': reads.push(`const ${v} = I[i++] >>> 0;`); break;
      case 'a': reads.push(`const ${v} = H.ipv4Text(I[i++]);`); break;
      case 'b': reads.push(`const ${v} = H.booleanOf(I[i++]);`); break;
      case 's': reads.push(`const ${v} = S[I[i++]];`); break;
      // Integral values as int32s, as the object path's layouts tag them ('i'): see smallInteger.
      case 'f': reads.push(`let ${v} = F[f++]; if ((${v} | 0) === ${v} && (${v} !== 0 || 1 / ${v} > 0)) ${v} |= 0;`); break;
      default: reads.push(`let ${v} = F[f++]; if (${v} !== ${v}) ${v} = B[at.b++]; else if ((${v} | 0) === ${v}) ${v} |= 0;`);
    }
    const scaled = mask & SCALED && counts.has(spec.keys[k]);
    values.push(`${JSON.stringify(spec.keys[k])}: ${scaled ? `H.scaleCount(${v}, c.factor)` : v}`);
  }
  if (spec.grouped) reads.push('i++;');
  values.push('templateId: c.templateId', 'observationDomainId: c.observationDomainId', `${JSON.stringify(spec.exporterField)}: c.exporter`);
  for (const [n, t] of (times ? spec.times : []).entries()) {
    const from = `v${spec.keys.indexOf(t.from)}`;
    if (times === 1) {
      // flow/time-base.ts uptimeToEpochMs, written out: called here, each time cost a heap number
      // more (the garbage collector's work rose by a third). The equivalence tests hold them equal.
      reads.push(`let d${n} = c.sysUptimeMs - ${from}; if (d${n} < -0x80000000) d${n} += 0x100000000;`);
      values.push(`${t.key}: c.exportTimeMs - d${n}`);
    } else values.push(`${t.key}: c.initMs + ${from}`);
  }
  if (mask & HAS_INTERVAL) values.push('samplingInterval: c.samplingInterval');
  if (mask & HAS_IN_NAME) values.push('ingressInterfaceName: c.ingressInterfaceName');
  if (mask & HAS_OUT_NAME) values.push('egressInterfaceName: c.egressInterfaceName');
  if (mask & SCALED) values.push('samplingScaled: true');
  // Keys are JSON-quoted registry names: never code.
  const body = `return function build(I, F, S, B, at, c, items, j, n) {
    let i = at.i, f = at.f;
    for (let k = 0; k < n; k++) {
      ${reads.join('\n      ')}
      items[j + k] = { ${values.join(', ')} };
    }
    at.i = i; at.f = f;
  };`;
  return new Function('H', body)(builderHelpers) as Builder;
}

/** Main-thread side, one per worker (a restarted worker gets a new one): PackedResults back to results. */
export class ResultUnpacker {
  private readonly readers: Reader[] = [];
  private readonly specs: Array<{ spec: ColumnSpec; ints: number; builders: Map<number, Builder> }> = [];

  unpack(p: PackedResults): DecodeResult[] {
    for (const spec of p.layouts) this.readers.push(compileReader(spec));
    for (const spec of p.columnSpecs) {
      let ints = spec.grouped ? 1 : 0;
      for (const k of spec.kinds) if (k !== 'f' && k !== 'u') ints++;
      this.specs.push({ spec, ints, builders: new Map() });
    }
    // Only the part written: the rest of a recycled array holds an older message.
    const I = new Int32Array(p.ints, 0, p.intCount);
    const F = new Float64Array(p.floats, 0, p.floatCount);
    const BI = new Int32Array(p.blockInts, 0, p.blockIntCount);
    const BF = new Float64Array(p.blockFloats, 0, p.blockFloatCount);
    const S = p.strings;
    const cloned = p.cloned;
    rewrapBuffers(cloned);
    let c = 0;
    const at = { i: 0, f: 0 };
    const block: BlockCursor = { i: 0, f: 0, b: 0 };
    const results: DecodeResult[] = new Array(p.count);
    /** A column block's records into `items` from `j`; returns the index after them. */
    const readBlock = (items: unknown[], j: number): number => {
      const entry = this.specs[I[at.i++]];
      const n = I[at.i++];
      const times = I[at.i++];
      const groups = I[at.i++];
      const templateId = I[at.i++];
      const exporter = S[I[at.i++]];
      const observationDomainId = I[at.i++] >>> 0;
      const exportTimeMs = F[at.f++];
      const sysUptimeMs = F[at.f++];
      const initMs = F[at.f++];
      const contexts: BlockContext[] = [];
      const builders: Builder[] = [];
      for (let g = 0; g < groups; g++) {
        const mask = I[at.i++];
        const inName = I[at.i++];
        const outName = I[at.i++];
        // One shape for every context (a spread made others, and the builders' reads of it slow).
        contexts.push({
          templateId, observationDomainId, exporter, exportTimeMs, sysUptimeMs, initMs,
          samplingInterval: smallInteger(F[at.f++]), ingressInterfaceName: S[inName], egressInterfaceName: S[outName], factor: F[at.f++],
        });
        const key = times * 16 + mask;
        let build = entry.builders.get(key);
        if (!build) entry.builders.set(key, (build = compileBuilder(entry.spec, times, mask)));
        builders.push(build);
      }
      if (groups === 1) builders[0](BI, BF, S, p.bigs, block, contexts[0], items, j, n);
      else {
        // A record's group is its last int.
        const last = entry.ints - 1;
        for (let k = 0; k < n; k++) {
          const g = BI[block.i + last];
          builders[g](BI, BF, S, p.bigs, block, contexts[g], items, j + k, 1);
        }
      }
      return j + n;
    };
    for (let n = 0; n < p.count; n++) {
      if (I[at.i++] === CLONED) {
        results[n] = cloned[c++] as DecodeResult;
        continue;
      }
      const i = at.i;
      const f = at.f;
      at.i += 5;
      at.f += 4;
      const list = () => {
        const items: unknown[] = new Array(I[at.i++]);
        for (let j = 0; j < items.length;) {
          const layout = I[at.i++];
          if (layout === COLUMN_BLOCK) j = readBlock(items, j);
          else items[j++] = layout === CLONED_RECORD ? cloned[c++] : this.readers[layout](I, F, S, at);
        }
        return items as never;
      };
      const r: DecodeResult = {
        protocol: S[I[i]] as DecodeResult['protocol'], version: I[i + 1], exporter: { address: S[I[i + 2]], port: I[i + 3] },
        receivedAt: new Date(F[f]), records: list(), options: list(), counters: list(), templates: list(), delayedRecords: I[i + 4], errors: list(),
      };
      if (!Number.isNaN(F[f + 1])) r.exportTime = new Date(F[f + 1]);
      if (!Number.isNaN(F[f + 2])) r.sequenceNumber = F[f + 2];
      if (!Number.isNaN(F[f + 3])) r.observationDomainId = F[f + 3];
      results[n] = r;
    }
    return results;
  }
}

/**
 * A structured clone turns Buffers into Uint8Arrays: make them Buffers again (no copy). Every
 * Uint8Array in a decode result was a Buffer (the decoder makes no other kind).
 */
function rewrapBuffers(value: unknown): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v instanceof Uint8Array) value[i] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      else rewrapBuffers(v);
    }
    return;
  }
  if (value instanceof Date) return;
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (v instanceof Uint8Array) o[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    else rewrapBuffers(v);
  }
}
