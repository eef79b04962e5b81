// The capture-server protocol: how edge capture agents, the central store and its side-channel
// subscribers talk over ZeroMQ. Two kinds of multipart message (docs/zmq.md has the wire layout):
//
//   event: [topic "event/<source>/", JSON header]
//   data:  [topic "data/<source>/",  JSON header, one frame per captured packet]
//   data, packed (header "packed": true): [topic, JSON header, one frame: each packet record
//          behind its u32 length] — ZeroMQ makes one Buffer per frame on receipt, which caps a
//          central's receive rate at ~66 frames per message; receivers take both forms, so
//          receivers are upgraded first and senders then turn packing on.
//
// The topic is the first frame so that ZeroMQ SUB prefix matching filters by kind ("data/") or by
// kind and source ("data/edge-1/"). The trailing "/" keeps "edge-1" from matching "edge-10".
// Each packet frame is a fixed binary record header followed by the captured bytes, so the bytes
// are never re-encoded (no base64, no JSON arrays of numbers).
//
// Sequence numbers (optional, so messages of senders without them still decode): a sender picks a
// random `session` id when it starts and numbers the PACKETS it sends per source from 0; a data
// header carries `seq`, the number of its first packet, and an event carries `seq`, the number
// the next packet will get. A receiver that knows where a session stands can therefore count
// exactly how many packets never arrived (sequence.ts).

export const CAPTURE_PROTOCOL_VERSION = 1;

export type CaptureKind = 'event' | 'data';

/** What one packet frame carries; the same fields as the pcap nodes' CapturedPacket. */
export interface CapturedFrame {
  seconds: number;
  nanoseconds: number;
  interface: string;
  linkType: number;
  originalLength: number;
  frame: Buffer;
}

export interface CaptureEvent {
  /** "source-connected", "source-disconnected", "file-rotated", "capture-started", ... */
  type: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** Anything else the event carries (file name, peer address, counters); JSON-serialisable. */
  details?: Record<string, unknown>;
}

/** Where a message stands in its sender's numbering; absent in messages of older senders. */
export interface CaptureSequence {
  session: string;
  seq: number;
}

export type CaptureMessage =
  | { kind: 'event'; source: string; event: CaptureEvent; sequence?: CaptureSequence }
  | { kind: 'data'; source: string; packets: CapturedFrame[]; sequence?: CaptureSequence };

export class CaptureProtocolError extends Error {}

// Packet frame record header (big-endian):
//   0  u16 linkType         2  u48 seconds        8  u32 nanoseconds
//  12  u32 originalLength  16  u8 interface name length n   17  n bytes UTF-8 name   17+n  frame
const RECORD_FIXED = 17;
/** Packed form: each record follows its length (u32, big-endian). */
const LENGTH_PREFIX = 4;
const MAX_INTERFACE_NAME = 255;

/** Topic prefix a subscriber uses: kind only, or kind and source. */
export function captureTopic(kind: CaptureKind, source?: string): string {
  if (source === undefined) return `${kind}/`;
  checkSource(source);
  return `${kind}/${source}/`;
}

function checkSource(source: string): void {
  if (source.length === 0 || source.includes('/')) {
    throw new CaptureProtocolError(`capture source name must be non-empty and contain no "/": ${JSON.stringify(source)}`);
  }
}

export function encodeCaptureEvent(source: string, event: CaptureEvent, sequence?: CaptureSequence): Buffer[] {
  const header = { v: CAPTURE_PROTOCOL_VERSION, kind: 'event', source, ...sequence, ...event };
  return [Buffer.from(captureTopic('event', source)), Buffer.from(JSON.stringify(header))];
}

/** A data message; `packed` puts every packet record in one frame (see the top of this file). */
export function encodeCaptureData(source: string, packets: readonly CapturedFrame[], sequence?: CaptureSequence, packed = false): Buffer[] {
  const header = { v: CAPTURE_PROTOCOL_VERSION, kind: 'data', source, ...sequence, count: packets.length, ...(packed ? { packed: true } : {}) };
  const frames: Buffer[] = [Buffer.from(captureTopic('data', source)), Buffer.from(JSON.stringify(header))];
  const names = packets.map(interfaceBytes);
  if (!packed) {
    packets.forEach((packet, i) => {
      const record = Buffer.allocUnsafe(RECORD_FIXED + names[i].length + packet.frame.length);
      writePacketRecord(record, 0, packet, names[i]);
      frames.push(record);
    });
    return frames;
  }
  let size = 0;
  packets.forEach((packet, i) => { size += LENGTH_PREFIX + RECORD_FIXED + names[i].length + packet.frame.length; });
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  packets.forEach((packet, i) => {
    const length = RECORD_FIXED + names[i].length + packet.frame.length;
    body.writeUInt32BE(length, at);
    writePacketRecord(body, at + LENGTH_PREFIX, packet, names[i]);
    at += LENGTH_PREFIX + length;
  });
  frames.push(body);
  return frames;
}

function interfaceBytes(packet: CapturedFrame): Buffer {
  const name = Buffer.from(packet.interface ?? '');
  if (name.length > MAX_INTERFACE_NAME) throw new CaptureProtocolError(`interface name longer than ${MAX_INTERFACE_NAME} bytes`);
  if (!Number.isInteger(packet.seconds) || packet.seconds < 0 || packet.seconds > 0xffffffffffff) {
    throw new CaptureProtocolError(`timestamp seconds out of range: ${packet.seconds}`);
  }
  return name;
}

function writePacketRecord(target: Buffer, at: number, packet: CapturedFrame, name: Buffer): void {
  target.writeUInt16BE(packet.linkType, at);
  target.writeUIntBE(packet.seconds, at + 2, 6);
  target.writeUInt32BE(packet.nanoseconds >>> 0, at + 8);
  target.writeUInt32BE(packet.originalLength >>> 0, at + 12);
  target.writeUInt8(name.length, at + 16);
  name.copy(target, at + RECORD_FIXED);
  packet.frame.copy(target, at + RECORD_FIXED + name.length);
}

/** Decodes one multipart message; throws CaptureProtocolError on anything malformed. */
export function decodeCaptureMessage(frames: readonly Buffer[]): CaptureMessage {
  if (frames.length < 2) throw new CaptureProtocolError(`expected at least 2 frames (topic, header), got ${frames.length}`);
  const topic = frames[0].toString();
  const match = /^(event|data)\/([^/]+)\/$/.exec(topic);
  if (!match) throw new CaptureProtocolError(`topic frame is not "<event|data>/<source>/": ${JSON.stringify(topic.slice(0, 80))}`);
  const [, kind, source] = match;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(frames[1].toString()) as Record<string, unknown>;
  } catch (err) {
    throw new CaptureProtocolError(`header frame is not JSON: ${(err as Error).message}`);
  }
  if (!header || typeof header !== 'object' || header.v !== CAPTURE_PROTOCOL_VERSION) {
    throw new CaptureProtocolError(`unsupported protocol version ${JSON.stringify(header?.v)}`);
  }
  if (header.kind !== kind || header.source !== source) throw new CaptureProtocolError('header kind/source disagree with the topic frame');
  const sequence = sequenceOf(header);
  if (kind === 'event') {
    if (frames.length !== 2) throw new CaptureProtocolError(`event message has ${frames.length} frames, expected 2`);
    const { type, time, details } = header;
    if (typeof type !== 'string' || typeof time !== 'number') throw new CaptureProtocolError('event header needs a string "type" and a numeric "time"');
    const event: CaptureEvent = { type, time };
    if (details !== undefined) event.details = details as Record<string, unknown>;
    return sequence ? { kind: 'event', source, event, sequence } : { kind: 'event', source, event };
  }
  const packets: CapturedFrame[] = [];
  const names: LastName = { record: undefined, length: 0, text: '' };
  if (header.packed === true) {
    if (frames.length !== 3) throw new CaptureProtocolError(`packed data message has ${frames.length} frames, expected 3`);
    decodePacked(frames[2], header.count, packets, names);
  } else {
    const count = frames.length - 2;
    if (header.count !== count) throw new CaptureProtocolError(`header announces ${String(header.count)} packets, message has ${count} packet frames`);
    for (let i = 2; i < frames.length; i++) packets.push(decodePacketRecord(frames[i], i, names));
  }
  return sequence ? { kind: 'data', source, packets, sequence } : { kind: 'data', source, packets };
}

/** The records of a packed frame, each behind its length; exactly `count` of them, nothing after. */
function decodePacked(body: Buffer, count: unknown, packets: CapturedFrame[], names: LastName): void {
  if (!Number.isSafeInteger(count) || (count as number) < 0 || (count as number) * (LENGTH_PREFIX + RECORD_FIXED) > body.length) {
    throw new CaptureProtocolError(`packed header announces ${String(count)} packets, the frame holds ${body.length} bytes`);
  }
  let at = 0;
  for (let i = 0; i < (count as number); i++) {
    if (body.length - at < LENGTH_PREFIX) throw new CaptureProtocolError(`packed frame ends before record ${i}`);
    const length = body.readUInt32BE(at);
    if (body.length - at - LENGTH_PREFIX < length) throw new CaptureProtocolError(`packed record ${i} of ${length} bytes runs past the frame`);
    packets.push(decodePacketRecord(body.subarray(at + LENGTH_PREFIX, at + LENGTH_PREFIX + length), i, names));
    at += LENGTH_PREFIX + length;
  }
  if (at !== body.length) throw new CaptureProtocolError(`packed frame has ${body.length - at} bytes after its ${String(count)} records`);
}

function sequenceOf(header: Record<string, unknown>): CaptureSequence | undefined {
  const { session, seq } = header;
  if (session === undefined && seq === undefined) return undefined;
  if (typeof session !== 'string' || session.length === 0 || session.length > 64 || !Number.isSafeInteger(seq) || (seq as number) < 0) {
    throw new CaptureProtocolError('header "session" must be a short string and "seq" a non-negative integer, both or neither');
  }
  return { session, seq: seq as number };
}

/** The interface name of the previous record of a message: the records of one message nearly always share it. */
interface LastName {
  record: Buffer | undefined;
  length: number;
  text: string;
}

/** The record's interface name, reusing the previous record's string when the bytes are the same (no UTF-8 decode per packet). */
function interfaceName(record: Buffer, length: number, last: LastName): string {
  const previous = last.record;
  if (previous && last.length === length) {
    let same = true;
    for (let i = RECORD_FIXED; i < RECORD_FIXED + length && same; i++) same = record[i] === previous[i];
    if (same) return last.text;
  }
  last.record = record;
  last.length = length;
  last.text = record.toString('utf8', RECORD_FIXED, RECORD_FIXED + length);
  return last.text;
}

function decodePacketRecord(record: Buffer, index: number, names: LastName): CapturedFrame {
  if (record.length < RECORD_FIXED) throw new CaptureProtocolError(`packet frame ${index} is ${record.length} bytes, shorter than its ${RECORD_FIXED}-byte header`);
  const nameLength = record[16];
  if (record.length < RECORD_FIXED + nameLength) throw new CaptureProtocolError(`packet frame ${index} is truncated inside its interface name`);
  return {
    linkType: record.readUInt16BE(0),
    seconds: record.readUIntBE(2, 6),
    nanoseconds: record.readUInt32BE(8),
    originalLength: record.readUInt32BE(12),
    interface: interfaceName(record, nameLength, names),
    // A view, not a copy: the frame is the tail of the record ZeroMQ handed us.
    frame: record.subarray(RECORD_FIXED + nameLength),
  };
}

export * from './sequence';
export * from './ack';
