// Wire numbers of sFlow version 5 (https://sflow.org/sflow_version_5.txt and the structures
// sflow.org publishes beside it), named in one place: the data formats of enterprise 0 (samples,
// flow records, counter records) and the small enumerations inside them, as the decoder
// (sflow-decoder.ts, counter-records.ts, sampled-header.ts) reads them. The test encoder
// (encoder.ts) keeps its own literal numbers, so the two are checked against each other.

/**
 * A `data_format`: enterprise (top 20 bits) and format (low 12 bits); enterprise 0 is sflow.org's.
 * Other enterprises' formats are kept as raw octets.
 */
export function formatEnterprise(dataFormat: number): number {
  return dataFormat >>> 12;
}
export function formatNumber(dataFormat: number): number {
  return dataFormat & 0xfff;
}

/** Sample formats (`sample_record`), enterprise 0. */
export const SAMPLE_FORMAT = {
  flowSample: 1,
  counterSample: 2,
  flowSampleExpanded: 3,
  counterSampleExpanded: 4,
  /** sflow_drops.txt `event_discarded_packet`. */
  discardedPacket: 5,
} as const;

/** Flow record formats (`flow_record`), enterprise 0. */
export const FLOW_RECORD_FORMAT = {
  sampledHeader: 1,
  sampledEthernet: 2,
  sampledIpv4: 3,
  sampledIpv6: 4,
  extendedSwitch: 1001,
  extendedRouter: 1002,
  extendedGateway: 1003,
  extendedUser: 1004,
  extendedUrl: 1005,
  extendedMpls: 1006,
  extendedNat: 1007,
  extendedMplsTunnel: 1008,
  extendedMplsVc: 1009,
  extendedMplsFtn: 1010,
  extendedMplsLdpFec: 1011,
  extendedVlanTunnel: 1012,
  // sflow_80211.txt
  extended80211Payload: 1013,
  extended80211Rx: 1014,
  extended80211Tx: 1015,
  // sflow_tunnels.txt
  extendedL2TunnelEgress: 1021,
  extendedL2TunnelIngress: 1022,
  extendedIpv4TunnelEgress: 1023,
  extendedIpv4TunnelIngress: 1024,
  extendedIpv6TunnelEgress: 1025,
  extendedIpv6TunnelIngress: 1026,
  extendedDecapsulateEgress: 1027,
  extendedDecapsulateIngress: 1028,
  extendedVniEgress: 1029,
  extendedVniIngress: 1030,
  // sflow_drops.txt
  extendedEgressQueue: 1036,
  extendedAcl: 1037,
  extendedFunction: 1038,
  extendedTransit: 1039,
  extendedQueue: 1040,
  extendedHwTrap: 1041,
  extendedLinuxDropReason: 1042,
} as const;

/** Counter record formats (`counter_record`), enterprise 0. */
export const COUNTER_RECORD_FORMAT = {
  genericInterface: 1,
  ethernetInterface: 2,
  tokenRing: 3,
  vg100Interface: 4,
  vlan: 5,
  /** sflow_80211.txt */
  ieee80211: 6,
  /** sflow_lag.txt */
  lagPortStats: 7,
  /** sflow_optics.txt */
  sfp: 10,
  processor: 1001,
  /** sflow_80211.txt */
  radioUtilization: 1002,
  /** sflow_openflow.txt */
  openFlowPort: 1004,
  portName: 1005,
  // sflow_host.txt
  hostDescription: 2000,
  hostAdapters: 2001,
  hostParent: 2002,
  hostCpu: 2003,
  hostMemory: 2004,
  hostDiskIo: 2005,
  hostNetIo: 2006,
  mib2IpGroup: 2007,
  mib2IcmpGroup: 2008,
  mib2TcpGroup: 2009,
  mib2UdpGroup: 2010,
  virtNode: 2100,
  virtCpu: 2101,
  virtMemory: 2102,
  virtDiskIo: 2103,
  virtNetIo: 2104,
} as const;

/** `header_protocol` of sampled_header (the ones this pack dissects). */
export const HEADER_PROTOCOL = { ethernet: 1, ipv4: 11, ipv6: 12 } as const;

/** `address` type. */
export const ADDRESS_TYPE = { unknown: 0, ipv4: 1, ipv6: 2 } as const;

/** `interface` format (top 2 bits compact, a word of its own expanded): what the value is. */
export const INTERFACE_FORMAT = { ifIndex: 0, discarded: 1, multiple: 2 } as const;
