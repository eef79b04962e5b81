// Parses template and options-template records: NetFlow v9 sets 0/1 (RFC 3954 sections 5.2, 6.1)
// and IPFIX sets 2/3 (RFC 7011 sections 3.4.1, 3.4.2), including IPFIX withdrawal (section 8.1).
import type { IeDefinition, IeRegistry } from './ie-registry';
import { minRecordLength, type Template, type TemplateField } from './template-cache';
import type { DecodeError } from '../flow/types';
import { SET_ID } from './wire';

/** RFC 3954 section 6.1: v9 options scope field types. */
const V9_SCOPE_NAMES: Record<number, string> = { 1: 'scopeSystem', 2: 'scopeInterface', 3: 'scopeLineCard', 4: 'scopeCache', 5: 'scopeTemplate' };

export type TemplateItem =
  | { kind: 'template'; template: Template }
  | { kind: 'withdraw'; templateId: number | 'all-data' | 'all-options' };

interface ParseInput {
  buf: Buffer;
  /** Start and end of the set body (after the 4-octet set header). */
  start: number;
  end: number;
  setId: number;
  registry: IeRegistry;
  now: number;
  errors: DecodeError[];
}

function reservedId(id: number, errors: DecodeError[], off: number): boolean {
  if (id >= SET_ID.firstData) return false;
  errors.push({ code: 'template-id-reserved', message: `template id ${id} is below 256 (reserved for set ids)`, offset: off });
  return true;
}

function makeTemplate(id: number, fields: TemplateField[], scopeFieldCount: number, options: boolean, now: number): Template {
  return { id, fields, scopeFieldCount, options, minRecordLength: minRecordLength(fields), learnedAt: now };
}

/** NetFlow v9 template (set 0) and options template (set 1) records. */
export function parseV9TemplateSet(p: ParseInput): TemplateItem[] {
  const { buf, end, errors, registry } = p;
  const items: TemplateItem[] = [];
  let off = p.start;
  const options = p.setId === SET_ID.netflow9OptionsTemplate;
  // Sets are padded to 4 octets; anything shorter than a record header is padding.
  while (end - off >= (options ? 6 : 4)) {
    const id = buf.readUInt16BE(off);
    if (!options) {
      const count = buf.readUInt16BE(off + 2);
      off += 4;
      if (id === 0 && count === 0) break; // zero padding
      if (count === 0) {
        errors.push({ code: 'empty-template', message: `v9 template ${id} has no fields`, offset: off - 4 });
        continue;
      }
      if (off + count * 4 > end) {
        errors.push({ code: 'truncated', message: `v9 template ${id} declares ${count} fields past the set end`, offset: off - 4 });
        break;
      }
      const fields: TemplateField[] = [];
      for (let i = 0; i < count; i++, off += 4) {
        fields.push({ ie: registry.lookup(0, buf.readUInt16BE(off), true), length: buf.readUInt16BE(off + 2) });
      }
      if (!reservedId(id, errors, off)) items.push({ kind: 'template', template: makeTemplate(id, fields, 0, false, p.now) });
      continue;
    }
    const scopeBytes = buf.readUInt16BE(off + 2);
    const optionBytes = buf.readUInt16BE(off + 4);
    off += 6;
    if (id === 0 && scopeBytes === 0 && optionBytes === 0) break;
    if (scopeBytes % 4 !== 0 || optionBytes % 4 !== 0 || off + scopeBytes + optionBytes > end) {
      errors.push({ code: 'bad-options-template', message: `v9 options template ${id}: scope ${scopeBytes} / option ${optionBytes} octets do not fit the set`, offset: off - 6 });
      break;
    }
    if (scopeBytes + optionBytes === 0) {
      errors.push({ code: 'empty-template', message: `v9 options template ${id} has no fields`, offset: off - 6 });
      continue;
    }
    const fields: TemplateField[] = [];
    for (let i = 0; i < scopeBytes; i += 4, off += 4) {
      const type = buf.readUInt16BE(off);
      const ie: IeDefinition = { pen: 0, id: type, name: V9_SCOPE_NAMES[type] ?? `scope${type}`, type: 'unsigned64' };
      const length = buf.readUInt16BE(off + 2);
      fields.push({ ie: length > 8 ? { ...ie, type: 'octetArray' } : ie, length });
    }
    for (let i = 0; i < optionBytes; i += 4, off += 4) {
      fields.push({ ie: registry.lookup(0, buf.readUInt16BE(off), true), length: buf.readUInt16BE(off + 2) });
    }
    if (!reservedId(id, errors, off)) items.push({ kind: 'template', template: makeTemplate(id, fields, scopeBytes / 4, true, p.now) });
  }
  return items;
}

/** IPFIX template (set 2) and options template (set 3) records. */
export function parseIpfixTemplateSet(p: ParseInput): TemplateItem[] {
  const { buf, end, errors, registry } = p;
  const items: TemplateItem[] = [];
  const options = p.setId === SET_ID.ipfixOptionsTemplate;
  let off = p.start;
  while (end - off >= 4) {
    const id = buf.readUInt16BE(off);
    const count = buf.readUInt16BE(off + 2);
    if (count === 0) {
      // Withdrawal (section 8.1); template id 2/3 withdraws every template of that kind.
      if (id === 0) break; // padding
      off += 4;
      items.push({ kind: 'withdraw', templateId: id === SET_ID.ipfixTemplate ? 'all-data' : id === SET_ID.ipfixOptionsTemplate ? 'all-options' : id });
      continue;
    }
    let scopeCount = 0;
    off += 4;
    if (options) {
      if (end - off < 2) { errors.push({ code: 'truncated', message: `options template ${id} header cut short`, offset: off }); break; }
      scopeCount = buf.readUInt16BE(off);
      off += 2;
      if (scopeCount === 0 || scopeCount > count) {
        errors.push({ code: 'bad-options-template', message: `options template ${id} has scope field count ${scopeCount} of ${count}`, offset: off - 6 });
        break;
      }
    }
    const fields: TemplateField[] = [];
    let ok = true;
    for (let i = 0; i < count; i++) {
      if (end - off < 4) { ok = false; break; }
      let ieId = buf.readUInt16BE(off);
      const length = buf.readUInt16BE(off + 2);
      off += 4;
      let pen = 0;
      if (ieId & 0x8000) {
        if (end - off < 4) { ok = false; break; }
        ieId &= 0x7fff;
        pen = buf.readUInt32BE(off);
        off += 4;
      }
      fields.push({ ie: registry.lookup(pen, ieId), length });
    }
    if (!ok) {
      errors.push({ code: 'truncated', message: `template ${id} declares ${count} fields past the set end`, offset: off });
      break;
    }
    if (!reservedId(id, errors, off)) items.push({ kind: 'template', template: makeTemplate(id, fields, scopeCount, options, p.now) });
  }
  return items;
}
