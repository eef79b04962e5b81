// Sampling rates per exporter (Akvorado's default-sampling-rate and override-sampling-rate), per
// exporter address or subnet (longest prefix wins):
// - a *default* rate is set on records that carry none (`samplingInterval` absent or 0; a global
//   default rate covers exporters no default rule names);
// - an *override* rate replaces whatever rate the record carries (softflowd v9/IPFIX announce
//   "1 in 1" in options data even when the device samples, which a default never corrects).
// Follows the pack's sampling contract: counts are multiplied only when asked and only on records
// without `samplingScaled`, which is then set — so at most once. A record scaled before this step
// (e.g. by the collector's "apply sampling") keeps its rate and counts; an override that would have
// changed them is counted as `overrideTooLate`.
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
  /** Rates for records that carry none, per exporter or subnet. */
  defaultRules?: SamplingRule[];
  /** Rate for records that carry none from exporters no default rule names (omit: none). */
  defaultRate?: number;
  /** Rates that replace the record's own, per exporter or subnet (0.0.0.0/0 and ::/0 for all). */
  overrideRules?: SamplingRule[];
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
  private readonly defaults = new PrefixTable<number>();
  private readonly overrides = new PrefixTable<number>();
  private readonly defaultRate?: number;
  private readonly scale: boolean;
  private readonly n = { rateSet: 0, overridden: 0, overrideTooLate: 0, scaled: 0, alreadyScaled: 0, rateMissing: 0 };

  constructor(options: SamplingOptions = {}) {
    for (const rule of options.defaultRules ?? []) this.defaults.add(rule.exporter, checkRate(rule.rate));
    for (const rule of options.overrideRules ?? []) this.overrides.add(rule.exporter, checkRate(rule.rate));
    if (options.defaultRate !== undefined) this.defaultRate = checkRate(options.defaultRate);
    this.scale = !!options.scale;
  }

  apply(record: FlowRecord, context: EnrichContext): void {
    const own = numberValue(record.samplingInterval) || numberValue(record.samplerRandomInterval) || undefined;
    const exporter = this.overrides.size || (!own && this.defaults.size) ? exporterAddress(record, context) : undefined;
    const override = exporter === undefined ? undefined : this.overrides.lookup(exporter);
    let rate = own;
    if (override !== undefined && override !== own) {
      if (record.samplingScaled === true) {
        this.n.overrideTooLate++;
      } else {
        record.samplingInterval = rate = override;
        this.n.overridden++;
      }
    } else if (rate === undefined) {
      rate = (exporter === undefined ? undefined : this.defaults.lookup(exporter)) ?? this.defaultRate;
      if (rate === undefined) {
        this.n.rateMissing++;
        return;
      }
      record.samplingInterval = rate;
      this.n.rateSet++;
    }
    if (!this.scale || rate === undefined) return;
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
