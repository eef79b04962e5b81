// pmacct's aggregate_filter over flow records, in the pack's packet-filter grammar. As pmacct does
// for NetFlow/sFlow records, a record is presented to the filter as the packet it summarises: its
// addresses, ports, protocol, TCP flags, VLAN and MACs fill the headers the filter looks at, and
// `less`/`greater` see the record's average packet length (bytes / packets).
import { compileFilter } from '../filter';
import type { FlowRecord } from '../netflow/types';
import type { Packet } from '../packet/types';

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const IP_LAYER: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6', 47: 'gre' };

/** The packet a record stands for, with only the headers a filter reads. */
export function recordAsPacket(r: FlowRecord): Packet {
  const layers: string[] = [];
  const p = { linkType: 1, layers, vlans: [], payload: Buffer.alloc(0), errors: [] } as unknown as Packet;
  const srcMac = str(r.sourceMacAddress), dstMac = str(r.destinationMacAddress ?? r.postDestinationMacAddress);
  const v4 = str(r.sourceIPv4Address) !== undefined || str(r.destinationIPv4Address) !== undefined;
  const v6 = !v4 && (str(r.sourceIPv6Address) !== undefined || str(r.destinationIPv6Address) !== undefined);
  const etherType = num(r.ethernetType) ?? (v4 ? 0x0800 : v6 ? 0x86dd : 0);
  if (srcMac || dstMac || etherType) {
    p.ethernet = { source: srcMac ?? '', destination: dstMac ?? '', etherType };
    layers.push('eth');
  }
  const vlan = num(r.vlanId ?? r.dot1qVlanId);
  if (vlan !== undefined && vlan !== 0) {
    p.vlans.push({ tpid: 0x8100, pcp: 0, dei: false, id: vlan });
    layers.push('vlan');
  }
  const protocol = num(r.protocolIdentifier) ?? 0;
  if (v4 || v6) {
    const header = {
      source: str(r.sourceIPv4Address ?? r.sourceIPv6Address) ?? '',
      destination: str(r.destinationIPv4Address ?? r.destinationIPv6Address) ?? '',
      protocol,
    };
    if (v4) p.ipv4 = header as Packet['ipv4'];
    else p.ipv6 = header as Packet['ipv6'];
    layers.push(v4 ? 'ipv4' : 'ipv6');
  }
  const ports = { sourcePort: num(r.sourceTransportPort) ?? 0, destinationPort: num(r.destinationTransportPort) ?? 0 };
  if (protocol === 6) p.tcp = { ...ports, flags: num(r.tcpControlBits) ?? 0 } as Packet['tcp'];
  if (protocol === 17) p.udp = ports as Packet['udp'];
  if (IP_LAYER[protocol]) layers.push(IP_LAYER[protocol]);
  return p;
}

/** Average packet length of a record: what `less`/`greater` compare. */
function averageLength(r: FlowRecord): number {
  const bytes = num(r.octetDeltaCount ?? r.octetTotalCount) ?? 0;
  const packets = num(r.packetDeltaCount ?? r.packetTotalCount) ?? 0;
  return packets > 0 ? bytes / packets : bytes;
}

/** Compiles an aggregate_filter; empty matches every record. Throws FilterSyntaxError. */
export function compileRecordFilter(expression: string): ((record: FlowRecord) => boolean) | undefined {
  if (!String(expression ?? '').trim()) return undefined;
  const predicate = compileFilter(expression);
  return (r) => predicate(recordAsPacket(r), averageLength(r));
}
