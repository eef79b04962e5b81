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

/**
 * The capture-protocol frames for one message. The source is msg.source, else the node's source.
 * An event is msg.event = {type, details?}, or a file event of pcap file out
 * (msg.payload = {event: 'rotated', source, file, ...}) which becomes type "file-rotated".
 */
export function captureFrames(msg: NodeMessage & { source?: unknown; event?: unknown }, defaultSource: string): Buffer[] {
  const source = typeof msg.source === 'string' && msg.source ? msg.source : defaultSource;
  if (msg.event && typeof msg.event === 'object') {
    const event = msg.event as { type?: unknown; time?: unknown; details?: Record<string, unknown> };
    if (typeof event.type !== 'string') throw new Error('msg.event.type must be a string');
    return encodeCaptureEvent(source, { type: event.type, time: typeof event.time === 'number' ? event.time : Date.now(), ...(event.details ? { details: event.details } : {}) });
  }
  const fileEvent = msg.payload as { event?: unknown; source?: unknown; file?: unknown } | undefined;
  if (fileEvent && typeof fileEvent === 'object' && !Array.isArray(fileEvent) && typeof fileEvent.event === 'string' && typeof fileEvent.file === 'string') {
    const { event, source: fileSource, ...details } = fileEvent as Record<string, unknown>;
    const eventSource = typeof fileSource === 'string' && fileSource ? fileSource : source;
    return encodeCaptureEvent(eventSource, { type: `file-${String(event)}`, time: Date.now(), details });
  }
  const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
  const packets: CapturedFrame[] = [];
  for (const item of items) {
    if (!isCapturedPacket(item)) throw new Error('capture format needs msg.payload to be captured packets (from pcap in / pcap file in), msg.event, or a pcap file out file event');
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
  // msg.topic is the capture source, as pcap file out expects for its per-source files.
  if (decoded.kind === 'event') return { topic: decoded.source, kind: 'event', source: decoded.source, payload: decoded.event } as NodeMessage;
  const packets: CapturedPacket[] = decoded.packets.map((p) => ({
    timestamp: p.seconds * 1000 + p.nanoseconds / 1e6,
    seconds: p.seconds,
    nanoseconds: p.nanoseconds,
    interface: p.interface,
    linkType: p.linkType,
    originalLength: p.originalLength,
    frame: p.frame,
  }));
  return { topic: decoded.source, kind: 'data', source: decoded.source, payload: packets } as NodeMessage;
}

