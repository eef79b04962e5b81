// Public shapes of the flow decoder: what `FlowDecoder.decode` returns for every protocol.

export type FlowProtocol = 'netflow1' | 'netflow5' | 'netflow7' | 'netflow9' | 'ipfix' | 'sflow5';

export interface Exporter {
  address: string;
  port: number;
}

/**
 * One flow record. Keys are IANA IPFIX information-element names (`sourceIPv4Address`,
 * `octetDeltaCount`, ...); vendor IEs use their registry names or `pen<N>_ie<M>`.
 * Value forms (docs/flow.md): unsigned/signed integers are `number` when they fit in 2^53-1 and
 * `bigint` otherwise (exact, never rounded); addresses are strings (IPv6 in RFC 5952 form);
 * MACs "aa:bb:cc:dd:ee:ff"; dateTimeSeconds/Milliseconds are numbers of seconds / milliseconds since
 * the epoch (as the IE defines them; v5/v9 uptime times become flowStart/EndMilliseconds the same
 * way); dateTimeMicro/Nanoseconds are ISO-8601 strings carrying every fraction digit (a number
 * would round them); octetArray is a `Buffer`.
 */
export type FlowRecord = Record<string, unknown>;

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
  counters: FlowRecord[];
  templates: TemplateEvent[];
  /** Records (in `records`/`options`) decoded from data sets held earlier until this template came. */
  delayedRecords: number;
  errors: DecodeError[];
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
