// pmacct's aggregation primitives (aggregate: src_host, dst_port, ...) read from a flow record in
// the pack's vocabulary (IANA IPFIX IE names, the enrichment fields of DESIGN.md). Any IE name is a
// primitive too, read as is. A primitive's value is a string or a number; absent is undefined.
import { builtinTypeByName } from '../netflow/ie-registry';
import type { FlowField, FlowRecord } from '../flow/types';
import { maskAddress } from './networks';

export type PrimitiveValue = string | number | undefined;

/** What the message around a record knows and the record may not: the exporter (peer_src_ip). */
export interface RecordContext {
  exporter?: string;
}

export type PrimitiveReader = (record: FlowRecord, context: RecordContext) => PrimitiveValue;

export interface Primitive {
  /** The name the user wrote; also the field name in output rows. */
  name: string;
  read: PrimitiveReader;
}

export interface PrimitiveOptions {
  /** pmacct networks_mask for IPv4 src_net/dst_net; default the record's prefix length, else 32. */
  netMask?: number;
  /** The same for IPv6; default the record's prefix length, else 128. */
  netMask6?: number;
}

/** A record field as a key part: numbers and strings as they are, anything else as text. */
export function scalar(value: unknown): PrimitiveValue {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value instanceof Date) return value.getTime();
  return JSON.stringify(value);
}

// Readers are on the per-record path: plain values return without a call, two-name lookups unrolled.
const field = (name: FlowField): PrimitiveReader => (r) => {
  const v = r[name];
  return typeof v === 'number' || typeof v === 'string' ? v : scalar(v);
};
const firstOf = (a: FlowField, b: FlowField): PrimitiveReader => (r) => {
  const v = r[a];
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (v !== undefined && v !== null) return scalar(v);
  const w = r[b];
  return typeof w === 'number' || typeof w === 'string' ? w : scalar(w);
};

// The most used primitives read their fields by name at their own property-access site: readers
// built from a name share one site, which turns megamorphic across fields and costs a third of
// the throughput.
const plain = (v: unknown): PrimitiveValue => (typeof v === 'number' || typeof v === 'string' ? v : scalar(v));
const srcHost: PrimitiveReader = (r) => { const v = r.sourceIPv4Address; return v !== undefined ? plain(v) : plain(r.sourceIPv6Address); };
const dstHost: PrimitiveReader = (r) => { const v = r.destinationIPv4Address; return v !== undefined ? plain(v) : plain(r.destinationIPv6Address); };
const srcPort: PrimitiveReader = (r) => plain(r.sourceTransportPort);
const dstPort: PrimitiveReader = (r) => plain(r.destinationTransportPort);
const proto: PrimitiveReader = (r) => plain(r.protocolIdentifier);

type Side = 'source' | 'destination';
const host = (side: Side): PrimitiveReader => firstOf(`${side}IPv4Address`, `${side}IPv6Address`);

function maskBits(r: FlowRecord, side: Side, v6: boolean, options: PrimitiveOptions): number {
  const configured = v6 ? options.netMask6 : options.netMask;
  if (configured !== undefined) return configured;
  const own = r[`${side}IPv${v6 ? 6 : 4}PrefixLength`];
  return typeof own === 'number' ? own : v6 ? 128 : 32;
}

function net(side: Side, options: PrimitiveOptions): PrimitiveReader {
  const address = host(side);
  return (r, c) => {
    const a = address(r, c);
    if (typeof a !== 'string') return undefined;
    return maskAddress(a, maskBits(r, side, false, options), maskBits(r, side, true, options));
  };
}

function mask(side: Side, options: PrimitiveOptions): PrimitiveReader {
  const address = host(side);
  return (r, c) => {
    const a = address(r, c);
    return typeof a === 'string' ? maskBits(r, side, a.includes(':'), options) : undefined;
  };
}

/** EtherType: the record's own, else from the IP version (IPv4 0x0800, IPv6 0x86dd). */
const etype: PrimitiveReader = (r) => {
  const own = scalar(r.ethernetType);
  if (own !== undefined) return own;
  const version = r.ipVersion ?? (r.sourceIPv4Address !== undefined ? 4 : r.sourceIPv6Address !== undefined ? 6 : undefined);
  return version === 4 ? 0x0800 : version === 6 ? 0x86dd : undefined;
};

/** The exporter: an exporter IE, the record's own `exporter` (batches), else the message's. */
const peerSrcIp: PrimitiveReader = (r, c) => {
  const own = firstOf('exporterIPv4Address', 'exporterIPv6Address')(r, c);
  if (own !== undefined) return own;
  const e = r.exporter as { address?: unknown } | undefined;
  if (e && typeof e.address === 'string') return e.address;
  return c.exporter;
};

/** pmacct's names (and a few of Wirescope's own for enrichment fields) -> readers. */
function table(options: PrimitiveOptions): Record<string, PrimitiveReader> {
  return {
    src_host: srcHost,
    dst_host: dstHost,
    src_net: net('source', options),
    dst_net: net('destination', options),
    src_mask: mask('source', options),
    dst_mask: mask('destination', options),
    src_port: srcPort,
    dst_port: dstPort,
    proto,
    tos: field('ipClassOfService'),
    etype,
    vlan: firstOf('vlanId', 'dot1qVlanId'),
    src_mac: field('sourceMacAddress'),
    dst_mac: firstOf('destinationMacAddress', 'postDestinationMacAddress'),
    in_iface: field('ingressInterface'),
    out_iface: field('egressInterface'),
    // Enrichment's AS (from the user's database) first, else what the exporter's BGP table said.
    src_as: firstOf('sourceAsNumber', 'bgpSourceAsNumber'),
    dst_as: firstOf('destinationAsNumber', 'bgpDestinationAsNumber'),
    peer_src_ip: peerSrcIp,
    tcpflags: field('tcpControlBits'),
    sampling_rate: firstOf('samplingInterval', 'samplingPacketInterval'),
    src_host_country: field('sourceCountryIsoCode'),
    dst_host_country: field('destinationCountryIsoCode'),
    src_host_city: field('sourceCityName'),
    dst_host_city: field('destinationCityName'),
    src_as_org: field('sourceAsOrganization'),
    dst_as_org: field('destinationAsOrganization'),
    src_net_name: field('sourceNetworkName'),
    dst_net_name: field('destinationNetworkName'),
    src_net_role: field('sourceNetworkRole'),
    dst_net_role: field('destinationNetworkRole'),
    direction: field('networkDirection'),
    in_iface_name: field('ingressInterfaceName'),
    out_iface_name: field('egressInterfaceName'),
    exporter_name: field('exporterName'),
  };
}

export const PRIMITIVE_NAMES: readonly string[] = Object.keys(table({}));

/** Enrichment fields (DESIGN.md) that are not IANA IEs but may be used by their own names. */
const ENRICHMENT_FIELDS = new Set([
  'CountryIsoCode', 'CountryName', 'CityName', 'Location', 'AsNumber', 'AsOrganization', 'NetworkName', 'NetworkRole',
].flatMap((f) => [`source${f}`, `destination${f}`]).concat([
  'networkDirection', 'exporterName', 'samplingScaled',
  ...['Name', 'Description', 'Speed'].flatMap((f) => [`ingressInterface${f}`, `egressInterface${f}`]),
]));

function isRecordField(name: string): boolean {
  return builtinTypeByName(name) !== undefined || ENRICHMENT_FIELDS.has(name) || /^pen\d+_ie\d+$/.test(name);
}

export class PrimitiveError extends Error {
  override readonly name = 'PrimitiveError';
}

/** "src_host, dst_port" -> primitives; throws PrimitiveError naming an unknown one. */
export function parsePrimitives(text: string, options: PrimitiveOptions = {}): Primitive[] {
  const names = String(text ?? '').split(/[\s,]+/).filter(Boolean);
  const readers = table(options);
  const seen = new Set<string>();
  const out: Primitive[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const read = Object.hasOwn(readers, name) ? readers[name] : isRecordField(name) ? field(name as FlowField) : undefined;
    if (!read) {
      throw new PrimitiveError(`unknown primitive "${name}": use one of ${PRIMITIVE_NAMES.join(', ')}, or a flow record field (an IPFIX information element name such as sourceIPv4Address)`);
    }
    out.push({ name, read });
  }
  return out;
}
