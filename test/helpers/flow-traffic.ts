// Writes a pcap of synthetic TCP/UDP conversations with known 5-tuples and sizes, the ground
// truth for the exporter end-to-end tests (softflowd / pmacctd read it and export flows).
import { writeFileSync } from 'node:fs';
import { PcapWriter } from '../../nodes/common/pcap';

export interface TrafficFlow {
  src: string; dst: string; srcPort: number; dstPort: number; protocol: 6 | 17;
  packets: number;
  /** IP total length of every packet (header + L4 + payload). */
  ipLength: number;
}

function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) + (b[i + 1] ?? 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

function frame(f: TrafficFlow, seq: number): Buffer {
  const l4Len = f.protocol === 6 ? 20 : 8;
  const ip = Buffer.alloc(f.ipLength);
  ip[0] = 0x45;
  ip.writeUInt16BE(f.ipLength, 2);
  ip.writeUInt16BE(seq & 0xffff, 4);
  ip[8] = 64;
  ip[9] = f.protocol;
  f.src.split('.').forEach((o, i) => { ip[12 + i] = Number(o); });
  f.dst.split('.').forEach((o, i) => { ip[16 + i] = Number(o); });
  ip.writeUInt16BE(checksum(ip.subarray(0, 20)), 10);
  ip.writeUInt16BE(f.srcPort, 20);
  ip.writeUInt16BE(f.dstPort, 22);
  if (f.protocol === 6) {
    ip.writeUInt32BE(seq, 24);
    ip[32] = 0x50; // data offset 5
    ip[33] = seq === 0 ? 0x02 : 0x18; // SYN, then PSH+ACK
    ip.writeUInt16BE(65535, 34);
  } else {
    ip.writeUInt16BE(f.ipLength - 20, 24);
  }
  void l4Len;
  const eth = Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  return Buffer.concat([eth, ip]);
}

/** Writes the flows interleaved, one packet every 10 ms from `startSeconds`, as a classic pcap. */
export function writeTrafficPcap(file: string, flows: TrafficFlow[], startSeconds = 1_700_000_000): void {
  const writer = new PcapWriter({ linkType: 1, snapLength: 65535 });
  const parts: Buffer[] = [writer.header()];
  let t = 0;
  const max = Math.max(...flows.map((f) => f.packets));
  for (let i = 0; i < max; i++) {
    for (const f of flows) {
      if (i >= f.packets) continue;
      const usec = t * 10_000;
      parts.push(writer.packet(frame(f, i), { seconds: startSeconds + Math.floor(usec / 1e6), nanoseconds: (usec % 1e6) * 1000 }));
      t++;
    }
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** A fixed, varied set of conversations (TCP and UDP, several sizes). */
export const SAMPLE_FLOWS: TrafficFlow[] = [
  { src: '10.0.0.1', dst: '10.0.1.1', srcPort: 40001, dstPort: 443, protocol: 6, packets: 40, ipLength: 1500 },
  { src: '10.0.1.1', dst: '10.0.0.1', srcPort: 443, dstPort: 40001, protocol: 6, packets: 25, ipLength: 52 },
  { src: '10.0.0.2', dst: '10.0.2.2', srcPort: 5353, dstPort: 53, protocol: 17, packets: 8, ipLength: 80 },
  { src: '10.0.0.3', dst: '10.0.3.3', srcPort: 40100, dstPort: 80, protocol: 6, packets: 12, ipLength: 600 },
  { src: '10.0.0.4', dst: '10.0.4.4', srcPort: 123, dstPort: 123, protocol: 17, packets: 5, ipLength: 76 },
];
