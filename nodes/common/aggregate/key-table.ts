// The keys of one time bin and their counts, bounded by maxKeys. Below the bound it is a plain Map.
// At the bound it becomes weighted Space-Saving (Metwally, Agrawal, El Abbadi 2005): a new key
// replaces the key with the smallest count of the ordering metric and inherits its counts, the
// inherited part recorded as the entry's error. For the ordering metric this guarantees:
//   count - error <= true count <= count, error <= N / maxKeys (N = the bin's total of that metric),
// and every key whose true count exceeds N / maxKeys is in the table. Inheriting keeps the sum
// of the table equal to the bin's totals. The smallest entry is found with an indexed min-heap,
// kept only once the table is full, so the exact case pays nothing for it.
// Keys are found by the hash of their values (key-reader.ts): a Map from hash to the first entry,
// entries of one hash chained.
import { addCount, type Count } from './counts';
import { sameValues } from './key-reader';
import type { PrimitiveValue } from './primitives';

export type Metric = 'bytes' | 'packets' | 'flows';

export interface Counts {
  packets: Count;
  bytes: Count;
  flows: Count;
}

export interface Entry extends Counts {
  values: PrimitiveValue[];
  hash: number;
  /** The next entry of the same hash. */
  next: Entry | undefined;
  /** Counts inherited from evicted keys (an upper bound of the overcount); undefined when exact. */
  error: Counts | undefined;
  heapIndex: number;
}

export class KeyTable {
  private readonly byHash = new Map<number, Entry>();
  private readonly all: Entry[] = [];
  private heap: Entry[] | undefined;
  evictions = 0;

  constructor(private readonly maxKeys: number, private readonly metric: Metric) {}

  get size(): number {
    return this.all.length;
  }

  get entries(): readonly Entry[] {
    return this.all;
  }

  /** Adds counts to the key of `values` (hash `hash`); `values` is copied only when the key is new. */
  add(hash: number, values: readonly PrimitiveValue[], packets: Count, bytes: Count, flows: Count): void {
    const head = this.byHash.get(hash);
    let e = head;
    while (e !== undefined && !sameValues(e.values, values)) e = e.next;
    if (e !== undefined) {
      // Fast path for the common case: safe-integer sums stay numbers.
      const p = e.packets, b = e.bytes, f = e.flows;
      e.packets = typeof p === 'number' && typeof packets === 'number' && p + packets <= Number.MAX_SAFE_INTEGER ? p + packets : addCount(p, packets);
      e.bytes = typeof b === 'number' && typeof bytes === 'number' && b + bytes <= Number.MAX_SAFE_INTEGER ? b + bytes : addCount(b, bytes);
      e.flows = typeof f === 'number' && typeof flows === 'number' && f + flows <= Number.MAX_SAFE_INTEGER ? f + flows : addCount(f, flows);
      if (this.heap) this.siftDown(e.heapIndex);
      return;
    }
    if (this.all.length < this.maxKeys) {
      const entry: Entry = { values: values.slice(), hash, next: head, packets, bytes, flows, error: undefined, heapIndex: -1 };
      this.byHash.set(hash, entry);
      this.all.push(entry);
      if (this.all.length === this.maxKeys) this.buildHeap();
      return;
    }
    // Space-Saving: the smallest entry (the heap's root) becomes the new key, its counts inherited.
    const victim = this.heap![0];
    this.unlink(victim);
    this.evictions++;
    victim.error = { packets: victim.packets, bytes: victim.bytes, flows: victim.flows };
    victim.packets = addCount(victim.packets, packets);
    victim.bytes = addCount(victim.bytes, bytes);
    victim.flows = addCount(victim.flows, flows);
    victim.values = values.slice();
    victim.hash = hash;
    victim.next = this.byHash.get(hash);
    this.byHash.set(hash, victim);
    this.siftDown(0);
  }

  /** Takes an entry out of its hash chain. */
  private unlink(entry: Entry): void {
    const head = this.byHash.get(entry.hash)!;
    if (head === entry) {
      if (entry.next === undefined) this.byHash.delete(entry.hash);
      else this.byHash.set(entry.hash, entry.next);
      return;
    }
    let e = head;
    while (e.next !== entry) e = e.next!;
    e.next = entry.next;
  }

  /** The largest inherited count of the ordering metric (0 while exact). */
  maxError(): Count {
    let max: Count = 0;
    for (const e of this.all) if (e.error && e.error[this.metric] > max) max = e.error[this.metric];
    return max;
  }

  /** The first `n` entries (0 = all) by the ordering metric, largest first; ties by values so the order is stable. */
  top(n: number): Entry[] {
    const m = this.metric;
    const order = (a: Entry, b: Entry) => (a[m] > b[m] ? -1 : a[m] < b[m] ? 1 : compareValues(a.values, b.values));
    if (n <= 0 || n * 8 >= this.all.length) return this.all.slice().sort(order).slice(0, n > 0 ? n : undefined);
    // A few rows of many keys: keep the best n in order while walking, instead of sorting every key.
    const best: Entry[] = [];
    for (const e of this.all) {
      if (best.length === n && order(e, best[n - 1]) >= 0) continue;
      let i = best.length === n ? n - 1 : best.length;
      while (i > 0 && order(e, best[i - 1]) < 0) { best[i] = best[i - 1]; i--; }
      best[i] = e;
    }
    return best;
  }

  private buildHeap(): void {
    this.heap = this.all.slice();
    this.heap.forEach((e, i) => { e.heapIndex = i; });
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(i: number): void {
    const heap = this.heap!;
    const m = this.metric;
    const n = heap.length;
    const e = heap[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r][m] < heap[l][m] ? r : l;
      if (!(heap[c][m] < e[m])) break;
      heap[i] = heap[c];
      heap[i].heapIndex = i;
      i = c;
    }
    heap[i] = e;
    e.heapIndex = i;
  }
}

/** Values in the order of their texts (undefined as ''), as the joined key strings compared. */
function compareValues(a: readonly PrimitiveValue[], b: readonly PrimitiveValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = String(a[i] ?? ''), y = String(b[i] ?? '');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
