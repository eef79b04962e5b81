// Node-RED message <-> ZeroMQ multipart frames, for zmq out (encode) and zmq in (decode).
import type { NodeMessage } from 'node-red';
import { encodeCaptureData, encodeCaptureEvent, type CaptureMessage, type CapturedFrame } from '../common/capture-protocol';
import { isCapturedPacket, type CapturedPacket } from './packet-message';

export type Frame = Buffer | string;

/** Frames of a plain message: topic frame first when msg.topic is a non-empty string. */
export function framesOf(msg: NodeMessage): Frame[] {
  const toFrame = (value: unknown): Frame => {
    if (Buffer.isBuffer(value) || typeof value === 'string') return value;
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (value === undefined || value === null) return Buffer.alloc(0);
    return JSON.stringify(value);
  };
  const body = Array.isArray(msg.payload) ? msg.payload.map(toFrame) : [toFrame(msg.payload)];
  return typeof msg.topic === 'string' && msg.topic !== '' ? [msg.topic, ...body] : body;
}

export function captureFrames(msg: NodeMessage & { source?: unknown; event?: unknown }, defaultSource: string): Buffer[] {
  const source = typeof msg.source === 'string' && msg.source ? msg.source : defaultSource;
  if (msg.event && typeof msg.event === 'object') {
    const event = msg.event as { type?: unknown; time?: unknown; details?: Record<string, unknown> };
    if (typeof event.type !== 'string') throw new Error('msg.event.type must be a string');
    return encodeCaptureEvent(source, { type: event.type, time: typeof event.time === 'number' ? event.time : Date.now(), ...(event.details ? { details: event.details } : {}) });
  }
  const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
  const packets: CapturedFrame[] = [];
  for (const item of items) {
    if (!isCapturedPacket(item)) throw new Error('capture format needs msg.payload to be captured packets (from pcap in / pcap file in) or msg.event');
    packets.push(item);
  }
  return encodeCaptureData(source, packets);
}

export function messageOfFrames(frames: Buffer[], topicFrame: boolean, asString: boolean): NodeMessage {
  const msg: NodeMessage = { payload: undefined };
  let body = frames;
  if (topicFrame && frames.length > 1) {
    msg.topic = frames[0].toString();
    body = frames.slice(1);
  }
  const values = asString ? body.map((f) => f.toString()) : body;
  msg.payload = values.length === 1 ? values[0] : values;
  return msg;
}

export function messageOfCapture(decoded: CaptureMessage): NodeMessage {
  if (decoded.kind === 'event') return { topic: 'event', source: decoded.source, payload: decoded.event } as NodeMessage;
  const packets: CapturedPacket[] = decoded.packets.map((p) => ({
    timestamp: p.seconds * 1000 + p.nanoseconds / 1e6,
    seconds: p.seconds,
    nanoseconds: p.nanoseconds,
    interface: p.interface,
    linkType: p.linkType,
    originalLength: p.originalLength,
    frame: p.frame,
  }));
  return { topic: 'data', source: decoded.source, payload: packets } as NodeMessage;
}

