// A flow record's ECS document written straight as JSON text: the same document, byte for byte,
// as serialising flowRecordToEcs's object (BigInts as bare integers, as common/es does), without
// building the eight nested objects per record first and then walking them again in
// JSON.stringify. Shaping and serialising were over 40% of Node-RED's thread in the end-to-end
// bench, on the same two cores Elasticsearch needs.
//
// Records this writer cannot promise to write identically (a value that is an array or an object,
// a field whose netflow.* key another field shares or that JavaScript would order first, a context
// of unexpected types) get `undefined`: the caller then takes flowRecordToEcs + JSON as before.
// Field names reach the text only through JSON.stringify, values only through JSON.stringify or
// number and ISO formatting, so hostile strings are escaped exactly as JSON.stringify does.
import { isIPv6 } from 'node:net';
import { communityId } from './community-id';
import { protocolName } from './protocols';
import { enrichedDirection } from './enrichment';
import type { FlowContext, EcsOptions } from './flow-to-ecs';
import type { FlowRecord } from '../flow/types';
import { pendingSamplingFactor, SAMPLED_COUNTS, scaleCount } from '../enrich/sampling';
import {
  count, END_FIELDS, fieldPlan, firstTime, flowDirections, icmpTypeCode, isoTime, isValidDate, num, plainTime, START_FIELDS, str,
} from './ecs-values';

/** A message's context, its JSON pieces written once for all its records. */
export interface PreparedFlowContext {
  readonly context: FlowContext;
  /** False when a value has a type the text pieces do not cover: every record takes the object path. */
  readonly supported: boolean;
  readonly receivedAt: Date | undefined;
  /** `,"created":"…"` of event.*, or ''. */
  readonly created: string;
  /** `"ip":…` of observer.*, or ''. */
  readonly observerIp: string;
  /** `"exporter":{…}` of netflow.*, or ''. */
  readonly exporter: string;
}

/** How one record field is written under netflow.*. */
interface JsonFieldPlan {
  /** `"key":` */
  readonly prefix: string;
  /** `,"key":` (two pieces joined once, not per record). */
  readonly commaPrefix: string;
  readonly key: string;
  readonly msPerUnit: number | undefined;
  /** Mapped to ECS elsewhere (enrichment): not copied. */
  readonly skip: boolean;
  /** One of the counts the sampling rate multiplies. */
  readonly sampled: boolean;
  /**
   * The object path would not write this field where the loop meets it: another field has the
   * same key (the later value lands in the earlier place), the key is an array index (objects
   * list those first) or `__proto__` (an assignment that sets no property).
   */
  unordered: boolean;
}

const SAMPLED = new Set<string>(SAMPLED_COUNTS);
const ARRAY_INDEX = /^(0|[1-9]\d{0,9})$/;
/** Keys the object path writes after the loop, over a field of the same key: `exporter`, `sampling_scaled`. */
const EXPORTER_KEY = 'exporter';
const SCALED_KEY = 'sampling_scaled';
const MAX_PLANS = 4096;

const EVENT_HEAD = '"event":{"kind":"event","category":["network"],"type":["connection"],"action":"network_flow"';

/**
 * Writes ECS JSON for flow records; after each `write`, `timeMs` holds the document's @timestamp
 * (NaN when it has none), so the caller can pick a daily index without reading the text back.
 */
export class EcsJsonWriter {
  timeMs = NaN;
  private readonly plans = new Map<string, JsonFieldPlan>();
  private readonly keyOwners = new Map<string, string>();
  private readonly scaleBySampling: boolean;
  private readonly seed: number;
  private ownFor: PreparedFlowContext | undefined;
  private ownExporter: unknown;
  private ownPrepared: PreparedFlowContext | undefined;

  constructor(options: EcsOptions = {}) {
    this.scaleBySampling = !!options.scaleBySampling;
    this.seed = options.communityIdSeed ?? 0;
  }

  /** The JSON pieces of a message's context (exporter, receive time, domain, protocol). */
  prepare(context: FlowContext): PreparedFlowContext {
    const exporter = context.exporter ?? undefined;
    const receivedAt = context.receivedAt && isValidDate(context.receivedAt) ? context.receivedAt : undefined;
    const domain = context.observationDomainId;
    const supported = (exporter === undefined || (typeof exporter === 'object' && typeof exporter.address === 'string'
      && (exporter.port === undefined || typeof exporter.port === 'number')))
      && (domain === undefined || typeof domain === 'number')
      && (context.protocol === undefined || typeof context.protocol === 'string');
    if (!supported) return { context, supported, receivedAt, created: '', observerIp: '', exporter: '' };
    let exporterJson = '';
    if (exporter) {
      const address = exporter.port !== undefined ? `${exporter.address}:${exporter.port}` : exporter.address;
      exporterJson = `"${EXPORTER_KEY}":{"address":${JSON.stringify(address)}`
        + (domain !== undefined ? `,"source_id":${numberJson(domain)}` : '')
        + (context.protocol ? `,"version":${JSON.stringify(context.protocol)}` : '') + '}';
    }
    return {
      context, supported, receivedAt,
      created: receivedAt ? `,"created":"${isoTime(receivedAt)}"` : '',
      observerIp: exporter?.address ? `"ip":${JSON.stringify(exporter.address)}` : '',
      exporter: exporterJson,
    };
  }

  /** The record's ECS document as JSON, or undefined when it must take flowRecordToEcs + JSON. */
  write(record: FlowRecord, prepared: PreparedFlowContext): string | undefined {
    let p = prepared;
    let ownExporter = false;
    // Batched records from several exporters carry their exporter themselves (as flowRecordToEcs reads them).
    const own = record.exporter as FlowContext['exporter'] | undefined;
    if (own && typeof own === 'object' && typeof own.address === 'string') {
      // flowRecordToEcs copies the record's own properties without it; inherited ones would differ.
      if (Object.getPrototypeOf(record) !== Object.prototype) return undefined;
      ownExporter = true;
      if (p.context.exporter === undefined || p.context.exporter === null) p = this.withOwnExporter(p, own);
    }
    if (!p.supported) return undefined;

    const start = firstTime(record, START_FIELDS);
    const end = firstTime(record, END_FIELDS);
    const timestamp = end ?? start ?? p.receivedAt;
    this.timeMs = timestamp ? timestamp.getTime() : NaN;

    const sourceIp = str(record.sourceIPv4Address) ?? str(record.sourceIPv6Address);
    const destinationIp = str(record.destinationIPv4Address) ?? str(record.destinationIPv6Address);
    const protocol = num(record.protocolIdentifier);
    const icmp = icmpTypeCode(record, protocol);
    const sourcePort = icmp ? undefined : num(record.sourceTransportPort);
    const destinationPort = icmp ? undefined : num(record.destinationTransportPort);
    const rate = this.scaleBySampling ? pendingSamplingFactor(record) : 1;
    const bytes = count(record.octetDeltaCount ?? record.octetTotalCount, rate);
    const packets = count(record.packetDeltaCount ?? record.packetTotalCount, rate);

    // netflow.* first: it is the part that can still refuse the record.
    let nf = '';
    for (const name in record) {
      const value = record[name as keyof FlowRecord];
      if (value === undefined) continue;
      if (value === null) {
        // The object path would add the scaled count at the end instead.
        if (rate !== 1 && SAMPLED.has(name)) return undefined;
        continue;
      }
      if (ownExporter && name === 'exporter') continue;
      const plan = this.plan(name);
      if (plan === undefined || plan.unordered) return undefined;
      if (plan.skip) continue;
      if ((plan.key === EXPORTER_KEY && p.exporter) || (plan.key === SCALED_KEY && rate !== 1)) return undefined;
      const text = rate !== 1 && plan.sampled ? scaledJson(scaleCount(value, rate)) : valueJson(value, plan.msPerUnit);
      if (text === undefined) return undefined;
      nf = nf ? nf + plan.commaPrefix + text : plan.prefix + text;
    }
    if (rate !== 1) nf = add(nf, `"${SCALED_KEY}":true`);
    if (p.exporter) nf = add(nf, p.exporter);

    let j = timestamp ? `{"@timestamp":"${isoTime(timestamp)}",` : '{';
    j += EVENT_HEAD;
    if (start) j += `,"start":"${isoTime(start)}"`;
    if (end) j += `,"end":"${isoTime(end)}"`;
    // ECS event.duration is in nanoseconds.
    if (start && end) j += ',"duration":' + numberJson((end.getTime() - start.getTime()) * 1e6);
    j += p.created + '}';

    let o = geoAndAsJson(record, true, endpointJson(sourceIp, sourcePort, str(record.sourceMacAddress), bytes, packets));
    j += ',"source":{' + o + '}';
    o = geoAndAsJson(record, false, endpointJson(destinationIp, destinationPort, str(record.destinationMacAddress), undefined, undefined));
    j += ',"destination":{' + o + '}';

    o = '';
    if (protocol !== undefined) {
      o = `"iana_number":"${String(protocol)}"`;
      const name = protocolName(protocol);
      if (name) o += `,"transport":"${name}"`;
    }
    const ipVersion = num(record.ipVersion);
    if (ipVersion === 4 || ipVersion === 6) o = add(o, `"type":"ipv${ipVersion}"`);
    else if (sourceIp) o = add(o, isIPv6(sourceIp) ? '"type":"ipv6"' : '"type":"ipv4"');
    if (bytes !== undefined) o = add(o, '"bytes":' + numberJson(bytes));
    if (packets !== undefined) o = add(o, '"packets":' + numberJson(packets));
    const enriched = enrichedDirection(record);
    const direction = num(record.flowDirection);
    if (enriched) o = add(o, `"direction":"${enriched}"`);
    else if (direction !== undefined && flowDirections[direction]) o = add(o, `"direction":"${flowDirections[direction]}"`);
    if (sourceIp && destinationIp && protocol !== undefined) {
      const id = communityId({
        sourceIp, destinationIp, protocol,
        sourcePort: icmp ? icmp.type : sourcePort,
        destinationPort: icmp ? icmp.code : destinationPort,
      }, this.seed);
      if (id) o = add(o, '"community_id":' + JSON.stringify(id));
    }
    j += ',"network":{' + o + '}';

    o = p.observerIp;
    const exporterName = str(record.exporterName);
    if (exporterName) o = add(o, '"name":' + JSON.stringify(exporterName));
    o = interfaceJson(o, 'ingress', num(record.ingressInterface), record.ingressInterfaceName, record.ingressInterfaceDescription);
    o = interfaceJson(o, 'egress', num(record.egressInterface), record.egressInterfaceName, record.egressInterfaceDescription);
    if (o) j += ',"observer":{' + o + '}';

    if (icmp) j += `,"icmp":{"type":${numberJson(icmp.type)},"code":${numberJson(icmp.code)}}`;
    return j + ',"netflow":{' + nf + '}}';
  }

  /** The context of a record that brings its own exporter (the last one is kept: batches repeat it). */
  private withOwnExporter(prepared: PreparedFlowContext, own: NonNullable<FlowContext['exporter']>): PreparedFlowContext {
    if (this.ownFor !== prepared || this.ownExporter !== own || !this.ownPrepared) {
      this.ownFor = prepared;
      this.ownExporter = own;
      this.ownPrepared = this.prepare({ ...prepared.context, exporter: own });
    }
    return this.ownPrepared;
  }

  private plan(name: string): JsonFieldPlan | undefined {
    let plan = this.plans.get(name);
    if (plan !== undefined) return plan;
    // Bounded like the object path's name caches; a record of unseen names past it takes that path.
    if (this.plans.size >= MAX_PLANS) return undefined;
    const base = fieldPlan(name);
    const prefix = JSON.stringify(base.key) + ':';
    plan = {
      prefix, commaPrefix: ',' + prefix, key: base.key, msPerUnit: base.msPerUnit, skip: base.skip,
      sampled: SAMPLED.has(name), unordered: (ARRAY_INDEX.test(base.key) && Number(base.key) < 2 ** 32 - 1) || base.key === '__proto__',
    };
    if (!plan.skip) {
      const owner = this.keyOwners.get(base.key);
      if (owner === undefined) this.keyOwners.set(base.key, name);
      else if (owner !== name) {
        plan.unordered = true;
        this.plans.get(owner)!.unordered = true;
      }
    }
    this.plans.set(name, plan);
    return plan;
  }
}

/** A number as JSON.stringify writes it (NaN and infinities as null); BigInts as bare integers. */
function numberJson(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  return Number.isFinite(value) ? String(value) : 'null';
}

/** A netflow.* value as flowRecordToEcs's plainValue and JSON give it; undefined for arrays and objects. */
function valueJson(value: unknown, msPerUnit: number | undefined): string | undefined {
  switch (typeof value) {
    case 'number':
    case 'bigint': {
      const iso = msPerUnit ? plainTime(value, msPerUnit) : undefined;
      return iso !== undefined ? `"${iso}"` : numberJson(value);
    }
    case 'string': return JSON.stringify(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'object':
      if (value instanceof Date) return isValidDate(value) ? `"${value.toISOString()}"` : 'null';
      if (Buffer.isBuffer(value)) return `"${value.toString('hex')}"`;
      return undefined;
    default: return undefined;
  }
}

/** A count the object path scales after its loop (without plainValue): primitives only. */
function scaledJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number': case 'bigint': return numberJson(value);
    case 'string': return JSON.stringify(value);
    case 'boolean': return value ? 'true' : 'false';
    default: return undefined;
  }
}

/** `members` and one more member, with a comma between (members of objects being written). */
function add(members: string, member: string): string {
  return members ? members + ',' + member : member;
}

/** source.* / destination.* without geo and as: `"ip":…,"port":…`. */
function endpointJson(ip: string | undefined, port: number | undefined, mac: string | undefined, bytes: number | bigint | undefined, packets: number | bigint | undefined): string {
  let o = ip ? '"ip":' + JSON.stringify(ip) : '';
  if (port !== undefined) o = add(o, '"port":' + numberJson(port));
  // ECS recommends MACs as upper-case hex pairs separated by hyphens.
  if (mac) o = add(o, '"mac":' + JSON.stringify(mac.toUpperCase().replace(/:/g, '-')));
  if (bytes !== undefined) o = add(o, '"bytes":' + numberJson(bytes));
  if (packets !== undefined) o = add(o, '"packets":' + numberJson(packets));
  return o;
}

/** `o` with the `"geo":{…}` and `"as":{…}` of one side, as enrichment.ts's addGeoAndAs builds them. */
function geoAndAsJson(r: FlowRecord, source: boolean, o: string): string {
  const iso = str(source ? r.sourceCountryIsoCode : r.destinationCountryIsoCode);
  const country = str(source ? r.sourceCountryName : r.destinationCountryName);
  const city = str(source ? r.sourceCityName : r.destinationCityName);
  const location = (source ? r.sourceLocation : r.destinationLocation) as { lat?: unknown; lon?: unknown } | undefined;
  const hasLocation = !!location && typeof location.lat === 'number' && typeof location.lon === 'number';
  if (iso || country || city || hasLocation) {
    let g = iso ? '"country_iso_code":' + JSON.stringify(iso) : '';
    if (country) g = add(g, '"country_name":' + JSON.stringify(country));
    if (city) g = add(g, '"city_name":' + JSON.stringify(city));
    if (hasLocation) g = add(g, `"location":{"lat":${numberJson(location.lat as number)},"lon":${numberJson(location.lon as number)}}`);
    o = add(o, '"geo":{' + g + '}');
  }
  const number = source ? r.sourceAsNumber : r.destinationAsNumber;
  const organization = str(source ? r.sourceAsOrganization : r.destinationAsOrganization);
  if (typeof number === 'number' || organization) {
    let a = typeof number === 'number' ? '"number":' + numberJson(number) : '';
    if (organization) a = add(a, '"organization":{"name":' + JSON.stringify(organization) + '}');
    o = add(o, '"as":{' + a + '}');
  }
  return o;
}

/** `o` with `"ingress":{"interface":{…}}` as enrichment.ts's observerInterface builds it, when there is one. */
function interfaceJson(o: string, side: 'ingress' | 'egress', id: number | undefined, nameValue: unknown, aliasValue: unknown): string {
  const name = str(nameValue);
  const alias = str(aliasValue);
  if (id === undefined && !name && !alias) return o;
  let i = id !== undefined ? `"id":"${String(id)}"` : '';
  if (name) i = add(i, '"name":' + JSON.stringify(name));
  if (alias) i = add(i, '"alias":' + JSON.stringify(alias));
  return add(o, `"${side}":{"interface":{${i}}}`);
}
