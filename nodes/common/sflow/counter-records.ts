// sFlow v5 counter records (sflow_version_5.txt "Counter Data Types", the host sFlow extension
// sflow_host.txt, sflow_lag.txt, sflow_optics.txt, sflow_80211.txt, sflow_openflow.txt).
import { XdrTruncated, type Xdr } from './xdr';
import { readUnsigned64 } from '../flow/integers';
import { macToString as readMac } from '../packet/text';
import * as wire from './wire';

// Module-local binding: one lookup at load, not an export getter per record (tsx/CJS output).
const C = wire.COUNTER_RECORD_FORMAT;
import type { CounterRecord } from '../flow/types';

/**
 * XDR field types in counter groups: unsigned int, unsigned hyper, float; `mac` is opaque[6]
 * padded to 8 octets; `u8` one octet of an opaque[4] (four in a row, as LAG port state).
 */
type FieldType = 'u32' | 'u64' | 'f32' | 'mac' | 'u8';
const u32: FieldType = 'u32', u64: FieldType = 'u64', f32: FieldType = 'f32', mac: FieldType = 'mac', u8: FieldType = 'u8';
const FIELD_SIZE: Record<FieldType, number> = { u32: 4, u64: 8, f32: 4, mac: 8, u8: 1 };

/** Hosts adapters and SFP lanes announced per record before the count is taken as corrupt. */
const MAX_LIST = 1024;

/** [name, reader] lists in wire order; names follow the MIB objects the spec cites. */
const LAYOUTS: Record<number, Array<[string, FieldType]>> = {
  [C.genericInterface]: [ // generic interface counters (RFC 2233)
    ['ifIndex', u32], ['ifType', u32], ['ifSpeed', u64], ['ifDirection', u32], ['ifStatus', u32],
    ['ifInOctets', u64], ['ifInUcastPkts', u32], ['ifInMulticastPkts', u32], ['ifInBroadcastPkts', u32],
    ['ifInDiscards', u32], ['ifInErrors', u32], ['ifInUnknownProtos', u32], ['ifOutOctets', u64],
    ['ifOutUcastPkts', u32], ['ifOutMulticastPkts', u32], ['ifOutBroadcastPkts', u32], ['ifOutDiscards', u32],
    ['ifOutErrors', u32], ['ifPromiscuousMode', u32],
  ],
  [C.ethernetInterface]: [ // Ethernet (RFC 2358 dot3Stats)
    ['dot3StatsAlignmentErrors', u32], ['dot3StatsFCSErrors', u32], ['dot3StatsSingleCollisionFrames', u32],
    ['dot3StatsMultipleCollisionFrames', u32], ['dot3StatsSQETestErrors', u32], ['dot3StatsDeferredTransmissions', u32],
    ['dot3StatsLateCollisions', u32], ['dot3StatsExcessiveCollisions', u32], ['dot3StatsInternalMacTransmitErrors', u32],
    ['dot3StatsCarrierSenseErrors', u32], ['dot3StatsFrameTooLongs', u32], ['dot3StatsInternalMacReceiveErrors', u32],
    ['dot3StatsSymbolErrors', u32],
  ],
  [C.tokenRing]: [ // token ring (RFC 1748 dot5Stats)
    ['dot5StatsLineErrors', u32], ['dot5StatsBurstErrors', u32], ['dot5StatsACErrors', u32], ['dot5StatsAbortTransErrors', u32],
    ['dot5StatsInternalErrors', u32], ['dot5StatsLostFrameErrors', u32], ['dot5StatsReceiveCongestions', u32],
    ['dot5StatsFrameCopiedErrors', u32], ['dot5StatsTokenErrors', u32], ['dot5StatsSoftErrors', u32], ['dot5StatsHardErrors', u32],
    ['dot5StatsSignalLoss', u32], ['dot5StatsTransmitBeacons', u32], ['dot5StatsRecoverys', u32], ['dot5StatsLobeWires', u32],
    ['dot5StatsRemoves', u32], ['dot5StatsSingles', u32], ['dot5StatsFreqErrors', u32],
  ],
  [C.vg100Interface]: [ // 100BaseVG (RFC 2020 dot12)
    ['dot12InHighPriorityFrames', u32], ['dot12InHighPriorityOctets', u64], ['dot12InNormPriorityFrames', u32],
    ['dot12InNormPriorityOctets', u64], ['dot12InIPMErrors', u32], ['dot12InOversizeFrameErrors', u32], ['dot12InDataErrors', u32],
    ['dot12InNullAddressedFrames', u32], ['dot12OutHighPriorityFrames', u32], ['dot12OutHighPriorityOctets', u64],
    ['dot12TransitionIntoTrainings', u32], ['dot12HCInHighPriorityOctets', u64], ['dot12HCInNormPriorityOctets', u64],
    ['dot12HCOutHighPriorityOctets', u64],
  ],
  [C.vlan]: [ // VLAN
    ['vlanId', u32], ['vlanOctets', u64], ['vlanUcastPkts', u32], ['vlanMulticastPkts', u32],
    ['vlanBroadcastPkts', u32], ['vlanDiscards', u32],
  ],
  [C.ieee80211]: [ // IEEE 802.11 (sflow_80211.txt, dot11 MIB counters)
    ['dot11TransmittedFragmentCount', u32], ['dot11MulticastTransmittedFrameCount', u32], ['dot11FailedCount', u32],
    ['dot11RetryCount', u32], ['dot11MultipleRetryCount', u32], ['dot11FrameDuplicateCount', u32], ['dot11RTSSuccessCount', u32],
    ['dot11RTSFailureCount', u32], ['dot11ACKFailureCount', u32], ['dot11ReceivedFragmentCount', u32],
    ['dot11MulticastReceivedFrameCount', u32], ['dot11FCSErrorCount', u32], ['dot11TransmittedFrameCount', u32],
    ['dot11WEPUndecryptableCount', u32], ['dot11QoSDiscardedFragmentCount', u32], ['dot11AssociatedStationCount', u32],
    ['dot11QoSCFPollsReceivedCount', u32], ['dot11QoSCFPollsUnusedCount', u32], ['dot11QoSCFPollsUnusableCount', u32],
    ['dot11QoSCFPollsLostCount', u32],
  ],
  [C.lagPortStats]: [ // LAG port (sflow_lag.txt, IEEE8023-LAG-MIB); the port state opaque[4] is one octet per state
    ['dot3adAggPortActorSystemID', mac], ['dot3adAggPortPartnerOperSystemID', mac], ['dot3adAggPortAttachedAggID', u32],
    ['dot3adAggPortActorAdminState', u8], ['dot3adAggPortActorOperState', u8], ['dot3adAggPortPartnerAdminState', u8],
    ['dot3adAggPortPartnerOperState', u8], ['dot3adAggPortStatsLACPDUsRx', u32], ['dot3adAggPortStatsMarkerPDUsRx', u32],
    ['dot3adAggPortStatsMarkerResponsePDUsRx', u32], ['dot3adAggPortStatsUnknownRx', u32], ['dot3adAggPortStatsIllegalRx', u32],
    ['dot3adAggPortStatsLACPDUsTx', u32], ['dot3adAggPortStatsMarkerPDUsTx', u32], ['dot3adAggPortStatsMarkerResponsePDUsTx', u32],
  ],
  [C.processor]: [ // processor
    ['cpu5s', u32], ['cpu1m', u32], ['cpu5m', u32], ['totalMemory', u64], ['freeMemory', u64],
  ],
  [C.radioUtilization]: [ // radio utilization (sflow_80211.txt)
    ['elapsedTime', u32], ['onChannelTime', u32], ['onChannelBusyTime', u32],
  ],
  [C.openFlowPort]: [ // OpenFlow port (sflow_openflow.txt)
    ['datapathId', u64], ['portNo', u32],
  ],
  [C.hostParent]: [ // host parent: the container's data source
    ['containerType', u32], ['containerIndex', u32],
  ],
  [C.hostCpu]: [ // host CPU
    ['loadOne', f32], ['loadFive', f32], ['loadFifteen', f32], ['procRun', u32], ['procTotal', u32],
    ['cpuNum', u32], ['cpuSpeed', u32], ['uptime', u32], ['cpuUser', u32], ['cpuNice', u32], ['cpuSystem', u32],
    ['cpuIdle', u32], ['cpuWio', u32], ['cpuIntr', u32], ['cpuSintr', u32], ['interrupts', u32], ['contexts', u32],
  ],
  [C.hostMemory]: [ // host memory
    ['memTotal', u64], ['memFree', u64], ['memShared', u64], ['memBuffers', u64], ['memCached', u64],
    ['swapTotal', u64], ['swapFree', u64], ['pageIn', u32], ['pageOut', u32], ['swapIn', u32], ['swapOut', u32],
  ],
  [C.hostDiskIo]: [ // host disk I/O; partMaxUsed in hundredths of a percent
    ['diskTotal', u64], ['diskFree', u64], ['partMaxUsed', u32], ['reads', u32], ['bytesRead', u64], ['readTime', u32],
    ['writes', u32], ['bytesWritten', u64], ['writeTime', u32],
  ],
  [C.hostNetIo]: [ // host network I/O
    ['bytesIn', u64], ['pktsIn', u32], ['errsIn', u32], ['dropsIn', u32], ['bytesOut', u64], ['pktsOut', u32],
    ['errsOut', u32], ['dropsOut', u32],
  ],
  [C.mib2IpGroup]: [ // MIB-II IP group (RFC 1213)
    ['ipForwarding', u32], ['ipDefaultTTL', u32], ['ipInReceives', u32], ['ipInHdrErrors', u32], ['ipInAddrErrors', u32],
    ['ipForwDatagrams', u32], ['ipInUnknownProtos', u32], ['ipInDiscards', u32], ['ipInDelivers', u32], ['ipOutRequests', u32],
    ['ipOutDiscards', u32], ['ipOutNoRoutes', u32], ['ipReasmTimeout', u32], ['ipReasmReqds', u32], ['ipReasmOKs', u32],
    ['ipReasmFails', u32], ['ipFragOKs', u32], ['ipFragFails', u32], ['ipFragCreates', u32],
  ],
  [C.mib2IcmpGroup]: [ // MIB-II ICMP group
    ['icmpInMsgs', u32], ['icmpInErrors', u32], ['icmpInDestUnreachs', u32], ['icmpInTimeExcds', u32], ['icmpInParamProbs', u32],
    ['icmpInSrcQuenchs', u32], ['icmpInRedirects', u32], ['icmpInEchos', u32], ['icmpInEchoReps', u32], ['icmpInTimestamps', u32],
    ['icmpInAddrMasks', u32], ['icmpInAddrMaskReps', u32], ['icmpOutMsgs', u32], ['icmpOutErrors', u32],
    ['icmpOutDestUnreachs', u32], ['icmpOutTimeExcds', u32], ['icmpOutParamProbs', u32], ['icmpOutSrcQuenchs', u32],
    ['icmpOutRedirects', u32], ['icmpOutEchos', u32], ['icmpOutEchoReps', u32], ['icmpOutTimestamps', u32],
    ['icmpOutTimestampReps', u32], ['icmpOutAddrMasks', u32], ['icmpOutAddrMaskReps', u32],
  ],
  [C.mib2TcpGroup]: [ // MIB-II TCP group
    ['tcpRtoAlgorithm', u32], ['tcpRtoMin', u32], ['tcpRtoMax', u32], ['tcpMaxConn', u32], ['tcpActiveOpens', u32],
    ['tcpPassiveOpens', u32], ['tcpAttemptFails', u32], ['tcpEstabResets', u32], ['tcpCurrEstab', u32], ['tcpInSegs', u32],
    ['tcpOutSegs', u32], ['tcpRetransSegs', u32], ['tcpInErrs', u32], ['tcpOutRsts', u32], ['tcpInCsumErrors', u32],
  ],
  [C.mib2UdpGroup]: [ // MIB-II UDP group
    ['udpInDatagrams', u32], ['udpNoPorts', u32], ['udpInErrors', u32], ['udpOutDatagrams', u32], ['udpRcvbufErrors', u32],
    ['udpSndbufErrors', u32], ['udpInCsumErrors', u32],
  ],
  [C.virtNode]: [ // hypervisor (virtual node)
    ['mhz', u32], ['cpus', u32], ['memory', u64], ['memoryFree', u64], ['numDomains', u32],
  ],
  [C.virtCpu]: [ // virtual CPU; state is libvirt's virDomainState
    ['state', u32], ['cpuTime', u32], ['nrVirtCpu', u32],
  ],
  [C.virtMemory]: [ // virtual memory
    ['memory', u64], ['maxMemory', u64],
  ],
  [C.virtDiskIo]: [ // virtual disk I/O
    ['capacity', u64], ['allocation', u64], ['available', u64], ['rdReq', u32], ['rdBytes', u64], ['wrReq', u32],
    ['wrBytes', u64], ['errs', u32],
  ],
  [C.virtNetIo]: [ // virtual network I/O
    ['rxBytes', u64], ['rxPackets', u32], ['rxErrs', u32], ['rxDrop', u32], ['txBytes', u64], ['txPackets', u32],
    ['txErrs', u32], ['txDrop', u32],
  ],
};

/** Reads a known counter record into `rec`; false when the format is not one we decode. */
export function readCounterRecord(enterprise: number, format: number, r: Xdr, rec: CounterRecord): boolean {
  if (enterprise !== 0) return false;
  if (format === C.hostDescription) {
    rec.hostname = r.string();
    rec.hostUuid = r.fixed(16).toString('hex');
    rec.machineType = r.u32();
    rec.osName = r.u32();
    rec.osRelease = r.string();
    return true;
  }
  if (format === C.hostAdapters) { // each an ifIndex and its MAC addresses
    rec.hostAdapters = readList(r, 8, () => ({ ifIndex: r.u32(), macAddresses: readList(r, 8, () => r.mac()) }));
    return true;
  }
  if (format === C.sfp) { // SFP / QSFP optics: module then one entry per lane
    rec.sfp = {
      moduleId: r.u32(),
      moduleTotalLanes: r.u32(),
      moduleSupplyVoltage: r.u32(), // millivolts
      moduleTemperature: r.i32(), // thousandths of a degree Celsius, signed
      lanes: readList(r, 40, () => ({
        laneIndex: r.u32(), txBiasCurrent: r.u32(), txPower: r.u32(), txPowerMin: r.u32(), txPowerMax: r.u32(),
        txWavelength: r.u32(), rxPower: r.u32(), rxPowerMin: r.u32(), rxPowerMax: r.u32(), rxWavelength: r.u32(),
      })),
    };
    return true;
  }
  if (format === C.portName) { // ifName
    rec.interfaceName = r.string();
    return true;
  }
  const read = READERS[format];
  if (!read) return false;
  rec[COUNTER_GROUP_NAMES[format]] = read(r);
  return true;
}

/** An XDR array: count, then items of at least `minSize` octets each (checked before allocating). */
function readList<T>(r: Xdr, minSize: number, item: () => T): T[] {
  const n = r.u32();
  if (n > MAX_LIST) throw new XdrTruncated(`list of ${n} entries exceeds ${MAX_LIST}`);
  r.need(n * minSize);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item());
  return out;
}

/**
 * Each layout compiled once into a function that checks the group's fixed length once, then
 * returns one object literal read at fixed offsets (so every group of a format has one shape and
 * no per-field bounds check). The body holds only the layout's own names (JSON-quoted) and
 * offsets, never packet data.
 */
const READERS: Record<number, (r: Xdr) => Record<string, unknown>> = {};
for (const [format, layout] of Object.entries(LAYOUTS)) {
  let at = 0;
  const props = layout.map(([name, type]) => {
    const o = `o + ${at}`;
    at += FIELD_SIZE[type];
    const expr = type === 'u64' ? `H(b, ${o})` : type === 'f32' ? `b.readFloatBE(${o})` : type === 'mac' ? `M(b, ${o})`
      : type === 'u8' ? `b[${o}]` : `(b[${o}] * 16777216 + ((b[${o} + 1] << 16) | (b[${o} + 2] << 8) | b[${o} + 3]))`;
    return `${JSON.stringify(name)}: ${expr}`;
  });
  const body = `return function read(r) { r.need(${at}); const b = r.buf, o = r.off; r.off = o + ${at}; return { ${props.join(', ')} }; };`;
  READERS[Number(format)] = new Function('H', 'M', body)(readUnsigned64, readMac) as (r: Xdr) => Record<string, unknown>;
}

const COUNTER_GROUP_NAMES: Record<number, string> = {
  [C.genericInterface]: 'interface', [C.ethernetInterface]: 'ethernet', [C.tokenRing]: 'tokenRing', [C.vg100Interface]: 'vg100',
  [C.vlan]: 'vlan', [C.ieee80211]: 'ieee80211', [C.lagPortStats]: 'lagPort', [C.processor]: 'processor',
  [C.radioUtilization]: 'radio', [C.openFlowPort]: 'openFlowPort', [C.hostParent]: 'hostParent', [C.hostCpu]: 'hostCpu',
  [C.hostMemory]: 'hostMemory', [C.hostDiskIo]: 'hostDiskIo', [C.hostNetIo]: 'hostNetIo', [C.mib2IpGroup]: 'mib2Ip',
  [C.mib2IcmpGroup]: 'mib2Icmp', [C.mib2TcpGroup]: 'mib2Tcp', [C.mib2UdpGroup]: 'mib2Udp', [C.virtNode]: 'virtNode',
  [C.virtCpu]: 'virtCpu', [C.virtMemory]: 'virtMemory', [C.virtDiskIo]: 'virtDiskIo', [C.virtNetIo]: 'virtNetIo',
};
