// Flow record (IANA IPFIX information-element names, see DESIGN.md) -> ECS document.
// Field meanings follow the ECS field reference (source.*, destination.*, network.*, event.*,
// observer.*); every original IE is kept under netflow.<snake_case name>, as Filebeat's netflow
// input does, so nothing the exporter sent is lost.
import { isIPv6 } from 'node:net';
import { communityId } from './community-id';
import { protocolName } from './protocols';
import { addGeoAndAs, ECS_MAPPED_ENRICHMENT, enrichedDirection, observerInterface } from './enrichment';
import { builtinTypeByName } from '../netflow/ie-registry';
import type { FlowField, FlowRecord } from '../flow/types';
import { pendingSamplingFactor, SAMPLED_COUNTS, scaleCount } from '../enrich/sampling';

export type EcsDocument = Record<string, unknown>;

export interface FlowContext {
  /** The device that exported the record (its address becomes observer.ip). */
  exporter?: { address: string; port?: number };
  /** When the collector received the datagram: event.created, and @timestamp when the record has no time. */
  receivedAt?: Date;
  observationDomainId?: number;
  /** 'netflow5', 'ipfix', 'sflow5'... */
  protocol?: string;
}

export interface EcsOptions {
  /**
   * Multiply byte and packet counts by the record's `samplingInterval` (1-in-N), unless the
   * record says they were multiplied already (`samplingScaled`, set by the enrich layer).
   */
  scaleBySampling?: boolean;
  /** Community ID seed (spec default 0). */
  communityIdSeed?: number;
}

/** IANA IE 61 flowDirection: 0x00 ingress, 0x01 egress. */
const flowDirections: Record<number, string> = { 0: 'ingress', 1: 'egress' };

export function flowRecordToEcs(record: FlowRecord, context: FlowContext = {}, options: EcsOptions = {}): EcsDocument {
  // Batched records from several exporters carry their exporter themselves.
  const own = record.exporter as FlowContext['exporter'] | undefined;
  if (own && typeof own === 'object' && typeof own.address === 'string') {
    const { exporter: _exporter, ...rest } = record;
    return flowRecordToEcs(rest, { ...context, exporter: context.exporter ?? own }, options);
  }
  const start = firstTime(record, [['flowStartMilliseconds', 1], ['flowStartSeconds', 1000], ['flowStartMicroseconds', 0.001], ['flowStartNanoseconds', 1e-6]]);
  const end = firstTime(record, [['flowEndMilliseconds', 1], ['flowEndSeconds', 1000], ['flowEndMicroseconds', 0.001], ['flowEndNanoseconds', 1e-6]]);
  const receivedAt = context.receivedAt && isValidDate(context.receivedAt) ? context.receivedAt : undefined;
  const timestamp = end ?? start ?? receivedAt;

  const sourceIp = str(record.sourceIPv4Address) ?? str(record.sourceIPv6Address);
  const destinationIp = str(record.destinationIPv4Address) ?? str(record.destinationIPv6Address);
  const protocol = num(record.protocolIdentifier);
  const icmp = icmpTypeCode(record, protocol);
  const sourcePort = icmp ? undefined : num(record.sourceTransportPort);
  const destinationPort = icmp ? undefined : num(record.destinationTransportPort);

  const rate = options.scaleBySampling ? pendingSamplingFactor(record) : 1;
  const bytes = count(record.octetDeltaCount ?? record.octetTotalCount, rate);
  const packets = count(record.packetDeltaCount ?? record.packetTotalCount, rate);

  const doc: EcsDocument = {};
  if (timestamp) doc['@timestamp'] = isoTime(timestamp);

  const event: Record<string, unknown> = { kind: 'event', category: ['network'], type: ['connection'], action: 'network_flow' };
  if (start) event.start = isoTime(start);
  if (end) event.end = isoTime(end);
  // ECS event.duration is in nanoseconds.
  if (start && end) event.duration = (end.getTime() - start.getTime()) * 1e6;
  if (receivedAt) event.created = isoTime(receivedAt);
  doc.event = event;

  const source = endpoint(sourceIp, sourcePort, str(record.sourceMacAddress), bytes, packets);
  addGeoAndAs(source, record, 'source');
  doc.source = source;
  const destination = endpoint(destinationIp, destinationPort, str(record.destinationMacAddress), undefined, undefined);
  addGeoAndAs(destination, record, 'destination');
  doc.destination = destination;

  const network: Record<string, unknown> = {};
  if (protocol !== undefined) {
    network.iana_number = String(protocol);
    const name = protocolName(protocol);
    if (name) network.transport = name;
  }
  const ipVersion = num(record.ipVersion);
  if (ipVersion === 4 || ipVersion === 6) network.type = `ipv${ipVersion}`;
  else if (sourceIp) network.type = isIPv6(sourceIp) ? 'ipv6' : 'ipv4';
  if (bytes !== undefined) network.bytes = bytes;
  if (packets !== undefined) network.packets = packets;
  // Direction relative to our networks (enrichment) says more than the exporter's ingress/egress.
  const direction = num(record.flowDirection);
  const enriched = enrichedDirection(record);
  if (enriched) network.direction = enriched;
  else if (direction !== undefined && flowDirections[direction]) network.direction = flowDirections[direction];
  if (sourceIp && destinationIp && protocol !== undefined) {
    const id = communityId({
      sourceIp, destinationIp, protocol,
      sourcePort: icmp ? icmp.type : sourcePort,
      destinationPort: icmp ? icmp.code : destinationPort,
    }, options.communityIdSeed ?? 0);
    if (id) network.community_id = id;
  }
  doc.network = network;

  const observer: Record<string, unknown> = {};
  let hasObserver = false;
  if (context.exporter?.address) { observer.ip = context.exporter.address; hasObserver = true; }
  const exporterName = str(record.exporterName);
  if (exporterName) { observer.name = exporterName; hasObserver = true; }
  const ingress = observerInterface(record, 'ingress', num(record.ingressInterface));
  const egress = observerInterface(record, 'egress', num(record.egressInterface));
  if (ingress) { observer.ingress = ingress; hasObserver = true; }
  if (egress) { observer.egress = egress; hasObserver = true; }
  if (hasObserver) doc.observer = observer;

  if (icmp) doc.icmp = icmp;

  const netflow: Record<string, unknown> = {};
  for (const name in record) {
    const value = record[name as FlowField];
    if (value === undefined || value === null) continue;
    const plan = fieldPlan(name);
    if (plan.skip) continue;
    netflow[plan.key] = typeof value === 'number' || typeof value === 'bigint' ? (plan.msPerUnit ? plainTime(value, plan.msPerUnit) : undefined) ?? value : plainValue(value);
  }
  if (rate !== 1) {
    // Scaled here: the document then reads as if the collector had scaled (enrich/sampling.ts).
    for (const name of SAMPLED_COUNTS) if (record[name] !== undefined) netflow[snakeCase(name)] = scaleCount(record[name], rate);
    netflow.sampling_scaled = true;
  }
  if (context.exporter) {
    netflow.exporter = {
      address: context.exporter.port !== undefined ? `${context.exporter.address}:${context.exporter.port}` : context.exporter.address,
      ...(context.observationDomainId !== undefined ? { source_id: context.observationDomainId } : {}),
      ...(context.protocol ? { version: context.protocol } : {}),
    };
  }
  doc.netflow = netflow;
  return doc;
}

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
interface FieldPlan { key: string; msPerUnit?: number; skip: boolean }
const fieldPlans = new Map<string, FieldPlan>();

function fieldPlan(name: string): FieldPlan {
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

function isoTime(time: Date): string {
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

function endpoint(ip: string | undefined, port: number | undefined, mac: string | undefined, bytes: number | bigint | undefined, packets: number | bigint | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ip) out.ip = ip;
  if (port !== undefined) out.port = port;
  // ECS recommends MACs as upper-case hex pairs separated by hyphens.
  if (mac) out.mac = mac.toUpperCase().replace(/:/g, '-');
  if (bytes !== undefined) out.bytes = bytes;
  if (packets !== undefined) out.packets = packets;
  return out;
}

/**
 * ICMP type and code: from icmpTypeIPv4/icmpCodeIPv4 (IEs 176/177), their IPv6 twins (178/179),
 * icmpTypeCodeIPv4/IPv6 (IEs 32/139, type * 256 + code) or, as NetFlow v5 and many v9 exporters
 * do, destinationTransportPort carrying type * 256 + code.
 */
function icmpTypeCode(record: FlowRecord, protocol: number | undefined): { type: number; code: number } | undefined {
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
function count(value: unknown, rate: number): number | bigint | undefined {
  if (typeof value !== 'bigint' && (typeof value !== 'number' || !Number.isFinite(value))) return undefined;
  return scaleCount(value, rate) as number | bigint;
}

function firstTime(record: FlowRecord, candidates: Array<[FlowField, number]>): Date | undefined {
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

function isValidDate(value: Date): boolean {
  return !Number.isNaN(value.getTime());
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const MS_PER_UNIT: Partial<Record<string, number>> = { dateTimeSeconds: 1000, dateTimeMilliseconds: 1 };

/**
 * Records carry dateTimeSeconds/Milliseconds as epoch numbers; the document gets ISO text so
 * that the template's netflow.*seconds date mapping applies (a number would be mapped as long).
 */
function plainTime(value: number | bigint, msPerUnit: number): string | undefined {
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
function plainValue(value: unknown): unknown {
  if (value instanceof Date) return isValidDate(value) ? value.toISOString() : null;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(plainValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}
