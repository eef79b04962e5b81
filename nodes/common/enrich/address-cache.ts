// A bounded cache of per-address answers, as cheap on a hit as the per-record budget allows. IPv4
// addresses (most of the traffic) are parsed to their 32-bit number and kept in a 4-way
// set-associative table of typed-array keys — a hit is a parse, a multiply and a compare, with no
// allocation; each set keeps its ways most recently used first, so a new address takes the least
// recently used way of its set, and four ways make it rare that two busy addresses keep evicting
// each other (with two ways, that cost a full database lookup on about 1% of hits). Other
// addresses (IPv6) go to an LRU keyed by the text.
import * as textExports from '../packet/text';
import { LruCache, type LruCounters } from './lru';

// Called for every address: bound once when the module loads (under the tsx loader of the tests
// and benches each use of an imported name is an accessor call).
const { ipv4Bits, NOT_IPV4 } = textExports;

/** Ways per set: a power of two. */
const WAY_BITS = 2;
const WAYS = 1 << WAY_BITS;

export class AddressCache<V> {
  private readonly keys: Int32Array;
  /** undefined marks a free way; the used ways of a set come first. */
  private readonly values: Array<V | undefined>;
  private readonly shift: number;
  private readonly other: LruCache<string, V>;
  private used = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  /**
   * `size`: IPv4 addresses kept in a table of `size` rounded up to a power of two, and as many
   * other addresses in the LRU (0 keeps nothing). The table has at least two sets.
   */
  constructor(size: number) {
    this.other = new LruCache(size);
    const bits = size === 0 ? 0 : Math.max(WAY_BITS + 1, Math.ceil(Math.log2(size)));
    this.keys = new Int32Array(size === 0 ? 0 : 2 ** bits);
    this.values = new Array<V | undefined>(this.keys.length).fill(undefined);
    this.shift = 32 - (bits - WAY_BITS);
  }

  /** The value cached for the address, else what `compute` says (then cached). */
  get(address: string, compute: (address: string) => V): V {
    const key = ipv4Bits(address);
    if (key === NOT_IPV4) {
      let value = this.other.get(address);
      if (value === undefined) {
        value = compute(address);
        this.other.set(address, value);
      }
      return value;
    }
    const keys = this.keys;
    const values = this.values;
    if (keys.length === 0) {
      this.misses++;
      return compute(address);
    }
    // Fibonacci hashing spreads neighbouring addresses over the sets.
    const first = (Math.imul(key, 0x9e3779b1) >>> this.shift) << WAY_BITS;
    const front = values[first];
    if (front !== undefined && keys[first] === key) {
      this.hits++;
      return front;
    }
    let way = first + 1;
    const end = first + WAYS;
    while (way < end) {
      const value = values[way];
      if (value === undefined) break;
      if (keys[way] === key) {
        this.hits++;
        this.toFront(first, way, key, value);
        return value;
      }
      way++;
    }
    this.misses++;
    const value = compute(address);
    if (way < end) this.used++;
    else {
      this.evictions++;
      way = end - 1;
    }
    this.toFront(first, way, key, value);
    return value;
  }

  /** Moves the ways before `way` one down (over `way`) and puts the entry first. */
  private toFront(first: number, way: number, key: number, value: V): void {
    const keys = this.keys;
    const values = this.values;
    for (let w = way; w > first; w--) {
      keys[w] = keys[w - 1];
      values[w] = values[w - 1];
    }
    keys[first] = key;
    values[first] = value;
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
