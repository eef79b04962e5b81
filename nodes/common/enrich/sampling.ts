// Sampling, scaled exactly once. A record's `samplingInterval` is its 1-in-N rate (decoded, from
// options data, or an override). Counts are multiplied at most once, by the functions here (the
// one place that multiplies), and a record whose counts were multiplied carries
// `samplingScaled: true`; anything that can scale (FlowDecoder's applySampling, the sampling
// override step, the ECS option of es bulk) goes through here and so skips records already scaled.
import type { FlowRecord } from '../flow/types';
import type { EnrichStep } from './types';

/** Count elements that estimate traffic and so grow with the sampling rate. */
export const SAMPLED_COUNTS = [
  'octetDeltaCount', 'packetDeltaCount', 'octetTotalCount', 'packetTotalCount',
  'postOctetDeltaCount', 'postPacketDeltaCount', 'layer2OctetDeltaCount',
] as const;

/** The record's 1-in-N rate, or undefined when it has none usable (absent, not a whole number > 1). */
export function samplingRate(record: FlowRecord): number | undefined {
  const v = record.samplingInterval ?? record.samplerRandomInterval;
  const n = typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 1 ? n : undefined;
}

/** By how much the record's counts still have to be multiplied: 1 when scaled already or unsampled. */
export function pendingSamplingFactor(record: FlowRecord): number {
  return record.samplingScaled === true ? 1 : samplingRate(record) ?? 1;
}

/** `value` x `factor`, exact: a number while it stays a safe integer, else a bigint. */
export function scaleCount<T>(value: T, factor: number): T | number | bigint {
  if (factor === 1) return value;
  if (typeof value === 'bigint') return value * BigInt(factor);
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  const r = value * factor;
  return Number.isSafeInteger(r) ? r : BigInt(value) * BigInt(factor);
}

/** Multiplies every sampled count of the record by `factor` (callers check `samplingScaled` first). */
export function multiplyCounts(record: FlowRecord, factor: number): void {
  if (factor === 1) return;
  for (const name of SAMPLED_COUNTS) {
    const v = record[name];
    if (v !== undefined) record[name] = scaleCount(v, factor);
  }
}

/**
 * Multiplies the record's counts by its sampling interval unless already done; marks it.
 * Returns whether it scaled.
 */
export function scaleBySampling(record: FlowRecord): boolean {
  const factor = pendingSamplingFactor(record);
  if (factor === 1) return false;
  multiplyCounts(record, factor);
  record.samplingScaled = true;
  return true;
}

/** FlowDecoder's "apply sampling": scales each record by the interval it carries. */
export class ApplySamplingStep implements EnrichStep {
  readonly name = 'applySampling';
  private scaled = 0;

  apply(record: FlowRecord): void {
    if (scaleBySampling(record)) this.scaled++;
  }

  counters(): Record<string, number> {
    return { scaled: this.scaled };
  }
}
