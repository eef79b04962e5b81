// Builds sFlow v5 datagrams byte by byte (XDR, RFC 4506), so tests can state exact samples and
// records: flow samples (compact and expanded), counter samples, discarded-packet events, and the
// flow and counter records of sflow_version_5.txt, sflow_host.txt, sflow_tunnels.txt,
// sflow_80211.txt, sflow_lag.txt, sflow_optics.txt and sflow_drops.txt.
//
// Each structure is written here in the spec's field order, independently of the decoder's
// layout tables, so a test that decodes what this builds checks one reading against the other.
import { ipv6Bytes } from '../packet/text';

/** Field values as the decoder reports them; 64-bit counters as number or bigint. */
export type Hyper = number | bigint;

/** An XDR writer: every item a multiple of 4 octets. */
export class XdrWriter {
  private readonly parts: Buffer[] = [];

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  u64(v: Hyper): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(v));
    this.parts.push(b);
    return this;
  }
  f32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatBE(v);
    this.parts.push(b);
    return this;
  }
  /** Four single octets filling one XDR word (opaque[4], as LAG port state). */
  octets4(a: number, b: number, c: number, d: number): this {
    this.parts.push(Buffer.from([a, b, c, d]));
    return this;
  }
  /** Fixed opaque, padded to 4. */
  fixed(bytes: Buffer): this {
    this.parts.push(bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4));
    return this;
  }
  /** Variable-length opaque: length, bytes, padding. */
  opaque(bytes: Buffer): this {
    return this.u32(bytes.length).fixed(bytes);
  }
  string(text: string): this {
    return this.opaque(Buffer.from(text, 'utf8'));
  }
  /** mac: opaque[6] padded to 8. */
  mac(text: string): this {
    return this.fixed(macBytes(text));
  }
  ipv4(text: string): this {
    return this.fixed(Buffer.from(text.split('.').map(Number)));
  }
  ipv6(text: string): this {
    const bytes = ipv6Bytes(text);
    if (!bytes) throw new Error(`not an IPv6 address: ${text}`);
    return this.fixed(bytes);
  }
  /** sFlow `address`: type 1 IPv4, 2 IPv6, 0 unknown (undefined). */
  address(text: string | undefined): this {
    if (text === undefined) return this.u32(0);
    return text.includes(':') ? this.u32(2).ipv6(text) : this.u32(1).ipv4(text);
  }
  raw(bytes: Buffer): this {
    this.parts.push(bytes);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function macBytes(text: string): Buffer {
  return Buffer.from(text.split(/[:-]/).map((h) => parseInt(h, 16)));
}

const xdr = () => new XdrWriter();

/** A data_format tag (20-bit enterprise, 12-bit format), the length, then the body. */
export function tlv(format: number, body: Buffer, enterprise = 0): Buffer {
  return xdr().u32(((enterprise << 12) | format) >>> 0).opaque(body).build();
}

// ---- datagram and samples (sflow_version_5.txt "sFlow Datagram") ----

export interface DatagramSpec {
  /** Agent address (IPv4 or IPv6 text); undefined writes the unknown address type. */
  agent?: string;
  subAgent?: number;
  sequence?: number;
  uptime?: number;
  /** Sample TLVs from flowSample / counterSample / discardedPacket / tlv. */
  samples: Buffer[];
}

export function datagram(d: DatagramSpec): Buffer {
  const w = xdr().u32(5).address('agent' in d ? d.agent : '192.0.2.1')
    .u32(d.subAgent ?? 0).u32(d.sequence ?? 1).u32(d.uptime ?? 1000).u32(d.samples.length);
  for (const s of d.samples) w.raw(s);
  return w.build();
}

/** An interface in the expanded form (format 0 ifIndex, 1 discarded, 2 multiple), or an ifIndex. */
export type InterfaceSpec = number | { format: 0 | 1 | 2; value: number };

export interface FlowSampleSpec {
  expanded?: boolean;
  sequence?: number;
  sourceType?: number;
  sourceIndex?: number;
  samplingRate?: number;
  samplePool?: number;
  drops?: number;
  input?: InterfaceSpec;
  output?: InterfaceSpec;
  /** Flow record TLVs (the record builders below, or tlv()). */
  records: Buffer[];
}

function writeInterface(w: XdrWriter, i: InterfaceSpec | undefined, expanded: boolean): void {
  const { format, value } = typeof i === 'object' ? i : { format: 0, value: i ?? 0 };
  if (expanded) w.u32(format).u32(value);
  else w.u32(((format << 30) | (value & 0x3fffffff)) >>> 0);
}

function writeSource(w: XdrWriter, type: number, index: number, expanded: boolean): void {
  if (expanded) w.u32(type).u32(index);
  else w.u32(((type << 24) | (index & 0xffffff)) >>> 0);
}

/** flow_sample (format 1) or flow_sample_expanded (format 3). */
export function flowSample(s: FlowSampleSpec): Buffer {
  const expanded = s.expanded ?? false;
  const w = xdr().u32(s.sequence ?? 1);
  writeSource(w, s.sourceType ?? 0, s.sourceIndex ?? 1, expanded);
  w.u32(s.samplingRate ?? 1).u32(s.samplePool ?? 0).u32(s.drops ?? 0);
  writeInterface(w, s.input, expanded);
  writeInterface(w, s.output, expanded);
  w.u32(s.records.length);
  for (const r of s.records) w.raw(r);
  return tlv(expanded ? 3 : 1, w.build());
}

export interface CounterSampleSpec {
  expanded?: boolean;
  sequence?: number;
  sourceType?: number;
  sourceIndex?: number;
  /** Counter record TLVs. */
  records: Buffer[];
}

/** counters_sample (format 2) or counters_sample_expanded (format 4). */
export function counterSample(s: CounterSampleSpec): Buffer {
  const expanded = s.expanded ?? false;
  const w = xdr().u32(s.sequence ?? 1);
  writeSource(w, s.sourceType ?? 0, s.sourceIndex ?? 1, expanded);
  w.u32(s.records.length);
  for (const r of s.records) w.raw(r);
  return tlv(expanded ? 4 : 2, w.build());
}

export interface DiscardedPacketSpec {
  sequence?: number;
  sourceType?: number;
  sourceIndex?: number;
  drops?: number;
  input?: number;
  output?: number;
  reason?: number;
  records: Buffer[];
}

/** discarded_packet (format 5, sflow_drops.txt). */
export function discardedPacket(s: DiscardedPacketSpec): Buffer {
  const w = xdr().u32(s.sequence ?? 1).u32(s.sourceType ?? 0).u32(s.sourceIndex ?? 1)
    .u32(s.drops ?? 0).u32(s.input ?? 0).u32(s.output ?? 0).u32(s.reason ?? 0).u32(s.records.length);
  for (const r of s.records) w.raw(r);
  return tlv(5, w.build());
}

// ---- flow records ----

export function sampledHeader(v: { protocol: number; frameLength: number; stripped?: number; header: Buffer }): Buffer {
  return tlv(1, xdr().u32(v.protocol).u32(v.frameLength).u32(v.stripped ?? 0).opaque(v.header).build());
}

export interface SampledEthernet { dataLinkFrameSize: number; sourceMacAddress: string; destinationMacAddress: string; ethernetType: number }

function writeSampledEthernet(v: SampledEthernet): Buffer {
  return xdr().u32(v.dataLinkFrameSize).mac(v.sourceMacAddress).mac(v.destinationMacAddress).u32(v.ethernetType).build();
}

export function sampledEthernet(v: SampledEthernet): Buffer {
  return tlv(2, writeSampledEthernet(v));
}

/** sampled_ipv4 / sampled_ipv6 fields, named as the decoder's tunnel objects name them. */
export interface SampledIp {
  ipTotalLength: number;
  protocolIdentifier: number;
  source: string;
  destination: string;
  sourceTransportPort: number;
  destinationTransportPort: number;
  tcpControlBits: number;
  ipClassOfService: number;
}

function writeSampledIp(v: SampledIp): Buffer {
  const w = xdr().u32(v.ipTotalLength).u32(v.protocolIdentifier);
  if (v.source.includes(':')) w.ipv6(v.source).ipv6(v.destination);
  else w.ipv4(v.source).ipv4(v.destination);
  return w.u32(v.sourceTransportPort).u32(v.destinationTransportPort).u32(v.tcpControlBits).u32(v.ipClassOfService).build();
}

/** sampled_ipv4 (3) or sampled_ipv6 (4), by the address family of `source`. */
export function sampledIp(v: SampledIp): Buffer {
  return tlv(v.source.includes(':') ? 4 : 3, writeSampledIp(v));
}

export function extendedSwitch(v: { srcVlan: number; srcPriority: number; dstVlan: number; dstPriority: number }): Buffer {
  return tlv(1001, xdr().u32(v.srcVlan).u32(v.srcPriority).u32(v.dstVlan).u32(v.dstPriority).build());
}

export function extendedRouter(v: { nextHop?: string; srcMask: number; dstMask: number }): Buffer {
  return tlv(1002, xdr().address(v.nextHop).u32(v.srcMask).u32(v.dstMask).build());
}

export interface GatewaySpec {
  nextHop?: string;
  as: number;
  srcAs: number;
  srcPeerAs: number;
  /** AS path segments: type 1 AS_SET, 2 AS_SEQUENCE. */
  segments: Array<{ type: 1 | 2; asns: number[] }>;
  communities: number[];
  localPref: number;
}

export function extendedGateway(v: GatewaySpec): Buffer {
  const w = xdr().address(v.nextHop).u32(v.as).u32(v.srcAs).u32(v.srcPeerAs).u32(v.segments.length);
  for (const s of v.segments) {
    w.u32(s.type).u32(s.asns.length);
    for (const a of s.asns) w.u32(a);
  }
  w.u32(v.communities.length);
  for (const c of v.communities) w.u32(c);
  return tlv(1003, w.u32(v.localPref).build());
}

export function extendedUser(v: { srcCharset?: number; srcUser: string; dstCharset?: number; dstUser: string }): Buffer {
  return tlv(1004, xdr().u32(v.srcCharset ?? 106).string(v.srcUser).u32(v.dstCharset ?? 106).string(v.dstUser).build());
}

export function extendedUrl(v: { direction: number; url: string; host: string }): Buffer {
  return tlv(1005, xdr().u32(v.direction).string(v.url).string(v.host).build());
}

export function extendedMpls(v: { nextHop?: string; inLabels: number[]; outLabels: number[] }): Buffer {
  const w = xdr().address(v.nextHop).u32(v.inLabels.length);
  for (const l of v.inLabels) w.u32(l);
  w.u32(v.outLabels.length);
  for (const l of v.outLabels) w.u32(l);
  return tlv(1006, w.build());
}

export function extendedNat(v: { src?: string; dst?: string }): Buffer {
  return tlv(1007, xdr().address(v.src).address(v.dst).build());
}

export function mplsTunnel(v: { lspName: string; tunnelId: number; cos: number }): Buffer {
  return tlv(1008, xdr().string(v.lspName).u32(v.tunnelId).u32(v.cos).build());
}

export function mplsVc(v: { instanceName: string; vcId: number; labelCos: number }): Buffer {
  return tlv(1009, xdr().string(v.instanceName).u32(v.vcId).u32(v.labelCos).build());
}

export function mplsFtn(v: { description: string; mask: number }): Buffer {
  return tlv(1010, xdr().string(v.description).u32(v.mask).build());
}

export function mplsLdpFec(v: { prefixLength: number }): Buffer {
  return tlv(1011, xdr().u32(v.prefixLength).build());
}

export function vlanTunnel(stack: number[]): Buffer {
  const w = xdr().u32(stack.length);
  for (const t of stack) w.u32(t);
  return tlv(1012, w.build());
}

export function wifiPayload(v: { cipherSuite: number; payload: Buffer }): Buffer {
  return tlv(1013, xdr().u32(v.cipherSuite).opaque(v.payload).build());
}

export interface WifiRx { ssid: string; bssid: string; version: number; channel: number; speed: Hyper; rsni: number; rcpi: number; packetDuration: number }

export function wifiRx(v: WifiRx): Buffer {
  return tlv(1014, xdr().string(v.ssid).mac(v.bssid).u32(v.version).u32(v.channel).u64(v.speed)
    .u32(v.rsni).u32(v.rcpi).u32(v.packetDuration).build());
}

export interface WifiTx {
  ssid: string; bssid: string; version: number; transmissions: number; packetDuration: number;
  retransmissionDuration: number; channel: number; speed: Hyper; power: number;
}

export function wifiTx(v: WifiTx): Buffer {
  return tlv(1015, xdr().string(v.ssid).mac(v.bssid).u32(v.version).u32(v.transmissions).u32(v.packetDuration)
    .u32(v.retransmissionDuration).u32(v.channel).u64(v.speed).u32(v.power).build());
}

/** sflow_tunnels.txt: the outer header added on egress or removed on ingress. */
export function l2Tunnel(direction: 'egress' | 'ingress', v: SampledEthernet): Buffer {
  return tlv(direction === 'egress' ? 1021 : 1022, writeSampledEthernet(v));
}

export function ipTunnel(direction: 'egress' | 'ingress', v: SampledIp): Buffer {
  const v6 = v.source.includes(':');
  return tlv((v6 ? 1025 : 1023) + (direction === 'egress' ? 0 : 1), writeSampledIp(v));
}

export function decapsulate(direction: 'egress' | 'ingress', innerHeaderOffset: number): Buffer {
  return tlv(direction === 'egress' ? 1027 : 1028, xdr().u32(innerHeaderOffset).build());
}

export function vni(direction: 'egress' | 'ingress', id: number): Buffer {
  return tlv(direction === 'egress' ? 1029 : 1030, xdr().u32(id).build());
}

// sflow_drops.txt records of a discarded_packet.
export const egressQueue = (queue: number): Buffer => tlv(1036, xdr().u32(queue).build());
export const acl = (v: { number: number; name: string; direction: number }): Buffer =>
  tlv(1037, xdr().u32(v.number).string(v.name).u32(v.direction).build());
export const softwareFunction = (symbol: string): Buffer => tlv(1038, xdr().string(symbol).build());
export const transitDelay = (nanoseconds: number): Buffer => tlv(1039, xdr().u32(nanoseconds).build());
export const queueDepth = (octets: number): Buffer => tlv(1040, xdr().u32(octets).build());
export const hwTrap = (v: { group: string; trap: string }): Buffer => tlv(1041, xdr().string(v.group).string(v.trap).build());
export const linuxDropReason = (reason: string): Buffer => tlv(1042, xdr().string(reason).build());

// ---- counter records (values keyed by the names the decoder reports) ----

export function genericInterface(v: {
  ifIndex: number; ifType: number; ifSpeed: Hyper; ifDirection: number; ifStatus: number; ifInOctets: Hyper;
  ifInUcastPkts: number; ifInMulticastPkts: number; ifInBroadcastPkts: number; ifInDiscards: number; ifInErrors: number;
  ifInUnknownProtos: number; ifOutOctets: Hyper; ifOutUcastPkts: number; ifOutMulticastPkts: number;
  ifOutBroadcastPkts: number; ifOutDiscards: number; ifOutErrors: number; ifPromiscuousMode: number;
}): Buffer {
  return tlv(1, xdr().u32(v.ifIndex).u32(v.ifType).u64(v.ifSpeed).u32(v.ifDirection).u32(v.ifStatus).u64(v.ifInOctets)
    .u32(v.ifInUcastPkts).u32(v.ifInMulticastPkts).u32(v.ifInBroadcastPkts).u32(v.ifInDiscards).u32(v.ifInErrors)
    .u32(v.ifInUnknownProtos).u64(v.ifOutOctets).u32(v.ifOutUcastPkts).u32(v.ifOutMulticastPkts).u32(v.ifOutBroadcastPkts)
    .u32(v.ifOutDiscards).u32(v.ifOutErrors).u32(v.ifPromiscuousMode).build());
}

/** A record that is a list of 32-bit counters in spec order (Ethernet, token ring, 802.11, MIB-II groups). */
export function u32Counters(format: number, values: number[]): Buffer {
  const w = xdr();
  for (const v of values) w.u32(v);
  return tlv(format, w.build());
}

export function vg100(v: {
  dot12InHighPriorityFrames: number; dot12InHighPriorityOctets: Hyper; dot12InNormPriorityFrames: number;
  dot12InNormPriorityOctets: Hyper; dot12InIPMErrors: number; dot12InOversizeFrameErrors: number; dot12InDataErrors: number;
  dot12InNullAddressedFrames: number; dot12OutHighPriorityFrames: number; dot12OutHighPriorityOctets: Hyper;
  dot12TransitionIntoTrainings: number; dot12HCInHighPriorityOctets: Hyper; dot12HCInNormPriorityOctets: Hyper;
  dot12HCOutHighPriorityOctets: Hyper;
}): Buffer {
  return tlv(4, xdr().u32(v.dot12InHighPriorityFrames).u64(v.dot12InHighPriorityOctets).u32(v.dot12InNormPriorityFrames)
    .u64(v.dot12InNormPriorityOctets).u32(v.dot12InIPMErrors).u32(v.dot12InOversizeFrameErrors).u32(v.dot12InDataErrors)
    .u32(v.dot12InNullAddressedFrames).u32(v.dot12OutHighPriorityFrames).u64(v.dot12OutHighPriorityOctets)
    .u32(v.dot12TransitionIntoTrainings).u64(v.dot12HCInHighPriorityOctets).u64(v.dot12HCInNormPriorityOctets)
    .u64(v.dot12HCOutHighPriorityOctets).build());
}

export function vlanCounters(v: { vlanId: number; vlanOctets: Hyper; vlanUcastPkts: number; vlanMulticastPkts: number; vlanBroadcastPkts: number; vlanDiscards: number }): Buffer {
  return tlv(5, xdr().u32(v.vlanId).u64(v.vlanOctets).u32(v.vlanUcastPkts).u32(v.vlanMulticastPkts)
    .u32(v.vlanBroadcastPkts).u32(v.vlanDiscards).build());
}

export interface LagPort {
  dot3adAggPortActorSystemID: string; dot3adAggPortPartnerOperSystemID: string; dot3adAggPortAttachedAggID: number;
  dot3adAggPortActorAdminState: number; dot3adAggPortActorOperState: number; dot3adAggPortPartnerAdminState: number;
  dot3adAggPortPartnerOperState: number; dot3adAggPortStatsLACPDUsRx: number; dot3adAggPortStatsMarkerPDUsRx: number;
  dot3adAggPortStatsMarkerResponsePDUsRx: number; dot3adAggPortStatsUnknownRx: number; dot3adAggPortStatsIllegalRx: number;
  dot3adAggPortStatsLACPDUsTx: number; dot3adAggPortStatsMarkerPDUsTx: number; dot3adAggPortStatsMarkerResponsePDUsTx: number;
}

export function lagPort(v: LagPort): Buffer {
  return tlv(7, xdr().mac(v.dot3adAggPortActorSystemID).mac(v.dot3adAggPortPartnerOperSystemID).u32(v.dot3adAggPortAttachedAggID)
    .octets4(v.dot3adAggPortActorAdminState, v.dot3adAggPortActorOperState, v.dot3adAggPortPartnerAdminState, v.dot3adAggPortPartnerOperState)
    .u32(v.dot3adAggPortStatsLACPDUsRx).u32(v.dot3adAggPortStatsMarkerPDUsRx).u32(v.dot3adAggPortStatsMarkerResponsePDUsRx)
    .u32(v.dot3adAggPortStatsUnknownRx).u32(v.dot3adAggPortStatsIllegalRx).u32(v.dot3adAggPortStatsLACPDUsTx)
    .u32(v.dot3adAggPortStatsMarkerPDUsTx).u32(v.dot3adAggPortStatsMarkerResponsePDUsTx).build());
}

export interface SfpLane {
  laneIndex: number; txBiasCurrent: number; txPower: number; txPowerMin: number; txPowerMax: number;
  txWavelength: number; rxPower: number; rxPowerMin: number; rxPowerMax: number; rxWavelength: number;
}

export function sfp(v: { moduleId: number; moduleTotalLanes: number; moduleSupplyVoltage: number; moduleTemperature: number; lanes: SfpLane[] }): Buffer {
  const w = xdr().u32(v.moduleId).u32(v.moduleTotalLanes).u32(v.moduleSupplyVoltage).i32(v.moduleTemperature).u32(v.lanes.length);
  for (const l of v.lanes) {
    w.u32(l.laneIndex).u32(l.txBiasCurrent).u32(l.txPower).u32(l.txPowerMin).u32(l.txPowerMax).u32(l.txWavelength)
      .u32(l.rxPower).u32(l.rxPowerMin).u32(l.rxPowerMax).u32(l.rxWavelength);
  }
  return tlv(10, w.build());
}

export function processor(v: { cpu5s: number; cpu1m: number; cpu5m: number; totalMemory: Hyper; freeMemory: Hyper }): Buffer {
  return tlv(1001, xdr().u32(v.cpu5s).u32(v.cpu1m).u32(v.cpu5m).u64(v.totalMemory).u64(v.freeMemory).build());
}

export function radio(v: { elapsedTime: number; onChannelTime: number; onChannelBusyTime: number }): Buffer {
  return tlv(1002, xdr().u32(v.elapsedTime).u32(v.onChannelTime).u32(v.onChannelBusyTime).build());
}

export function openFlowPort(v: { datapathId: Hyper; portNo: number }): Buffer {
  return tlv(1004, xdr().u64(v.datapathId).u32(v.portNo).build());
}

export function portName(name: string): Buffer {
  return tlv(1005, xdr().string(name).build());
}

export function hostDescription(v: { hostname: string; uuid: Buffer; machineType: number; osName: number; osRelease: string }): Buffer {
  return tlv(2000, xdr().string(v.hostname).fixed(v.uuid).u32(v.machineType).u32(v.osName).string(v.osRelease).build());
}

export function hostAdapters(adapters: Array<{ ifIndex: number; macAddresses: string[] }>): Buffer {
  const w = xdr().u32(adapters.length);
  for (const a of adapters) {
    w.u32(a.ifIndex).u32(a.macAddresses.length);
    for (const m of a.macAddresses) w.mac(m);
  }
  return tlv(2001, w.build());
}

export function hostParent(v: { containerType: number; containerIndex: number }): Buffer {
  return tlv(2002, xdr().u32(v.containerType).u32(v.containerIndex).build());
}

export function hostDiskIo(v: {
  diskTotal: Hyper; diskFree: Hyper; partMaxUsed: number; reads: number; bytesRead: Hyper; readTime: number;
  writes: number; bytesWritten: Hyper; writeTime: number;
}): Buffer {
  return tlv(2005, xdr().u64(v.diskTotal).u64(v.diskFree).u32(v.partMaxUsed).u32(v.reads).u64(v.bytesRead).u32(v.readTime)
    .u32(v.writes).u64(v.bytesWritten).u32(v.writeTime).build());
}

export function hostNetIo(v: {
  bytesIn: Hyper; pktsIn: number; errsIn: number; dropsIn: number; bytesOut: Hyper; pktsOut: number; errsOut: number; dropsOut: number;
}): Buffer {
  return tlv(2006, xdr().u64(v.bytesIn).u32(v.pktsIn).u32(v.errsIn).u32(v.dropsIn).u64(v.bytesOut).u32(v.pktsOut)
    .u32(v.errsOut).u32(v.dropsOut).build());
}

export function virtNode(v: { mhz: number; cpus: number; memory: Hyper; memoryFree: Hyper; numDomains: number }): Buffer {
  return tlv(2100, xdr().u32(v.mhz).u32(v.cpus).u64(v.memory).u64(v.memoryFree).u32(v.numDomains).build());
}

export function virtCpu(v: { state: number; cpuTime: number; nrVirtCpu: number }): Buffer {
  return tlv(2101, xdr().u32(v.state).u32(v.cpuTime).u32(v.nrVirtCpu).build());
}

export function virtMemory(v: { memory: Hyper; maxMemory: Hyper }): Buffer {
  return tlv(2102, xdr().u64(v.memory).u64(v.maxMemory).build());
}

export function virtDiskIo(v: {
  capacity: Hyper; allocation: Hyper; available: Hyper; rdReq: number; rdBytes: Hyper; wrReq: number; wrBytes: Hyper; errs: number;
}): Buffer {
  return tlv(2103, xdr().u64(v.capacity).u64(v.allocation).u64(v.available).u32(v.rdReq).u64(v.rdBytes).u32(v.wrReq)
    .u64(v.wrBytes).u32(v.errs).build());
}

export function virtNetIo(v: {
  rxBytes: Hyper; rxPackets: number; rxErrs: number; rxDrop: number; txBytes: Hyper; txPackets: number; txErrs: number; txDrop: number;
}): Buffer {
  return tlv(2104, xdr().u64(v.rxBytes).u32(v.rxPackets).u32(v.rxErrs).u32(v.rxDrop).u64(v.txBytes).u32(v.txPackets)
    .u32(v.txErrs).u32(v.txDrop).build());
}
