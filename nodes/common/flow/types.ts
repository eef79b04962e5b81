// Public shapes of the flow decoder: what `FlowDecoder.decode` returns for every protocol.

export type FlowProtocol = 'netflow1' | 'netflow5' | 'netflow7' | 'netflow9' | 'ipfix' | 'sflow5';

export interface Exporter {
  address: string;
  port: number;
}

export type { Decoded, FlowField, FlowRecord } from './record';
import type { FlowRecord } from './record';
import type { SequenceTrack } from './sequence';
import type { ColumnSpec } from '../netflow/column-reader';

/**
 * A record while the decode walk builds it, field names known only at run time (templates);
 * `FlowDecoder.decode` hands it out as a FlowRecord.
 */
export type RecordBuilder = Record<string, unknown>;

/** An sFlow counter sample: IF-MIB and host counters by name (docs/flow.md). */
export type CounterRecord = Record<string, unknown>;

export interface DecodeError {
  /** Stable machine-readable code (e.g. 'truncated', 'zero-length-set', 'template-id-reserved'). */
  code: string;
  message: string;
  /** Byte offset in the datagram where the problem was found. */
  offset?: number;
}

export interface TemplateEvent {
  action: 'added' | 'refreshed' | 'changed' | 'withdrawn';
  templateId: number;
  observationDomainId: number;
  options: boolean;
}

export interface DecodeResult {
  protocol: FlowProtocol | 'unknown';
  version: number;
  exporter: Exporter;
  receivedAt: Date;
  /** Export time from the header (absent for sFlow, which has only agent uptime). */
  exportTime?: Date;
  sequenceNumber?: number;
  /** v9 source id, IPFIX observation domain, sFlow sub-agent id. */
  observationDomainId?: number;
  records: FlowRecord[];
  /** Options-template data records (v9/IPFIX) and sFlow drop events. */
  options: FlowRecord[];
  /** sFlow counter samples, one per sample. */
  counters: CounterRecord[];
  templates: TemplateEvent[];
  /** Records (in `records`/`options`) decoded from data sets held earlier until this template came. */
  delayedRecords: number;
  errors: DecodeError[];
}

/**
 * A run of records that came from one v9/IPFIX data set, in the order the walk met them: what the
 * enrich step (enrich/exporter-options.ts) needs to apply that exporter's options data and time
 * base after the decode, exactly as if they were applied during the walk. Runs of options data
 * teach the exporter's samplers, interface names and init time; runs of flow data use them.
 */
export interface RecordRun {
  /** Options data: the records are `result.options[from, to)`; else `result.records[from, to)`. */
  options: boolean;
  from: number;
  to: number;
  /** The exporter + scope the set came from (state-index.ts `scopeNumber`), key of per-exporter enrich state. */
  address: string;
  scope: number;
  /** v9: the header's export time and sysUptime (ms) of the packet that carried the set; absent for IPFIX. */
  exportTimeMs: number;
  sysUptimeMs: number | undefined;
  /** Whether the set's template has a sampling field of its own. */
  carriesSampling: boolean;
  /** Whether the template lists flowEndSysUpTime before flowStartSysUpTime (the times are added in template order). */
  endTimeFirst: boolean;
  /** The domain's sequence track: counts the run's flow records (and those without a rate) once enriched. */
  track: SequenceTrack;
  /**
   * The keys, in order, of the records as the template's compiled reader made them (before the
   * enrich steps add theirs); undefined when the generic walk built them.
   */
  readerKeys: readonly string[] | undefined;
}

/**
 * A v9/IPFIX flow data set a decode with a ColumnSink wrote into the sink's arrays instead of
 * `result.records` (netflow/column-reader.ts): its records come before `result.records[at]`.
 * The decoder filled in what its enrich steps give them (time base, options-taught values per
 * group, the sampling factor), so the reading side builds the records the object path builds.
 */
export interface ColumnRun {
  spec: ColumnSpec;
  at: number;
  count: number;
  templateId: number;
  observationDomainId: number;
  exporter: string;
  /** 0: no epoch times added; 1: v9, from exportTimeMs and sysUptimeMs; 2: IPFIX, initMs + the uptime. */
  times: 0 | 1 | 2;
  exportTimeMs: number;
  sysUptimeMs: number;
  initMs: number;
  /** Per group (one group when the layout is not grouped): what the options data add, and the sampling factor applied (1: none). */
  groups: Array<{ samplingInterval: number | undefined; ingressInterfaceName: string | undefined; egressInterfaceName: string | undefined; factor: number }>;
}

export interface SequenceStats {
  received: number;
  lost: number;
  outOfOrder: number;
  resets: number;
  /** Flow records decoded (not options, counters or sFlow samples counted by source). */
  records: number;
  /** Of those, records that carry no sampling rate (samplingInterval or samplerRandomInterval): nothing to scale them by. */
  rateMissing: number;
  /** v9/IPFIX: data sets of this exporter+domain held now, waiting for their template. */
  pendingSets: number;
  /**
   * v9/IPFIX: data sets dropped unmatched — refused at the held-set limits, or held longer than
   * the pending TTL without their template arriving (an exporter that moved to another worker).
   */
  pendingDropped: number;
}

/** v9/IPFIX data sets of one exporter + observation domain dropped without their template (FlowDecoder.takePendingDrops). */
export interface PendingDrop {
  protocol: 'netflow9' | 'ipfix';
  /** The port only when templates are scoped by port (`scopeByPort`). */
  exporter: { address: string; port?: number };
  observationDomainId: number;
  /** Sets dropped: `ttl` + `limit`. */
  sets: number;
  /** Held longer than the pending TTL. */
  ttl: number;
  /** Refused at the held-set limits (per domain, or in octets over all), or gone with their evicted exporter state. */
  limit: number;
}

export interface SequenceTotals extends SequenceStats {
  /** Tracks held now (bounded by the state limits). */
  tracks: number;
  /** Tracks listed in `sequences` (at most the configured number). */
  shown: number;
}

export interface DecoderCounters {
  datagrams: number;
  records: number;
  optionsRecords: number;
  counterSamples: number;
  /** Datagrams that produced at least one error. */
  datagramsWithErrors: number;
  errors: Record<string, number>;
  templates: number;
  pendingSets: number;
  pendingDecoded: number;
  pendingDropped: number;
  templatesExpired: number;
  /** Templates dropped at the per-domain limit while still live. */
  templatesEvicted: number;
  /**
   * Sequence accounting per exporter+domain key (unit: see docs/flow.md): at most
   * `maxStatsSequences` tracks, those with losses first; `sequenceTotals` sums them all.
   */
  sequences: Record<string, SequenceStats>;
  sequenceTotals: SequenceTotals;
  /** Per-exporter state tables: entries held, limit, evicted and expired entries. */
  state: Record<string, import('./state-index').StateIndexStats>;
  /** Counters of the enrich steps, by step name. */
  enrich: Record<string, Record<string, unknown>>;
}
