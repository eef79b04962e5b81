// Frames of a classic libpcap file, for the LLDP tests (the pack's own pcap reader lives on main;
// this keeps the LLDP tests independent of it). Format: https://www.tcpdump.org/manpages/pcap-savefile.5.txt
import { readFileSync } from 'node:fs';

export function readPcapFrames(path: string): { linkType: number; frames: Buffer[] } {
  const file = readFileSync(path);
  const magic = file.readUInt32LE(0);
  const littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!littleEndian && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${path}: not a classic pcap file`);
  const u32 = (offset: number) => (littleEndian ? file.readUInt32LE(offset) : file.readUInt32BE(offset));
  const linkType = u32(20) & 0xffff;
  const frames: Buffer[] = [];
  for (let offset = 24; offset + 16 <= file.length; ) {
    const captured = u32(offset + 8);
    frames.push(file.subarray(offset + 16, offset + 16 + captured));
    offset += 16 + captured;
  }
  return { linkType, frames };
}

/** Writes frames as a classic pcap (Ethernet), e.g. to hand our encoder's frames to tshark. */
export function pcapBytes(frames: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const parts: Buffer[] = [header];
  frames.forEach((frame, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1700000000 + i, 0);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    parts.push(record, frame);
  });
  return Buffer.concat(parts);
}
