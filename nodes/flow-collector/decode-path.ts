// The collector's decode path: datagram in, decoded and enriched result out. No Node-RED state in
// it, so the same path runs on the main thread (one worker, the default) or in decode workers.
import { FlowDecoder, parseElementDefinitions, type PendingDrop, type SerializedTemplate } from '../common';

/** The decoder settings of a flow collector node (plain data: it is handed to worker threads). */
export interface DecodeConfig {
  applySampling: boolean;
  scopeByPort: boolean;
  /** Seconds. */
  templateTtl: number;
  /** How long a data set waits for its template, seconds. */
  pendingTtl: number;
  /** User element definitions, "PEN ID NAME TYPE" per line. */
  elements: string;
}

/** Throws on a bad element definition line, which the node reports as a bad configuration. */
export function createDecoder(config: DecodeConfig, saved: SerializedTemplate[] | undefined): FlowDecoder {
  return new FlowDecoder({
    applySampling: config.applySampling,
    scopeByPort: config.scopeByPort,
    templateTtlMs: config.templateTtl * 1000,
    pendingTtlMs: config.pendingTtl * 1000,
    templates: saved,
    elements: parseElementDefinitions(config.elements),
  });
}

/**
 * The sweep both threads run once a second: held sets past the pending TTL are dropped (those of
 * an exporter that sends nothing more too: decode() alone would never look at them again), and
 * the sets dropped since the last sweep are returned, one entry per exporter and domain.
 */
export function sweepPending(decoder: FlowDecoder): PendingDrop[] {
  decoder.sweepPending(Date.now());
  return decoder.takePendingDrops();
}

/** How often `sweepPending` runs. */
export const SWEEP_MS = 1000;

/**
 * Template snapshots of several decoders as one: each exporter's templates may sit in more than one
 * worker (restored everywhere, or an exporter that moved); the one learned last wins.
 */
export function mergeTemplates(lists: SerializedTemplate[][]): SerializedTemplate[] {
  const newest = new Map<string, SerializedTemplate>();
  for (const list of lists) {
    for (const t of list) {
      const key = `${t.domain}\n${t.id}`;
      const held = newest.get(key);
      if (!held || t.learnedAt > held.learnedAt) newest.set(key, t);
    }
  }
  return [...newest.values()];
}
