// Test helper: the UDP datagrams of a capture file (pcap or pcapng, any link type the pack
// dissects), with their source address: the pack's own reader and dissectors, so the flow tests
// feed the decoder exactly what pcap file in would.
import { readFileSync } from 'node:fs';
import { dissect } from '../../nodes/common/packet';
import { parseCaptureBuffer } from '../../nodes/common/pcap';

export interface UdpDatagram {
  time: Date;
  source: string;
  sourcePort: number;
  destinationPort: number;
  payload: Buffer;
}

export function readUdpDatagrams(file: string): UdpDatagram[] {
  const capture = parseCaptureBuffer(readFileSync(file));
  if (!capture.format) throw new Error(`${file}: not a capture file`);
  const out: UdpDatagram[] = [];
  for (const p of capture.packets) {
    const packet = dissect(p.data, p.linkType);
    const ip = packet.ipv4 ?? packet.ipv6;
    // Later fragments carry no UDP header; the first one is taken as it is.
    if (!ip || !packet.udp || (packet.ipv4 && packet.ipv4.fragmentOffset !== 0)) continue;
    out.push({
      time: new Date(p.timestamp.ms),
      source: ip.source,
      sourcePort: packet.udp.sourcePort,
      destinationPort: packet.udp.destinationPort,
      payload: packet.payload.subarray(0, Math.max(0, packet.udp.length - 8)),
    });
  }
  return out;
}
