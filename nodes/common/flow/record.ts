// The flow record type: every field a record can carry, so a misspelt field name is a compile
// error. The registry's elements are generated (record-fields.ts, from the IE tables); the fields
// the sFlow decoder and the pipeline add are declared here. Value forms: docs/flow.md.
import type { Exporter } from './types';
import type { IanaFields, VendorFields } from './record-fields';

/**
 * A template-decoded field: the value of its type; the raw bytes when the exporter sent a length
 * the type cannot have (reported as an error too); an array when a template repeats the element
 * (RFC 7011 section 3.4.1). Unsigned and signed integers are `number` up to 2^53-1 and `bigint`
 * above, so a field of up to 32 bits is a number unless an exporter sends it in more octets than
 * its type (outside RFC 7011) with a larger value.
 */
export type Decoded<T> = T | T[] | Buffer;

/** RFC 6313 basicList: the element's name and its values (`error` when the header is cut). */
export interface BasicList {
  semantic: number | undefined;
  element?: string;
  values?: unknown[];
  error?: string;
}

/** RFC 6313 subTemplateList: the records of one template. */
export interface SubTemplateList {
  semantic: number | undefined;
  templateId?: number;
  records?: FlowRecord[];
  error?: string;
}

/** RFC 6313 subTemplateMultiList: records grouped by template. */
export interface SubTemplateMultiList {
  semantic: number | undefined;
  lists?: Array<{ templateId: number; records: FlowRecord[] }>;
  error?: string;
}

/** RFC 5103 reverse elements (PEN 29305): IANA element `fooBar` seen the other way is `reverseFooBar`. */
export type ReverseFields = { [K in keyof IanaFields as `reverse${Capitalize<K>}`]: IanaFields[K] };

/** Elements the registry does not know keep their bytes under a stable name. */
export interface UnknownElementFields {
  /** IPFIX vendor element without a registry entry. */
  [unknownVendor: `pen${number}_ie${number}`]: Buffer | undefined;
  /** IANA id without a registry entry. */
  [unknownIana: `ie${number}`]: Buffer | undefined;
  /** NetFlow v9 id without a registry entry. */
  [unknownV9: `nf9_ie${number}`]: Buffer | undefined;
  /** sFlow flow record of an unknown enterprise/format. */
  [unknownSflow: `sflowRecord_${number}_${number}`]: Buffer | undefined;
}

/** sFlow `sampled_ethernet` kept as an object (the outer header of a tunnel). */
export interface SampledEthernet {
  dataLinkFrameSize: number;
  sourceMacAddress: string;
  destinationMacAddress: string;
  ethernetType: number;
}

/** sFlow `sampled_ipv4` / `sampled_ipv6` kept as an object (the outer header of a tunnel). */
export interface SampledIp {
  ipTotalLength: number;
  protocolIdentifier: number;
  sourceIPv4Address?: string;
  destinationIPv4Address?: string;
  sourceIPv6Address?: string;
  destinationIPv6Address?: string;
  sourceTransportPort: number;
  destinationTransportPort: number;
  tcpControlBits: number;
  ipClassOfService: number;
}

/** RFC 3954 section 6.1: the scope fields of NetFlow v9 options data (type 2 is an ifIndex). */
export interface V9ScopeFields {
  scopeSystem?: Decoded<number | bigint>;
  scopeInterface?: Decoded<number | bigint>;
  scopeLineCard?: Decoded<number | bigint>;
  scopeCache?: Decoded<number | bigint>;
  scopeTemplate?: Decoded<number | bigint>;
  /** A scope type RFC 3954 does not name. */
  [otherScope: `scope${number}`]: Decoded<number | bigint> | undefined;
}

/** Fields of sFlow samples that no IPFIX element names (sflow_version_5.txt and its extensions). */
export interface SflowFields {
  sflowAgentAddress?: string;
  sflowSampleSequence?: number;
  sflowSourceIdType?: number;
  sflowSourceIdIndex?: number;
  sflowSamplePool?: number;
  sflowDrops?: number;
  /** Interface format 1: the packet was discarded, with this reason. */
  sflowDiscardReason?: number;
  /** Interface format 2: sent to this many interfaces. */
  sflowOutputInterfaces?: number;
  /** Set on discarded-packet events (in `options`). */
  sflowEvent?: 'discarded-packet';
  sflowHeaderProtocol?: number;
  /** extended_switch dst_priority (IPFIX has no post-802.1Q priority element). */
  postDot1qPriority?: number;
  sflowRouterAs?: number;
  sflowAsPath?: number[];
  sflowLocalPref?: number;
  sflowSourceUser?: string;
  sflowDestinationUser?: string;
  sflowUrlDirection?: number;
  sflowMplsNextHop?: string;
  sflowMplsInLabels?: number[];
  sflowMplsOutLabels?: number[];
  sflowVlanStack?: number[];
  sflowMplsTunnelLspName?: string;
  sflowMplsTunnelId?: number;
  sflowMplsTunnelCos?: number;
  sflowMplsVcInstanceName?: string;
  sflowMplsVcId?: number;
  sflowMplsVcLabelCos?: number;
  sflowMplsFtnDescription?: string;
  sflowMplsFtnMask?: number;
  sflow80211CipherSuite?: number;
  sflow80211Payload?: Buffer;
  sflow80211Bssid?: string;
  sflow80211Version?: number;
  sflow80211Speed?: number | bigint;
  sflow80211Rsni?: number;
  sflow80211Rcpi?: number;
  sflow80211PacketDuration?: number;
  sflow80211Transmissions?: number;
  sflow80211RetransmissionDuration?: number;
  sflow80211Power?: number;
  sflowTunnelL2Egress?: SampledEthernet;
  sflowTunnelL2Ingress?: SampledEthernet;
  sflowTunnelIPv4Egress?: SampledIp;
  sflowTunnelIPv4Ingress?: SampledIp;
  sflowTunnelIPv6Egress?: SampledIp;
  sflowTunnelIPv6Ingress?: SampledIp;
  sflowDecapsulateEgressInnerHeaderOffset?: number;
  sflowDecapsulateIngressInnerHeaderOffset?: number;
  sflowVniEgress?: number;
  sflowVniIngress?: number;
  sflowEgressQueue?: number;
  sflowAclNumber?: number;
  sflowAclName?: string;
  /** 0 unknown, 1 ingress, 2 egress. */
  sflowAclDirection?: number;
  sflowFunction?: string;
  /** Nanoseconds. */
  sflowTransitDelay?: number;
  /** Octets. */
  sflowQueueDepth?: number;
  sflowHwTrapGroup?: string;
  sflowHwTrap?: string;
  sflowLinuxDropReason?: string;
}

/** The enrichment of one side (`source…` / `destination…`): GeoIP/AS and named networks. */
type SideEnrichment<Side extends string> = {
  [K in 'CountryIsoCode' | 'CountryName' | 'CityName' | 'AsOrganization' | 'NetworkName' | 'NetworkRole' as `${Side}${K}`]?: string;
} & { [K in `${Side}AsNumber`]?: number } & { [K in `${Side}Location`]?: { lat: number; lon: number } };

/** Interface names from options data or SNMP IF-MIB (`ingress…` / `egress…`). */
type InterfaceEnrichment<Side extends string> = {
  [K in `${Side}InterfaceName` | `${Side}InterfaceDescription`]?: string;
} & { [K in `${Side}InterfaceSpeed`]?: number };

/** Fields the pipeline adds after decoding: sampling, exporter, enrichment (DESIGN.md "shared contracts"). */
export type PipelineFields = SideEnrichment<'source'> & SideEnrichment<'destination'>
  & InterfaceEnrichment<'ingress'> & InterfaceEnrichment<'egress'> & {
    /** The counts were multiplied by `samplingInterval` (exactly once, in the enrich layer). */
    samplingScaled?: boolean;
    /** ECS network.direction from the named networks (not IANA flowDirection, an exporter's 0/1). */
    networkDirection?: 'inbound' | 'outbound' | 'internal' | 'external';
    /** The exporter's name from the exporter-names table. */
    exporterName?: string;
    /** The exporter of a record in a batch that mixes exporters. */
    exporter?: Exporter;
  };

/**
 * One flow record. Keys are IANA IPFIX information-element names (`sourceIPv4Address`,
 * `octetDeltaCount`, ...), vendor names from the registry, sFlow fields and the pipeline's
 * enrichment fields; an unknown element is `pen<N>_ie<M>` (v9: `nf9_ie<M>`). Elements a user
 * defines (the `elements` option) are not known here: type them as
 * `FlowRecord & { myElement?: string }`.
 */
export type FlowRecord = IanaFields & VendorFields & ReverseFields & V9ScopeFields & SflowFields & PipelineFields & UnknownElementFields;

/** A field name of FlowRecord: a name in code that is not one fails to compile. */
export type FlowField = keyof FlowRecord & string;
