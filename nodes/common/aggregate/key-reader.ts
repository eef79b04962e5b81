// A record's key for one primitive set, without building a key string: a function compiled once per
// primitive set reads every primitive's value into an array and returns a 30-bit hash of them; the
// key table finds the entry by hash and compares the values. Building and hashing a joined string
// per record (and collecting it) cost more than the rest of the aggregation together.
// Field primitives are read inline, each at its own property-access site (one shared site turns
// megamorphic across fields); other primitives call their reader, one call site each.
import type { FlowRecord } from '../flow/types';
import { scalar, type Primitive, type PrimitiveValue, type RecordContext } from './primitives';

/** Fills `values` (one per primitive) and returns their hash, a small non-negative integer. */
export type KeyReader = (record: FlowRecord, context: RecordContext, values: PrimitiveValue[]) => number;

const FNV_PRIME = 0x01000193;

/**
 * A random start for one table's hashes: keys crafted to collide (long chains, a slow table) would
 * have to be made for a start they cannot know. Readers that feed one table must share it.
 */
export function hashSeed(): number {
  return (Math.random() * 0x100000000) | 0;
}

/** FNV-1a over a value (UTF-16 units of a string, the two 32-bit halves of a number), then a separator. */
export function hashValue(h: number, v: PrimitiveValue): number {
  if (typeof v === 'string') {
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), FNV_PRIME);
  } else if (typeof v === 'number') {
    h = Math.imul(h ^ (v | 0), FNV_PRIME);
    h = Math.imul(h ^ ((v / 4294967296) | 0), FNV_PRIME);
  }
  return Math.imul(h ^ 0x1f, FNV_PRIME);
}

/** True when two value lists are the same key (NaN is one value, as it was in a key string). */
export function sameValues(a: readonly PrimitiveValue[], b: readonly PrimitiveValue[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x !== y && (x === x || y === y)) return false;
  }
  return true;
}

/** The compiled reader of `primitives`' values (field names are quoted as JSON string literals). */
export function compileKeyReader(primitives: readonly Pick<Primitive, 'read' | 'fields'>[], seed: number): KeyReader {
  const lines: string[] = [];
  primitives.forEach((p, i) => {
    const f = p.fields;
    if (f && f.length > 0) {
      lines.push(`v = r[${JSON.stringify(f[0])}];`);
      for (const other of f.slice(1)) lines.push(`if (v === undefined || v === null) v = r[${JSON.stringify(other)}];`);
      lines.push('if (typeof v !== "string" && typeof v !== "number") v = scalar(v);');
    } else {
      lines.push(`v = read${i}(r, c);`);
    }
    lines.push(`values[${i}] = v;`, 'h = hashValue(h, v);');
  });
  const readers = primitives.map((_, i) => `read${i}`);
  const body = `return function readKey(r, c, values) {\nlet h = ${seed | 0}, v;\n${lines.join('\n')}\nreturn h & 0x3fffffff;\n};`;
  const factory = new Function('scalar', 'hashValue', ...readers, body) as (...args: unknown[]) => KeyReader;
  return factory(scalar, hashValue, ...primitives.map((p) => p.read));
}

/** The reader of another aggregator's rows: each primitive is the row's field of its name. */
export function compileRowKeyReader(primitives: readonly Pick<Primitive, 'name'>[], seed: number): KeyReader {
  return compileKeyReader(primitives.map((p) => ({ read: (r: FlowRecord) => scalar(r[p.name]), fields: [p.name] })), seed);
}
