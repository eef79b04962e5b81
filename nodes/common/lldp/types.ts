// Decoded LLDPDU (IEEE 802.1AB-2016 clause 8) and the neighbour record every source
// (frames, LLDP-MIB over SNMP, lldpcli JSON, vendor CLI text) is mapped onto.

export interface TypedId {
  /** Chassis ID subtype (8.5.2.2) or port ID subtype (8.5.3.2). */
  subtype: number;
  subtypeName: string;
  /** Text form: MAC as aa:bb:cc:dd:ee:ff, network address as IP text, names as UTF-8, otherwise hex. */
  value: string;
}

export interface Capabilities {
  supported: string[];
  enabled: string[];
  supportedBits: number;
  enabledBits: number;
}

export interface ManagementAddress {
  /** IANA address family number (1 IPv4, 2 IPv6, 6 802 MAC). */
  family: number;
  address: string;
  interfaceSubtype: number;
  interfaceNumber: number;
  oid?: string;
}

export interface Dot1Info {
  portVlanId?: number;
  protocolVlans: { supported: boolean; enabled: boolean; vlanId: number }[];
  vlanNames: { vlanId: number; name: string }[];
  protocolIdentities: string[];
  vidUsageDigest?: number;
  managementVid?: number;
  linkAggregation?: LinkAggregation;
}

export interface LinkAggregation {
  capable: boolean;
  enabled: boolean;
  portId: number;
}

export interface MacPhyStatus {
  autonegSupported: boolean;
  autonegEnabled: boolean;
  /** PMD auto-negotiation advertised capability bits (RFC 4836 ifMauAutoNegCapAdvertisedBits). */
  advertisedCapabilities: number;
  /** dot3MauType number (RFC 4836). */
  operationalMauType: number;
}

export interface PowerViaMdi {
  portClass: 'PSE' | 'PD';
  pseMdiPowerSupported: boolean;
  pseMdiPowerEnabled: boolean;
  psePairsControllable: boolean;
  psePowerPair: number;
  powerClass: number;
  /** 802.3at extension (present when the TLV is 12+ bytes). */
  powerType?: number;
  powerSource?: number;
  powerPriority?: number;
  pdRequestedPowerWatts?: number;
  pseAllocatedPowerWatts?: number;
}

export interface Dot3Info {
  macPhy?: MacPhyStatus;
  power?: PowerViaMdi;
  linkAggregation?: LinkAggregation;
  maxFrameSize?: number;
}

export interface MedNetworkPolicy {
  applicationType: number;
  unknown: boolean;
  tagged: boolean;
  vlanId: number;
  priority: number;
  dscp: number;
}

export interface MedInfo {
  capabilities?: { capabilities: string[]; bits: number; deviceType: number };
  networkPolicies: MedNetworkPolicy[];
  /** Location ID TLV: format 1 coordinate, 2 civic address, 3 ECS ELIN; data as hex (civic) or text (ELIN). */
  locations: { format: number; data: string }[];
  extendedPower?: { powerType: number; powerSource: number; powerPriority: number; powerWatts: number };
  inventory: {
    hardwareRevision?: string;
    firmwareRevision?: string;
    softwareRevision?: string;
    serialNumber?: string;
    manufacturer?: string;
    model?: string;
    assetId?: string;
  };
}

export interface OrganizationalTlv {
  oui: string; // "00-80-c2"
  subtype: number;
  info: string; // hex
}

export interface Lldpdu {
  chassisId: TypedId;
  portId: TypedId;
  ttl: number;
  portDescription?: string;
  systemName?: string;
  systemDescription?: string;
  capabilities?: Capabilities;
  managementAddresses: ManagementAddress[];
  dot1: Dot1Info;
  dot3: Dot3Info;
  med: MedInfo;
  /** Organisational TLVs we do not decode (other OUIs, other subtypes), kept in full. */
  organizational: OrganizationalTlv[];
  /** TLV types 9..126 (reserved), kept in full. */
  reserved: { type: number; value: string }[];
}

export interface LldpDecodeResult {
  lldpdu?: Lldpdu;
  /** Never thrown: every problem is reported here (a TLV that overruns, a missing mandatory TLV...). */
  errors: string[];
}

/** One neighbour as seen by one local port; the common shape of every source. */
export interface LldpNeighbor {
  localPort: string;
  chassisId?: string;
  portId?: string;
  portIdSubtype?: string;
  portDescription?: string;
  systemName?: string;
  systemDescription?: string;
  managementAddresses?: string[];
  capabilities?: string[];
  ttl?: number;
}

/** What one device reports: its own identity and its neighbour table. */
export interface LldpDeviceReport {
  /** The device's own system name (or the address we polled when it has none). */
  device: string;
  chassisId?: string;
  source: 'snmp' | 'lldpcli' | 'ssh' | 'passive';
  neighbors: LldpNeighbor[];
}
