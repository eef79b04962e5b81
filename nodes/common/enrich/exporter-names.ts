// Exporter names: a static map (address -> name) first, then, when asked, reverse DNS answered
// from a bounded cache. Lookups run behind the flow: a record whose exporter is not resolved yet
// passes without a name and starts the lookup, which has a timeout; lookups in flight are bounded
// (the system resolver runs in libuv's small thread pool), and every outcome is counted.
import { promises as dns } from 'node:dns';
import type { FlowRecord } from '../flow/types';
import { LruCache } from './lru';
import { exporterAddress, type EnrichContext, type EnrichStep } from './types';

/** address -> host name, or undefined when the address has none. */
export type ReverseResolver = (address: string) => Promise<string | undefined>;

export interface ExporterNamesOptions {
  /** Fixed names: address -> name. */
  names?: Map<string, string>;
  /** Resolve other exporters by reverse DNS. */
  reverseDns?: boolean;
  /** Default: the system resolver (getnameinfo: /etc/hosts, then DNS, as nsswitch says). */
  resolver?: ReverseResolver;
  timeoutMs?: number;
  maxInFlight?: number;
  cacheSize?: number;
  /** How long an answer (or no answer) is kept before asking again (ms). */
  ttlMs?: number;
}

interface CachedName {
  name?: string;
  expires: number;
}

/** Parses "address name" lines (# comments allowed). Throws naming the line. */
export function parseExporterNames(text: string): Map<string, string> {
  const out = new Map<string, string>();
  String(text ?? '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [address, name, extra] = line.split(/\s+/);
    if (!name || extra !== undefined) throw new Error(`exporter names line ${i + 1}: expected "address name", got "${line}"`);
    out.set(address, name);
  });
  return out;
}

const systemReverseResolver: ReverseResolver = async (address) => {
  try {
    const { hostname } = await dns.lookupService(address, 0);
    // getnameinfo falls back to the numeric address when there is no name.
    return hostname && hostname !== address ? hostname : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTFOUND') return undefined;
    throw err;
  }
};

export class ExporterNamesStep implements EnrichStep {
  readonly name = 'exporterNames';
  private readonly names: Map<string, string>;
  private readonly resolver?: ReverseResolver;
  private readonly cache: LruCache<string, CachedName>;
  private readonly inFlight = new Set<string>();
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly ttlMs: number;
  private closed = false;
  private readonly n = { named: 0, unnamed: 0, lookups: 0, resolved: 0, noName: 0, timeouts: 0, failures: 0, skippedBusy: 0 };

  constructor(options: ExporterNamesOptions = {}) {
    this.names = options.names ?? new Map();
    this.resolver = options.reverseDns ? options.resolver ?? systemReverseResolver : undefined;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.cache = new LruCache(options.cacheSize ?? 10_000);
  }

  apply(record: FlowRecord, context: EnrichContext): void {
    const address = exporterAddress(record, context);
    if (address === undefined) return;
    const name = this.nameOf(address);
    if (name !== undefined) {
      record.exporterName = name;
      this.n.named++;
    } else this.n.unnamed++;
  }

  /** The name known now (static, or cached from reverse DNS); starts a lookup when due. */
  nameOf(address: string): string | undefined {
    const fixed = this.names.get(address);
    if (fixed !== undefined || !this.resolver) return fixed;
    const cached = this.cache.get(address);
    if (!cached || cached.expires <= Date.now()) this.resolve(address);
    return cached?.name;
  }

  private resolve(address: string): void {
    if (this.inFlight.has(address) || this.closed) return;
    if (this.inFlight.size >= this.maxInFlight) {
      this.n.skippedBusy++;
      return;
    }
    this.inFlight.add(address);
    this.n.lookups++;
    let settled = false;
    const finish = (name: string | undefined, outcome: 'resolved' | 'noName' | 'timeouts' | 'failures') => {
      if (settled) return;
      settled = true;
      this.n[outcome]++;
      if (!this.closed) this.cache.set(address, { name, expires: Date.now() + this.ttlMs });
    };
    // The slot stays taken until the resolver really returns: a timed-out getnameinfo still holds a thread.
    const timer = setTimeout(() => finish(undefined, 'timeouts'), this.timeoutMs);
    timer.unref();
    this.resolver!(address).then(
      (name) => finish(name, name ? 'resolved' : 'noName'),
      () => finish(undefined, 'failures'),
    ).finally(() => {
      clearTimeout(timer);
      this.inFlight.delete(address);
    });
  }

  counters(): Record<string, unknown> {
    return { ...this.n, inFlight: this.inFlight.size, static: this.names.size, cache: this.cache.counters() };
  }

  close(): void {
    this.closed = true;
  }
}
