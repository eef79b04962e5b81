// Test helper: the UDP datagrams of a capture file (pcap or pcapng, any link type the pack
// dissects), with their source address, read with the pack's own reader and dissectors so the
// flow tests feed the decoder exactly what pcap file in would; and a capture file made of given
// datagrams, for tshark to decode encoder-built ones.
import { readFileSync, writeFileSync } from 'node:fs';
import { dissect } from '../../nodes/common/packet';
import { LinkType } from '../../nodes/common/packet/types';
import { parseCaptureBuffer, PcapWriter } from '../../nodes/common/pcap';

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

/**
 * Writes `datagrams` as IPv4/UDP packets from 192.0.2.1:40000 to 192.0.2.2:`port`, one per
 * millisecond from 2023-11-14T22:13:20Z, in a raw-IP pcap (checksums zero: tshark does not need
 * them).
 */
export function writeUdpCapture(file: string, datagrams: Buffer[], port: number): void {
  const writer = new PcapWriter({ linkType: LinkType.RAW, snapLength: 65535 });
  const packets = datagrams.map((payload, i) => {
    const ip = Buffer.alloc(28);
    ip[0] = 0x45;
    ip.writeUInt16BE(28 + payload.length, 2);
    ip[8] = 64;
    ip[9] = 17;
    Buffer.from([192, 0, 2, 1]).copy(ip, 12);
    Buffer.from([192, 0, 2, 2]).copy(ip, 16);
    ip.writeUInt16BE(40000, 20);
    ip.writeUInt16BE(port, 22);
    ip.writeUInt16BE(8 + payload.length, 24);
    return writer.packet(Buffer.concat([ip, payload]), 1_700_000_000_000 + i);
  });
  writeFileSync(file, Buffer.concat([writer.header(), ...packets]));
}
