// Readers for the IANA abstract data types (RFC 7011 section 6.1), including reduced-size
// encoding (RFC 7011 section 6.2: integers may be sent in fewer octets than their type).
import type { AbstractType } from './ie-registry';
import { ipv4ToString, ipv6ToString, macToString } from '../packet/text';
import { readUnsigned } from '../flow/integers';

// The integer readers are protocol-neutral (sFlow reads hypers with them too); the NetFlow/IPFIX
// readers keep importing them from here.
export { readUnsigned, readUnsigned64 } from '../flow/integers';

/** Longest string field whose text is memoised (interface and application names are short). */
const TEXT_MEMO_MAX = 64;
/** Recent short texts, by a hash of their octets (the same names come back in every options record). */
const textMemo: Array<string | undefined> = new Array(256).fill(undefined);

/**
 * A string field's text, up to the first NUL: exporters pad fixed-length strings with NULs
 * (softflowd's 16-octet interface names), which are not part of the value (tshark stops there too).
 * A short text seen before is returned from `textMemo`: Buffer#toString cost ~1,250 instructions
 * for a 16-octet name (cachegrind), the hash and the check a few hundred.
 */
export function text(buf: Buffer, start: number, end: number): string {
  // Searched within the field only (Buffer#indexOf has no end and would scan the rest of the datagram).
  let stop = start;
  let hash = 0;
  for (; stop < end; stop++) {
    const c = buf[stop];
    if (c === 0) break;
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  const n = stop - start;
  if (n === 0 || n > TEXT_MEMO_MAX) return buf.toString('utf8', start, stop);
  const i = hash >>> 24;
  const seen = textMemo[i];
  if (seen !== undefined && seen.length === n && sameAscii(seen, buf, start)) return seen;
  const s = buf.toString('utf8', start, stop);
  textMemo[i] = s;
  return s;
}

/**
 * Whether the `s.length` octets at `start` are ASCII and spell `s`: then their UTF-8 text is `s`.
 * (A decoded text as long as its octets holds only ASCII or U+FFFD, which no octet equals; the
 * ASCII test keeps that true whatever the memo holds.)
 */
function sameAscii(s: string, buf: Buffer, start: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = buf[start + i];
    if (c > 0x7f || s.charCodeAt(i) !== c) return false;
  }
  return true;
}

function readSigned(buf: Buffer, off: number, len: number): number | bigint {
  if (len <= 6) return buf.readIntBE(off, len);
  if (len === 8) {
    const v = buf.readBigInt64BE(off);
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  }
  // 7-octet reduced signed64: sign-extend through BigInt.
  const raw = BigInt.asIntN(56, BigInt(buf.readUIntBE(off, 3)) << 32n | BigInt(buf.readUInt32BE(off + 3)));
  return Number(raw);
}

/** Dotted quad; the packet module's table-built text, memoised per address (flows repeat them). */
export const ipv4: (buf: Buffer, off: number) => string = ipv4ToString;

/** IPv6 text per RFC 5952; the packet module's memoised form (flows repeat addresses too). */
export const ipv6: (buf: Buffer, off: number) => string = ipv6ToString;

/** "aa:bb:cc:dd:ee:ff", lower case (the packet module's memoised text). */
export const mac: (buf: Buffer, off: number) => string = macToString;

/** NTP-format timestamp (RFC 7011 section 6.1.10: seconds since 1900 + 2^-32 fractions). */
function ntpToIso(buf: Buffer, off: number, micro: boolean): string {
  const seconds = buf.readUInt32BE(off) - 2208988800;
  let fraction = buf.readUInt32BE(off + 4);
  // dateTimeMicroseconds ignores the low 11 bits of the fraction (section 6.1.9).
  if (micro) fraction &= ~0x7ff >>> 0;
  const digits = micro ? 6 : 9;
  const scaled = Number((BigInt(fraction) * 10n ** BigInt(digits)) >> 32n);
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(scaled).padStart(digits, '0')}Z`;
}

/**
 * Decodes one field. Returns undefined when the length does not suit the type (the caller
 * then keeps the raw bytes and reports it).
 */
export function readValue(type: AbstractType, buf: Buffer, off: number, len: number): unknown {
  switch (type) {
    case 'unsigned8': case 'unsigned16': case 'unsigned32': case 'unsigned64':
      return len >= 1 && len <= 8 ? readUnsigned(buf, off, len) : undefined;
    case 'signed8': case 'signed16': case 'signed32': case 'signed64':
      return len >= 1 && len <= 8 ? readSigned(buf, off, len) : undefined;
    case 'ipv4Address':
      return len === 4 ? ipv4(buf, off) : undefined;
    case 'ipv6Address':
      return len === 16 ? ipv6(buf, off) : undefined;
    case 'macAddress':
      return len === 6 ? mac(buf, off) : undefined;
    case 'string':
      return text(buf, off, off + len);
    case 'boolean':
      // RFC 7011 section 6.1.5: 1 is true, 2 is false; anything else is not a boolean.
      return len === 1 && (buf[off] === 1 || buf[off] === 2) ? buf[off] === 1 : undefined;
    case 'float32':
      return len === 4 ? buf.readFloatBE(off) : len === 8 ? buf.readDoubleBE(off) : undefined;
    case 'float64':
      return len === 8 ? buf.readDoubleBE(off) : len === 4 ? buf.readFloatBE(off) : undefined;
    // Seconds / milliseconds since the epoch as numbers, the IE's own value (RFC 7011 sections
    // 6.1.7-8): exact, the same after a JSON hop, and several times cheaper than a Date per field.
    case 'dateTimeSeconds':
      return len === 4 ? buf.readUInt32BE(off) : undefined;
    case 'dateTimeMilliseconds':
      return len === 8 ? readUnsigned(buf, off, 8) : undefined;
    case 'dateTimeMicroseconds':
      return len === 8 ? ntpToIso(buf, off, true) : undefined;
    case 'dateTimeNanoseconds':
      return len === 8 ? ntpToIso(buf, off, false) : undefined;
    default:
      return buf.subarray(off, off + len);
  }
}
