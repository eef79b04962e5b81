// What pcap in and pcap file in put in msg.payload (one object, or an array when batching),
// and what pcap file out, zmq nodes and rtp stats read back.
import type { Packet } from '../common/packet/types';

export interface CapturedPacket {
  /** Capture time in milliseconds since the epoch (fractional; exact time in seconds + nanoseconds). */
  timestamp: number;
  seconds: number;
  nanoseconds: number;
  /** Interface name (live capture, pcapng if_name) or its index as text. */
  interface: string;
  /** LINKTYPE_* of the frame. */
  linkType: number;
  /** Length on the wire; frame.length is the captured length. */
  originalLength: number;
  frame: Buffer;
  /** Decoded layers, unless dissection is turned off. */
  packet?: Packet;
}

export function isCapturedPacket(value: unknown): value is CapturedPacket {
  const v = value as CapturedPacket;
  return !!v && typeof v === 'object' && Buffer.isBuffer(v.frame) && typeof v.linkType === 'number';
}
