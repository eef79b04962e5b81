// What pcap in and pcap file in put in msg.payload (one object, or an array when batching),
// and what pcap file out, zmq nodes and rtp stats read back.
import type { CapturedFrame } from '../common/capture-protocol';
import type { Packet } from '../common/packet/types';

/** A captured frame (see the capture protocol's CapturedFrame) with its time in ms and its decoded layers. */
export interface CapturedPacket extends CapturedFrame {
  /** Capture time in milliseconds since the epoch (fractional; exact time in seconds + nanoseconds). */
  timestamp: number;
  /** Decoded layers, unless dissection is turned off. */
  packet?: Packet;
}

export function isCapturedPacket(value: unknown): value is CapturedPacket {
  const v = value as CapturedPacket;
  return !!v && typeof v === 'object' && Buffer.isBuffer(v.frame) && typeof v.linkType === 'number';
}

export function capturedPacket(
  frame: Buffer,
  linkType: number,
  iface: string,
  time: { seconds: number; nanoseconds: number },
  originalLength: number,
  /** The decoded layers, when the caller dissected the frame. */
  packet?: Packet,
): CapturedPacket {
  return {
    timestamp: time.seconds * 1000 + time.nanoseconds / 1e6,
    seconds: time.seconds,
    nanoseconds: time.nanoseconds,
    interface: iface,
    linkType,
    originalLength,
    frame,
    packet,
  };
}

/**
 * Packets from msg.payload: one CapturedPacket, an array of them, or (for frames from elsewhere)
 * a Buffer with msg.linkType (default Ethernet). JSON-revived buffers ({type:'Buffer',data}) are accepted.
 */
export function packetsFromPayload(payload: unknown, fallback: { linkType?: number; interface?: string } = {}): CapturedPacket[] | undefined {
  const revive = (v: any): CapturedPacket | undefined => {
    if (!v || typeof v !== 'object') return undefined;
    if (v.frame && !Buffer.isBuffer(v.frame) && v.frame.type === 'Buffer' && Array.isArray(v.frame.data)) v = { ...v, frame: Buffer.from(v.frame.data) };
    return isCapturedPacket(v) ? v : undefined;
  };
  if (Buffer.isBuffer(payload)) {
    const now = Date.now();
    return [capturedPacket(payload, fallback.linkType ?? 1, fallback.interface ?? '', { seconds: Math.floor(now / 1000), nanoseconds: (now % 1000) * 1e6 }, payload.length)];
  }
  const list = Array.isArray(payload) ? payload : [payload];
  const packets = list.map(revive);
  return packets.every((p): p is CapturedPacket => !!p) ? packets : undefined;
}
