// sFlow version 5 (https://sflow.org/sflow_version_5.txt): datagram, flow / expanded flow samples,
// counter samples, and discarded-packet events (https://sflow.org/sflow_drops.txt).
// Flow samples become records in the common IANA vocabulary; extension records from
// sflow_80211.txt, sflow_tunnels.txt and sflow_drops.txt add their fields to the same record.
import * as xdr from './xdr';
import * as wire from './wire';
import * as sampledHeader from './sampled-header';
import type { HeaderFields } from './sampled-header';
import * as counterRecords from './counter-records';
import type { CounterRecord, DecodeResult, FlowRecord } from '../flow/types';
import type { SampledEthernet, SampledIp } from '../flow/record';
import * as sequences from '../flow/sequence';
import type { SequenceTrack } from '../flow/sequence';
import * as stateIndex from '../flow/state-index';
import type { StateIndex } from '../flow/state-index';

// Module-local bindings: one lookup at load, not an export getter per use (tsx/CJS output; the
// getters on every sample and record made header-dissected samples decode at half the rate).
const F = wire.FLOW_RECORD_FORMAT, SAMPLE_FORMAT = wire.SAMPLE_FORMAT, INTERFACE_FORMAT = wire.INTERFACE_FORMAT;
const formatEnterprise = wire.formatEnterprise, formatNumber = wire.formatNumber;
const Xdr = xdr.Xdr, XdrTruncated = xdr.XdrTruncated;
type Xdr = xdr.Xdr;
const addSampledHeaderFields = sampledHeader.addSampledHeaderFields, readCounterRecord = counterRecords.readCounterRecord;
const newTrack = sequences.newTrack, observeSequence = sequences.observeSequence;
const SCOPE_PROTOCOL = stateIndex.SCOPE_PROTOCOL, scopeNumber = stateIndex.scopeNumber;

export interface SflowState {
  maxRecordsPerDatagram: number;
  maxAsPathLength: number;
  dissectHeader?: (protocol: number, header: Buffer) => HeaderFields;
  /** Per agent and sub-agent: datagram sequence counters (bounded, least recently used evicted). */
  agents: StateIndex<SequenceTrack>;
  /** Per agent, sub-agent and data source: sample sequence counters (bounded the same way). */
  sources: StateIndex<SequenceTrack>;
}

export function decodeSflow(buf: Buffer, s: SflowState, result: DecodeResult, now: number): void {
  const x = new Xdr(buf, 4, buf.length);
  let agent: string | undefined, subAgent: number, sequence: number, numSamples: number;
  try {
    agent = x.address();
    subAgent = x.u32();
    sequence = x.u32();
    x.u32(); // agent uptime (ms); sFlow carries no wall-clock time
    numSamples = x.u32();
  } catch (err) {
    result.errors.push({ code: 'truncated', message: `sFlow header: ${(err as Error).message}`, offset: x.off });
    return;
  }
  result.sequenceNumber = sequence;
  result.observationDomainId = subAgent;
  const agentAddress = agent ?? result.exporter.address;
  const track = agentTrack(s, agentAddress, subAgent, now);
  observeSequence(track, sequence, 1);
  // Two cursors for the whole datagram, moved to each sample and to each record of a sample.
  const body = new Xdr(buf, 0, 0);
  const meta: SampleMeta = {
    agent: agentAddress, agentKey: track.key, subAgent, now, records: new Xdr(buf, 0, 0), sourceScope: -1, sourceTrack: undefined,
  };
  for (let i = 0; i < numSamples; i++) {
    if (x.end - x.off < 8) {
      result.errors.push({ code: 'truncated', message: `datagram announces ${numSamples} samples, ${i} present`, offset: x.off });
      return;
    }
    const format = x.u32();
    const length = x.u32();
    if (x.off + length > x.end) {
      result.errors.push({ code: 'truncated', message: `sample ${i} length ${length} runs past the datagram end`, offset: x.off - 4 });
      return;
    }
    body.off = x.off;
    body.end = x.off + length;
    x.off += length;
    if (result.records.length + result.counters.length + result.options.length >= s.maxRecordsPerDatagram) {
      result.errors.push({ code: 'too-many-records', message: `more than ${s.maxRecordsPerDatagram} samples in one datagram`, offset: body.off });
      return;
    }
    const enterprise = formatEnterprise(format), fmt = formatNumber(format);
    try {
      if (enterprise !== 0) {
        result.errors.push({ code: 'unknown-sample', message: `sample format ${enterprise}:${fmt} not decoded`, offset: body.off - 8 });
      } else if (fmt === SAMPLE_FORMAT.flowSample || fmt === SAMPLE_FORMAT.flowSampleExpanded) {
        const rec = readFlowSample(body, fmt === SAMPLE_FORMAT.flowSampleExpanded, s, meta, result);
        result.records.push(rec);
        countSample(track, rec);
      } else if (fmt === SAMPLE_FORMAT.counterSample || fmt === SAMPLE_FORMAT.counterSampleExpanded) {
        result.counters.push(readCounterSample(body, fmt === SAMPLE_FORMAT.counterSampleExpanded, meta));
      } else if (fmt === SAMPLE_FORMAT.discardedPacket) {
        result.options.push(readDiscard(body, s, meta, result));
      } else {
        result.errors.push({ code: 'unknown-sample', message: `sample format 0:${fmt} not decoded`, offset: body.off - 8 });
      }
    } catch (err) {
      if (!(err instanceof XdrTruncated)) throw err;
      result.errors.push({ code: 'truncated', message: `sample ${i} (format ${fmt}): ${err.message}`, offset: body.off });
    }
  }
}

/**
 * Counts a flow sample on the agent's track, and whether it lacks a rate (as sequence.ts
 * countRecords does). Its own copy of the rate read, so that read sees sFlow records only: shared
 * with the records of every v9/IPFIX template it went megamorphic, and sFlow decoded slower in a
 * process that had decoded NetFlow before.
 */
function countSample(t: SequenceTrack, rec: FlowRecord): void {
  t.records++;
  const v = rec.samplingInterval ?? rec.samplerRandomInterval;
  if (!(typeof v === 'number' ? v > 0 : typeof v === 'bigint' && v > 0n)) t.rateMissing++;
}

function agentTrack(s: SflowState, agent: string, subAgent: number, now: number): SequenceTrack {
  const n = scopeNumber(SCOPE_PROTOCOL.sflow5, 0, subAgent);
  return s.agents.find(agent, n, now) ?? s.agents.add(agent, n, newTrack(`sflow5:${agent}/${subAgent}`), now);
}

interface SampleMeta {
  agent: string;
  /** `sflow5:agent/subAgent`: the agent's track key, and the address part of its sources' scope. */
  agentKey: string;
  subAgent: number;
  now: number;
  /** The cursor readFlowRecords moves over each flow record of a sample. */
  records: Xdr;
  /**
   * The data source track found or added last in this datagram, and its scope number. A datagram
   * mostly holds runs of samples of one source; while no other source was looked up, finding it
   * again would change nothing (same time, no entry added since), so it is reused as is.
   */
  sourceScope: number;
  sourceTrack: SequenceTrack | undefined;
}

function sourceFields(rec: FlowRecord | CounterRecord, x: Xdr, expanded: boolean): void {
  if (expanded) {
    rec.sflowSourceIdType = x.u32();
    rec.sflowSourceIdIndex = x.u32();
  } else {
    const id = x.u32();
    rec.sflowSourceIdType = id >>> 24;
    rec.sflowSourceIdIndex = id & 0xffffff;
  }
}

/** Interface encoding: compact (2-bit format + 30-bit value) or expanded (format, value). */
function readInterface(x: Xdr, expanded: boolean, rec: FlowRecord, name: 'ingressInterface' | 'egressInterface'): void {
  let format: number, value: number;
  if (expanded) {
    format = x.u32();
    value = x.u32();
  } else {
    const v = x.u32();
    format = v >>> 30;
    value = v & 0x3fffffff;
  }
  // A discarded packet's value is the reason; multiple interfaces' the count of them.
  // Named stores for the usual ifIndex case (a computed key costs a keyed store per sample).
  if (format === INTERFACE_FORMAT.ifIndex) {
    if (name === 'ingressInterface') rec.ingressInterface = value;
    else rec.egressInterface = value;
  } else if (format === INTERFACE_FORMAT.discarded) rec.sflowDiscardReason = value;
  else if (format === INTERFACE_FORMAT.multiple) rec.sflowOutputInterfaces = value;
}

type SampleRecordConstructor = new (
  agent: string, subAgent: number, sequence: number, sourceType: number, sourceIndex: number, rate: number, pool: number, drops: number,
) => FlowRecord;

/**
 * Flow-sample records get some 30 properties, most added after these eight. V8 gives the objects of
 * a constructor room inside the object for the `this.x =` stores written in its source plus 8
 * (then trims what the first few objects left unused), so the later properties stay inside the
 * object instead of growing a separate store: measured ~15% more samples/s than an object literal.
 * Its prototype is Object.prototype, so the records are plain objects to every consumer (JSON,
 * cloning, `constructor === Object`).
 */
const SampleRecord = function (
  this: FlowRecord, agent: string, subAgent: number, sequence: number, sourceType: number, sourceIndex: number, rate: number, pool: number, drops: number,
) {
  this.sflowAgentAddress = agent;
  this.observationDomainId = subAgent;
  this.sflowSampleSequence = sequence;
  this.sflowSourceIdType = sourceType;
  this.sflowSourceIdIndex = sourceIndex;
  this.samplingInterval = rate;
  this.sflowSamplePool = pool;
  this.sflowDrops = drops;
  // Never runs (rate is an unsigned 32-bit read). It names the properties a header-dissected sample
  // adds after these eight, so that V8 sizes the object for all 31 of them: with room for only 16,
  // the other 15 went to a separate store grown 3 slots at a time, 5 allocations and copies per sample.
  if (rate < 0) {
    this.ingressInterface = this.egressInterface = this.packetDeltaCount = this.sflowHeaderProtocol = this.dataLinkFrameSize = 0;
    this.octetDeltaCount = this.vlanId = this.dot1qPriority = this.postVlanId = this.postDot1qPriority = this.ethernetType = 0;
    this.ipVersion = this.protocolIdentifier = this.ipClassOfService = this.ipTTL = this.sourceTransportPort = 0;
    this.destinationTransportPort = this.tcpControlBits = 0;
    this.sourceMacAddress = this.destinationMacAddress = this.sourceIPv4Address = this.destinationIPv4Address = '';
    this.dataLinkFrameSection = undefined;
  }
} as unknown as SampleRecordConstructor;
SampleRecord.prototype = Object.prototype;

function readFlowSample(x: Xdr, expanded: boolean, s: SflowState, meta: SampleMeta, result: DecodeResult): FlowRecord {
  // The fields every flow sample has, in wire order, set by one constructor (see SampleRecord).
  const sequence = x.u32();
  let type: number, index: number;
  if (expanded) {
    type = x.u32();
    index = x.u32();
  } else {
    const id = x.u32();
    type = id >>> 24;
    index = id & 0xffffff;
  }
  const rate = x.u32();
  const rec = new SampleRecord(meta.agent, meta.subAgent, sequence, type, index, rate, x.u32(), x.u32());
  readInterface(x, expanded, rec, 'ingressInterface');
  readInterface(x, expanded, rec, 'egressInterface');
  trackSource(s, meta, rec);
  rec.packetDeltaCount = 1;
  readFlowRecords(x, meta.records, rec, s, result);
  return rec;
}

function trackSource(s: SflowState, meta: SampleMeta, rec: FlowRecord): void {
  // Source id type (at most 2^21 kept apart; larger ones share a track) and index in one number.
  const type = Math.min(rec.sflowSourceIdType as number, 0x1fffff), index = rec.sflowSourceIdIndex as number;
  const n = type * 4294967296 + index;
  let track = meta.sourceTrack;
  if (track === undefined || meta.sourceScope !== n) {
    track = s.sources.find(meta.agentKey, n, meta.now)
      ?? s.sources.add(meta.agentKey, n, newTrack(`${meta.agentKey}/${type}:${index}#samples`), meta.now);
    meta.sourceScope = n;
    meta.sourceTrack = track;
  }
  observeSequence(track, rec.sflowSampleSequence as number, 1);
}

function readFlowRecords(x: Xdr, r: Xdr, rec: FlowRecord, s: SflowState, result: DecodeResult): void {
  const n = x.u32();
  for (let i = 0; i < n; i++) {
    const format = x.u32();
    const length = x.u32();
    x.need(length);
    r.off = x.off;
    r.end = x.off + length;
    x.off += length;
    const enterprise = formatEnterprise(format), fmt = formatNumber(format);
    if (enterprise !== 0) {
      rec[`sflowRecord_${enterprise}_${fmt}`] = r.buf.subarray(r.off, r.end);
      continue;
    }
    readFlowRecord(fmt, r, rec, s, result);
  }
}

function readFlowRecord(fmt: number, r: Xdr, rec: FlowRecord, s: SflowState, result: DecodeResult): void {
  switch (fmt) {
    case F.sampledHeader: {
      const protocol = r.u32();
      const frameLength = r.u32();
      const stripped = r.u32();
      const header = r.opaque();
      rec.sflowHeaderProtocol = protocol;
      rec.dataLinkFrameSize = frameLength;
      // frame_length includes the stripped octets (FCS); the packet length seen on the wire.
      rec.octetDeltaCount = frameLength - stripped;
      rec.dataLinkFrameSection = header;
      if (s.dissectHeader) Object.assign(rec, s.dissectHeader(protocol, header));
      else addSampledHeaderFields(protocol, header, rec);
      return;
    }
    // The sampled header is the packet itself: its fields win, in whichever order the records
    // come. sampled_ethernet / sampled_ipv4 / sampled_ipv6 only fill fields not set yet (the first
    // one wins among them). Every field is read before any is kept, so the read position always
    // moves over the whole record.
    case F.sampledEthernet: {
      const length = r.u32(), source = r.mac(), destination = r.mac(), ethernetType = r.u32();
      rec.octetDeltaCount ??= length;
      rec.sourceMacAddress ??= source;
      rec.destinationMacAddress ??= destination;
      rec.ethernetType ??= ethernetType;
      return;
    }
    case F.sampledIpv4: case F.sampledIpv6: {
      const length = r.u32();
      const protocol = r.u32();
      const v4 = fmt === F.sampledIpv4;
      const src = v4 ? r.ipv4() : r.ipv6();
      const dst = v4 ? r.ipv4() : r.ipv6();
      const sourcePort = r.u32(), destinationPort = r.u32(), tcpFlags = r.u32(), tos = r.u32();
      rec.octetDeltaCount ??= length;
      rec.protocolIdentifier ??= protocol;
      rec[v4 ? 'sourceIPv4Address' : 'sourceIPv6Address'] ??= src;
      rec[v4 ? 'destinationIPv4Address' : 'destinationIPv6Address'] ??= dst;
      rec.sourceTransportPort ??= sourcePort;
      rec.destinationTransportPort ??= destinationPort;
      rec.tcpControlBits ??= tcpFlags;
      rec.ipClassOfService ??= tos;
      return;
    }
    case F.extendedSwitch:
      rec.vlanId = r.u32();
      rec.dot1qPriority = r.u32();
      rec.postVlanId = r.u32();
      rec.postDot1qPriority = r.u32();
      return;
    case F.extendedRouter: {
      const nh = r.address();
      if (nh) rec[nh.includes(':') ? 'ipNextHopIPv6Address' : 'ipNextHopIPv4Address'] = nh;
      rec.sourceIPv4PrefixLength = r.u32();
      rec.destinationIPv4PrefixLength = r.u32();
      return;
    }
    case F.extendedGateway: {
      const nh = r.address();
      if (nh) rec[nh.includes(':') ? 'bgpNextHopIPv6Address' : 'bgpNextHopIPv4Address'] = nh;
      rec.sflowRouterAs = r.u32();
      rec.bgpSourceAsNumber = r.u32();
      rec.bgpPrevAdjacentAsNumber = r.u32(); // src_peer_as
      const segments = r.u32();
      const path: number[] = [];
      for (let i = 0; i < segments; i++) {
        r.u32(); // segment type: AS_SET or AS_SEQUENCE
        const count = r.u32();
        if (path.length + count > s.maxAsPathLength) {
          result.errors.push({ code: 'as-path-too-long', message: `AS path longer than ${s.maxAsPathLength}`, offset: r.off });
          return;
        }
        for (let j = 0; j < count; j++) path.push(r.u32());
      }
      rec.sflowAsPath = path;
      if (path.length) rec.bgpDestinationAsNumber = path[path.length - 1];
      if (path.length) rec.bgpNextAdjacentAsNumber = path[0];
      const communities = r.u32();
      if (communities > s.maxAsPathLength) {
        result.errors.push({ code: 'as-path-too-long', message: `${communities} communities exceed ${s.maxAsPathLength}`, offset: r.off });
        return;
      }
      const list: number[] = [];
      for (let i = 0; i < communities; i++) list.push(r.u32());
      rec.bgpCommunity = list;
      rec.sflowLocalPref = r.u32();
      return;
    }
    case F.extendedUser:
      r.u32();
      rec.sflowSourceUser = r.string();
      r.u32();
      rec.sflowDestinationUser = r.string();
      return;
    case F.extendedUrl:
      rec.sflowUrlDirection = r.u32();
      rec.httpRequestTarget = r.string();
      rec.httpRequestHost = r.string();
      return;
    case F.extendedMpls: {
      const nh = r.address();
      if (nh) rec.sflowMplsNextHop = nh;
      rec.sflowMplsInLabels = readLabels(r);
      rec.sflowMplsOutLabels = readLabels(r);
      return;
    }
    case F.extendedNat: {
      const src = r.address(), dst = r.address();
      if (src) rec[src.includes(':') ? 'postNATSourceIPv6Address' : 'postNATSourceIPv4Address'] = src;
      if (dst) rec[dst.includes(':') ? 'postNATDestinationIPv6Address' : 'postNATDestinationIPv4Address'] = dst;
      return;
    }
    case F.extendedVlanTunnel:
      rec.sflowVlanStack = readLabels(r);
      return;
    default:
      // The extension records (MPLS tunnel/VC/FEC, 802.11, tunnels, drops) are rare: they live in
      // their own function so this one, on every sample's path, stays small (with all their cases
      // here, header-only samples decoded 3-10% slower in bench/flow-decode.bench.ts).
      if (!readExtensionRecord(fmt, r, rec)) rec[`sflowRecord_0_${fmt}`] = r.buf.subarray(r.off, r.end);
  }
}

/** Flow records of sflow_version_5.txt 1008-1011 and the 802.11, tunnel and drop extensions; false when not one of them. */
function readExtensionRecord(fmt: number, r: Xdr, rec: FlowRecord): boolean {
  switch (fmt) {
    case F.extendedMplsTunnel:
      rec.sflowMplsTunnelLspName = r.string();
      rec.sflowMplsTunnelId = r.u32();
      rec.sflowMplsTunnelCos = r.u32();
      return true;
    case F.extendedMplsVc:
      rec.sflowMplsVcInstanceName = r.string();
      rec.sflowMplsVcId = r.u32();
      rec.sflowMplsVcLabelCos = r.u32();
      return true;
    case F.extendedMplsFtn: // MPLS-FTN-STD-MIB mplsFTNDescr, mplsFTNMask
      rec.sflowMplsFtnDescription = r.string();
      rec.sflowMplsFtnMask = r.u32();
      return true;
    case F.extendedMplsLdpFec: // the FEC's prefix length is the top label's (IANA IE 91)
      rec.mplsTopLabelPrefixLength = r.u32();
      return true;
    case F.extended80211Payload: // cipher suite (OUI + suite type), then the unencrypted payload
      rec.sflow80211CipherSuite = r.u32();
      rec.sflow80211Payload = r.opaque();
      return true;
    case F.extended80211Rx:
      rec.wlanSSID = r.string();
      rec.sflow80211Bssid = r.mac();
      rec.sflow80211Version = r.u32();
      rec.wlanChannelId = r.u32();
      rec.sflow80211Speed = r.u64();
      rec.sflow80211Rsni = r.u32();
      rec.sflow80211Rcpi = r.u32();
      rec.sflow80211PacketDuration = r.u32();
      return true;
    case F.extended80211Tx:
      rec.wlanSSID = r.string();
      rec.sflow80211Bssid = r.mac();
      rec.sflow80211Version = r.u32();
      rec.sflow80211Transmissions = r.u32();
      rec.sflow80211PacketDuration = r.u32();
      rec.sflow80211RetransmissionDuration = r.u32();
      rec.wlanChannelId = r.u32();
      rec.sflow80211Speed = r.u64();
      rec.sflow80211Power = r.u32();
      return true;
    // sflow_tunnels.txt: the outer header a tunnel adds on egress or removed on ingress, kept in its
    // own object so the sampled packet's 5-tuple stays the top-level one.
    case F.extendedL2TunnelEgress: rec.sflowTunnelL2Egress = readSampledEthernet(r); return true;
    case F.extendedL2TunnelIngress: rec.sflowTunnelL2Ingress = readSampledEthernet(r); return true;
    case F.extendedIpv4TunnelEgress: rec.sflowTunnelIPv4Egress = readSampledIp(r, 4); return true;
    case F.extendedIpv4TunnelIngress: rec.sflowTunnelIPv4Ingress = readSampledIp(r, 4); return true;
    case F.extendedIpv6TunnelEgress: rec.sflowTunnelIPv6Egress = readSampledIp(r, 6); return true;
    case F.extendedIpv6TunnelIngress: rec.sflowTunnelIPv6Ingress = readSampledIp(r, 6); return true;
    case F.extendedDecapsulateEgress: rec.sflowDecapsulateEgressInnerHeaderOffset = r.u32(); return true;
    case F.extendedDecapsulateIngress: rec.sflowDecapsulateIngressInnerHeaderOffset = r.u32(); return true;
    case F.extendedVniEgress: rec.sflowVniEgress = r.u32(); return true;
    case F.extendedVniIngress: rec.sflowVniIngress = r.u32(); return true;
    // sflow_drops.txt: why and where a discarded packet was dropped.
    case F.extendedEgressQueue: rec.sflowEgressQueue = r.u32(); return true;
    case F.extendedAcl:
      rec.sflowAclNumber = r.u32();
      rec.sflowAclName = r.string();
      rec.sflowAclDirection = r.u32(); // 0 unknown, 1 ingress, 2 egress
      return true;
    case F.extendedFunction: rec.sflowFunction = r.string(); return true;
    case F.extendedTransit: rec.sflowTransitDelay = r.u32(); return true; // nanoseconds
    case F.extendedQueue: rec.sflowQueueDepth = r.u32(); return true; // octets
    case F.extendedHwTrap:
      rec.sflowHwTrapGroup = r.string();
      rec.sflowHwTrap = r.string();
      return true;
    case F.extendedLinuxDropReason: rec.sflowLinuxDropReason = r.string(); return true;
    default:
      return false;
  }
}

/** sampled_ethernet as a nested object (tunnel headers). */
function readSampledEthernet(r: Xdr): SampledEthernet {
  return { dataLinkFrameSize: r.u32(), sourceMacAddress: r.mac(), destinationMacAddress: r.mac(), ethernetType: r.u32() };
}

/** sampled_ipv4 / sampled_ipv6 as a nested object (tunnel headers); `length` is the IP packet's. */
function readSampledIp(r: Xdr, version: 4 | 6): SampledIp {
  const ipTotalLength = r.u32(), protocolIdentifier = r.u32();
  const src = version === 4 ? r.ipv4() : r.ipv6(), dst = version === 4 ? r.ipv4() : r.ipv6();
  const addresses = version === 4 ? { sourceIPv4Address: src, destinationIPv4Address: dst } : { sourceIPv6Address: src, destinationIPv6Address: dst };
  return {
    ipTotalLength, protocolIdentifier, ...addresses, sourceTransportPort: r.u32(), destinationTransportPort: r.u32(),
    tcpControlBits: r.u32(), ipClassOfService: r.u32(), // tos (IPv4) or priority (IPv6)
  };
}

function readLabels(r: Xdr): number[] {
  const n = r.u32();
  r.need(n * 4);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.u32());
  return out;
}

function readCounterSample(x: Xdr, expanded: boolean, meta: SampleMeta): CounterRecord {
  const rec: CounterRecord = { sflowAgentAddress: meta.agent, observationDomainId: meta.subAgent };
  rec.sflowSampleSequence = x.u32();
  sourceFields(rec, x, expanded);
  const n = x.u32();
  for (let i = 0; i < n; i++) {
    const format = x.u32();
    const length = x.u32();
    x.need(length);
    const r = new Xdr(x.buf, x.off, x.off + length);
    x.off += length;
    const enterprise = formatEnterprise(format), fmt = formatNumber(format);
    if (!readCounterRecord(enterprise, fmt, r, rec)) {
      rec[`sflowCounters_${enterprise}_${fmt}`] = r.buf.subarray(r.off, r.end);
    }
  }
  return rec;
}

function readDiscard(x: Xdr, s: SflowState, meta: SampleMeta, result: DecodeResult): FlowRecord {
  const rec: FlowRecord = { sflowEvent: 'discarded-packet', sflowAgentAddress: meta.agent, observationDomainId: meta.subAgent };
  rec.sflowSampleSequence = x.u32();
  sourceFields(rec, x, true);
  rec.sflowDrops = x.u32();
  rec.ingressInterface = x.u32();
  rec.egressInterface = x.u32();
  rec.sflowDiscardReason = x.u32();
  readFlowRecords(x, meta.records, rec, s, result);
  return rec;
}
