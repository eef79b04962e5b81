// Frames of a capture file and a classic pcap of frames, for the LLDP tests, on the pack's own
// reader and writer (nodes/common/pcap).
import { readFileSync } from 'node:fs';
import { parseCaptureBuffer, PcapWriter } from '../../nodes/common/pcap';

export function readPcapFrames(path: string): { linkType: number; frames: Buffer[] } {
  const capture = parseCaptureBuffer(readFileSync(path));
  if (!capture.format) throw new Error(`${path}: not a capture file`);
  return { linkType: capture.interfaces[0]?.linkType ?? 1, frames: capture.packets.map((p) => p.data) };
}

/** Writes frames as a classic pcap (Ethernet), one second apart, e.g. to hand our encoder's frames to tshark. */
export function pcapBytes(frames: readonly Buffer[]): Buffer {
  const writer = new PcapWriter({ linkType: 1, snapLength: 65535 });
  return Buffer.concat([writer.header(), ...frames.map((frame, i) => writer.packet(frame, { seconds: 1_700_000_000 + i, nanoseconds: 0 }))]);
}
