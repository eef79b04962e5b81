// FlowDecoder: one entry point for every flow protocol. Detects the protocol per datagram and
// hands it to that protocol's walk (decode), then runs the enrich steps over the records (the
// exporter's options data and time base for v9/IPFIX, sampling, and whatever steps the caller
// adds). Never throws on bad input.
import { IeRegistry, type IeDefinition } from '../netflow/ie-registry';
import * as legacyExports from '../netflow/netflow-legacy';
import type { LegacyState } from '../netflow/netflow-legacy';
import { minRecordLength, TemplateCache, type SerializedTemplate } from '../netflow/template-cache';
import * as templatedExports from '../netflow/templated';
import type { TemplatedState, WrittenColumns } from '../netflow/templated';
import { GROUP_FIELDS, type ColumnSink } from '../netflow/column-reader';
import { samplingRate } from '../enrich/sampling';
import * as wireExports from '../netflow/wire';
import * as sflowExports from '../sflow/sflow-decoder';
import type { SflowState } from '../sflow/sflow-decoder';
import { ApplySamplingStep } from '../enrich/sampling';
import { ExporterOptionsEnricher } from '../enrich/exporter-options';
import type { EnrichContext, EnrichStep } from '../enrich/types';
import { newTrack, sequenceReport, type SequenceTrack } from './sequence';
import { parseDomainKey, SCOPE_PROTOCOL, scopeNumber, StateIndex } from './state-index';
import type { ColumnRun, DecodeResult, DecoderCounters, Exporter, FlowProtocol, PendingDrop, RecordBuilder, RecordRun } from './types';

// What every datagram calls, bound once when the module loads: under the tsx loader (tests,
// bench) each use of an imported name is an accessor call on the exporting module.
const { decodeLegacy } = legacyExports;
const { decodeTemplated } = templatedExports;
const { headerLength, IPFIX_VERSION, NETFLOW9_VERSION } = wireExports;
const { decodeSflow } = sflowExports;

export interface FlowDecoderOptions {
  /** Template lifetime without a refresh (default 30 min, the RFC 7011 section 10.3.7 example for UDP). */
  templateTtlMs?: number;
  /** Templates per exporter+domain; at the limit the one learned longest ago goes (default 1024). */
  maxTemplatesPerDomain?: number;
  /** v9/IPFIX exporter+domains with templates and sequence counters (default 4096). */
  maxDomains?: number;
  /** v1/v5/v7 exporter+engines and sFlow agent+sub-agents with sequence counters (default 4096). */
  maxExporters?: number;
  /** sFlow data sources with sample sequence counters (default 16384). */
  maxSflowSources?: number;
  /**
   * Per-exporter state idle this long is dropped first when room is needed (default: the
   * template TTL). At any limit the least recently used entry goes; every drop is counted.
   */
  exporterTtlMs?: number;
  /** Sequence tracks listed in `counters().sequences` (default 100; totals cover all). */
  maxStatsSequences?: number;
  /** Data sets held while their template is missing, per exporter+domain (default 64). */
  maxPendingSetsPerDomain?: number;
  /** Octets of held data sets over all exporters (default 16 MiB). */
  maxPendingBytes?: number;
  /** How long a held data set waits for its template (default 60 s). */
  pendingTtlMs?: number;
  maxRecordsPerDatagram?: number;
  /** RFC 6313 list nesting limit (default 4). */
  maxListDepth?: number;
  /** sFlow extended-gateway AS path segments x ASes limit (default 128). */
  maxAsPathLength?: number;
  /** Include the source port in the template scope (for exporters behind per-port NAT). */
  scopeByPort?: boolean;
  /**
   * Multiply the counts by the record's sampling interval (enrich/sampling.ts: once, and the
   * record then carries `samplingScaled: true`).
   */
  applySampling?: boolean;
  /** Further enrich steps (nodes/common/enrich), run after the built-in ones on every decoded record. */
  enrich?: EnrichStep[];
  /** Extra or overriding information elements (PEN, id, name, type). */
  elements?: IeDefinition[];
  /** Templates saved by `exportTemplates()` (e.g. before a restart). */
  templates?: SerializedTemplate[];
  /**
   * Dissects an sFlow sampled header (protocol = sFlow header_protocol) into IANA-named fields.
   * Defaults to the built-in Ethernet/IP/L4 reader.
   */
  dissectHeader?: SflowState['dissectHeader'];
}

const DEFAULTS = {
  templateTtlMs: 30 * 60_000,
  maxTemplatesPerDomain: 1024,
  maxDomains: 4096,
  maxExporters: 4096,
  maxSflowSources: 16_384,
  maxStatsSequences: 100,
  maxPendingSetsPerDomain: 64,
  maxPendingBytes: 16 * 1024 * 1024,
  pendingTtlMs: 60_000,
  maxRecordsPerDatagram: 10_000,
  maxListDepth: 4,
  maxAsPathLength: 128,
};

/** How often decode() looks for held data sets past their TTL (of any exporter). */
const SWEEP_INTERVAL_MS = 1000;

/** The track the probe records are counted on (and nothing reads): the set's own is counted by fillColumns. */
const PROBE_TRACK = newTrack('probe');

const PROTOCOL_BY_VERSION: Record<number, FlowProtocol> = { 1: 'netflow1', 5: 'netflow5', 7: 'netflow7', 9: 'netflow9', 10: 'ipfix' };

export class FlowDecoder {
  private readonly state: TemplatedState;
  private readonly legacy: LegacyState;
  private readonly sflow: SflowState;
  /** v9/IPFIX options data (samplers, interface names, init time) and time base, applied after the walk. */
  private readonly exporterOptions: ExporterOptionsEnricher;
  /** The enrich layer's steps run on every record: apply sampling (when asked), then the caller's. */
  private readonly steps: EnrichStep[];
  private readonly maxStatsSequences: number;
  private readonly totals = { datagrams: 0, records: 0, optionsRecords: 0, counterSamples: 0, datagramsWithErrors: 0 };
  private readonly errorCounts: Record<string, number> = {};
  /** When held data sets were last swept for expiry (the decoder's clock: datagram receive times). */
  private sweptAt = 0;
  /** Whether a decode may write into a ColumnSink: not with the caller's own enrich steps (they need objects). */
  private readonly columnsAllowed: boolean;
  private readonly applySampling: boolean;
  /** Records written into a sink whose counts applySampling scaled (its step counts the others). */
  private columnScaled = 0;
  /** The column runs of the last decode, filled in. */
  private columnRuns: ColumnRun[] = [];

  constructor(options: FlowDecoderOptions = {}) {
    const o = { ...DEFAULTS, ...options };
    const ttl = o.exporterTtlMs ?? o.templateTtlMs;
    const registry = new IeRegistry(options.elements);
    const cache = new TemplateCache({
      templateTtlMs: o.templateTtlMs, maxTemplatesPerDomain: o.maxTemplatesPerDomain, maxDomains: o.maxDomains, domainTtlMs: ttl,
      maxPendingSetsPerDomain: o.maxPendingSetsPerDomain, maxPendingBytes: o.maxPendingBytes, pendingTtlMs: o.pendingTtlMs,
    });
    this.maxStatsSequences = o.maxStatsSequences;
    this.state = {
      registry, cache, scopeByPort: !!o.scopeByPort,
      maxRecordsPerDatagram: o.maxRecordsPerDatagram, maxListDepth: o.maxListDepth, pendingDecoded: 0, pendingHeld: 0, runs: [],
      sink: undefined, columnRuns: [], columnRecords: 0,
    };
    this.columnsAllowed = !options.enrich?.length;
    this.applySampling = !!o.applySampling;
    this.exporterOptions = new ExporterOptionsEnricher({ maxExporters: o.maxDomains, ttlMs: ttl });
    this.legacy = { scopeByPort: !!o.scopeByPort, maxRecordsPerDatagram: o.maxRecordsPerDatagram, scopes: new StateIndex(o.maxExporters, ttl) };
    this.sflow = {
      maxRecordsPerDatagram: o.maxRecordsPerDatagram, maxAsPathLength: o.maxAsPathLength, dissectHeader: options.dissectHeader,
      agents: new StateIndex(o.maxExporters, ttl), sources: new StateIndex(o.maxSflowSources, ttl),
    };
    this.steps = [...(o.applySampling ? [new ApplySamplingStep()] : []), ...(options.enrich ?? [])];
    if (options.templates) this.importTemplates(options.templates);
  }

  /**
   * With a `sink` (the flow collector's decode workers, flow-collector/result-transfer.ts), the
   * records of v9/IPFIX flow data sets a column reader can read (netflow/column-reader.ts) are
   * written into the sink's arrays instead of `result.records`, enriched as the others would be:
   * `lastColumnRuns()` says where they belong and what was added. The other records are as without it.
   */
  decode(datagram: Buffer, exporter: Exporter, receivedAt: Date = new Date(), sink?: ColumnSink): DecodeResult {
    const result: DecodeResult = {
      protocol: 'unknown', version: 0, exporter: { address: exporter.address, port: exporter.port }, receivedAt,
      records: [], options: [], counters: [], templates: [], delayedRecords: 0, errors: [],
    };
    this.totals.datagrams++;
    const state = this.state;
    // New lists only after a decode that used them (the one-core path allocates nothing here).
    if (state.columnRuns.length) state.columnRuns = [];
    if (this.columnRuns.length) this.columnRuns = [];
    state.columnRecords = 0;
    const mark = sink && { ni: sink.ni, nf: sink.nf, bigs: sink.bigs.length };
    try {
      const now = receivedAt.getTime();
      // Held sets of exporters that send nothing more here expire too, checked once a second.
      if (now - this.sweptAt >= SWEEP_INTERVAL_MS || now < this.sweptAt) this.sweepPending(now);
      state.runs.length = 0;
      state.sink = this.columnsAllowed ? sink : undefined;
      this.decodeInto(datagram, result, now);
      state.sink = undefined;
      if (state.columnRuns.length) this.enrichWithColumns(result, now);
      else if (state.runs.length) this.exporterOptions.enrich(result, state.runs, now);
      if (this.steps.length) this.enrich(result);
    } catch (err) {
      // Every reader checks bounds first; this is the last line so bad input can never escape.
      result.errors.push({ code: 'internal', message: `decoder failure: ${(err as Error).message}` });
      state.sink = undefined;
      if (sink && mark) {
        // What was written into the sink cannot be trusted to match its runs: none of it is kept.
        sink.ni = mark.ni;
        sink.nf = mark.nf;
        sink.bigs.length = mark.bigs;
        if (this.columnRuns.length) this.columnRuns = [];
        state.columnRecords = 0;
      }
    }
    this.totals.records += result.records.length + state.columnRecords;
    this.totals.optionsRecords += result.options.length;
    this.totals.counterSamples += result.counters.length;
    if (result.errors.length) {
      this.totals.datagramsWithErrors++;
      for (const e of result.errors) this.errorCounts[e.code] = (this.errorCounts[e.code] ?? 0) + 1;
    }
    return result;
  }

  /**
   * The sets the last decode() wrote into its sink, in walk order, with what the enrich steps
   * give their records (valid until the next decode).
   */
  lastColumnRuns(): readonly ColumnRun[] {
    return this.columnRuns;
  }

  /** The exporter-options step over the object runs and the written sets, in walk order (options teach what follows them). */
  private enrichWithColumns(result: DecodeResult, now: number): void {
    const runs = this.state.runs;
    let from = 0;
    for (const w of this.state.columnRuns) {
      if (w.order > from) {
        this.exporterOptions.enrich(result, runs.slice(from, w.order), now);
        from = w.order;
      }
      this.fillColumns(w, now);
      this.columnRuns.push(w.run);
    }
    if (from < runs.length) this.exporterOptions.enrich(result, from ? runs.slice(from) : runs, now);
  }

  /**
   * What the exporter-options step and applySampling give a written set's records: the step itself
   * is asked, with one probe record per group (the record's interface and sampler fields, and an
   * IPFIX uptime of 0 for the init time), so the rules stay in one place (enrich/exporter-options.ts).
   */
  private fillColumns(w: WrittenColumns, now: number): void {
    const { run, table } = w;
    const groups = run.spec.grouped ? table.values : [[undefined, undefined, undefined, undefined]];
    const probes: RecordBuilder[] = groups.map((values) => {
      const p: RecordBuilder = {};
      for (let i = 0; i < GROUP_FIELDS.length; i++) if (values[i] !== undefined) p[GROUP_FIELDS[i]] = values[i];
      if (w.sysUptimeMs === undefined) p.flowStartSysUpTime = 0;
      return p;
    });
    const probeResult = { records: probes, options: [] } as unknown as DecodeResult;
    this.exporterOptions.enrich(probeResult, [{
      options: false, from: 0, to: probes.length, address: w.address, scope: w.scope, exportTimeMs: run.exportTimeMs,
      sysUptimeMs: w.sysUptimeMs, carriesSampling: false, endTimeFirst: false, track: PROBE_TRACK, readerKeys: undefined,
    }], now);
    if (run.spec.times.length) {
      if (w.sysUptimeMs !== undefined) {
        run.times = 1;
        run.sysUptimeMs = w.sysUptimeMs;
      } else if (typeof probes[0].flowStartMilliseconds === 'number') {
        run.times = 2;
        run.initMs = probes[0].flowStartMilliseconds;
      }
    }
    let missing = 0;
    run.groups = probes.map((p, g) => {
      const samplingInterval = p.samplingInterval as number | undefined;
      // A rate from options data is a positive number (sequence.ts hasRate).
      if (!(typeof samplingInterval === 'number' && samplingInterval > 0)) missing += table.counts[g];
      const factor = this.applySampling ? samplingRate(p as never) ?? 1 : 1;
      if (factor !== 1) this.columnScaled += table.counts[g];
      return { samplingInterval, ingressInterfaceName: p.ingressInterfaceName as string | undefined, egressInterfaceName: p.egressInterfaceName as string | undefined, factor };
    });
    w.track.records += run.count;
    w.track.rateMissing += missing;
  }

  private enrich(result: DecodeResult): void {
    const context: EnrichContext = { exporter: result.exporter };
    const { records } = result;
    for (let s = 0; s < this.steps.length; s++) {
      const step = this.steps[s];
      for (let i = 0; i < records.length; i++) step.apply(records[i], context);
    }
  }

  private decodeInto(buf: Buffer, result: DecodeResult, now: number): void {
    if (buf.length < 4) {
      result.errors.push({ code: 'truncated', message: `datagram of ${buf.length} octets is too short for any flow header`, offset: 0 });
      return;
    }
    // sFlow starts with a 32-bit version 5; NetFlow/IPFIX with a 16-bit version.
    if (buf.readUInt32BE(0) === 5) {
      result.protocol = 'sflow5';
      result.version = 5;
      decodeSflow(buf, this.sflow, result, now);
      return;
    }
    const version = buf.readUInt16BE(0);
    const protocol = PROTOCOL_BY_VERSION[version];
    if (!protocol) {
      result.errors.push({ code: 'bad-version', message: `unknown flow export version ${version}`, offset: 0 });
      return;
    }
    result.protocol = protocol;
    result.version = version;
    if (version === NETFLOW9_VERSION || version === IPFIX_VERSION) {
      if (buf.length < headerLength(version)) {
        result.errors.push({ code: 'truncated', message: `datagram of ${buf.length} octets is shorter than the ${protocol} header`, offset: 0 });
        return;
      }
      decodeTemplated(buf, version, this.state, result, now);
      return;
    }
    decodeLegacy(buf, version as 1 | 5 | 7, this.legacy, result, now);
  }

  /**
   * The runs of v9/IPFIX data sets the last decode() met, in walk order (valid until the next
   * decode): which records a compiled reader made (flow-collector/result-transfer.ts packs those
   * without looking at their keys).
   */
  lastRuns(): readonly RecordRun[] {
    return this.state.runs;
  }

  /** The few figures a status line shows, without building the stats message. */
  summary(): { records: number; datagramsWithErrors: number; pendingDropped: number; templates: number } {
    const c = this.state.cache;
    return { records: this.totals.records, datagramsWithErrors: this.totals.datagramsWithErrors, pendingDropped: c.pendingDropped, templates: c.templateCount() };
  }

  /**
   * Drops and counts (`pendingDropped`, per exporter in `sequences`) the data sets held longer
   * than the pending TTL at `now`; decode() does it once a second of its own clock.
   */
  sweepPending(now: number): void {
    this.sweptAt = now;
    this.state.cache.sweepPending(now);
  }

  /**
   * The data sets dropped without their template since the last call, one entry per exporter and
   * domain (the counters keep the totals); call it after `sweepPending` to report a sweep.
   */
  takePendingDrops(): PendingDrop[] {
    const drops: PendingDrop[] = [];
    for (const [key, n] of this.state.cache.takeDrops()) {
      const k = parseDomainKey(key, this.state.scopeByPort);
      if (!k) continue;
      drops.push({
        protocol: k.protocol as PendingDrop['protocol'],
        exporter: this.state.scopeByPort ? { address: k.address, port: k.port } : { address: k.address },
        observationDomainId: k.domain, sets: n.ttl + n.limit, ttl: n.ttl, limit: n.limit,
      });
    }
    return drops;
  }

  /** Running totals, per-exporter state and sequence accounting, for stats messages (bounded in size). */
  counters(): DecoderCounters {
    const c = this.state.cache;
    const { sequences, sequenceTotals } = sequenceReport(this.tracks(), this.maxStatsSequences);
    return {
      ...this.totals,
      errors: { ...this.errorCounts },
      templates: c.templateCount(),
      pendingSets: c.pendingCount(),
      pendingDecoded: this.state.pendingDecoded,
      pendingDropped: c.pendingDropped,
      templatesExpired: c.templatesExpired,
      templatesEvicted: c.templatesEvicted,
      sequences,
      sequenceTotals,
      state: { domains: c.stats(), exporters: this.legacy.scopes.stats(), sflowAgents: this.sflow.agents.stats(), sflowSources: this.sflow.sources.stats() },
      enrich: { exporterOptions: { ...this.exporterOptions.stats() }, ...Object.fromEntries(this.steps.map((step) => [step.name, this.stepCounters(step)])) },
    };
  }

  /** A step's counters; applySampling's with the records written into a sink that it would have scaled. */
  private stepCounters(step: EnrichStep): ReturnType<EnrichStep['counters']> {
    const c = step.counters();
    return step instanceof ApplySamplingStep ? { ...c, scaled: ((c.scaled as number | undefined) ?? 0) + this.columnScaled } : c;
  }

  private *tracks(): IterableIterator<SequenceTrack> {
    for (const d of this.state.cache.domainStates()) yield d.track;
    yield* this.legacy.scopes.values();
    yield* this.sflow.agents.values();
    yield* this.sflow.sources.values();
  }

  /** JSON-safe template snapshot; pass it back as `options.templates` after a restart. */
  exportTemplates(): SerializedTemplate[] {
    return this.state.cache.export();
  }

  importTemplates(list: SerializedTemplate[], now = Date.now()): number {
    let n = 0;
    const byPort = this.state.scopeByPort;
    for (const s of list) {
      const k = typeof s?.domain === 'string' ? parseDomainKey(s.domain, byPort) : undefined;
      if (!k || (k.protocol !== 'netflow9' && k.protocol !== 'ipfix') || !Array.isArray(s.fields)) continue;
      const scope = scopeNumber(SCOPE_PROTOCOL[k.protocol], byPort ? k.port : 0, k.domain);
      const d = this.state.cache.find(k.address, scope, now) ?? this.state.cache.create(k.address, scope, s.domain, now);
      // Names and types come from this decoder's registry, not the snapshot: element definitions
      // may have changed since it was saved (a redeploy), and the exporter may not resend its
      // templates for half an hour. v9 templates look vendor ids up as v9 ids, as when parsed.
      const netflow9 = k.protocol === 'netflow9';
      const fields = s.fields.map(([pen, id, length]) => ({ ie: this.state.registry.lookup(pen, id, netflow9), length }));
      this.state.cache.set(d, {
        id: s.id, fields, scopeFieldCount: s.scopeFieldCount, options: s.options,
        minRecordLength: minRecordLength(fields), learnedAt: s.learnedAt,
      });
      n++;
    }
    return n;
  }

  /** Releases the enrich steps' resources. */
  close(): void {
    for (const step of this.steps) step.close?.();
  }
}
