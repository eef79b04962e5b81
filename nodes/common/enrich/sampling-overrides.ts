// Sampling rates for exporters that send none (Akvorado's default/override sampling rate): per
// exporter address or subnet (longest prefix wins), else a default. Follows the pack's sampling
// contract: `samplingInterval` is set only on records without one; counts are multiplied only when
// asked and only on records without `samplingScaled`, which is then set — so at most once.
import type { FlowRecord } from '../flow/types';
import { parseCidr, PrefixTable } from './prefix-table';
import { exporterAddress, numberValue, type EnrichContext, type EnrichStep } from './types';
import { multiplyCounts } from './sampling';

export interface SamplingRule {
  /** An exporter address or CIDR prefix. */
  exporter: string;
  rate: number;
}

export interface SamplingOptions {
  rules?: SamplingRule[];
  /** Rate for exporters that no rule names (omit: none). */
  defaultRate?: number;
  /** Multiply counts by the rate (records without samplingScaled only). */
  scale?: boolean;
}

/** Parses "exporter-or-CIDR rate" lines (# comments allowed). Throws naming the line. */
export function parseSamplingRules(text: string): SamplingRule[] {
  const out: SamplingRule[] = [];
  String(text ?? '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [exporter, rateText, extra] = line.split(/[\s,]+/);
    try {
      if (rateText === undefined || extra !== undefined) throw new Error(`expected "exporter-or-CIDR rate", got "${line}"`);
      parseCidr(exporter);
      out.push({ exporter, rate: checkRate(Number(rateText), rateText) });
    } catch (err) {
      throw new Error(`sampling line ${i + 1}: ${(err as Error).message}`);
    }
  });
  return out;
}

export function checkRate(rate: number, shown: unknown = rate): number {
  if (!Number.isInteger(rate) || rate < 1 || rate > 0xffffffff) throw new Error(`sampling rate must be a whole number from 1, got "${shown}"`);
  return rate;
}

export class SamplingStep implements EnrichStep {
  readonly name = 'sampling';
  private readonly rules = new PrefixTable<number>();
  private readonly defaultRate?: number;
  private readonly scale: boolean;
  private readonly n = { rateSet: 0, scaled: 0, alreadyScaled: 0, rateMissing: 0 };

  constructor(options: SamplingOptions = {}) {
    for (const rule of options.rules ?? []) this.rules.add(rule.exporter, checkRate(rule.rate));
    if (options.defaultRate !== undefined) this.defaultRate = checkRate(options.defaultRate);
    this.scale = !!options.scale;
  }

  apply(record: FlowRecord, context: EnrichContext): void {
    let rate = numberValue(record.samplingInterval);
    if (!rate) {
      const exporter = exporterAddress(record, context);
      rate = (exporter !== undefined ? this.rules.lookup(exporter) : undefined) ?? this.defaultRate;
      if (rate === undefined) {
        this.n.rateMissing++;
        return;
      }
      record.samplingInterval = rate;
      this.n.rateSet++;
    }
    if (!this.scale) return;
    if (record.samplingScaled === true) {
      this.n.alreadyScaled++;
      return;
    }
    multiplyCounts(record, rate);
    record.samplingScaled = true;
    this.n.scaled++;
  }

  counters(): Record<string, unknown> {
    return { ...this.n };
  }
}
