// Groups items into one message per N items or per T milliseconds, whichever comes first, so a
// busy source sends a few large messages instead of one Node-RED message per packet or record.
export interface BatchOptions {
  /** Items per batch; 1 (or less) means every item goes out on its own. */
  size: number;
  /** Longest time an item waits in a partial batch; 0 = only full batches (and on flush). */
  intervalMs: number;
}

export class Batcher<T> {
  private items: T[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: BatchOptions, private readonly emit: (items: T[]) => void) {}

  get single(): boolean {
    return this.options.size <= 1;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.options.size) this.flush();
    else if (!this.timer && this.options.intervalMs > 0) this.timer = setTimeout(() => this.flush(), this.options.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.emit(batch);
  }

  /** Sends what is pending and stops the timer. */
  close(): void {
    this.flush();
  }
}
