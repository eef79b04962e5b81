// The enrichment steps this folder offers, put together in one order: sampling first (so later
// steps see the final counts), then interfaces and exporter names (per exporter), then the
// per-address lookups (GeoIP/AS, networks), which share one cache of answers per address.
import type { FlowRecord } from '../flow/types';
import { AddressStep } from './addresses';
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
  /** Addresses whose GeoIP/AS and network answers are kept (default 100,000; 0 turns the cache off). */
  cacheSize?: number;
}

export class FlowEnricher {
  /** What runs on each record, in order. */
  readonly steps: EnrichStep[] = [];
  readonly geoip?: GeoIpStep;
  /** Whose counters are reported (GeoIP and networks run inside the addresses step). */
  private readonly reporting: EnrichStep[] = [];
  private records = 0;

  constructor(options: FlowEnricherOptions) {
    const add = (step: EnrichStep) => {
      this.steps.push(step);
      this.reporting.push(step);
    };
    if (options.sampling) add(new SamplingStep(options.sampling));
    if (options.interfaces) add(new InterfacesStep(options.interfaces));
    if (options.exporterNames) add(new ExporterNamesStep(options.exporterNames));
    if (options.geoip) this.reporting.push(this.geoip = new GeoIpStep(options.geoip));
    const networks = options.networks ? new NetworksStep(options.networks) : undefined;
    if (networks) this.reporting.push(networks);
    if (this.geoip || networks) add(new AddressStep(this.geoip, networks, options.cacheSize ?? 100_000));
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
    for (const step of this.reporting) out[step.name] = step.counters();
    return out;
  }

  close(): void {
    for (const step of this.reporting) step.close?.();
  }
}
