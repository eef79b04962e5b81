// A bounded cache of per-address answers, as cheap on a hit as the per-record budget allows. IPv4
// addresses (most of the traffic) are parsed to their 32-bit number and kept in a two-way
// set-associative table of typed-array keys — a hit is a parse, a multiply and one or two compares,
// about twice as fast as a Map probe on the text; a new address takes the older entry of its pair's
// slot. Other addresses (IPv6) go to an LRU keyed by the text.
import { LruCache, type LruCounters } from './lru';
import { ipv4Number } from './prefix-table';

export class AddressCache<V> {
  private readonly keys: Int32Array;
  /** undefined marks a free slot. */
  private readonly values: Array<V | undefined>;
  private readonly shift: number;
  private readonly other: LruCache<string, V>;
  private used = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  /**
   * `size`: IPv4 addresses kept in a table of `size` rounded up to a power of two, and as many
   * other addresses in the LRU (0 keeps nothing). The table has at least one pair of slots.
   */
  constructor(size: number) {
    this.other = new LruCache(size);
    const bits = size === 0 ? 0 : Math.max(1, Math.ceil(Math.log2(size)));
    this.keys = new Int32Array(size === 0 ? 0 : 2 ** bits);
    this.values = new Array<V | undefined>(this.keys.length).fill(undefined);
    this.shift = 32 - bits;
  }

  /** The value cached for the address, else what `compute` says (then cached). */
  get(address: string, compute: (address: string) => V): V {
    const n = ipv4Number(address);
    if (n === undefined) {
      let value = this.other.get(address);
      if (value === undefined) {
        value = compute(address);
        this.other.set(address, value);
      }
      return value;
    }
    if (this.keys.length === 0) {
      this.misses++;
      return compute(address);
    }
    const key = n | 0;
    // Fibonacci hashing spreads neighbouring addresses; the low bit picks the way within the pair.
    const i = (Math.imul(key, 0x9e3779b1) >>> this.shift) & ~1;
    const keys = this.keys;
    const values = this.values;
    const first = values[i];
    if (first !== undefined && keys[i] === key) {
      this.hits++;
      return first;
    }
    const second = values[i + 1];
    if (second !== undefined && keys[i + 1] === key) {
      this.hits++;
      // The most recently used entry of a pair sits first, so a new one replaces the older.
      keys[i + 1] = keys[i];
      values[i + 1] = first;
      keys[i] = key;
      values[i] = second;
      return second;
    }
    this.misses++;
    const value = compute(address);
    if (first === undefined || second === undefined) this.used++;
    else this.evictions++;
    if (first !== undefined) {
      keys[i + 1] = keys[i];
      values[i + 1] = first;
    }
    keys[i] = key;
    values[i] = value;
    return value;
  }

  clear(): void {
    this.values.fill(undefined);
    this.used = 0;
    this.other.clear();
  }

  counters(): LruCounters {
    const o = this.other.counters();
    return { size: this.used + o.size, hits: this.hits + o.hits, misses: this.misses + o.misses, evictions: this.evictions + o.evictions };
  }
}
