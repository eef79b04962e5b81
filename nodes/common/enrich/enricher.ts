// The enrichment steps this folder offers, put together in one order: sampling first (so later
// steps see the final counts), then interfaces and exporter names (per exporter), then the
// per-address lookups (GeoIP/AS, networks).
import type { FlowRecord } from '../flow/types';
import { ExporterNamesStep, type ExporterNamesOptions } from './exporter-names';
import { GeoIpStep, type GeoIpOptions } from './geoip';
import { InterfacesStep, type InterfacesOptions } from './interfaces';
import { NetworksStep, type NetworksOptions } from './networks';
import { SamplingStep, type SamplingOptions } from './sampling-overrides';
import type { EnrichContext, EnrichStep } from './types';

export interface FlowEnricherOptions {
  sampling?: SamplingOptions;
  interfaces?: InterfacesOptions;
  exporterNames?: ExporterNamesOptions;
  geoip?: GeoIpOptions;
  networks?: NetworksOptions;
}

export class FlowEnricher {
  readonly steps: EnrichStep[] = [];
  readonly geoip?: GeoIpStep;
  private records = 0;

  constructor(options: FlowEnricherOptions) {
    if (options.sampling) this.steps.push(new SamplingStep(options.sampling));
    if (options.interfaces) this.steps.push(new InterfacesStep(options.interfaces));
    if (options.exporterNames) this.steps.push(new ExporterNamesStep(options.exporterNames));
    if (options.geoip) this.steps.push(this.geoip = new GeoIpStep(options.geoip));
    if (options.networks) this.steps.push(new NetworksStep(options.networks));
  }

  /** Loads the databases; resolves when every file has been tried (see counters for failures). */
  async open(): Promise<void> {
    await this.geoip?.open();
  }

  /** Enriches records in place. */
  enrich(records: FlowRecord[], context: EnrichContext = {}): void {
    const steps = this.steps;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      for (let s = 0; s < steps.length; s++) steps[s].apply(record, context);
    }
    this.records += records.length;
  }

  counters(): Record<string, unknown> {
    const out: Record<string, unknown> = { records: this.records };
    for (const step of this.steps) out[step.name] = step.counters();
    return out;
  }

  close(): void {
    for (const step of this.steps) step.close?.();
  }
}
