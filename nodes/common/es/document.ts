// Serialising documents for the bulk API: JSON with BigInts written as exact integers
// (Elasticsearch `unsigned_long` takes values up to 2^64-1, beyond what a JS number holds),
// and content-hash ids so a resent document overwrites itself instead of duplicating.
import { createHash, randomBytes } from 'node:crypto';

// A per-process marker no real string can contain by chance.
const marker = `\u0000bigint-${randomBytes(6).toString('hex')}:`;
const markerPattern = new RegExp(`"${JSON.stringify(marker).slice(1, -1).replace(/\\/g, '\\\\')}(-?\\d+)"`, 'g');

/** JSON text of a document; BigInt values become bare integer literals. */
export function serializeDocument(doc: unknown): string {
  // Most documents hold no BigInt: plain JSON.stringify is several times faster than with a
  // replacer, and it throws on the first BigInt, which sends the document the long way.
  try {
    const text = JSON.stringify(doc);
    if (text === undefined) throw new TypeError('document is not serialisable to JSON');
    return text;
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
  }
  let sawBigInt = false;
  const text = JSON.stringify(doc, (_key, value) => {
    if (typeof value === 'bigint') { sawBigInt = true; return marker + value.toString(); }
    return value;
  });
  if (text === undefined) throw new TypeError('document is not serialisable to JSON');
  return sawBigInt ? text.replace(markerPattern, '$1') : text;
}

/**
 * A stable id from the document's content: SHA-256 over JSON with keys sorted at every level,
 * base64url (43 characters, well under the 512-byte _id limit).
 */
export function contentHashId(doc: unknown): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  return serializeDocument(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, sortKeys(obj[k])]));
  }
  return value;
}
