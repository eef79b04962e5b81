// A flow record's own time in epoch ms (the decoders give flowStart/EndMilliseconds; other
// resolutions are accepted as IPFIX defines them). Aggregate rows (re-aggregation) use binStart.
import type { FlowField, FlowRecord } from '../flow/types';

export type TimeField = 'end' | 'start';

const END: [FlowField, number][] = [['flowEndMilliseconds', 1], ['flowEndSeconds', 1000], ['flowEndMicroseconds', 0.001], ['flowEndNanoseconds', 1e-6]];
const START: [FlowField, number][] = [['flowStartMilliseconds', 1], ['flowStartSeconds', 1000], ['flowStartMicroseconds', 0.001], ['flowStartNanoseconds', 1e-6]];

function first(r: FlowRecord, fields: [FlowField, number][]): number | undefined {
  for (const [name, scale] of fields) {
    const v = r[name];
    if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v * scale);
    if (typeof v === 'bigint') return Math.floor(Number(v) * scale);
    if (v instanceof Date) return v.getTime();
    // dateTimeMicro/Nanoseconds decode to ISO-8601 text (every fraction digit kept).
    if (typeof v === 'string') {
      const ms = Date.parse(v);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return undefined;
}

export function flowEnd(r: FlowRecord): number | undefined {
  const v = r.flowEndMilliseconds;
  return typeof v === 'number' ? v : first(r, END);
}

export function flowStart(r: FlowRecord): number | undefined {
  const v = r.flowStartMilliseconds;
  return typeof v === 'number' ? v : first(r, START);
}

/** The time that places a record in a bin: the chosen end, else the other one. */
export function recordTime(r: FlowRecord, field: TimeField): number | undefined {
  return field === 'end' ? flowEnd(r) ?? flowStart(r) : flowStart(r) ?? flowEnd(r);
}
