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

/** ECS `source.geo` and `source.as` (or destination) objects from the record, when it has them. */
export function geoAndAs(record: FlowRecord, side: 'source' | 'destination'): { geo?: Record<string, unknown>; as?: Record<string, unknown> } {
  const geo: Record<string, unknown> = {};
  const iso = text(record[`${side}CountryIsoCode`]);
  if (iso) geo.country_iso_code = iso;
  const country = text(record[`${side}CountryName`]);
  if (country) geo.country_name = country;
  const city = text(record[`${side}CityName`]);
  if (city) geo.city_name = city;
  const location = record[`${side}Location`] as { lat?: unknown; lon?: unknown } | undefined;
  if (location && typeof location.lat === 'number' && typeof location.lon === 'number') geo.location = { lat: location.lat, lon: location.lon };
  const as: Record<string, unknown> = {};
  const number = record[`${side}AsNumber`];
  if (typeof number === 'number') as.number = number;
  const organization = text(record[`${side}AsOrganization`]);
  if (organization) as.organization = { name: organization };
  return { ...(Object.keys(geo).length ? { geo } : {}), ...(Object.keys(as).length ? { as } : {}) };
}

/** ECS observer.<side>.interface {id, name, alias}, or undefined when the record has no interface. */
export function observerInterface(record: FlowRecord, side: 'ingress' | 'egress', id: number | undefined): Record<string, unknown> | undefined {
  const iface: Record<string, unknown> = {};
  if (id !== undefined) iface.id = String(id);
  const name = text(record[`${side}InterfaceName`]);
  if (name) iface.name = name;
  const alias = text(record[`${side}InterfaceDescription`]);
  if (alias) iface.alias = alias;
  return Object.keys(iface).length ? { interface: iface } : undefined;
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
