// A bounded least-recently-used map with counts, for the enrichment caches (addresses repeat a lot
// in real traffic; a Map keeps insertion order, so re-inserting on a hit makes it an LRU).

export interface LruCounters {
  size: number;
  hits: number;
  misses: number;
  evictions: number;
}

export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 0) throw new Error(`cache size must be a whole number >= 0, got ${max}`);
  }

  /** The cached value, or undefined (a miss is counted). */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Refresh recency only when the map is near full: re-inserting costs, and order matters only for eviction.
    if (this.map.size >= this.max >> 1) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    if (this.max === 0) return;
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
      this.evictions++;
    }
    this.map.set(key, value);
  }

  clear(): void {
    this.map.clear();
  }

  counters(): LruCounters {
    return { size: this.map.size, hits: this.hits, misses: this.misses, evictions: this.evictions };
  }
}
