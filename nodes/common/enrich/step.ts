// The enrich layer's contract: a step adds to or corrects the decoded records of one datagram,
// between decode (bytes -> records) and produce (messages, ECS documents). Steps run in order;
// each lives in its own file of this folder and is listed in index.ts.
import type { DecodeResult, FlowRecord } from '../flow/types';

/**
 * What a step sees: the decoded datagram (a `DecodeResult` is one) or any batch of records from
 * one exporter. `options` holds the options-data records of the same datagram (v9/IPFIX options
 * sets, sFlow events); steps that learn from them (samplers, interface names, init time) read
 * them before the flow records.
 */
export type EnrichBatch = Pick<DecodeResult, 'records' | 'exporter'> & Partial<Pick<DecodeResult, 'options' | 'protocol' | 'receivedAt' | 'observationDomainId'>>;

/**
 * One enrichment step (options applied, time base, sampling; GeoIP/AS, networks, interface
 * names, exporter names...).
 *
 * Rules a step keeps, so the pipeline stays correct and fast:
 * - it changes records in place and never throws on bad input (a value it cannot use is left alone);
 * - it is synchronous and cheap per record: data that needs I/O (an SNMP walk, a file) is loaded
 *   off the record path and looked up from memory here;
 * - state it keeps per exporter is bounded and evicts least-recently-used entries, counted in `stats()`;
 * - it renames nothing: records keep IANA names, added fields use the shared vocabulary (BRIEF/DESIGN);
 * - it never multiplies counts itself: sampling is scaled by `scaleBySampling` (sampling.ts) only.
 */
export interface EnrichStep {
  /** Short name, shown in stats ("options", "sampling", "geoip"...). */
  readonly name: string;
  enrich(batch: EnrichBatch): void;
  /** Counters for the stats message (evictions, lookups, misses...). Small and bounded. */
  stats?(): Record<string, number>;
  /** Releases timers, files, sockets. */
  close?(): void;
}

export type { FlowRecord };
