// GeoIP/AS and networks together, as FlowEnricher runs them: each side of a record costs one probe
// of one bounded cache of addresses (address-cache.ts), whose entry holds what every database and
// the network list say about that address — real traffic repeats addresses a lot. The cache is
// forgotten when a database file reloads.
import type { FlowRecord } from '../flow/types';
import { NO_GEO, writeDestinationGeo, writeSourceGeo, type GeoAnswer, type GeoIpStep } from './geoip';
import { AddressCache } from './address-cache';
import { NO_NETWORK, type NetworkEntry, type NetworksStep } from './networks';
import { destinationAddress, sourceAddress, type EnrichStep } from './types';

interface AddressFacts {
  geo: GeoAnswer;
  network: NetworkEntry;
}

export class AddressStep implements EnrichStep {
  readonly name = 'addresses';
  private readonly cache: AddressCache<AddressFacts>;
  private readonly lookUp = (address: string): AddressFacts => ({
    geo: this.geoip?.answer(address) ?? NO_GEO, network: this.networks?.match(address) ?? NO_NETWORK,
  });

  /** `cacheSize`: addresses whose facts are kept (0 turns the cache off). */
  constructor(private readonly geoip: GeoIpStep | undefined, private readonly networks: NetworksStep | undefined, cacheSize: number) {
    this.cache = new AddressCache(cacheSize);
    geoip?.onReload(() => this.cache.clear());
  }

  apply(record: FlowRecord): void {
    const source = sourceAddress(record);
    const destination = destinationAddress(record);
    const s = source === undefined ? undefined : this.cache.get(source, this.lookUp);
    const d = destination === undefined ? undefined : this.cache.get(destination, this.lookUp);
    if (this.geoip !== undefined) {
      if (s !== undefined) writeSourceGeo(record, s.geo);
      if (d !== undefined) writeDestinationGeo(record, d.geo);
    }
    this.networks?.write(record, s?.network, d?.network);
  }

  counters(): Record<string, unknown> {
    return { cache: this.cache.counters() };
  }
}
