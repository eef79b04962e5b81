// The values flow records become in ECS documents, shared by the two writers of a document:
// flowRecordToEcs (objects) and EcsJsonWriter (JSON text straight from the record). Both must
// give the same document, so both take their times, counts, names and plans from here.
// Internal to common/ecs: not exported through its index.
import type { FlowField, FlowRecord } from '../flow/types';
import { builtinTypeByName } from '../netflow/ie-registry';
import { ECS_MAPPED_ENRICHMENT } from './enrichment';
import { scaleCount } from '../enrich/sampling';

/** Start and end times: the first of these record fields present, with its unit in ms. */
export const START_FIELDS: Array<[FlowField, number]> = [['flowStartMilliseconds', 1], ['flowStartSeconds', 1000], ['flowStartMicroseconds', 0.001], ['flowStartNanoseconds', 1e-6]];
export const END_FIELDS: Array<[FlowField, number]> = [['flowEndMilliseconds', 1], ['flowEndSeconds', 1000], ['flowEndMicroseconds', 0.001], ['flowEndNanoseconds', 1e-6]];

/** IANA IE 61 flowDirection: 0x00 ingress, 0x01 egress. */
export const flowDirections: Record<number, string> = { 0: 'ingress', 1: 'egress' };

/**
 * IANA camelCase IE name -> snake_case, keeping "IPv4"/"IPv6" and acronyms ("NAT") whole:
 * sourceIPv4Address -> source_ipv4_address, postNATSourceIPv4Address -> post_nat_source_ipv4_address.
 */
export function snakeCase(name: string): string {
  let snake = snakeNames.get(name);
  if (snake === undefined) {
    snake = name
      .replace(/IPv([46])/g, 'Ipv$1')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
      .toLowerCase();
    // Records repeat the same few hundred names: three regular expressions per field and record
    // were most of the shaping time. Bounded, so odd names in hand-made records cannot grow it.
    if (snakeNames.size < 4096) snakeNames.set(name, snake);
  }
  return snake;
}
const snakeNames = new Map<string, string>();

/** How a record field goes under netflow.*: its snake_case key, its time unit, or left out. */
export interface FieldPlan { key: string; msPerUnit?: number; skip: boolean }
const fieldPlans = new Map<string, FieldPlan>();

export function fieldPlan(name: string): FieldPlan {
  let plan = fieldPlans.get(name);
  if (plan === undefined) {
    const type = builtinTypeByName(name);
    plan = { key: snakeCase(name), msPerUnit: type && MS_PER_UNIT[type], skip: ECS_MAPPED_ENRICHMENT.has(name) };
    // One lookup per field instead of a set, a name map and the IE registry: bounded like snakeNames.
    if (fieldPlans.size < 4096) fieldPlans.set(name, plan);
  }
  return plan;
}

// ISO text of recent times: a record's start and end appear twice (event.*, netflow.*) and every
// record of a datagram shares its receive time. Direct-mapped on the millisecond, so bounded.
const ISO_SLOTS = 256;
const isoMs = new Float64Array(ISO_SLOTS).fill(NaN);
const isoText: string[] = new Array<string>(ISO_SLOTS).fill('');

export function isoTime(time: Date): string {
  return isoOfMs(time.getTime());
}

function isoOfMs(ms: number): string {
  const slot = ms & (ISO_SLOTS - 1);
  if (isoMs[slot] === ms) return isoText[slot];
  const text = new Date(ms).toISOString();
  isoMs[slot] = ms;
  isoText[slot] = text;
  return text;
}

/**
 * ICMP type and code: from icmpTypeIPv4/icmpCodeIPv4 (IEs 176/177), their IPv6 twins (178/179),
 * icmpTypeCodeIPv4/IPv6 (IEs 32/139, type * 256 + code) or, as NetFlow v5 and many v9 exporters
 * do, destinationTransportPort carrying type * 256 + code.
 */
export function icmpTypeCode(record: FlowRecord, protocol: number | undefined): { type: number; code: number } | undefined {
  if (protocol !== 1 && protocol !== 58) return undefined;
  const v6 = protocol === 58;
  const type = num(v6 ? record.icmpTypeIPv6 : record.icmpTypeIPv4);
  const code = num(v6 ? record.icmpCodeIPv6 : record.icmpCodeIPv4);
  if (type !== undefined) return { type, code: code ?? 0 };
  const combined = num(v6 ? record.icmpTypeCodeIPv6 : record.icmpTypeCodeIPv4) ?? num(record.destinationTransportPort);
  if (combined === undefined) return undefined;
  return { type: combined >> 8, code: combined & 0xff };
}

/** A count for source.bytes / network.packets: a finite number or a bigint, scaled by `rate`. */
export function count(value: unknown, rate: number): number | bigint | undefined {
  if (typeof value !== 'bigint' && (typeof value !== 'number' || !Number.isFinite(value))) return undefined;
  return scaleCount(value, rate) as number | bigint;
}

export function firstTime(record: FlowRecord, candidates: Array<[FlowField, number]>): Date | undefined {
  for (const [name, msPerUnit] of candidates) {
    const value = record[name];
    if (value === undefined || value === null) continue;
    let time: Date | undefined;
    if (value instanceof Date) time = value;
    else if (typeof value === 'string') time = new Date(value);
    else if (typeof value === 'number' || typeof value === 'bigint') time = new Date(Number(value) * msPerUnit);
    if (time && isValidDate(time)) return time;
  }
  return undefined;
}

export function isValidDate(value: Date): boolean {
  return !Number.isNaN(value.getTime());
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const MS_PER_UNIT: Partial<Record<string, number>> = { dateTimeSeconds: 1000, dateTimeMilliseconds: 1 };

/**
 * Records carry dateTimeSeconds/Milliseconds as epoch numbers; the document gets ISO text so
 * that the template's netflow.*seconds date mapping applies (a number would be mapped as long).
 */
export function plainTime(value: number | bigint, msPerUnit: number): string | undefined {
  const ms = Number(value) * msPerUnit;
  const whole = Math.floor(ms);
  if (!isValidDate(new Date(whole))) return undefined;
  const iso = isoOfMs(whole);
  // Keep sub-millisecond digits (packet timestamps in hand-made records): they tell apart
  // otherwise identical documents when ids are content hashes.
  const micros = Math.min(999, Math.round((ms - whole) * 1000));
  return micros > 0 ? `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z` : iso;
}

/** Values Elasticsearch can take: Dates as ISO strings, Buffers as hex; BigInts stay exact. */
export function plainValue(value: unknown): unknown {
  if (value instanceof Date) return isValidDate(value) ? value.toISOString() : null;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(plainValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}
