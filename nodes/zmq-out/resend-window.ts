// zmq out's acknowledged mode (DEALER): every message stays here, in send order, until the
// receiver has acknowledged its packets; a resend request or a stalled acknowledgement sends
// again everything not yet acknowledged (go-back-N: the receiver takes packets in order only and
// drops repeats). Bounded by a number of messages: a full window refuses new input, counted.

export interface WindowItem {
  frames: Buffer[];
  /** Packets carried (0 for an event, which is sent once and never again). */
  count: number;
  /** Data: the source and the sequence numbers [seq, seq + count) of its packets. */
  source?: string;
  seq?: number;
  /** When ZeroMQ last took it (0: not yet). */
  sentAt: number;
}

export class ResendWindow {
  /** Packets sent again. */
  resent = 0;
  /** Last time an acknowledgement moved a source forward (or the window was rewound). */
  lastProgress = Date.now();
  private items: WindowItem[] = [];
  private head = 0;
  private cursor = 0;
  private readonly acked = new Map<string, number>();

  constructor(readonly session: string, readonly limit: number) {}

  /** Messages held (sent and waiting for their acknowledgement, or not sent yet). */
  get length(): number {
    return this.items.length - this.head;
  }

  full(): boolean {
    return this.length >= this.limit;
  }

  push(item: WindowItem): void {
    this.items.push(item);
  }

  /** Sends `item` before everything else (a notice that must precede the resent data). */
  pushFront(item: WindowItem): void {
    this.items.splice(this.head, 0, item);
    this.cursor = this.head;
  }

  /** The next message to hand to ZeroMQ: not sent yet, or data sent but not acknowledged after a rewind. */
  next(): WindowItem | undefined {
    while (this.cursor < this.items.length) {
      const item = this.items[this.cursor++];
      if (item.sentAt && (item.count === 0 || this.isAcked(item))) continue;
      return item;
    }
    return undefined;
  }

  /** ZeroMQ took `item`. */
  sent(item: WindowItem, now: number): void {
    if (item.sentAt) this.resent += item.count;
    item.sentAt = now;
    this.trim();
  }

  /** ZeroMQ did not take the last item `next()` gave (high-water mark): it is the next one again. */
  retry(): void {
    this.cursor -= 1;
  }

  ack(session: string, source: string, next: number, now: number): void {
    if (session !== this.session || next <= (this.acked.get(source) ?? 0)) return;
    this.acked.set(source, next);
    this.lastProgress = now;
    this.trim();
  }

  /** Sends everything not yet acknowledged again, from the oldest. */
  rewind(now: number): void {
    this.cursor = this.head;
    this.lastProgress = now;
  }

  /** The oldest packet still held for `source`, or undefined when none is. */
  oldest(source: string): number | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item.source === source && item.count > 0 && !this.isAcked(item)) return item.seq;
    }
    return undefined;
  }

  /** Sent data has waited longer than `timeoutMs` for an acknowledgement that moves anything. */
  stalled(now: number, timeoutMs: number): boolean {
    if (now - this.lastProgress < timeoutMs) return false;
    for (let i = this.head; i < this.cursor; i++) {
      const item = this.items[i];
      if (item.sentAt && item.count > 0 && !this.isAcked(item)) return now - item.sentAt >= timeoutMs;
    }
    return false;
  }

  /** Packets not yet acknowledged. */
  unacknowledged(): number {
    let packets = 0;
    for (let i = this.head; i < this.items.length; i++) if (!this.isAcked(this.items[i])) packets += this.items[i].count;
    return packets;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.cursor = 0;
  }

  private isAcked(item: WindowItem): boolean {
    return item.count > 0 && item.seq! + item.count <= (this.acked.get(item.source!) ?? 0);
  }

  // The head moves past what needs nothing more: events sent, data acknowledged. A FIFO read from
  // `head` (Array.shift() is O(n)), compacted now and then.
  private trim(): void {
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      if (!item.sentAt || (item.count > 0 && !this.isAcked(item))) break;
      this.head += 1;
    }
    if (this.cursor < this.head) this.cursor = this.head;
    if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.cursor -= this.head;
      this.head = 0;
    }
  }
}
