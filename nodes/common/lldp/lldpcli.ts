// Parser for `lldpcli -f json show neighbors details` and `show chassis` (lldpd 1.0.x).
// lldpcli's JSON writer turns a key that occurs once into an object and a repeated key into an
// array, so "interface", "chassis", "mgmt-ip" and "capability" each come in both shapes.
import { normalizeMac } from './text';
import type { LldpDeviceReport, LldpNeighbor } from './types';

type Json = Record<string, unknown>;

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** `{name: {...}}` or `[{name: {...}}, ...]` → [[name, {...}], ...] */
function namedEntries(value: unknown): [string, Json][] {
  const entries: [string, Json][] = [];
  for (const item of asArray(value as Json | Json[])) {
    if (item && typeof item === 'object') for (const [name, body] of Object.entries(item)) entries.push([name, body as Json]);
  }
  return entries;
}

/** A chassis is `{name: {id, descr...}}`, or `{id, descr...}` when the neighbour sent no name. */
function chassisOf(value: unknown): { name?: string; body: Json } {
  const chassis = (value ?? {}) as Json;
  if ('id' in chassis) return { body: chassis };
  const [first] = namedEntries(chassis);
  return first ? { name: first[0], body: first[1] } : { body: {} };
}

function idValue(id: unknown): { type?: string; value?: string } {
  const v = (id ?? {}) as Json;
  return { type: typeof v.type === 'string' ? v.type : undefined, value: typeof v.value === 'string' ? v.value : undefined };
}

function enabledCapabilities(value: unknown): string[] {
  return asArray(value as Json | Json[])
    .filter((c) => c && c.enabled === true && typeof c.type === 'string')
    .map((c) => (c.type as string).toLowerCase());
}

function managementAddresses(body: Json): string[] {
  return asArray(body['mgmt-ip'] as string | string[]).filter((a): a is string => typeof a === 'string');
}

/** Neighbours from `lldpcli -f json show neighbors [details]`. Throws on text that is not lldpcli JSON. */
export function parseLldpcliNeighbors(json: string | Json): LldpNeighbor[] {
  const root = (typeof json === 'string' ? JSON.parse(json) : json) as Json;
  const lldp = root.lldp as Json | undefined;
  if (!lldp || typeof lldp !== 'object') throw new Error('not lldpcli JSON: no top-level "lldp" object');
  const neighbors: LldpNeighbor[] = [];
  for (const [localPort, body] of namedEntries(lldp.interface)) {
    const { name, body: chassis } = chassisOf(body.chassis);
    const port = (body.port ?? {}) as Json;
    const chassisId = idValue(chassis.id);
    const portId = idValue(port.id);
    const neighbor: LldpNeighbor = { localPort };
    if (chassisId.value) neighbor.chassisId = chassisId.type === 'mac' ? normalizeMac(chassisId.value) : chassisId.value;
    if (portId.value) neighbor.portId = portId.type === 'mac' ? normalizeMac(portId.value) : portId.value;
    if (portId.type) neighbor.portIdSubtype = portId.type;
    if (typeof port.descr === 'string') neighbor.portDescription = port.descr;
    if (name) neighbor.systemName = name;
    if (typeof chassis.descr === 'string') neighbor.systemDescription = chassis.descr;
    const addresses = managementAddresses(chassis);
    if (addresses.length) neighbor.managementAddresses = addresses;
    const capabilities = enabledCapabilities(chassis.capability);
    if (capabilities.length) neighbor.capabilities = capabilities;
    const ttl = Number(port.ttl ?? body.ttl);
    if (Number.isFinite(ttl) && ttl > 0) neighbor.ttl = ttl;
    neighbors.push(neighbor);
  }
  return neighbors;
}

/** The local system from `lldpcli -f json show chassis`. */
export function parseLldpcliChassis(json: string | Json): { name?: string; chassisId?: string } {
  const root = (typeof json === 'string' ? JSON.parse(json) : json) as Json;
  const local = root['local-chassis'] as Json | undefined;
  if (!local || typeof local !== 'object') throw new Error('not lldpcli JSON: no top-level "local-chassis" object');
  const { name, body } = chassisOf(local.chassis);
  const id = idValue(body.id);
  return { name, chassisId: id.value ? (id.type === 'mac' ? normalizeMac(id.value) : id.value) : undefined };
}

/** Both answers of one lldpcli host as a device report. */
export function lldpcliReport(chassisJson: string | Json, neighborsJson: string | Json, fallbackName: string): LldpDeviceReport {
  const local = parseLldpcliChassis(chassisJson);
  return { device: local.name ?? fallbackName, chassisId: local.chassisId, source: 'lldpcli', neighbors: parseLldpcliNeighbors(neighborsJson) };
}
