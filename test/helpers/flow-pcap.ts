// Test helper: the UDP datagrams of a classic pcap file (Ethernet, Linux SLL or raw IP), with
// their source address. Enough for flow captures; the pack's full reader is nodes/common/pcap.
import { readFileSync } from 'node:fs';

export interface UdpDatagram {
  time: Date;
  source: string;
  sourcePort: number;
  destinationPort: number;
  payload: Buffer;
}

function ipText(b: Buffer, off: number, v6: boolean): string {
  if (!v6) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(off + i * 2).toString(16));
  return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function readUdpDatagrams(file: string): UdpDatagram[] {
  const buf = readFileSync(file);
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${file}: not a classic pcap`);
  const nano = (le ? magic : buf.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const out: UdpDatagram[] = [];
  for (let off = 24; off + 16 <= buf.length;) {
    const secs = u32(off), frac = u32(off + 4), incl = u32(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let p: number, etherType: number;
    if (linkType === 1) {
      p = 12;
      etherType = frame.readUInt16BE(p);
      while (etherType === 0x8100 || etherType === 0x88a8) { p += 4; etherType = frame.readUInt16BE(p); }
      p += 2;
    } else if (linkType === 113) {
      etherType = frame.readUInt16BE(14);
      p = 16;
    } else if (linkType === 101 || linkType === 228 || linkType === 229) {
      etherType = frame[0] >> 4 === 6 ? 0x86dd : 0x0800;
      p = 0;
    } else continue;
    let proto: number, src: string, l4: number;
    if (etherType === 0x0800) {
      proto = frame[p + 9];
      src = ipText(frame, p + 12, false);
      l4 = p + (frame[p] & 0x0f) * 4;
      if ((frame.readUInt16BE(p + 6) & 0x1fff) !== 0) continue;
    } else if (etherType === 0x86dd) {
      proto = frame[p + 6];
      src = ipText(frame, p + 8, true);
      l4 = p + 40;
    } else continue;
    if (proto !== 17 || l4 + 8 > frame.length) continue;
    const udpLen = frame.readUInt16BE(l4 + 4);
    out.push({
      time: new Date(secs * 1000 + (nano ? frac / 1e6 : frac / 1e3)),
      source: src,
      sourcePort: frame.readUInt16BE(l4),
      destinationPort: frame.readUInt16BE(l4 + 2),
      payload: frame.subarray(l4 + 8, Math.min(frame.length, l4 + Math.max(8, udpLen))),
    });
  }
  return out;
}
