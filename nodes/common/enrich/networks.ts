// Named networks: "CIDR name [role]" lines, longest-prefix match for the source and destination,
// and the direction of the flow relative to our networks (ECS network.direction; Akvorado calls
// this classification). Every listed network is ours unless its role is "external". Used alone this
// step matches every address; FlowEnricher keeps the matches in the cache it shares with GeoIP
// (addresses.ts).
import type { FlowRecord } from '../flow/types';
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
}

const EXTERNAL_ROLE = 'external';
export const NO_NETWORK: NetworkEntry = Object.freeze({ cidr: '', name: '' });

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
  /** Records per direction, indexed by directionCode (a keyed string increment costs more per record). */
  private readonly directions = [0, 0, 0, 0];

  constructor(options: NetworksOptions) {
    for (const entry of options.networks) this.table.add(entry.cidr, entry);
  }

  apply(record: FlowRecord): void {
    const source = sourceAddress(record);
    const destination = destinationAddress(record);
    this.write(record, source === undefined ? undefined : this.match(source), destination === undefined ? undefined : this.match(destination));
  }

  /** The longest listed prefix holding the address, or NO_NETWORK. */
  match(address: string): NetworkEntry {
    return this.table.lookup(address) ?? NO_NETWORK;
  }

  /** Sets the records' network fields from the matches of its addresses (undefined: no such address). */
  write(record: FlowRecord, s: NetworkEntry | undefined, d: NetworkEntry | undefined): void {
    if (s !== undefined && s !== NO_NETWORK) {
      record.sourceNetworkName = s.name;
      if (s.role) record.sourceNetworkRole = s.role;
    }
    if (d !== undefined && d !== NO_NETWORK) {
      record.destinationNetworkName = d.name;
      if (d.role) record.destinationNetworkRole = d.role;
    }
    if (s === undefined || d === undefined) return;
    record.networkDirection = this.direction(isOurNetwork(s), isOurNetwork(d));
  }

  /** The direction of a flow whose sides are (or are not) in our networks, counted. */
  direction(sourceOurs: boolean, destinationOurs: boolean): NetworkDirection {
    const code = directionCode(sourceOurs, destinationOurs);
    this.directions[code]++;
    return DIRECTIONS[code];
  }

  counters(): Record<string, unknown> {
    const [external, inbound, outbound, internal] = this.directions;
    return { networks: this.table.size, directions: { inbound, outbound, internal, external } };
  }
}

/** A listed network whose role is not "external" (NO_NETWORK is not ours). */
export function isOurNetwork(entry: NetworkEntry): boolean {
  return entry !== NO_NETWORK && entry.role !== EXTERNAL_ROLE;
}

/** The directions by directionCode. */
const DIRECTIONS: readonly NetworkDirection[] = ['external', 'inbound', 'outbound', 'internal'];

function directionCode(sourceOurs: boolean, destinationOurs: boolean): number {
  return (sourceOurs ? 2 : 0) | (destinationOurs ? 1 : 0);
}

export function networkDirection(sourceOurs: boolean, destinationOurs: boolean): NetworkDirection {
  return DIRECTIONS[directionCode(sourceOurs, destinationOurs)];
}
