// pmacct's aggregation primitives (aggregate: src_host, dst_port, ...) read from a flow record in
// the pack's vocabulary (IANA IPFIX IE names, the enrichment fields of DESIGN.md). Any IE name is a
// primitive too, read as is. A primitive's value is a string or a number; absent is undefined.
import { builtinTypeByName } from '../netflow/ie-registry';
import type { FlowRecord } from '../flow/types';
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
  /** Set when the value is the first present of these record fields: compiled key readers read them inline. */
  fields?: readonly string[];
}

/** How a primitive reads: a reader, or the first present of some record fields. */
interface FieldSource { fields: readonly string[]; read: PrimitiveReader }
type Source = PrimitiveReader | FieldSource;

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

const plain = (v: unknown): PrimitiveValue => (typeof v === 'number' || typeof v === 'string' ? v : scalar(v));

/** The first of `names` present in the record (the compiled key reader inlines the same reads). */
function fields(...names: string[]): FieldSource {
  const [a, b] = names;
  const read: PrimitiveReader = b === undefined ? (r) => plain(r[a]) : (r) => {
    const v = r[a];
    return plain(v === undefined || v === null ? r[b] : v);
  };
  return { fields: names, read };
}

type Side = 'source' | 'destination';
const host = (side: Side | 'exporter'): PrimitiveReader => fields(`${side}IPv4Address`, `${side}IPv6Address`).read;

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

const exporterAddress = host('exporter');

/** The exporter: an exporter IE, the record's own `exporter` (batches), else the message's. */
const peerSrcIp: PrimitiveReader = (r, c) => {
  const own = exporterAddress(r, c);
  if (own !== undefined) return own;
  const e = r.exporter as { address?: unknown } | undefined;
  if (e && typeof e.address === 'string') return e.address;
  return c.exporter;
};

/** pmacct's names (and a few of Wirescope's own for enrichment fields) -> readers. */
function table(options: PrimitiveOptions): Record<string, Source> {
  return {
    src_host: fields('sourceIPv4Address', 'sourceIPv6Address'),
    dst_host: fields('destinationIPv4Address', 'destinationIPv6Address'),
    src_net: net('source', options),
    dst_net: net('destination', options),
    src_mask: mask('source', options),
    dst_mask: mask('destination', options),
    src_port: fields('sourceTransportPort'),
    dst_port: fields('destinationTransportPort'),
    proto: fields('protocolIdentifier'),
    tos: fields('ipClassOfService'),
    etype,
    vlan: fields('vlanId', 'dot1qVlanId'),
    src_mac: fields('sourceMacAddress'),
    dst_mac: fields('destinationMacAddress', 'postDestinationMacAddress'),
    in_iface: fields('ingressInterface'),
    out_iface: fields('egressInterface'),
    // Enrichment's AS (from the user's database) first, else what the exporter's BGP table said.
    src_as: fields('sourceAsNumber', 'bgpSourceAsNumber'),
    dst_as: fields('destinationAsNumber', 'bgpDestinationAsNumber'),
    peer_src_ip: peerSrcIp,
    tcpflags: fields('tcpControlBits'),
    sampling_rate: fields('samplingInterval', 'samplingPacketInterval'),
    src_host_country: fields('sourceCountryIsoCode'),
    dst_host_country: fields('destinationCountryIsoCode'),
    src_host_city: fields('sourceCityName'),
    dst_host_city: fields('destinationCityName'),
    src_as_org: fields('sourceAsOrganization'),
    dst_as_org: fields('destinationAsOrganization'),
    src_net_name: fields('sourceNetworkName'),
    dst_net_name: fields('destinationNetworkName'),
    src_net_role: fields('sourceNetworkRole'),
    dst_net_role: fields('destinationNetworkRole'),
    direction: fields('networkDirection'),
    in_iface_name: fields('ingressInterfaceName'),
    out_iface_name: fields('egressInterfaceName'),
    exporter_name: fields('exporterName'),
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
    const source = Object.hasOwn(readers, name) ? readers[name] : isRecordField(name) ? fields(name) : undefined;
    if (!source) {
      throw new PrimitiveError(`unknown primitive "${name}": use one of ${PRIMITIVE_NAMES.join(', ')}, or a flow record field (an IPFIX information element name such as sourceIPv4Address)`);
    }
    out.push(typeof source === 'function' ? { name, read: source } : { name, read: source.read, fields: source.fields });
  }
  return out;
}
