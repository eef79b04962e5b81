// Named networks: "CIDR name [role]" lines, longest-prefix match for the source and destination,
// and the direction of the flow relative to our networks (ECS network.direction; Akvorado calls
// this classification). Every listed network is ours unless its role is "external".
import type { FlowRecord } from '../flow/types';
import { LruCache } from './lru';
import { parseCidr, PrefixTable } from './prefix-table';
import { destinationAddress, sourceAddress, type EnrichStep } from './types';

export interface NetworkEntry {
  cidr: string;
  name: string;
  role?: string;
}

export type NetworkDirection = 'inbound' | 'outbound' | 'internal' | 'external';

export interface NetworksOptions {
  networks: NetworkEntry[];
  /** Addresses whose match is kept (0 turns the cache off). */
  cacheSize?: number;
}

const EXTERNAL_ROLE = 'external';
const NO_MATCH: NetworkEntry = Object.freeze({ cidr: '', name: '' });

/** Parses "10.0.0.0/8 campus internal" lines (# comments and blank lines allowed). Throws naming the line. */
export function parseNetworks(text: string): NetworkEntry[] {
  const out: NetworkEntry[] = [];
  String(text ?? '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [cidr, name, role, extra] = line.split(/[\s,]+/);
    if (!name || extra !== undefined) throw new Error(`networks line ${i + 1}: expected "CIDR name [role]", got "${raw.trim()}"`);
    try {
      parseCidr(cidr);
    } catch (err) {
      throw new Error(`networks line ${i + 1}: ${(err as Error).message}`);
    }
    out.push(role ? { cidr, name, role } : { cidr, name });
  });
  return out;
}

export class NetworksStep implements EnrichStep {
  readonly name = 'networks';
  private readonly table = new PrefixTable<NetworkEntry>();
  private readonly cache: LruCache<string, NetworkEntry>;
  private readonly directions: Record<NetworkDirection, number> = { inbound: 0, outbound: 0, internal: 0, external: 0 };

  constructor(options: NetworksOptions) {
    for (const entry of options.networks) this.table.add(entry.cidr, entry);
    this.cache = new LruCache(options.cacheSize ?? 100_000);
  }

  apply(record: FlowRecord): void {
    const source = sourceAddress(record);
    const destination = destinationAddress(record);
    const s = source ? this.match(source) : NO_MATCH;
    const d = destination ? this.match(destination) : NO_MATCH;
    if (s !== NO_MATCH) {
      record.sourceNetworkName = s.name;
      if (s.role) record.sourceNetworkRole = s.role;
    }
    if (d !== NO_MATCH) {
      record.destinationNetworkName = d.name;
      if (d.role) record.destinationNetworkRole = d.role;
    }
    if (!source || !destination) return;
    const direction = networkDirection(ours(s), ours(d));
    record.networkDirection = direction;
    this.directions[direction]++;
  }

  /** The longest listed prefix holding the address (cached), or NO_MATCH. */
  private match(address: string): NetworkEntry {
    let entry = this.cache.get(address);
    if (entry === undefined) {
      entry = this.table.lookup(address) ?? NO_MATCH;
      this.cache.set(address, entry);
    }
    return entry;
  }

  counters(): Record<string, unknown> {
    return { networks: this.table.size, directions: { ...this.directions }, cache: this.cache.counters() };
  }
}

function ours(entry: NetworkEntry): boolean {
  return entry !== NO_MATCH && entry.role !== EXTERNAL_ROLE;
}

export function networkDirection(sourceOurs: boolean, destinationOurs: boolean): NetworkDirection {
  if (sourceOurs) return destinationOurs ? 'internal' : 'outbound';
  return destinationOurs ? 'inbound' : 'external';
}
