// Text forms of link-layer and IP addresses, built from lookup tables (no per-byte toString),
// and the IPv6 text parser.
import { isIPv6 } from 'node:net';

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));
// With the separator already attached, an address takes about half as many concatenations
// (each one allocates a string): measured ~40% faster per address.
const HEX2_COLON: string[] = HEX2.map((h) => h + ':');
const DEC_DOT: string[] = DEC.map((d) => d + '.');

/** A 16-bit field in hex without leading zeros (RFC 5952 4.1), lowercase (4.3). */
function hex16(x: number): string {
  return x < 256 ? HEX1[x] : (x >> 8 < 16 ? HEX1[x >> 8] : HEX2[x >> 8]) + HEX2[x & 0xff];
}
const HEX1: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));

// Memo of address text per hash slot (direct-mapped, CACHE_SIZE slots per address kind).
// Traffic repeats its addresses (every packet of a flow carries the same two), and building an
// address takes 4-6 string concatenations (each one an allocation) where a hit takes a few
// integer compares. Strings are immutable, so handing out the same one is safe; the text is
// always the one the formatter below builds (the key is the full address, compared exactly).
// A text is kept only when its address comes back to the slot twice in a row (the candidate
// key, plain integers, remembers the last miss): with addresses that never repeat (a scan,
// spoofed sources) storing every new string in the long-lived table costs more than it saves.
const CACHE_BITS = 10;
const CACHE_SIZE = 1 << CACHE_BITS;
const CACHE_SHIFT = 32 - CACHE_BITS;
const macKeyHi = new Int32Array(CACHE_SIZE);
const macKeyLo = new Int32Array(CACHE_SIZE);
const macSeenHi = new Int32Array(CACHE_SIZE);
const macSeenLo = new Int32Array(CACHE_SIZE);
const macText: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);
const v4Key = new Int32Array(CACHE_SIZE);
const v4Seen = new Int32Array(CACHE_SIZE);
const v4Text: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);
const v6Key = new Int32Array(CACHE_SIZE * 4);
const v6Seen = new Int32Array(CACHE_SIZE * 4);
const v6Text: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);

/** "aa:bb:cc:dd:ee:ff" for the 6 bytes at `o`. */
export function macToString(b: Buffer, o: number): string {
  const hi = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  const lo = (b[o + 4] << 8) | b[o + 5];
  const i = Math.imul(hi ^ Math.imul(lo, 0x85ebca6b), 0x9e3779b1) >>> CACHE_SHIFT;
  const cached = macText[i];
  if (cached !== undefined && macKeyHi[i] === hi && macKeyLo[i] === lo) return cached;
  const s = formatMac(b, o);
  if (macSeenHi[i] === hi && macSeenLo[i] === lo) {
    macKeyHi[i] = hi;
    macKeyLo[i] = lo;
    macText[i] = s;
  } else {
    macSeenHi[i] = hi;
    macSeenLo[i] = lo;
  }
  return s;
}

function formatMac(b: Buffer, o: number): string {
  return HEX2_COLON[b[o]] + HEX2_COLON[b[o + 1]] + HEX2_COLON[b[o + 2]] + HEX2_COLON[b[o + 3]] + HEX2_COLON[b[o + 4]] + HEX2[b[o + 5]];
}

/** Colon-separated hex of `length` bytes (link-layer addresses of other lengths, e.g. SLL). */
export function hexBytes(b: Buffer, o: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += (i ? ':' : '') + HEX2[b[o + i]];
  return s;
}

/** Dotted-quad for the 4 bytes at `o`. */
export function ipv4ToString(b: Buffer, o: number): string {
  const k = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  const i = Math.imul(k, 0x9e3779b1) >>> CACHE_SHIFT;
  const cached = v4Text[i];
  if (cached !== undefined && v4Key[i] === k) return cached;
  const s = formatIpv4(b, o);
  if (v4Seen[i] === k) {
    v4Key[i] = k;
    v4Text[i] = s;
  } else {
    v4Seen[i] = k;
  }
  return s;
}

function formatIpv4(b: Buffer, o: number): string {
  return DEC_DOT[b[o]] + DEC_DOT[b[o + 1]] + DEC_DOT[b[o + 2]] + DEC[b[o + 3]];
}

/**
 * RFC 5952 canonical text of the 16 bytes at `o`:
 *  4.1 no leading zeros in a 16-bit field; 4.2.1 "::" shortens as much as possible;
 *  4.2.2 never "::" for a single zero field; 4.2.3 the longest run, the first one on a tie;
 *  4.3 lowercase; 5 IPv4-mapped addresses (::ffff:0:0/96) end in dotted-quad.
 * The deprecated IPv4-compatible form (RFC 4291 2.5.5.1, ::a.b.c.d with the 7th field non-zero)
 * is also written dotted, as inet_ntop, tshark and Node's net.SocketAddress all do.
 */
export function ipv6ToString(b: Buffer, o: number): string {
  const k0 = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  const k1 = (b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7];
  const k2 = (b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11];
  const k3 = (b[o + 12] << 24) | (b[o + 13] << 16) | (b[o + 14] << 8) | b[o + 15];
  const i = Math.imul(Math.imul(Math.imul(k0, 0x85ebca6b) ^ k1, 0xc2b2ae35) ^ Math.imul(k2, 0x27d4eb2f) ^ k3, 0x9e3779b1) >>> CACHE_SHIFT;
  const cached = v6Text[i];
  const j = i * 4;
  if (cached !== undefined && v6Key[j] === k0 && v6Key[j + 1] === k1 && v6Key[j + 2] === k2 && v6Key[j + 3] === k3) return cached;
  const s = formatIpv6(b, o);
  if (v6Seen[j] === k0 && v6Seen[j + 1] === k1 && v6Seen[j + 2] === k2 && v6Seen[j + 3] === k3) {
    v6Key[j] = k0;
    v6Key[j + 1] = k1;
    v6Key[j + 2] = k2;
    v6Key[j + 3] = k3;
    v6Text[i] = s;
  } else {
    v6Seen[j] = k0;
    v6Seen[j + 1] = k1;
    v6Seen[j + 2] = k2;
    v6Seen[j + 3] = k3;
  }
  return s;
}

function formatIpv6(b: Buffer, o: number): string {
  const g0 = (b[o] << 8) | b[o + 1];
  const g1 = (b[o + 2] << 8) | b[o + 3];
  const g2 = (b[o + 4] << 8) | b[o + 5];
  const g3 = (b[o + 6] << 8) | b[o + 7];
  const g4 = (b[o + 8] << 8) | b[o + 9];
  const g5 = (b[o + 10] << 8) | b[o + 11];
  const g6 = (b[o + 12] << 8) | b[o + 13];
  if ((g0 | g1 | g2 | g3 | g4) === 0) {
    if (g5 === 0xffff) return '::ffff:' + formatIpv4(b, o + 12);
    if (g5 === 0 && g6 !== 0) return '::' + formatIpv4(b, o + 12);
  }
  const g = [g0, g1, g2, g3, g4, g5, g6, (b[o + 14] << 8) | b[o + 15]];
  let bestStart = -1;
  let bestLen = 1; // a run must be at least 2 fields long (4.2.2)
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && i !== bestStart + bestLen) s += ':';
    s += hex16(g[i]);
  }
  return s;
}

/** What `ipv4Bits` returns for text that is not a dotted quad: outside the int32 range, so no address has it. */
export const NOT_IPV4 = 2 ** 32;

/**
 * A dotted quad's 32 bits as a signed int (the loop stays in int32 arithmetic, so it boxes no
 * number; `>>> 0` gives the unsigned value), NOT_IPV4 for anything else. It serves the enrich
 * step's prefix tables, through `ipv4Number`: the networks table (in FlowEnricher only on a miss
 * of its per-address cache, which is keyed by the address text and parses nothing: see
 * enrich/address-cache.ts), the sampling defaults and overrides, looked up by exporter address,
 * and flow aggregate's record filter.
 */
export function ipv4Bits(address: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return NOT_IPV4;
      value = (value << 8) | part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return NOT_IPV4;
  }
  if (dots !== 3 || digits === 0 || part > 255) return NOT_IPV4;
  return (value << 8) | part;
}

/** Dotted quad -> unsigned 32-bit number, undefined for anything else. */
export function ipv4Number(address: string): number | undefined {
  const bits = ipv4Bits(address);
  return bits === NOT_IPV4 ? undefined : bits >>> 0;
}

/**
 * The 16 bytes of an IPv6 address text in any RFC 4291 section 2.2 form ("::", an IPv4 tail,
 * a "%zone" suffix, which is dropped), undefined when the text is not one. The one IPv6 text
 * parser of the pack: filters, networks, prefix tables, the exporter allow-list, Community ID and
 * the test encoders all read IPv6 text through it (or through `writeIpv6Bytes`).
 */
export function ipv6Bytes(text: string): Buffer | undefined {
  const b = Buffer.alloc(16);
  return writeIpv6Bytes(text, b, 0) ? b : undefined;
}

/** `ipv6Bytes` into `out` at `at` (a caller's scratch buffer); false, writing nothing, when the text is not IPv6. */
export function writeIpv6Bytes(text: string, out: Buffer, at: number): boolean {
  const zone = text.indexOf('%');
  const address = zone < 0 ? text : text.slice(0, zone);
  if (!isIPv6(address)) return false;
  let groups = address;
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.', lastColon)) {
    // An IPv4 tail (::ffff:1.2.3.4) becomes the last two groups; isIPv6 has checked its form.
    const o = address.slice(lastColon + 1).split('.').map(Number);
    groups = `${address.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = groups.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const all = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  for (let k = 0; k < 8; k++) out.writeUInt16BE(parseInt(all[k], 16), at + k * 2);
  return true;
}
