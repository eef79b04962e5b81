// NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) message walk: header, sets, templates, data.
// Template-less data sets are held per domain and decoded when their template arrives; a missing
// template for one set never drops the other sets of the message. Each decoded set is noted as a
// run (flow/types.ts RecordRun) with the header timing it came with: options data and the time
// base are applied after the walk, by the enrich step (enrich/exporter-options.ts).
import * as recordReaderExports from './record-reader';
import type { RecordReadContext } from './record-reader';
import { compileTemplate, type RecordMeta } from './compiled-reader';
import { compileColumns, GroupTable, type ColumnSink } from './column-reader';
import { parseIpfixTemplateSet, parseV9TemplateSet } from './template-sets';
import type { DomainState, PendingSet, Template, TemplateCache } from './template-cache';
import type { IeRegistry } from './ie-registry';
import type { ColumnRun, DecodeResult, FlowRecord, RecordBuilder, RecordRun } from '../flow/types';
import type { SequenceTrack } from '../flow/sequence';
import * as sequenceExports from '../flow/sequence';
import * as stateIndexExports from '../flow/state-index';
import * as wireExports from './wire';
import type { TemplatedVersion } from './wire';

// The names this walk uses per message, set or record, bound once when the module loads: under the
// tsx loader (tests, bench) every use of an imported name is an accessor call on the exporting
// module, which cost ~8% of the v9 decode time (bench/flow-decode.bench.ts profile).
const { readRecord } = recordReaderExports;
const { observeSequence } = sequenceExports;
const { domainKey, SCOPE_PROTOCOL, scopeNumber } = stateIndexExports;
const { headerLength, IPFIX_HEADER, isOptionsTemplateSet, isTemplateSet, NETFLOW9_VERSION, readMessageHeader, SET_HEADER, SET_ID } = wireExports;

export interface TemplatedState {
  registry: IeRegistry;
  cache: TemplateCache;
  scopeByPort: boolean;
  maxRecordsPerDatagram: number;
  maxListDepth: number;
  pendingDecoded: number;
  pendingHeld: number;
  /** The runs of the datagram decoded last, in walk order (cleared by the caller before each decode). */
  runs: RecordRun[];
  /** Set for a decode that writes what it can into typed arrays (column-reader.ts); else undefined. */
  sink: ColumnSink | undefined;
  /** The sets of the datagram decoded last written into the sink, in walk order (cleared by the caller). */
  columnRuns: WrittenColumns[];
  /** Records of the datagram decoded last written into the sink. */
  columnRecords: number;
}

/** A set written into the sink, with what the decoder needs to fill in its enrich values. */
export interface WrittenColumns {
  run: ColumnRun;
  /** It comes before `runs[order]` (the object runs) in walk order. */
  order: number;
  table: GroupTable;
  address: string;
  scope: number;
  track: SequenceTrack;
  /** v9: the header's sysUptime (ms); undefined for IPFIX. */
  sysUptimeMs: number | undefined;
}

interface MessageContext {
  s: TemplatedState;
  result: DecodeResult;
  d: DomainState;
  /** The domain's scope number (state-index.ts), with the exporter address the key of its runs. */
  scope: number;
  now: number;
  exportTimeMs: number;
  /** v9 only: sysUptime in ms, for flowStart/EndSysUpTime conversion. */
  sysUptimeMs?: number;
  /** IPFIX: data records in this message, for sequence accounting. */
  dataRecords: number;
  /** v9 source id / IPFIX observation domain of this message (a buffer may hold several messages). */
  domainId: number;
  exporterField: 'exporterIPv4Address' | 'exporterIPv6Address';
  /** Set while data sets held earlier are decoded (their records count as delayed: objects only). */
  delayed?: boolean;
}

/** Decodes one v9 export packet or a run of IPFIX messages into `result`. */
export function decodeTemplated(buf: Buffer, version: TemplatedVersion, s: TemplatedState, result: DecodeResult, now: number): void {
  const minHeader = headerLength(version);
  const netflow9 = version === NETFLOW9_VERSION;
  let off = 0;
  // IPFIX messages carry their own length; a buffer may hold several back to back (file/stream export).
  while (buf.length - off >= minHeader) {
    if (off > 0 && buf.readUInt16BE(off) !== version) break;
    const h = readMessageHeader(buf, off, version);
    let end = buf.length;
    if (h.messageLength !== undefined) {
      const length = h.messageLength;
      const at = off + IPFIX_HEADER.messageLength;
      if (length < IPFIX_HEADER.length) {
        result.errors.push({ code: 'bad-length', message: `IPFIX message length ${length} is shorter than its header`, offset: at });
        return;
      }
      if (off + length > buf.length) {
        result.errors.push({ code: 'truncated', message: `IPFIX message length ${length} but ${buf.length - off} octets received`, offset: at });
      } else end = off + length;
    }
    if (off === 0) {
      result.exportTime = new Date(h.exportSecs * 1000);
      result.sequenceNumber = h.sequence;
      result.observationDomainId = h.domainId;
    }
    const protocol = netflow9 ? 'netflow9' : 'ipfix';
    const scope = scopeNumber(SCOPE_PROTOCOL[protocol], s.scopeByPort ? result.exporter.port : 0, h.domainId);
    const d = s.cache.find(result.exporter.address, scope, now)
      ?? s.cache.create(result.exporter.address, scope, domainKey(protocol, result.exporter.address, result.exporter.port, h.domainId, s.scopeByPort), now);
    const ctx: MessageContext = {
      s, result, d, scope, now, exportTimeMs: h.exportSecs * 1000, dataRecords: 0, domainId: h.domainId, sysUptimeMs: h.sysUptimeMs,
      exporterField: result.exporter.address.includes(':') ? 'exporterIPv6Address' : 'exporterIPv4Address',
    };
    walkSets(buf, off + minHeader, end, version, ctx);
    // v9 counts export packets, IPFIX data records (RFC 3954 section 5.1, RFC 7011 section 3.1).
    observeSequence(d.track, h.sequence, netflow9 ? 1 : ctx.dataRecords);
    if (netflow9) return;
    off = end;
  }
}

function allZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

function walkSets(buf: Buffer, off: number, end: number, version: TemplatedVersion, ctx: MessageContext): void {
  const { result } = ctx;
  // The consecutive template sets refreshed so far (from runStart), noted as a run when it ends.
  let runStart = -1;
  let runSets = 0;
  let runTemplates: Template[] = [];
  while (end - off >= SET_HEADER.length) {
    const setId = buf.readUInt16BE(off + SET_HEADER.id);
    const length = buf.readUInt16BE(off + SET_HEADER.setLength);
    if (length < SET_HEADER.length) {
      if (runStart >= 0) noteTemplateRun(buf, runStart, off, runSets, runTemplates, ctx.d);
      // Trailing zero fill (seen from Palo Alto) is padding, not a set.
      if (allZero(buf, off, end)) return;
      result.errors.push({ code: 'zero-length-set', message: `set ${setId} has length ${length}`, offset: off + 2 });
      return;
    }
    let setEnd = off + length;
    if (setEnd > end) {
      // Decode what arrived (records that fit), say so, and stop: nothing after it can be trusted.
      result.errors.push({ code: 'truncated', message: `set ${setId} length ${length} runs past the message end`, offset: off + 2 });
      setEnd = end;
    }
    const start = off + SET_HEADER.length;
    if (isTemplateSet(version, setId)) {
      if (runStart < 0) {
        const to = refreshTemplateRun(buf, off, end, ctx);
        if (to > 0) {
          off = to;
          continue;
        }
      }
      const refreshed = learnTemplates(buf, start, setEnd, setId, version, ctx);
      if (refreshed && setEnd === off + length) {
        if (runStart < 0) {
          runStart = off;
          runSets = 0;
          runTemplates = [];
        }
        runSets++;
        for (const t of refreshed) runTemplates.push(t);
      } else {
        if (runStart >= 0) noteTemplateRun(buf, runStart, off, runSets, runTemplates, ctx.d);
        runStart = -1;
      }
    } else {
      if (runStart >= 0) noteTemplateRun(buf, runStart, off, runSets, runTemplates, ctx.d);
      runStart = -1;
      if (setId < SET_ID.firstData) {
        result.errors.push({ code: 'reserved-set-id', message: `set id ${setId} is reserved`, offset: off });
      } else {
        const t = ctx.s.cache.get(ctx.d, setId, ctx.now);
        if (t) decodeDataSet(buf, start, setEnd, t, ctx, ctx.exportTimeMs, ctx.sysUptimeMs);
        else hold(buf, start, setEnd, setId, ctx);
      }
    }
    off = setEnd;
  }
  if (runStart >= 0) noteTemplateRun(buf, runStart, off, runSets, runTemplates, ctx.d);
}

function hold(buf: Buffer, start: number, end: number, templateId: number, ctx: MessageContext): void {
  const p: PendingSet = {
    templateId, body: Buffer.from(buf.subarray(start, end)), heldAt: ctx.now,
    exportTimeMs: ctx.exportTimeMs, sysUptimeMs: ctx.sysUptimeMs,
  };
  if (ctx.s.cache.hold(ctx.d, p)) ctx.s.pendingHeld++;
  else ctx.result.errors.push({ code: 'missing-template', message: `no template ${templateId} and the pending queue is full; set dropped`, offset: start - 4 });
}

/** The key of a template set's memo: set id and first template id (the set body starts at `start`). */
function memoKeyAt(buf: Buffer, setId: number, start: number, end: number): number {
  return end - start >= 2 ? setId * 65536 + buf.readUInt16BE(start) : -1;
}

/**
 * Whether `buf[start, end)` equals the octets seen before. Buffer#compare, native: measured with
 * cachegrind it costs fewer instructions than a JavaScript loop even for a 72-octet set.
 */
function sameBytes(seen: Buffer, buf: Buffer, start: number, end: number): boolean {
  return seen.length === end - start && seen.compare(buf, start, end) === 0;
}

function stillDefines(templates: Template[], d: DomainState): boolean {
  for (const t of templates) if (d.templates.get(t.id) !== t) return false;
  return true;
}

/** Notes templates refreshed: their time, and one 'refreshed' item each in the result. */
function refresh(templates: Template[], ctx: MessageContext): void {
  const { result, domainId, now } = ctx;
  for (const t of templates) {
    t.learnedAt = now;
    result.templates.push({ action: 'refreshed', templateId: t.id, observationDomainId: domainId, options: t.options });
  }
}

/**
 * The fast path for a block of template sets resent unchanged: when the sets from `off` are
 * byte-identical to a run noted before (noteTemplateRun) and its templates are still the very
 * objects those sets defined, each set would take learnTemplates' refresh path; refreshes them all
 * after one compare instead of one per set. Returns where the run ends, or 0 (take the sets one by one).
 */
function refreshTemplateRun(buf: Buffer, off: number, end: number, ctx: MessageContext): number {
  const { d } = ctx;
  if (d.pending.length !== 0 || d.templateSets === undefined) return 0;
  const setId = buf.readUInt16BE(off + SET_HEADER.id);
  const run = d.templateSets.get(memoKeyAt(buf, setId, off + SET_HEADER.length, end))?.run;
  if (run === undefined || !sameBytes(run.bytes, buf, off, Math.min(end, off + run.bytes.length)) || !stillDefines(run.templates, d)) return 0;
  refresh(run.templates, ctx);
  return off + run.bytes.length;
}

/**
 * Remembers the `sets` consecutive template sets in `buf[from, to)`, each just refreshed whole, on
 * the memo of the first one (a lone set gains nothing: it has its own memo).
 */
function noteTemplateRun(buf: Buffer, from: number, to: number, sets: number, templates: Template[], d: DomainState): void {
  if (sets < 2) return;
  const first = d.templateSets?.get(memoKeyAt(buf, buf.readUInt16BE(from + SET_HEADER.id), from + SET_HEADER.length, to));
  if (first) first.run = { bytes: Buffer.from(buf.subarray(from, to)), templates };
}

/** Learns a template set; returns its templates when it only refreshed them (the set seen before, unchanged). */
function learnTemplates(buf: Buffer, start: number, end: number, setId: number, version: TemplatedVersion, ctx: MessageContext): Template[] | undefined {
  const { s, d, result } = ctx;
  const domainId = ctx.domainId;
  const memoKey = memoKeyAt(buf, setId, start, end);
  const seen = memoKey >= 0 ? d.templateSets?.get(memoKey) : undefined;
  if (seen && d.pending.length === 0 && sameBytes(seen.bytes, buf, start, end) && stillDefines(seen.templates, d)) {
    // Byte-identical to the set that defined these templates, each still the very object that
    // set defined (not changed since): same layouts, so a refresh.
    refresh(seen.templates, ctx);
    return seen.templates;
  }
  let pendingMemo: { key: number; bytes: Buffer; templates: Template[] } | undefined;
  const parse = version === NETFLOW9_VERSION ? parseV9TemplateSet : parseIpfixTemplateSet;
  const errorsBefore = result.errors.length;
  const items = parse({ buf, start, end, setId, registry: s.registry, now: ctx.now, errors: result.errors });
  if (memoKey >= 0) {
    // Remember only a set that parsed cleanly into templates (no withdrawals, no errors).
    if (result.errors.length === errorsBefore && items.length > 0 && items.every((i) => i.kind === 'template')) {
      const memo = (d.templateSets ??= new Map());
      if (memo.size >= 64 && !memo.has(memoKey)) memo.clear();
      pendingMemo = { key: memoKey, bytes: Buffer.from(buf.subarray(start, end)), templates: [] as Template[] };
    } else d.templateSets?.delete(memoKey);
  }
  for (const item of items) {
    if (item.kind === 'withdraw') {
      s.cache.withdraw(d, item.templateId);
      result.templates.push({ action: 'withdrawn', templateId: typeof item.templateId === 'number' ? item.templateId : setId, observationDomainId: domainId, options: isOptionsTemplateSet(setId) });
      continue;
    }
    const t = item.template;
    const action = s.cache.set(d, t);
    result.templates.push({ action, templateId: t.id, observationDomainId: domainId, options: t.options });
    pendingMemo?.templates.push(d.templates.get(t.id)!);
    for (const p of s.cache.takePending(d, t.id, ctx.now)) {
      s.pendingDecoded++;
      const before = result.records.length + result.options.length;
      ctx.delayed = true;
      decodeDataSet(p.body, 0, p.body.length, t, ctx, p.exportTimeMs, p.sysUptimeMs);
      ctx.delayed = false;
      result.delayedRecords += result.records.length + result.options.length - before;
    }
  }
  if (pendingMemo && pendingMemo.templates.length === items.length) {
    d.templateSets!.set(pendingMemo.key, { bytes: pendingMemo.bytes, templates: pendingMemo.templates });
  }
  return undefined;
}

/** Decodes a data set's records and notes them as a run with the header timing they came with. */
function decodeDataSet(
  buf: Buffer, start: number, end: number, t: Template, ctx: MessageContext, exportTimeMs: number, sysUptimeMs: number | undefined,
): void {
  if (ctx.s.sink && !ctx.delayed && !t.options && writeColumns(buf, start, end, t, ctx, exportTimeMs, sysUptimeMs)) return;
  const out = t.options ? ctx.result.options : ctx.result.records;
  const from = out.length;
  decodeRecords(buf, start, end, t, ctx, out);
  if (out.length === from) return;
  ctx.s.runs.push({
    options: t.options, from, to: out.length, address: ctx.result.exporter.address, scope: ctx.scope, exportTimeMs, sysUptimeMs,
    carriesSampling: t.carriesSampling ??= t.fields.some((f) => f.ie.name === 'samplingInterval' || f.ie.name === 'samplerRandomInterval'),
    endTimeFirst: t.endTimeFirst ??= endTimeFirst(t),
    track: ctx.d.track,
    readerKeys: t.compiled?.[ctx.exporterField === 'exporterIPv6Address' ? 1 : 0]?.keys,
  });
}

function endTimeFirst(t: Template): boolean {
  for (const f of t.fields) {
    if (f.ie.name === 'flowStartSysUpTime') return false;
    if (f.ie.name === 'flowEndSysUpTime') return true;
  }
  return false;
}

function decodeRecords(buf: Buffer, start: number, end: number, t: Template, ctx: MessageContext, out: FlowRecord[]): void {
  const { s, d, result } = ctx;
  if (t.minRecordLength === 0) {
    result.errors.push({ code: 'zero-length-template', message: `template ${t.id} encodes records of zero octets`, offset: start });
    return;
  }
  const exporter = result.exporter.address;
  const slot = ctx.exporterField === 'exporterIPv6Address' ? 1 : 0;
  const readers = (t.compiled ??= []);
  let compiled = readers[slot];
  if (compiled === undefined) {
    compiled = compileTemplate(t, ctx.exporterField) ?? null;
    readers[slot] = compiled;
  }
  // The walk's context only for templates that need it: nothing allocated per set otherwise.
  const rctx: RecordReadContext | undefined = compiled ? undefined : {
    registry: s.registry, maxListDepth: s.maxListDepth, errors: result.errors, baseOffset: 0,
    lookupTemplate: (id) => s.cache.get(d, id, ctx.now),
  };
  const room = s.maxRecordsPerDatagram - result.records.length - result.options.length - s.columnRecords;
  if (compiled) {
    const meta: RecordMeta = { templateId: t.id, observationDomainId: ctx.domainId, exporter };
    // Fixed-length records: the count is known up front (what is left over is padding).
    const { read, length } = compiled;
    let n = Math.floor((end - start) / length);
    if (n > room) {
      tooManyRecords(result, s, start + room * length);
      n = Math.max(0, room);
    }
    for (let i = 0, off = start; i < n; i++, off += length) out.push(read(buf, off, meta));
    ctx.dataRecords += n;
    return;
  }
  let off = start;
  for (let decoded = 0; end - off >= t.minRecordLength; decoded++) {
    if (decoded >= room) {
      tooManyRecords(result, s, off);
      return;
    }
    const fields: RecordBuilder = {};
    const next = readRecord(buf, off, end, t, fields, rctx!, 0);
    if (next < 0) {
      if (!allZero(buf, off, end)) {
        result.errors.push({ code: 'short-record', message: `record of template ${t.id} runs past the set end`, offset: off });
      }
      return;
    }
    if (next === off) break;
    off = next;
    const rec = fields as FlowRecord;
    rec.templateId = t.id;
    rec.observationDomainId = ctx.domainId;
    rec[ctx.exporterField] = exporter;
    ctx.dataRecords++;
    out.push(rec);
  }
}

/**
 * Writes a flow data set into the sink when the template has a column reader and no sampling
 * field of its own (those records' rates are per record: object path). False: not written.
 */
function writeColumns(buf: Buffer, start: number, end: number, t: Template, ctx: MessageContext, exportTimeMs: number, sysUptimeMs: number | undefined): boolean {
  const { s, result } = ctx;
  if (t.minRecordLength === 0) return false;
  if (t.carriesSampling ??= t.fields.some((f) => f.ie.name === 'samplingInterval' || f.ie.name === 'samplerRandomInterval')) return false;
  const slot = ctx.exporterField === 'exporterIPv6Address' ? 1 : 0;
  const readers = (t.columns ??= []);
  let columns = readers[slot];
  if (columns === undefined) readers[slot] = columns = compileColumns(t, ctx.exporterField) ?? null;
  const sink = s.sink!;
  if (!columns || !sink.admit(columns.spec)) return false;
  const length = t.minRecordLength;
  const room = s.maxRecordsPerDatagram - result.records.length - result.options.length - s.columnRecords;
  let n = Math.floor((end - start) / length);
  if (n > room) {
    tooManyRecords(result, s, start + room * length);
    n = Math.max(0, room);
  }
  ctx.dataRecords += n;
  if (n === 0) return true;
  const table = new GroupTable();
  columns.write(buf, start, n, length, sink, table);
  if (!columns.spec.grouped) table.counts.push(n);
  s.columnRecords += n;
  s.columnRuns.push({
    run: {
      spec: columns.spec, at: result.records.length, count: n, templateId: t.id, observationDomainId: ctx.domainId, exporter: result.exporter.address,
      times: 0, exportTimeMs, sysUptimeMs: 0, initMs: 0, groups: [],
    },
    order: s.runs.length, table, address: result.exporter.address, scope: ctx.scope, track: ctx.d.track, sysUptimeMs,
  });
  return true;
}

function tooManyRecords(result: DecodeResult, s: TemplatedState, offset: number): void {
  result.errors.push({ code: 'too-many-records', message: `more than ${s.maxRecordsPerDatagram} records in one datagram`, offset });
}
