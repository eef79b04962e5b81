// The exporter's own enrichment of v9/IPFIX records, after the decode: options data learned
// (sampler intervals, interface names, the IPFIX system init time; RFC 7270, RFC 5476 section 6.5)
// and applied to the flow records, and the time base (flowStart/EndSysUpTime to epoch ms: v9 from
// the packet header, RFC 3954 section 8; IPFIX from systemInitTimeMilliseconds, IANA IE 160).
// The decode walk hands over the records with the runs they came in (flow/types.ts RecordRun);
// runs are taken in walk order, so options data teach exactly the records that follow them.
// The learned state is per exporter + domain, bounded like the decoder's: at the limit the least
// recently used exporter goes, counted (state-index.ts).
import type { DecodeResult, FlowRecord, RecordRun } from '../flow/types';
import * as sequenceExports from '../flow/sequence';
import { StateIndex, type StateIndexStats } from '../flow/state-index';
import * as timeBaseExports from '../flow/time-base';

// Bound once when the module loads: the conversion runs per record, and under the tsx loader
// (tests, bench) each use of an imported name is an accessor call on the exporting module.
const { countRecords, countRecordsWithoutRate } = sequenceExports;
const { uptimeToEpochMs } = timeBaseExports;

/** Entries kept in an exporter's sampler and interface-name tables (options data can name any id). */
export const MAX_OPTION_ENTRIES = 4096;

/** What one exporter + domain taught through options data. */
interface ExporterOptions {
  /** Sampler / selector id -> sampling interval. */
  samplers: Map<number, number>;
  /** Interval from options data without a sampler id (exporter-wide). */
  defaultSamplingInterval: number | undefined;
  /** systemInitTimeMilliseconds: the IPFIX sysUpTime base. */
  systemInitTimeMs: number | undefined;
  /** ifIndex -> interface name. */
  interfaceNames: Map<number, string>;
}

export interface ExporterOptionsLimits {
  /** Exporter + domains whose options are kept. */
  maxExporters: number;
  /** An exporter idle this long goes first when room is needed (ms). */
  ttlMs: number;
}

export class ExporterOptionsEnricher {
  private readonly exporters: StateIndex<ExporterOptions>;

  constructor(limits: ExporterOptionsLimits) {
    this.exporters = new StateIndex(limits.maxExporters, limits.ttlMs);
  }

  /**
   * Applies options data and the time base to the records of `runs` (in walk order), learning from
   * the options runs; counts each flow run on its sequence track once its records know their rate.
   */
  enrich(result: DecodeResult, runs: readonly RecordRun[], now: number): void {
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i];
      const known = this.exporters.find(run.address, run.scope, now);
      const list = run.options ? result.options : result.records;
      if (run.sysUptimeMs !== undefined) convertUptimes(list, run.from, run.to, run.exportTimeMs, run.sysUptimeMs, run.endTimeFirst);
      else if (known?.systemInitTimeMs !== undefined) addToUptimes(list, run.from, run.to, known.systemInitTimeMs, run.endTimeFirst);
      if (run.options) {
        this.learn(list, run, known, now);
        continue;
      }
      const mayCarryRate = run.carriesSampling || (known !== undefined && (known.samplers.size > 0 || known.defaultSamplingInterval !== undefined));
      if (known && (mayCarryRate || known.interfaceNames.size > 0)) {
        for (let r = run.from; r < run.to; r++) applyOptions(list[r], known);
      }
      // Without a sampling field and no sampler learned no record can have a rate: counted unread.
      if (mayCarryRate) countRecords(run.track, list, run.from, run.to);
      else countRecordsWithoutRate(run.track, run.to - run.from);
    }
  }

  stats(): StateIndexStats {
    return this.exporters.stats();
  }

  private learn(list: FlowRecord[], run: RecordRun, known: ExporterOptions | undefined, now: number): void {
    let o = known;
    for (let r = run.from; r < run.to; r++) {
      o ??= this.exporters.add(run.address, run.scope, {
        samplers: new Map(), defaultSamplingInterval: undefined, systemInitTimeMs: undefined, interfaceNames: new Map(),
      }, now);
      learnOptions(list[r], o);
    }
  }
}

/**
 * v9: flowStart/EndSysUpTime are ms of the exporter's uptime at the packet's export time; the
 * epoch times are added in the template's order of the two fields (as the compiled readers did).
 */
function convertUptimes(list: FlowRecord[], from: number, to: number, exportTimeMs: number, sysUptimeMs: number, endFirst: boolean): void {
  for (let r = from; r < to; r++) {
    const rec = list[r];
    if (endFirst) addEnd(rec, exportTimeMs, sysUptimeMs);
    const first = rec.flowStartSysUpTime;
    if (typeof first === 'number' && rec.flowStartMilliseconds === undefined) rec.flowStartMilliseconds = uptimeToEpochMs(exportTimeMs, sysUptimeMs, first);
    if (!endFirst) addEnd(rec, exportTimeMs, sysUptimeMs);
  }
}

function addEnd(rec: FlowRecord, exportTimeMs: number, sysUptimeMs: number): void {
  const last = rec.flowEndSysUpTime;
  if (typeof last === 'number' && rec.flowEndMilliseconds === undefined) rec.flowEndMilliseconds = uptimeToEpochMs(exportTimeMs, sysUptimeMs, last);
}

/** IPFIX: flowStart/EndSysUpTime count from the exporter's systemInitTimeMilliseconds (same order rule). */
function addToUptimes(list: FlowRecord[], from: number, to: number, initMs: number, endFirst: boolean): void {
  for (let r = from; r < to; r++) {
    const rec = list[r];
    if (endFirst && typeof rec.flowEndSysUpTime === 'number' && rec.flowEndMilliseconds === undefined) rec.flowEndMilliseconds = initMs + rec.flowEndSysUpTime;
    if (typeof rec.flowStartSysUpTime === 'number' && rec.flowStartMilliseconds === undefined) rec.flowStartMilliseconds = initMs + rec.flowStartSysUpTime;
    if (typeof rec.flowEndSysUpTime === 'number' && rec.flowEndMilliseconds === undefined) rec.flowEndMilliseconds = initMs + rec.flowEndSysUpTime;
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

/** Sampling intervals, interface names and the init time from one options data record. */
function learnOptions(rec: FlowRecord, o: ExporterOptions): void {
  let interval = num(rec.samplingInterval) ?? num(rec.samplerRandomInterval) ?? num(rec.samplingFlowInterval);
  const packetInterval = num(rec.samplingPacketInterval);
  if (interval === undefined && packetInterval) {
    // Systematic count-based sampling: select `interval` of every interval + space packets.
    interval = (packetInterval + (num(rec.samplingPacketSpace) ?? 0)) / packetInterval;
  }
  if (interval !== undefined && interval > 0) {
    const id = num(rec.samplerId) ?? num(rec.selectorId);
    if (id !== undefined) boundedSet(o.samplers, id, interval);
    else o.defaultSamplingInterval = interval;
  }
  const initMs = num(rec.systemInitTimeMilliseconds);
  if (initMs !== undefined) o.systemInitTimeMs = initMs;
  const name = rec.interfaceName ?? rec.interfaceDescription;
  const ifIndex = num(rec.ingressInterface) ?? num(rec.egressInterface) ?? num(rec.scopeInterface);
  if (typeof name === 'string' && ifIndex !== undefined) boundedSet(o.interfaceNames, ifIndex, name);
}

/** Sets an options-learned entry; at the bound the oldest entry makes room. */
function boundedSet<V>(map: Map<number, V>, key: number, value: V): void {
  if (map.size >= MAX_OPTION_ENTRIES && !map.has(key)) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** The sampler's interval and the interface names onto a flow record (scaling is enrich/sampling.ts's job). */
function applyOptions(rec: FlowRecord, o: ExporterOptions): void {
  if (rec.samplingInterval === undefined && rec.samplerRandomInterval === undefined) {
    const id = num(rec.samplerId) ?? num(rec.selectorId);
    const interval = (id !== undefined ? o.samplers.get(id) : undefined) ?? o.defaultSamplingInterval;
    if (interval !== undefined) rec.samplingInterval = interval;
  }
  if (o.interfaceNames.size) {
    const inName = o.interfaceNames.get(num(rec.ingressInterface) ?? -1);
    const outName = o.interfaceNames.get(num(rec.egressInterface) ?? -1);
    if (inName !== undefined) rec.ingressInterfaceName = inName;
    if (outName !== undefined) rec.egressInterfaceName = outName;
  }
}
