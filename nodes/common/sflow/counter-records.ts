// sFlow v5 counter records (sflow_version_5.txt "Counter Data Types" and the host sFlow extension).
import type { Xdr } from './xdr';
import { readUnsigned64 } from '../netflow/values';
import type { FlowRecord } from '../netflow/types';

/** XDR field types in counter groups: unsigned int, unsigned hyper, float. */
type FieldType = 'u32' | 'u64' | 'f32';
const u32: FieldType = 'u32', u64: FieldType = 'u64', f32: FieldType = 'f32';

/** [name, reader] lists in wire order; names follow the MIB objects the spec cites. */
const LAYOUTS: Record<number, Array<[string, FieldType]>> = {
  1: [ // generic interface counters (RFC 2233)
    ['ifIndex', u32], ['ifType', u32], ['ifSpeed', u64], ['ifDirection', u32], ['ifStatus', u32],
    ['ifInOctets', u64], ['ifInUcastPkts', u32], ['ifInMulticastPkts', u32], ['ifInBroadcastPkts', u32],
    ['ifInDiscards', u32], ['ifInErrors', u32], ['ifInUnknownProtos', u32], ['ifOutOctets', u64],
    ['ifOutUcastPkts', u32], ['ifOutMulticastPkts', u32], ['ifOutBroadcastPkts', u32], ['ifOutDiscards', u32],
    ['ifOutErrors', u32], ['ifPromiscuousMode', u32],
  ],
  2: [ // Ethernet (RFC 2358 dot3Stats)
    ['dot3StatsAlignmentErrors', u32], ['dot3StatsFCSErrors', u32], ['dot3StatsSingleCollisionFrames', u32],
    ['dot3StatsMultipleCollisionFrames', u32], ['dot3StatsSQETestErrors', u32], ['dot3StatsDeferredTransmissions', u32],
    ['dot3StatsLateCollisions', u32], ['dot3StatsExcessiveCollisions', u32], ['dot3StatsInternalMacTransmitErrors', u32],
    ['dot3StatsCarrierSenseErrors', u32], ['dot3StatsFrameTooLongs', u32], ['dot3StatsInternalMacReceiveErrors', u32],
    ['dot3StatsSymbolErrors', u32],
  ],
  5: [ // VLAN
    ['vlanId', u32], ['vlanOctets', u64], ['vlanUcastPkts', u32], ['vlanMulticastPkts', u32],
    ['vlanBroadcastPkts', u32], ['vlanDiscards', u32],
  ],
  1001: [ // processor
    ['cpu5s', u32], ['cpu1m', u32], ['cpu5m', u32], ['totalMemory', u64], ['freeMemory', u64],
  ],
  2003: [ // host CPU
    ['loadOne', f32], ['loadFive', f32], ['loadFifteen', f32], ['procRun', u32], ['procTotal', u32],
    ['cpuNum', u32], ['cpuSpeed', u32], ['uptime', u32], ['cpuUser', u32], ['cpuNice', u32], ['cpuSystem', u32],
    ['cpuIdle', u32], ['cpuWio', u32], ['cpuIntr', u32], ['cpuSintr', u32], ['interrupts', u32], ['contexts', u32],
  ],
  2004: [ // host memory
    ['memTotal', u64], ['memFree', u64], ['memShared', u64], ['memBuffers', u64], ['memCached', u64],
    ['swapTotal', u64], ['swapFree', u64], ['pageIn', u32], ['pageOut', u32], ['swapIn', u32], ['swapOut', u32],
  ],
};

/** Reads a known counter record into `rec`; false when the format is not one we decode. */
export function readCounterRecord(enterprise: number, format: number, r: Xdr, rec: FlowRecord): boolean {
  if (enterprise !== 0) return false;
  if (format === 2000) { // host description
    rec.hostname = r.string();
    rec.hostUuid = r.fixed(16).toString('hex');
    rec.machineType = r.u32();
    rec.osName = r.u32();
    rec.osRelease = r.string();
    return true;
  }
  const read = READERS[format];
  if (!read) return false;
  rec[COUNTER_GROUP_NAMES[format]] = read(r);
  return true;
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
    at += type === 'u64' ? 8 : 4;
    const expr = type === 'u64' ? `H(b, ${o})` : type === 'f32' ? `b.readFloatBE(${o})` : `(b[${o}] * 16777216 + ((b[${o} + 1] << 16) | (b[${o} + 2] << 8) | b[${o} + 3]))`;
    return `${JSON.stringify(name)}: ${expr}`;
  });
  const body = `return function read(r) { r.need(${at}); const b = r.buf, o = r.off; r.off = o + ${at}; return { ${props.join(', ')} }; };`;
  READERS[Number(format)] = new Function('H', body)(readUnsigned64) as (r: Xdr) => Record<string, unknown>;
}

const COUNTER_GROUP_NAMES: Record<number, string> = {
  1: 'interface', 2: 'ethernet', 5: 'vlan', 1001: 'processor', 2003: 'hostCpu', 2004: 'hostMemory',
};
