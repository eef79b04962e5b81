// Builds NetFlow v5/v9 and IPFIX datagrams byte by byte, so tests can state exact template edge
// cases (data before template, withdrawal, varlen, bad lengths) and fuzz from known-good input.
import { VARIABLE_LENGTH } from './template-cache';
import { ipv6Bytes } from '../packet/text';

export interface FieldSpec {
  id: number;
  length: number;
  /** IPFIX enterprise number (sets the enterprise bit). */
  pen?: number;
}

export type FieldValue = number | bigint | string | Buffer;

export type SetSpec =
  | { kind: 'template'; templates: Array<{ id: number; fields: FieldSpec[] }> }
  | { kind: 'options-template'; templates: Array<{ id: number; scopeFields: FieldSpec[]; fields: FieldSpec[] }> }
  /** IPFIX template withdrawal: a template record with no fields (RFC 7011 section 8.1). */
  | { kind: 'withdraw'; ids: number[]; options?: boolean }
  | { kind: 'data'; templateId: number; records: Buffer[]; padding?: number }
  | { kind: 'raw'; setId: number; body: Buffer };

const ipv4Re = /^\d+\.\d+\.\d+\.\d+$/;

/** Encodes one value into `length` octets (or a variable-length field when length is 65535). */
export function encodeField(value: FieldValue, length: number): Buffer {
  let bytes: Buffer;
  const v6 = typeof value === 'string' && length === 16 ? ipv6Bytes(value) : undefined;
  if (Buffer.isBuffer(value)) bytes = value;
  else if (typeof value === 'string' && ipv4Re.test(value) && length === 4) bytes = Buffer.from(value.split('.').map(Number));
  else if (v6) bytes = v6;
  else if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
  else {
    const n = length === VARIABLE_LENGTH ? 8 : length;
    bytes = Buffer.alloc(n);
    let v = BigInt(value);
    for (let i = n - 1; i >= 0; i--) { bytes[i] = Number(v & 0xffn); v >>= 8n; }
  }
  if (length !== VARIABLE_LENGTH) {
    const out = Buffer.alloc(length);
    bytes.copy(out, 0, 0, Math.min(length, bytes.length));
    return out;
  }
  const prefix = bytes.length < 255 ? Buffer.from([bytes.length]) : Buffer.from([255, bytes.length >> 8, bytes.length & 0xff]);
  return Buffer.concat([prefix, bytes]);
}

export function encodeRecord(fields: FieldSpec[], values: FieldValue[]): Buffer {
  return Buffer.concat(fields.map((f, i) => encodeField(values[i], f.length)));
}

function fieldSpecs(fields: FieldSpec[], ipfix: boolean): Buffer[] {
  return fields.map((f) => {
    const b = Buffer.alloc(ipfix && f.pen ? 8 : 4);
    b.writeUInt16BE(ipfix && f.pen ? f.id | 0x8000 : f.id, 0);
    b.writeUInt16BE(f.length, 2);
    if (ipfix && f.pen) b.writeUInt32BE(f.pen, 4);
    return b;
  });
}

function set(id: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(body.length + 4, 2);
  return Buffer.concat([h, body]);
}

function u16(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 2);
  v.forEach((x, i) => b.writeUInt16BE(x, i * 2));
  return b;
}

function encodeSet(s: SetSpec, ipfix: boolean): Buffer {
  switch (s.kind) {
    case 'template':
      return set(ipfix ? 2 : 0, Buffer.concat(s.templates.flatMap((t) => [u16(t.id, t.fields.length), ...fieldSpecs(t.fields, ipfix)])));
    case 'options-template':
      return set(ipfix ? 3 : 1, Buffer.concat(s.templates.flatMap((t) => ipfix
        ? [u16(t.id, t.scopeFields.length + t.fields.length, t.scopeFields.length), ...fieldSpecs([...t.scopeFields, ...t.fields], true)]
        : [u16(t.id, t.scopeFields.length * 4, t.fields.length * 4), ...fieldSpecs([...t.scopeFields, ...t.fields], false)])));
    case 'withdraw':
      return set(s.options ? 3 : 2, Buffer.concat(s.ids.map((id) => u16(id, 0))));
    case 'data':
      return set(s.templateId, Buffer.concat([...s.records, Buffer.alloc(s.padding ?? 0)]));
    case 'raw':
      return set(s.setId, s.body);
  }
}

export interface Ipfix {
  exportTime: number; // seconds
  sequence: number;
  domain: number;
  sets: SetSpec[];
}

export function encodeIpfix(m: Ipfix): Buffer {
  const body = Buffer.concat(m.sets.map((s) => encodeSet(s, true)));
  const h = Buffer.alloc(16);
  h.writeUInt16BE(10, 0);
  h.writeUInt16BE(16 + body.length, 2);
  h.writeUInt32BE(m.exportTime, 4);
  h.writeUInt32BE(m.sequence, 8);
  h.writeUInt32BE(m.domain, 12);
  return Buffer.concat([h, body]);
}

export interface Netflow9 {
  sysUptime: number; // ms
  exportTime: number; // seconds
  sequence: number;
  sourceId: number;
  sets: SetSpec[];
}

export function encodeNetflow9(m: Netflow9): Buffer {
  const sets = m.sets.map((s) => encodeSet(s, false));
  let count = 0;
  for (const s of m.sets) {
    if (s.kind === 'data') count += s.records.length;
    else if (s.kind === 'template' || s.kind === 'options-template') count += s.templates.length;
  }
  const h = Buffer.alloc(20);
  h.writeUInt16BE(9, 0);
  h.writeUInt16BE(count, 2);
  h.writeUInt32BE(m.sysUptime, 4);
  h.writeUInt32BE(m.exportTime, 8);
  h.writeUInt32BE(m.sequence, 12);
  h.writeUInt32BE(m.sourceId, 16);
  return Buffer.concat([h, ...sets]);
}

export interface Netflow5Record {
  src: string; dst: string; nextHop?: string; input?: number; output?: number;
  packets: number; octets: number; first: number; last: number;
  srcPort: number; dstPort: number; tcpFlags?: number; protocol: number; tos?: number;
  srcAs?: number; dstAs?: number; srcMask?: number; dstMask?: number;
}

export function encodeNetflow5(h: { sysUptime: number; exportTime: number; sequence: number; engineType?: number; engineId?: number; samplingInterval?: number }, records: Netflow5Record[]): Buffer {
  const b = Buffer.alloc(24 + records.length * 48);
  b.writeUInt16BE(5, 0);
  b.writeUInt16BE(records.length, 2);
  b.writeUInt32BE(h.sysUptime, 4);
  b.writeUInt32BE(h.exportTime, 8);
  b.writeUInt32BE(h.sequence, 16);
  b[20] = h.engineType ?? 0;
  b[21] = h.engineId ?? 0;
  b.writeUInt16BE(h.samplingInterval ?? 0, 22);
  records.forEach((r, i) => {
    const o = 24 + i * 48;
    encodeField(r.src, 4).copy(b, o);
    encodeField(r.dst, 4).copy(b, o + 4);
    encodeField(r.nextHop ?? '0.0.0.0', 4).copy(b, o + 8);
    b.writeUInt16BE(r.input ?? 0, o + 12);
    b.writeUInt16BE(r.output ?? 0, o + 14);
    b.writeUInt32BE(r.packets, o + 16);
    b.writeUInt32BE(r.octets, o + 20);
    b.writeUInt32BE(r.first, o + 24);
    b.writeUInt32BE(r.last, o + 28);
    b.writeUInt16BE(r.srcPort, o + 32);
    b.writeUInt16BE(r.dstPort, o + 34);
    b[o + 37] = r.tcpFlags ?? 0;
    b[o + 38] = r.protocol;
    b[o + 39] = r.tos ?? 0;
    b.writeUInt16BE(r.srcAs ?? 0, o + 40);
    b.writeUInt16BE(r.dstAs ?? 0, o + 42);
    b[o + 44] = r.srcMask ?? 0;
    b[o + 45] = r.dstMask ?? 0;
  });
  return b;
}
