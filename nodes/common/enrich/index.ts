// The enrich layer (DESIGN.md, flow pipeline step 3): between decode and produce. One file per
// step; `Enricher` runs a list of them over each decoded datagram, in order.
import type { EnrichBatch, EnrichStep } from './step';

export type { EnrichBatch, EnrichStep } from './step';
export { SAMPLED_COUNTS, SamplingStep, pendingSamplingFactor, samplingRate, scaleBySampling, scaleCount } from './sampling';

export class Enricher {
  constructor(private readonly steps: readonly EnrichStep[]) {}

  get empty(): boolean {
    return this.steps.length === 0;
  }

  enrich(batch: EnrichBatch): void {
    for (const step of this.steps) step.enrich(batch);
  }

  /** Each step's counters, by step name (steps without counters are left out). */
  stats(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const step of this.steps) if (step.stats) out[step.name] = step.stats();
    return out;
  }

  close(): void {
    for (const step of this.steps) step.close?.();
  }
}
