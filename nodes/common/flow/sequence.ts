// Sequence accounting per exporter + domain. Each protocol counts in its own unit:
// v5 flows (RFC-less Cisco format: flow_sequence = flows seen), v9 export packets (RFC 3954 section 5.1),
// IPFIX data records (RFC 7011 section 3.1), sFlow datagrams (sFlow v5 spec, datagram sequence) and
// samples (per source). A track lives in the bounded per-exporter state that owns it (state-index.ts),
// and also counts the exporter's flow records, those that came without a sampling rate, and (v9/IPFIX)
// its data sets held for a template and those dropped unmatched (netflow/template-cache.ts).
import type { FlowRecord, SequenceStats, SequenceTotals } from './types';

/** A jump backwards larger than this is an exporter restart rather than reordering. */
const REORDER_WINDOW = 1000;

export interface SequenceTrack extends SequenceStats {
  /** `protocol:exporter/domain` (sFlow sources: `...#samples`), the key in stats. */
  key: string;
  expected?: number;
  /** Order of the last observation (a counter shared by all tracks): most recent first in stats. */
  seen: number;
}

let observations = 0;

export function newTrack(key: string): SequenceTrack {
  return { key, received: 0, lost: 0, outOfOrder: 0, resets: 0, records: 0, rateMissing: 0, pendingSets: 0, pendingDropped: 0, seen: 0 };
}

/** True when the record says its 1-in-N rate (1 = unsampled); an exporter that says nothing leaves the counts unscalable. */
function hasRate(r: FlowRecord): boolean {
  const v = r.samplingInterval ?? r.samplerRandomInterval;
  return typeof v === 'number' ? v > 0 : typeof v === 'bigint' && v > 0n;
}

/** Counts `n` flow records known to carry no rate (their template has no sampling field, none was learned). */
export function countRecordsWithoutRate(t: SequenceTrack, n: number): void {
  t.records += n;
  t.rateMissing += n;
}

/** Counts `records[from, to)` (to the end by default) as the track's exporter's flow records, and those without a rate. */
export function countRecords(t: SequenceTrack, records: readonly FlowRecord[], from: number, to = records.length): void {
  for (let i = from; i < to; i++) if (!hasRate(records[i])) t.rateMissing++;
  t.records += Math.max(0, to - from);
}

/**
 * Records a sequence number. `advance` is how far this message moves the sequence
 * (1 for a v9 packet, the record count for v5/IPFIX). Arithmetic is modulo 2^32.
 */
export function observeSequence(t: SequenceTrack, sequence: number, advance: number): void {
  t.received++;
  t.seen = ++observations;
  if (t.expected !== undefined && sequence !== t.expected) {
    const ahead = (sequence - t.expected) >>> 0;
    if (ahead < 0x80000000) {
      t.lost += ahead;
    } else {
      const behind = 0x100000000 - ahead;
      if (behind <= REORDER_WINDOW) {
        t.outOfOrder++;
        // A late message fills part of a gap we already counted as lost.
        t.lost = Math.max(0, t.lost - advance);
        return;
      }
      t.resets++;
    }
  }
  t.expected = (sequence + advance) >>> 0;
}

/**
 * The stats view of the tracks: totals over all, and at most `max` tracks by key — those with
 * losses, reordering or resets first (most lost first), then the most recently seen. Bounded,
 * however many exporters there are; built only when stats are asked for.
 */
export function sequenceReport(tracks: Iterable<SequenceTrack>, max: number): { sequences: Record<string, SequenceStats>; sequenceTotals: SequenceTotals } {
  const totals: SequenceTotals = { tracks: 0, received: 0, lost: 0, outOfOrder: 0, resets: 0, records: 0, rateMissing: 0, pendingSets: 0, pendingDropped: 0, shown: 0 };
  const troubled: SequenceTrack[] = [];
  const quiet: SequenceTrack[] = [];
  for (const t of tracks) {
    totals.tracks++;
    totals.received += t.received;
    totals.lost += t.lost;
    totals.outOfOrder += t.outOfOrder;
    totals.resets += t.resets;
    totals.records += t.records;
    totals.rateMissing += t.rateMissing;
    totals.pendingSets += t.pendingSets;
    totals.pendingDropped += t.pendingDropped;
    if (t.lost || t.outOfOrder || t.resets || t.pendingDropped) troubled.push(t);
    else quiet.push(t);
  }
  troubled.sort((a, b) => b.lost - a.lost || b.pendingDropped - a.pendingDropped || b.outOfOrder - a.outOfOrder || b.resets - a.resets);
  if (troubled.length < max) quiet.sort((a, b) => b.seen - a.seen);
  const sequences: Record<string, SequenceStats> = {};
  for (const t of [...troubled.slice(0, max), ...quiet].slice(0, max)) {
    sequences[t.key] = {
      received: t.received, lost: t.lost, outOfOrder: t.outOfOrder, resets: t.resets, records: t.records, rateMissing: t.rateMissing,
      pendingSets: t.pendingSets, pendingDropped: t.pendingDropped,
    };
  }
  totals.shown = Object.keys(sequences).length;
  return { sequences, sequenceTotals: totals };
}
