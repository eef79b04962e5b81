// Compiles a template whose fields all have fixed lengths into one JavaScript function that reads
// a record at fixed offsets and returns an object literal (one hidden class per template), the
// "templates compile once into a fixed-offset reader" rule of DESIGN.md. Templates with
// variable-length fields, lists or repeated IEs use the generic walk in record-reader.ts.
// Uptime fields stay as they are on the wire: the time base is the enrich step's
// (enrich/exporter-options.ts).
import { ipv4, ipv6, mac, readUnsigned, readUnsigned64 as u64, readValue, text } from './values';
import { VARIABLE_LENGTH, type Template } from './template-cache';
import type { FlowRecord } from '../flow/types';

/** Values every record of a set shares, written into the record by the compiled reader. */
export interface RecordMeta {
  templateId: number;
  observationDomainId: number | undefined;
  exporter: string;
}

export type CompiledReader = (buf: Buffer, off: number, meta: RecordMeta) => FlowRecord;

const helpers = { ipv4, ipv6, mac, readUnsigned, readValue, text, u64 };

/** 32-bit big-endian read without Buffer's bounds/argument checks (the caller checked the length). */
function u32(at: string): string {
  return `(b[${at}] * 16777216 + ((b[${at} + 1] << 16) | (b[${at} + 2] << 8) | b[${at} + 3]))`;
}

function expression(type: string, len: number, at: string): string {
  switch (type) {
    case 'unsigned8': case 'unsigned16': case 'unsigned32': case 'unsigned64':
      if (len === 1) return `b[${at}]`;
      if (len === 2) return `((b[${at}] << 8) | b[${at} + 1])`;
      if (len === 3) return `((b[${at}] << 16) | (b[${at} + 1] << 8) | b[${at} + 2])`;
      if (len === 4) return u32(at);
      if (len === 8) return `H.u64(b, ${at})`;
      if (len <= 8) return `H.readUnsigned(b, ${at}, ${len})`;
      break;
    case 'ipv4Address':
      if (len === 4) return `H.ipv4(b, ${at})`;
      break;
    case 'ipv6Address':
      if (len === 16) return `H.ipv6(b, ${at})`;
      break;
    case 'macAddress':
      if (len === 6) return `H.mac(b, ${at})`;
      break;
    case 'dateTimeSeconds':
      if (len === 4) return u32(at);
      break;
    case 'dateTimeMilliseconds':
      if (len === 8) return `H.u64(b, ${at})`;
      break;
    case 'string':
      return `H.text(b, ${at}, ${at} + ${len})`;
    case 'boolean':
      // RFC 7011 section 6.1.5: 1 true, 2 false, anything else keeps its byte (as the walk does).
      if (len === 1) return `(b[${at}] === 1 ? true : b[${at}] === 2 ? false : b.subarray(${at}, ${at} + 1))`;
      break;
    case 'float32': case 'float64':
      if (len === 4) return `b.readFloatBE(${at})`;
      if (len === 8) return `b.readDoubleBE(${at})`;
      break;
  }
  // Everything else through the generic reader; a length the type cannot have keeps the bytes.
  return `(H.readValue(${JSON.stringify(type)}, b, ${at}, ${len}) ?? b.subarray(${at}, ${at} + ${len}))`;
}

/** A template's compiled reader, its fixed record length, and the keys of the records it makes, in order. */
export interface CompiledTemplate {
  read: CompiledReader;
  length: number;
  keys: readonly string[];
}

/** A compiled reader and the fixed record length, or undefined when the template needs the walk. */
export function compileTemplate(t: Template, exporterField: string): CompiledTemplate | undefined {
  const names = new Set<string>();
  const props: string[] = [];
  let offset = 0;
  for (const f of t.fields) {
    if (f.length === VARIABLE_LENGTH) return undefined;
    const type = f.ie.type;
    if (type === 'basicList' || type === 'subTemplateList' || type === 'subTemplateMultiList') return undefined;
    if (f.length > 0) {
      if (names.has(f.ie.name)) return undefined; // repeated IE: the walk builds the array
      names.add(f.ie.name);
      props.push(`${JSON.stringify(f.ie.name)}: ${expression(type, f.length, `o + ${offset}`)}`);
    }
    offset += f.length;
  }
  if (offset === 0) return undefined;
  props.push('templateId: m.templateId', 'observationDomainId: m.observationDomainId', `${JSON.stringify(exporterField)}: m.exporter`);
  // The body is built only from registry names (JSON-quoted) and numbers, never from packet data.
  const body = `return function read(b, o, m) { return { ${props.join(', ')} }; };`;
  const read = new Function('H', body)(helpers) as CompiledReader;
  // An element named like one of the last three (IANA has templateId, observationDomainId and
  // exporterIPv4Address) keeps its first place in the literal, with the later value.
  const keys = [...new Set([...names, 'templateId', 'observationDomainId', exporterField])];
  return { read, length: offset, keys };
}
