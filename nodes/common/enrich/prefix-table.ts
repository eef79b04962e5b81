// Longest-prefix match over IPv4 and IPv6 CIDRs: one hash map per prefix length, probed from the
// longest length down, so a lookup costs one mask and one map probe per distinct length in use.
import { isIPv4, isIPv6 } from 'node:net';
import * as textExports from '../packet/text';

// Called per lookup: bound once when the module loads (under the tsx loader each use of an
// imported name is an accessor call).
const { ipv4Number, ipv6Bytes } = textExports;
// Part of the library's enrich exports since before it moved to packet/text.ts.
export { ipv4Number } from '../packet/text';

interface Family<T> {
  /** Prefix lengths in use, longest first. */
  lengths: number[];
  byLength: Map<number, Map<string, T>>;
}

export interface Cidr {
  address: string;
  length: number;
  v6: boolean;
}

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Throws a readable error. */
export function parseCidr(text: string): Cidr {
  const [address, bits, extra] = text.trim().split('/');
  const v6 = isIPv6(address);
  if (extra !== undefined || (!v6 && !isIPv4(address))) throw new Error(`"${text}" is not an IP address or CIDR prefix`);
  const max = v6 ? 128 : 32;
  const length = bits === undefined ? max : Number(bits);
  if (!/^\d+$/.test(bits ?? String(max)) || length > max) throw new Error(`"${text}": prefix length must be 0..${max}`);
  return { address, length, v6 };
}

export class PrefixTable<T> {
  private readonly v4: Family<T> = { lengths: [], byLength: new Map() };
  private readonly v6: Family<T> = { lengths: [], byLength: new Map() };
  size = 0;

  /** Adds a prefix; a later duplicate of the same prefix replaces the earlier one. */
  add(cidr: string | Cidr, value: T): void {
    const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
    const family = c.v6 ? this.v6 : this.v4;
    const words = addressWords(c.address, c.v6)!;
    let map = family.byLength.get(c.length);
    if (!map) {
      map = new Map();
      family.byLength.set(c.length, map);
      family.lengths.push(c.length);
      family.lengths.sort((a, b) => b - a);
    }
    const key = maskedKey(words, c.length);
    if (!map.has(key)) this.size++;
    map.set(key, value);
  }

  /** The value of the longest prefix holding the address, or undefined (also for text that is no address). */
  lookup(address: string): T | undefined {
    const v6 = address.includes(':');
    const family = v6 ? this.v6 : this.v4;
    if (family.lengths.length === 0) return undefined;
    const words = addressWords(address, v6);
    if (!words) return undefined;
    for (const length of family.lengths) {
      const hit = family.byLength.get(length)!.get(maskedKey(words, length));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

function addressWords(address: string, v6: boolean): number[] | undefined {
  if (v6) return ipv6Words(address);
  const n = ipv4Number(address);
  return n === undefined ? undefined : [n];
}

/** IPv6 text (any RFC 4291 form, IPv4 tail allowed) -> four 32-bit words. */
function ipv6Words(address: string): number[] | undefined {
  const b = ipv6Bytes(address);
  return b && [b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)];
}

function maskedKey(words: number[], length: number): string {
  if (words.length === 1) return String(length === 0 ? 0 : (words[0] & (0xffffffff << (32 - length))) >>> 0);
  let key = '';
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, length - i * 32));
    const word = bits === 0 ? 0 : (words[i] & (0xffffffff << (32 - bits))) >>> 0;
    key += i ? `:${word}` : String(word);
  }
  return key;
}
