// A bounded least-recently-used map with counts, for the enrichment caches (addresses repeat a lot
// in real traffic). A Map keeps insertion order, so re-inserting on a hit makes it an LRU; to keep
// hits cheap, an entry is re-inserted only once it has drifted into the older half of the map
// (an approximation of LRU that evicts the same cold entries).

export interface LruCounters {
  size: number;
  hits: number;
  misses: number;
  evictions: number;
}

export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; tick: number }>();
  /** Insertions so far: an entry's tick says how far back it was (re)inserted. */
  private tick = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 0) throw new Error(`cache size must be a whole number >= 0, got ${max}`);
  }

  /** The cached value, or undefined (a miss is counted). */
  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (this.tick - entry.tick > this.max >> 1) {
      this.map.delete(key);
      entry.tick = ++this.tick;
      this.map.set(key, entry);
    }
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.max === 0) return;
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
      this.evictions++;
    }
    this.map.set(key, { value, tick: ++this.tick });
  }

  clear(): void {
    this.map.clear();
  }

  counters(): LruCounters {
    return { size: this.map.size, hits: this.hits, misses: this.misses, evictions: this.evictions };
  }
}
