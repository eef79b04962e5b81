// Node-RED message <-> ZeroMQ multipart frames, for zmq out (encode) and zmq in (decode).
import type { NodeMessage } from 'node-red';
import { encodeCaptureData, encodeCaptureEvent, type CaptureEvent, type CaptureMessage, type CapturedFrame, type SequenceNumbering } from '../common/capture-protocol';
import { dissect } from '../common/packet';
import { capturedPacket, isCapturedPacket, type CapturedPacket } from './packet-message';

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
 * An event is what zmq in emits for one (msg.kind = 'event', msg.payload = {type, time?, details?}),
 * msg.event = {type, time?, details?}, or a file event of pcap file out (msg.payload = {event:
 * 'rotated', source, file, ...}) which becomes type "file-rotated". `numbering` stamps each
 * message with the sender's session and sequence number.
 */
export function captureFrames(msg: CaptureInput, defaultSource: string, numbering?: SequenceNumbering): Buffer[] {
  const content = captureContent(msg, defaultSource);
  if (content.kind === 'event') return encodeCaptureEvent(content.source, content.event, numbering?.event(content.source));
  return encodeCaptureData(content.source, content.packets, numbering?.data(content.source, content.packets.length));
}

type CaptureInput = NodeMessage & { source?: unknown; event?: unknown; kind?: unknown };

/** What a message sends in the capture format (see captureFrames), not encoded yet; throws on anything else. */
export function captureContent(msg: CaptureInput, defaultSource: string):
  | { kind: 'event'; source: string; event: CaptureEvent }
  | { kind: 'data'; source: string; packets: CapturedFrame[] } {
  const source = typeof msg.source === 'string' && msg.source ? msg.source : defaultSource;
  const event = eventOf(msg, source);
  if (event) return { kind: 'event', ...event };
  const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
  const packets: CapturedFrame[] = [];
  for (const item of items) {
    if (!isCapturedPacket(item)) throw new Error('capture format needs msg.payload to be captured packets (from pcap in / pcap file in), an event (msg.event, or msg.kind "event" from zmq in), or a pcap file out file event');
    packets.push(item);
  }
  return { kind: 'data', source, packets };
}

/** The event a message carries, in any of the three shapes captureFrames accepts. */
function eventOf(msg: NodeMessage & { event?: unknown; kind?: unknown }, source: string): { source: string; event: CaptureEvent } | undefined {
  const asEvent = (value: unknown): CaptureEvent => {
    const e = value as { type?: unknown; time?: unknown; details?: unknown };
    if (typeof e.type !== 'string') throw new Error('an event needs a string "type"');
    const details = e.details && typeof e.details === 'object' ? { details: e.details as Record<string, unknown> } : {};
    return { type: e.type, time: typeof e.time === 'number' ? e.time : Date.now(), ...details };
  };
  if (msg.event && typeof msg.event === 'object') return { source, event: asEvent(msg.event) };
  if (msg.kind === 'event' && msg.payload && typeof msg.payload === 'object') return { source, event: asEvent(msg.payload) };
  const fileEvent = msg.payload as { event?: unknown; source?: unknown; file?: unknown } | undefined;
  if (fileEvent && typeof fileEvent === 'object' && !Array.isArray(fileEvent) && typeof fileEvent.event === 'string' && typeof fileEvent.file === 'string') {
    const { event, source: fileSource, ...details } = fileEvent as Record<string, unknown>;
    const eventSource = typeof fileSource === 'string' && fileSource ? fileSource : source;
    return { source: eventSource, event: { type: `file-${String(event)}`, time: Date.now(), details } };
  }
  return undefined;
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

/** The message zmq in emits for an event (its own, or one received): zmq out's capture format takes it back as it is. */
export function eventMessage(source: string, event: CaptureEvent): NodeMessage {
  return { topic: source, kind: 'event', source, payload: event } as NodeMessage;
}

/** The Node-RED message of a decoded capture message; a data message's packets are taken over, not copied. */
export function messageOfCapture(decoded: CaptureMessage): NodeMessage {
  // msg.topic is the capture source, as pcap file out expects for its per-source files.
  if (decoded.kind === 'event') return eventMessage(decoded.source, decoded.event);
  // The decoded packets are this message's own objects: they become its CapturedPackets in place
  // (the time in ms added), not copied into a second object per packet.
  const packets = decoded.packets as Array<CapturedFrame & Partial<CapturedPacket>>;
  for (const p of packets) p.timestamp = p.seconds * 1000 + p.nanoseconds / 1e6;
  return { topic: decoded.source, kind: 'data', source: decoded.source, payload: packets } as NodeMessage;
}

/**
 * A data message as one Node-RED message per packet, each dissected, as pcap in sends with a batch
 * of 1: what flow decode takes (one datagram per message, its UDP layer decoded).
 */
export function packetMessages(decoded: Extract<CaptureMessage, { kind: 'data' }>): NodeMessage[] {
  return decoded.packets.map((p) => ({
    topic: decoded.source, kind: 'data', source: decoded.source,
    payload: capturedPacket(p.frame, p.linkType, p.interface, p, p.originalLength, dissect(p.frame, p.linkType)),
  }) as NodeMessage);
}
