// Flow record (IANA IPFIX information-element names, see DESIGN.md) -> ECS document.
// Field meanings follow the ECS field reference (source.*, destination.*, network.*, event.*,
// observer.*); every original IE is kept under netflow.<snake_case name>, as Filebeat's netflow
// input does, so nothing the exporter sent is lost.
import { isIPv6 } from 'node:net';
import { communityId } from './community-id';
import { protocolName } from './protocols';
import { addGeoAndAs, enrichedDirection, observerInterface } from './enrichment';
import type { FlowField, FlowRecord } from '../flow/types';
import { pendingSamplingFactor, SAMPLED_COUNTS, scaleCount } from '../enrich/sampling';
import {
  count, END_FIELDS, fieldPlan, firstTime, flowDirections, icmpTypeCode, isoTime, isValidDate, num, plainTime, plainValue, snakeCase, START_FIELDS, str,
} from './ecs-values';

export { snakeCase } from './ecs-values';

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

export function flowRecordToEcs(record: FlowRecord, context: FlowContext = {}, options: EcsOptions = {}): EcsDocument {
  // Batched records from several exporters carry their exporter themselves.
  const own = record.exporter as FlowContext['exporter'] | undefined;
  if (own && typeof own === 'object' && typeof own.address === 'string') {
    const { exporter: _exporter, ...rest } = record;
    return flowRecordToEcs(rest, { ...context, exporter: context.exporter ?? own }, options);
  }
  const start = firstTime(record, START_FIELDS);
  const end = firstTime(record, END_FIELDS);
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
