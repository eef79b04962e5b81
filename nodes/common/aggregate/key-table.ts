// The keys of one time bin and their counts, bounded by maxKeys. Below the bound it is a plain Map.
// At the bound it becomes weighted Space-Saving (Metwally, Agrawal, El Abbadi 2005): a new key
// replaces the key with the smallest count of the ordering metric and inherits its counts, the
// inherited part recorded as the entry's error. For the ordering metric this guarantees:
//   count - error <= true count <= count, error <= N / maxKeys (N = the bin's total of that metric),
// and every key whose true count exceeds N / maxKeys is in the table. Inheriting keeps the sum
// of the table equal to the bin's totals. The smallest entry is found with an indexed min-heap,
// kept only once the table is full, so the exact case pays nothing for it.
import { addCount, type Count } from './counts';
import type { PrimitiveValue } from './primitives';

export type Metric = 'bytes' | 'packets' | 'flows';

export interface Counts {
  packets: Count;
  bytes: Count;
  flows: Count;
}

export interface Entry extends Counts {
  key: string;
  values: PrimitiveValue[];
  /** Counts inherited from evicted keys (an upper bound of the overcount); absent when exact. */
  error?: Counts;
  heapIndex: number;
}

export class KeyTable {
  readonly entries = new Map<string, Entry>();
  private heap: Entry[] | undefined;
  evictions = 0;

  constructor(private readonly maxKeys: number, private readonly metric: Metric) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds counts to `key`; `values` is copied only when the key is new. */
  add(key: string, values: readonly PrimitiveValue[], packets: Count, bytes: Count, flows: Count): void {
    const e = this.entries.get(key);
    if (e !== undefined) {
      // Fast path for the common case: safe-integer sums stay numbers.
      const p = e.packets, b = e.bytes, f = e.flows;
      e.packets = typeof p === 'number' && typeof packets === 'number' && p + packets <= Number.MAX_SAFE_INTEGER ? p + packets : addCount(p, packets);
      e.bytes = typeof b === 'number' && typeof bytes === 'number' && b + bytes <= Number.MAX_SAFE_INTEGER ? b + bytes : addCount(b, bytes);
      e.flows = typeof f === 'number' && typeof flows === 'number' ? f + flows : addCount(f, flows);
      if (this.heap) this.siftDown(e.heapIndex);
      return;
    }
    if (this.entries.size < this.maxKeys) {
      this.entries.set(key, { key, values: values.slice(), packets, bytes, flows, heapIndex: -1 });
      if (this.entries.size === this.maxKeys) this.buildHeap();
      return;
    }
    const heap = this.heap!;
    const victim = heap[0];
    this.entries.delete(victim.key);
    this.evictions++;
    const inherited: Counts = {
      packets: addCount(victim.packets, 0), bytes: addCount(victim.bytes, 0), flows: addCount(victim.flows, 0),
    };
    const entry: Entry = {
      key, values: values.slice(),
      packets: addCount(victim.packets, packets), bytes: addCount(victim.bytes, bytes), flows: addCount(victim.flows, flows),
      error: inherited, heapIndex: 0,
    };
    heap[0] = entry;
    this.entries.set(key, entry);
    this.siftDown(0);
  }

  /** The largest inherited count of the ordering metric (0 while exact). */
  maxError(): Count {
    let max: Count = 0;
    for (const e of this.entries.values()) if (e.error && e.error[this.metric] > max) max = e.error[this.metric];
    return max;
  }

  /** Entries by the ordering metric, largest first; ties by key so the order is stable. */
  sorted(): Entry[] {
    const m = this.metric;
    return [...this.entries.values()].sort((a, b) => (a[m] > b[m] ? -1 : a[m] < b[m] ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private buildHeap(): void {
    this.heap = [...this.entries.values()];
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
