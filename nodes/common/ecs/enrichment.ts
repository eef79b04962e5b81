// The enrichment fields of a flow record (common/enrich, names fixed in the pack's contract) at
// the Elasticsearch boundary: source/destination geo and AS as ECS `source.geo.*` /
// `source.as.*` (location as a geo_point {lat, lon}), interface names and descriptions as
// `observer.ingress|egress.interface.name|alias`, the exporter's name as `observer.name`, and
// networkDirection as `network.direction`. Fields without an ECS home (network names and roles,
// interface speeds) stay under netflow.* like every other record field.
import type { FlowRecord } from '../flow/types';

/** Record fields this module maps, so the netflow.* copy leaves them out. */
export const ECS_MAPPED_ENRICHMENT = new Set<string>([
  'exporterName', 'networkDirection',
  ...['source', 'destination'].flatMap((side) => ['CountryIsoCode', 'CountryName', 'CityName', 'Location', 'AsNumber', 'AsOrganization'].map((f) => side + f)),
  ...['ingress', 'egress'].flatMap((side) => ['InterfaceName', 'InterfaceDescription'].map((f) => side + f)),
]);

// The record's field names per side, spelt out once (shaping runs per document).
const GEO_FIELDS = {
  source: { iso: 'sourceCountryIsoCode', country: 'sourceCountryName', city: 'sourceCityName', location: 'sourceLocation', asNumber: 'sourceAsNumber', asOrganization: 'sourceAsOrganization' },
  destination: { iso: 'destinationCountryIsoCode', country: 'destinationCountryName', city: 'destinationCityName', location: 'destinationLocation', asNumber: 'destinationAsNumber', asOrganization: 'destinationAsOrganization' },
} as const;
const INTERFACE_FIELDS = {
  ingress: { name: 'ingressInterfaceName', alias: 'ingressInterfaceDescription' },
  egress: { name: 'egressInterfaceName', alias: 'egressInterfaceDescription' },
} as const;

/** Adds ECS `geo` and `as` objects to `out` (source.* or destination.*), when the record has them. */
export function addGeoAndAs(out: Record<string, unknown>, record: FlowRecord, side: 'source' | 'destination'): void {
  const f = GEO_FIELDS[side];
  const iso = text(record[f.iso]);
  const country = text(record[f.country]);
  const city = text(record[f.city]);
  const location = record[f.location] as { lat?: unknown; lon?: unknown } | undefined;
  const hasLocation = !!location && typeof location.lat === 'number' && typeof location.lon === 'number';
  if (iso || country || city || hasLocation) {
    const geo: Record<string, unknown> = {};
    if (iso) geo.country_iso_code = iso;
    if (country) geo.country_name = country;
    if (city) geo.city_name = city;
    if (hasLocation) geo.location = { lat: location.lat, lon: location.lon };
    out.geo = geo;
  }
  const number = record[f.asNumber];
  const organization = text(record[f.asOrganization]);
  if (typeof number === 'number' || organization) {
    const as: Record<string, unknown> = {};
    if (typeof number === 'number') as.number = number;
    if (organization) as.organization = { name: organization };
    out.as = as;
  }
}

/** ECS observer.<side>.interface {id, name, alias}, or undefined when the record has no interface. */
export function observerInterface(record: FlowRecord, side: 'ingress' | 'egress', id: number | undefined): Record<string, unknown> | undefined {
  const f = INTERFACE_FIELDS[side];
  const name = text(record[f.name]);
  const alias = text(record[f.alias]);
  if (id === undefined && !name && !alias) return undefined;
  const iface: Record<string, unknown> = {};
  if (id !== undefined) iface.id = String(id);
  if (name) iface.name = name;
  if (alias) iface.alias = alias;
  return { interface: iface };
}

/** ECS network.direction values (the same words the enrich step uses). */
const DIRECTIONS = new Set(['inbound', 'outbound', 'internal', 'external']);

export function enrichedDirection(record: FlowRecord): string | undefined {
  const d = record.networkDirection;
  return typeof d === 'string' && DIRECTIONS.has(d) ? d : undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
