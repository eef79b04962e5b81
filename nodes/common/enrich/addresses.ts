// GeoIP/AS and networks together, as FlowEnricher runs them: each side of a record costs one probe
// of one bounded cache of addresses (address-cache.ts), whose entry holds what every database and
// the network list say about that address — real traffic repeats addresses a lot — and which of
// those fields are present; the record's fields are then written by the compiled writer for its
// combination of fields (address-fields.ts). The cache is forgotten when a database file reloads.
import type { FlowRecord } from '../flow/types';
import { NO_GEO, writeDestinationGeo, writeSourceGeo, type GeoIpStep } from './geoip';
import { AddressCache } from './address-cache';
import { compileAddressFieldsWriter, presentFields, writerKey, type AddressFacts, type AddressFieldsWriter } from './address-fields';
import { isOurNetwork, NO_NETWORK, type NetworksStep } from './networks';
import * as typesExports from './types';
import type { EnrichStep } from './types';

// Called for every record: bound once when the module loads (under the tsx loader of the tests
// and benches each use of an imported name is an accessor call).
const { destinationAddress, sourceAddress } = typesExports;

/**
 * Compiled writers kept at most (one per combination of fields seen; real databases give a few
 * dozen). Records of further combinations are written field by field.
 */
const MAX_WRITERS = 1024;

export class AddressStep implements EnrichStep {
  readonly name = 'addresses';
  private readonly cache: AddressCache<AddressFacts>;
  private readonly writers = new Map<number, AddressFieldsWriter>();
  private readonly lookUp = (address: string): AddressFacts => {
    const geo = this.geoip?.answer(address) ?? NO_GEO;
    const network = this.networks?.match(address) ?? NO_NETWORK;
    return { geo, network, fields: presentFields(geo, network), ours: isOurNetwork(network) };
  };

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
    const networks = this.networks;
    const withDirection = networks !== undefined && s !== undefined && d !== undefined;
    const key = writerKey(s === undefined ? 0 : s.fields, d === undefined ? 0 : d.fields, withDirection);
    const write = this.writers.get(key) ?? this.compile(key);
    if (write !== undefined) {
      write(record, s, d, withDirection ? networks.direction(s.ours, d.ours) : undefined);
      return;
    }
    if (s !== undefined) writeSourceGeo(record, s.geo);
    if (d !== undefined) writeDestinationGeo(record, d.geo);
    networks?.write(record, s?.network, d?.network);
  }

  private compile(key: number): AddressFieldsWriter | undefined {
    if (this.writers.size >= MAX_WRITERS) return undefined;
    const write = compileAddressFieldsWriter(key);
    this.writers.set(key, write);
    return write;
  }

  counters(): Record<string, unknown> {
    return { cache: this.cache.counters() };
  }
}
