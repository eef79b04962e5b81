// Per-exporter state (template domains, sequence tracks, sFlow agents and sources, v5 engines),
// keyed by what a datagram says: its source address and a number for the rest of the scope.
// Anyone can send datagrams with new addresses, domains or sub-agents, so every such table is
// bounded: at its limit the least recently used entry goes (counted as evicted, or as expired
// when it was idle longer than the TTL), so a new exporter is never locked out by old ones.
// Lookups find the entry without building a key string: the address text keeps its hash, and
// one exact number holds the rest of the scope (see scopeNumber).

/** Protocol codes for `scopeNumber`: one per sequence/template namespace. */
export const SCOPE_PROTOCOL = { netflow1: 1, netflow5: 2, netflow7: 3, netflow9: 4, ipfix: 5, sflow5: 6 } as const;

/**
 * Protocol (3 bits), port (16 bits, 0 unless the scope includes it) and a 32-bit domain / source
 * id / sub-agent in one number: at most 2^51, so exact in a double.
 */
export function scopeNumber(protocol: number, port: number, domain: number): number {
  return (protocol * 65536 + port) * 4294967296 + domain;
}

/** Template / sequence scope as text (stats, persisted templates): protocol, exporter (+ port) and domain. */
export function domainKey(protocol: string, address: string, port: number, domain: number, byPort: boolean): string {
  return byPort ? `${protocol}:${address}:${port}/${domain}` : `${protocol}:${address}/${domain}`;
}

/** The parts of a `domainKey` text (IPv6 addresses hold colons: the port is the last part when `byPort`). */
export function parseDomainKey(key: string, byPort: boolean): { protocol: string; address: string; port: number; domain: number } | undefined {
  const colon = key.indexOf(':');
  const slash = key.lastIndexOf('/');
  if (colon < 0 || slash < colon) return undefined;
  let address = key.slice(colon + 1, slash);
  let port = 0;
  if (byPort) {
    const p = address.lastIndexOf(':');
    if (p < 0) return undefined;
    port = Number(address.slice(p + 1));
    address = address.slice(0, p);
  }
  const domain = Number(key.slice(slash + 1));
  if (!address || !Number.isInteger(domain) || !Number.isInteger(port)) return undefined;
  return { protocol: key.slice(0, colon), address, port, domain };
}

interface Entry<T> {
  address: string;
  scope: number;
  value: T;
  lastUsed: number;
  /** `added` when it was last moved to the newest end. */
  moved: number;
  /** Towards the most recently used end. */
  newer?: Entry<T>;
  /** Towards the least recently used end. */
  older?: Entry<T>;
}

export interface StateIndexStats {
  entries: number;
  limit: number;
  /** Removed to make room while still in use (the limit is too small, or someone floods new keys). */
  evicted: number;
  /** Removed after being idle longer than the TTL. */
  expired: number;
}

export class StateIndex<T> {
  private readonly byAddress = new Map<string, Map<number, Entry<T>>>();
  private newest?: Entry<T>;
  private oldest?: Entry<T>;
  private count = 0;
  private evicted = 0;
  private expired = 0;
  /** Entries added so far (the clock of `moved`). */
  private added = 0;
  private readonly relinkAfter: number;

  /**
   * @param limit most entries kept
   * @param ttlMs an entry idle this long is removed when room is needed or on `sweep`
   * @param onRemove called for each entry evicted or expired (to count what it held)
   */
  constructor(private readonly limit: number, private readonly ttlMs: number, private readonly onRemove?: (value: T) => void) {
    this.relinkAfter = Math.floor(limit / 4);
  }

  get size(): number {
    return this.count;
  }

  find(address: string, scope: number, now: number): T | undefined {
    const e = this.byAddress.get(address)?.get(scope);
    if (!e) return undefined;
    e.lastUsed = now;
    // Moved to the newest end only once it may have drifted a quarter of the way to eviction
    // (entries added since it last moved): an entry in use is never evicted, and a steady stream
    // of known exporters costs a map lookup, no relinking.
    if (this.added - e.moved > this.relinkAfter) {
      e.moved = this.added;
      this.unlink(e);
      this.link(e);
    }
    return e.value;
  }

  /** Adds (or replaces) the entry, making room by evicting the least recently used one. */
  add(address: string, scope: number, value: T, now: number): T {
    let scopes = this.byAddress.get(address);
    const old = scopes?.get(scope);
    if (old) {
      old.value = value;
      old.moved = -Infinity; // so find() moves it to the newest end
      this.find(address, scope, now);
      return value;
    }
    this.sweep(now);
    while (this.count >= this.limit && this.oldest) this.remove(this.oldest, now);
    if (!scopes) {
      scopes = new Map();
      this.byAddress.set(address, scopes);
    }
    const e: Entry<T> = { address, scope, value, lastUsed: now, moved: ++this.added };
    scopes.set(scope, e);
    this.link(e);
    this.count++;
    return value;
  }

  /**
   * Removes the entries idle longer than the TTL from the oldest end (it stops at the first live
   * one: entries in use are moved only now and then, so expiry is approximate, never early).
   */
  sweep(now: number): void {
    while (this.oldest && now - this.oldest.lastUsed > this.ttlMs) this.remove(this.oldest, now);
  }

  /** Values, most recently used first. */
  *values(): IterableIterator<T> {
    for (let e = this.newest; e; e = e.older) yield e.value;
  }

  stats(): StateIndexStats {
    return { entries: this.count, limit: this.limit, evicted: this.evicted, expired: this.expired };
  }

  private remove(e: Entry<T>, now: number): void {
    if (now - e.lastUsed > this.ttlMs) this.expired++;
    else this.evicted++;
    this.unlink(e);
    const scopes = this.byAddress.get(e.address)!;
    scopes.delete(e.scope);
    if (scopes.size === 0) this.byAddress.delete(e.address);
    this.count--;
    this.onRemove?.(e.value);
  }

  private link(e: Entry<T>): void {
    e.older = this.newest;
    e.newer = undefined;
    if (this.newest) this.newest.newer = e;
    this.newest = e;
    this.oldest ??= e;
  }

  private unlink(e: Entry<T>): void {
    if (e.newer) e.newer.older = e.older;
    else this.newest = e.older;
    if (e.older) e.older.newer = e.newer;
    else this.oldest = e.newer;
    e.newer = e.older = undefined;
  }
}
