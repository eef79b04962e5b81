// Walks the data records of one set with its template (RFC 7011 section 3.4.3, RFC 3954 section 5.3),
// including variable-length fields (section 7) and RFC 6313 structured data.
import { readValue } from './values';
import { VARIABLE_LENGTH, type Template } from './template-cache';
import type { IeRegistry } from './ie-registry';
import type { DecodeError, FlowRecord, RecordBuilder } from '../flow/types';

export interface RecordReadContext {
  registry: IeRegistry;
  /** Finds a template of the same domain, for subTemplateList / subTemplateMultiList. */
  lookupTemplate(id: number): Template | undefined;
  maxListDepth: number;
  errors: DecodeError[];
  /** Absolute offset of `buf[0]` in the datagram, for error positions. */
  baseOffset: number;
}

/** Reads one record starting at `off`; returns the offset after it, or -1 if it does not fit. */
export function readRecord(
  buf: Buffer, off: number, end: number, t: Template, rec: RecordBuilder, ctx: RecordReadContext, depth: number,
): number {
  const fields = t.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    let len = f.length;
    if (len === VARIABLE_LENGTH) {
      // RFC 7011 section 7: one length octet, or 255 followed by a two-octet length.
      if (off >= end) return -1;
      len = buf[off++];
      if (len === 255) {
        if (off + 2 > end) return -1;
        len = buf.readUInt16BE(off);
        off += 2;
      }
    }
    if (off + len > end) return -1;
    if (len > 0) {
      const name = f.ie.name;
      const value = readField(f.ie.type, buf, off, len, ctx, depth);
      const prev = rec[name];
      // Repeated IEs in one template (RFC 7011 section 3.4.1 allows them) become an array;
      // no single value is ever an array, so this is unambiguous.
      if (prev === undefined) rec[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else rec[name] = [prev, value];
    }
    off += len;
  }
  return off;
}

function readField(
  type: Template['fields'][number]['ie']['type'], buf: Buffer, off: number, len: number, ctx: RecordReadContext, depth: number,
): unknown {
  switch (type) {
    case 'basicList': case 'subTemplateList': case 'subTemplateMultiList':
      if (depth >= ctx.maxListDepth) {
        ctx.errors.push({ code: 'list-depth', message: `structured data nested deeper than ${ctx.maxListDepth}`, offset: ctx.baseOffset + off });
        return buf.subarray(off, off + len);
      }
      return readList(type, buf, off, off + len, ctx, depth + 1);
  }
  const v = readValue(type, buf, off, len);
  if (v === undefined) {
    // A length the type cannot have (e.g. a 3-octet address): keep the bytes, say so.
    return buf.subarray(off, off + len);
  }
  return v;
}

/** RFC 6313 section 4.5: list semantics and the three list encodings. */
function readList(
  type: 'basicList' | 'subTemplateList' | 'subTemplateMultiList', buf: Buffer, off: number, end: number, ctx: RecordReadContext, depth: number,
): unknown {
  if (end - off < 1) return { semantic: undefined };
  const semantic = buf[off++];
  if (type === 'basicList') {
    if (end - off < 4) return { semantic, error: 'truncated basicList header' };
    let id = buf.readUInt16BE(off);
    const elementLength = buf.readUInt16BE(off + 2);
    off += 4;
    let pen = 0;
    if (id & 0x8000) {
      if (end - off < 4) return { semantic, error: 'truncated basicList header' };
      id &= 0x7fff;
      pen = buf.readUInt32BE(off);
      off += 4;
    }
    const ie = ctx.registry.lookup(pen, id);
    const tpl: Template = { id: 0, fields: [{ ie, length: elementLength }], scopeFieldCount: 0, options: false, minRecordLength: 1, learnedAt: 0 };
    const values: unknown[] = [];
    while (off < end) {
      const rec: RecordBuilder = {};
      const next = readRecord(buf, off, end, tpl, rec, ctx, depth);
      if (next < 0 || next === off) break;
      values.push(rec[ie.name]);
      off = next;
    }
    return { semantic, element: ie.name, values };
  }
  if (type === 'subTemplateList') {
    if (end - off < 2) return { semantic, error: 'truncated subTemplateList header' };
    const templateId = buf.readUInt16BE(off);
    return { semantic, templateId, records: readSubRecords(buf, off + 2, end, templateId, ctx, depth) };
  }
  const lists: Array<{ templateId: number; records: FlowRecord[] }> = [];
  while (end - off >= 4) {
    const templateId = buf.readUInt16BE(off);
    const length = buf.readUInt16BE(off + 2);
    if (length < 4 || off + length > end) break;
    lists.push({ templateId, records: readSubRecords(buf, off + 4, off + length, templateId, ctx, depth) });
    off += length;
  }
  return { semantic, lists };
}

function readSubRecords(buf: Buffer, off: number, end: number, templateId: number, ctx: RecordReadContext, depth: number): FlowRecord[] {
  const t = ctx.lookupTemplate(templateId);
  if (!t) {
    ctx.errors.push({ code: 'missing-sub-template', message: `structured data refers to unknown template ${templateId}`, offset: ctx.baseOffset + off });
    return [];
  }
  const out: FlowRecord[] = [];
  if (t.minRecordLength === 0) return out;
  while (off < end) {
    const rec: RecordBuilder = {};
    const next = readRecord(buf, off, end, t, rec, ctx, depth);
    if (next < 0) break;
    out.push(rec as FlowRecord);
    off = next;
  }
  return out;
}
