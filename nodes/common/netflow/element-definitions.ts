// User information-element definitions written as text, one per line: "PEN ID NAME TYPE"
// (the flow nodes' "Element definitions" field). Parsed once, at node start, into the
// `elements` option of FlowDecoder.
//
// This module is also the flow nodes' editor check: the build wraps its compiled JavaScript into
// resources/element-definitions.js (scripts/build.mjs), which both editors load, so the rules live
// here only. It must therefore not import anything at run time (type imports are erased).
import type { IeDefinition } from './ie-registry';

/** IANA abstract data types (RFC 7012 section 3.1, RFC 6313 for the list types). */
export const ABSTRACT_TYPES = [
  'unsigned8', 'unsigned16', 'unsigned32', 'unsigned64', 'signed8', 'signed16', 'signed32', 'signed64',
  'float32', 'float64', 'boolean', 'macAddress', 'octetArray', 'string', 'dateTimeSeconds',
  'dateTimeMilliseconds', 'dateTimeMicroseconds', 'dateTimeNanoseconds', 'ipv4Address', 'ipv6Address',
  'basicList', 'subTemplateList', 'subTemplateMultiList',
] as const;

export type AbstractType = (typeof ABSTRACT_TYPES)[number];

const ABSTRACT_TYPE_SET: ReadonlySet<string> = new Set(ABSTRACT_TYPES);

export function isAbstractType(s: string): s is AbstractType {
  return ABSTRACT_TYPE_SET.has(s);
}

/** PENs are 32-bit (RFC 7011 section 3.2, field specifier "Enterprise Number"). */
const MAX_PEN = 0xffff_ffff;
/**
 * With a PEN, the element id has 15 bits: the top bit of the 16-bit field is the enterprise bit
 * (RFC 7011 section 3.2). PEN 0 covers IANA ids and NetFlow v9 ids, which use all 16 bits
 * (vendors put their own ids above 32767 since v9 has no enterprise bit, RFC 3954 section 6.2).
 */
const MAX_ENTERPRISE_ID = 0x7fff;
const MAX_PEN0_ID = 0xffff;
/** A record key the way IANA names look: an identifier, so `record.name` works downstream. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DECIMAL = /^\d+$/;

/** One bad line of an element-definitions text: its 1-based number and what is wrong with it. */
export interface ElementDefinitionProblem {
  line: number;
  problem: string;
}

/**
 * Reads element definitions, one per line: "PEN ID NAME TYPE", whitespace separated, TYPE an
 * IANA abstract data type (RFC 7012 section 3.1, RFC 6313). `#` starts a comment; blank lines are
 * ignored. Returns the good definitions and every bad line, so a user can fix the whole list at once.
 */
export function readElementDefinitions(text: string): { definitions: IeDefinition[]; problems: ElementDefinitionProblem[] } {
  const definitions: IeDefinition[] = [];
  const problems: ElementDefinitionProblem[] = [];
  const seen = new Map<string, number>();
  String(text ?? '').split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/#.*/, '').trim();
    if (!content) return;
    const fields = content.split(/\s+/);
    const problem = lineProblem(fields);
    if (problem) {
      problems.push({ line, problem });
      return;
    }
    const [pen, id, name, type] = [Number(fields[0]), Number(fields[1]), fields[2], fields[3] as AbstractType];
    const key = `${pen}/${id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      // A second definition would silently replace the first: almost certainly a typo.
      problems.push({ line, problem: `PEN ${pen} id ${id} is already defined on line ${first}` });
      return;
    }
    seen.set(key, line);
    definitions.push({ pen, id, name, type });
  });
  return { definitions, problems };
}

/** The definitions of a text; throws one Error naming every bad line (the nodes log it at start). */
export function parseElementDefinitions(text: string): IeDefinition[] {
  const { definitions, problems } = readElementDefinitions(text);
  if (problems.length) throw new Error(`element definitions: ${problems.map((p) => `line ${p.line}: ${p.problem}`).join('; ')}`);
  return definitions;
}

/** What is wrong with the fields of one definition line, or undefined when it is good. */
function lineProblem(fields: string[]): string | undefined {
  if (fields.length !== 4) return `expected 4 fields "PEN ID NAME TYPE", found ${fields.length}`;
  const [pen, id, name, type] = fields;
  if (!DECIMAL.test(pen) || Number(pen) > MAX_PEN) return `PEN "${pen}" is not a number from 0 to ${MAX_PEN}`;
  const maxId = Number(pen) === 0 ? MAX_PEN0_ID : MAX_ENTERPRISE_ID;
  if (!DECIMAL.test(id) || Number(id) > maxId) {
    return `id "${id}" is not a number from 0 to ${maxId}${Number(pen) === 0 ? '' : ' (15 bits with a PEN)'}`;
  }
  if (!NAME.test(name)) return `name "${name}" must be letters, digits and _ , not starting with a digit`;
  if (!isAbstractType(type)) return `type "${type}" is not an IANA abstract data type (unsigned32, string, ipv4Address, …)`;
  return undefined;
}
