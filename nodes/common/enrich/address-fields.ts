// Writing the per-address fields into a record, as cheaply as the per-record budget allows. Which
// fields a record gets depends on what the databases and the network list say about its two
// addresses, so records leave the step in dozens of shapes; one store site that sees them all is
// megamorphic, and adding each property costs a lookup in V8's global stub cache (about half the
// step's time on a cache hit). So each combination of fields present gets its own small compiled
// writer: every store in it sees only the shapes records arrive in (one per decoder template) and
// stays monomorphic. Fields are written in one fixed order (source GeoIP/AS, destination GeoIP/AS,
// source network, destination network, direction), the order the uncompiled steps use too.
import type { GeoAnswer } from './geoip';
import { NO_NETWORK, type NetworkEntry } from './networks';

/** What is known about one address: its answers and which of their fields are present. */
export interface AddressFacts {
  geo: GeoAnswer;
  network: NetworkEntry;
  /** Bit per field present, see GEO_FIELDS and the NETWORK_ bits. */
  fields: number;
  /** The address is in one of our networks (not listed, or listed with the role "external", is not). */
  ours: boolean;
}

/** GeoAnswer keys in write order; bit i of `fields` says GEO_FIELDS[i] is present. */
export const GEO_FIELDS = ['CountryIsoCode', 'CountryName', 'CityName', 'Location', 'AsNumber', 'AsOrganization'] as const;
const NETWORK_NAME = 1 << 6;
const NETWORK_ROLE = 1 << 7;
const SIDE_BITS = 8;
/** Set in a writer key when the record gets networkDirection (networks configured, both addresses known). */
const WITH_DIRECTION = 1 << (2 * SIDE_BITS);

/** The `fields` bits of an address's answers: the fields the uncompiled steps would write for it. */
export function presentFields(geo: GeoAnswer, network: NetworkEntry): number {
  let fields = 0;
  GEO_FIELDS.forEach((key, bit) => {
    if (geo[key] !== undefined) fields |= 1 << bit;
  });
  if (network !== NO_NETWORK) {
    fields |= NETWORK_NAME;
    if (network.role) fields |= NETWORK_ROLE;
  }
  return fields;
}

/** Writes a record's fields from its source and destination facts (absent sides have no bits in the key). */
export type AddressFieldsWriter = (record: object, source: AddressFacts | undefined, destination: AddressFacts | undefined, direction: string | undefined) => void;

/** The key of the writer for a record whose sides have these `fields`. */
export function writerKey(sourceFields: number, destinationFields: number, withDirection: boolean): number {
  return sourceFields | (destinationFields << SIDE_BITS) | (withDirection ? WITH_DIRECTION : 0);
}

/** Compiles the writer for one key. */
export function compileAddressFieldsWriter(key: number): AddressFieldsWriter {
  const lines: string[] = [];
  const sides = [['source', 's', key & 0xff], ['destination', 'd', (key >> SIDE_BITS) & 0xff]] as const;
  for (const [prefix, arg, fields] of sides) {
    GEO_FIELDS.forEach((name, bit) => {
      if (fields & (1 << bit)) lines.push(`r.${prefix}${name} = ${arg}.geo.${name};`);
    });
  }
  for (const [prefix, arg, fields] of sides) {
    if (fields & NETWORK_NAME) lines.push(`r.${prefix}NetworkName = ${arg}.network.name;`);
    if (fields & NETWORK_ROLE) lines.push(`r.${prefix}NetworkRole = ${arg}.network.role;`);
  }
  if (key & WITH_DIRECTION) lines.push('r.networkDirection = direction;');
  // The body holds only the constant field names above, never data.
  return new Function('r', 's', 'd', 'direction', lines.join('\n')) as AddressFieldsWriter;
}
