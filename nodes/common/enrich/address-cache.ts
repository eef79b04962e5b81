// A bounded cache of per-address answers, keyed by the address text itself: a hit parses nothing.
// The decoder hands out the same string object for an address it sees often (its address text
// memo), so a hit on a busy address is a Map probe whose hash is already stored in the string and
// whose key compares equal by identity. Parsing the text instead (to look up an IPv4 number in a
// table) read it character by character, and addresses of 13 characters or more are V8 cons
// strings, slow to read that way: measured with cachegrind on the bench's traffic (three runs
// each), the whole step took 1,950-2,050 instructions per record with the parse and 820-930 with
// the text as key; with a new string object for every record (the decoder's memo missing) 2,778
// and 2,893 (one run each).
import { LruCache, type LruCounters } from './lru';

export class AddressCache<V> {
  private readonly lru: LruCache<string, V>;

  /** `size`: addresses kept, least recently used dropped first (0 keeps nothing). */
  constructor(size: number) {
    this.lru = new LruCache(size);
  }

  /** The value cached for the address, else what `compute` says (then cached). */
  get(address: string, compute: (address: string) => V): V {
    let value = this.lru.get(address);
    if (value === undefined) {
      value = compute(address);
      this.lru.set(address, value);
    }
    return value;
  }

  clear(): void {
    this.lru.clear();
  }

  counters(): LruCounters {
    return this.lru.counters();
  }
}
