// The bulk engine of es bulk: a bounded queue, batching by documents/bytes/time, several
// requests in flight, per-item response handling, retries with exponential backoff and jitter,
// and an on-disk spool for outages. It accounts for every document: each one ends indexed,
// reported as a failure (with Elasticsearch's reason), or waiting in the queue or the spool.
// The HTTP side is a `BulkSender`, so this module has no client or Node-RED dependency.
import { itemReason, type EsItemError } from './errors';
import type { Spool, SpoolEntry } from './spool';

export type BulkEntry = SpoolEntry;

export interface BulkItemResult { status: number; error?: EsItemError }

/** Sends one NDJSON bulk body; resolves with one result per action, throws on request failure. */
export interface BulkSender {
  send(body: string, signal: AbortSignal): Promise<BulkItemResult[]>;
}

export interface BulkFailure {
  entry: BulkEntry;
  /** HTTP status of the item (0 when the request itself failed). */
  status: number;
  reason: string;
  attempts: number;
}

export interface BulkIndexerOptions {
  sender: BulkSender;
  batchDocs: number;
  batchBytes: number;
  flushMs: number;
  maxInFlight: number;
  queueDocs: number;
  queueBytes: number;
  /** When the queue is full: wait for room, or overflow into the spool. */
  whenFull: 'block' | 'spool';
  /** Attempts after the first before a document is reported as failed (spooled documents retry forever). */
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  spool?: Spool;
  /** Whole-request failures (connection, 429, 5xx) a batch goes through before it is spooled. */
  retriesBeforeSpool: number;
  /** Tells whether a request-level error is worth retrying (connection errors, 429, 5xx). */
  isRetryable(error: unknown): boolean;
  describeError(error: unknown): string;
  onFailure(failure: BulkFailure): void;
  /** Any change of the counters (for status updates). */
  onChange?(): void;
  random?: () => number;
}

export interface BulkStats {
  accepted: number;
  indexed: number;
  /** Creates answered 409: the content-hash id was already indexed (a resend). */
  duplicates: number;
  failed: number;
  retried: number;
  spooled: number;
  replayed: number;
  requests: number;
  requestErrors: number;
  queueDocs: number;
  queueBytes: number;
  inFlight: number;
  spoolDocs: number;
  spoolBytes: number;
  blocked: boolean;
  /** Spool records found torn or corrupt and dropped (counted, see the log). */
  spoolDamaged: number;
  /** The error of the last failed request, with its time; kept after recovery as history. */
  lastError?: string;
  lastErrorAt?: string;
  /** The request error still in effect: cleared by the next request that gets an answer. */
  currentError?: string;
  /** HTTP status of `currentError` (401: authentication failed), when Elasticsearch answered. */
  currentErrorStatus?: number;
}

interface Item { entry: BulkEntry; bytes: number; attempts: number }

export class BulkIndexer {
  private queue: Item[] = [];
  private queueBytes = 0;
  private inFlight = new Set<{ items: Item[]; abort: AbortController }>();
  private delayed = new Set<{ items: Item[]; timer: NodeJS.Timeout }>();
  private flushTimer?: NodeJS.Timeout;
  private roomWaiters: Array<() => void> = [];
  /** Documents of add() calls waiting for room: accepted, so close() must keep or report them too. */
  private waitingItems = new Set<Item[]>();
  private replaying = false;
  private replayTimer?: NodeJS.Timeout;
  private replayWake?: () => void;
  private closed = false;
  private readonly random: () => number;
  readonly stats: Omit<BulkStats, 'queueDocs' | 'queueBytes' | 'inFlight' | 'spoolDocs' | 'spoolBytes' | 'blocked' | 'spoolDamaged'> = {
    accepted: 0, indexed: 0, duplicates: 0, failed: 0, retried: 0, spooled: 0, replayed: 0, requests: 0, requestErrors: 0,
  };
  private blockedWaiters = 0;
  /**
   * Requests allowed in flight now: halved whenever Elasticsearch answers 429 and raised by one
   * after each clean response (additive increase, multiplicative decrease), so a busy cluster
   * sees less pressure instead of the same pressure retried.
   */
  private concurrency: number;

  constructor(private readonly options: BulkIndexerOptions) {
    this.random = options.random ?? Math.random;
    this.concurrency = options.maxInFlight;
    // Documents spooled before a restart are replayed first, in order.
    if (options.spool && options.spool.docs > 0) this.startReplay();
  }

  snapshot(): BulkStats {
    return {
      ...this.stats,
      queueDocs: this.queue.length + [...this.delayed].reduce((n, d) => n + d.items.length, 0),
      queueBytes: this.queueBytes,
      inFlight: [...this.inFlight].reduce((n, r) => n + r.items.length, 0),
      spoolDocs: this.options.spool?.docs ?? 0,
      spoolBytes: this.options.spool?.bytes ?? 0,
      blocked: this.blockedWaiters > 0,
      spoolDamaged: this.options.spool ? this.options.spool.damage.tornRecords + this.options.spool.damage.corruptRecords : 0,
    };
  }

  /** True while documents go to the spool rather than the memory queue (to keep their order). */
  get spooling(): boolean {
    return !!this.options.spool && this.options.spool.docs > 0;
  }

  /** Accepts entries; resolves once they are queued or spooled (waits while full and blocking). */
  async add(entries: BulkEntry[]): Promise<void> {
    if (this.closed) throw new Error('the bulk indexer is closed');
    const items = entries.map((entry) => ({ entry, bytes: Buffer.byteLength(entry.source) + entry.index.length + 64, attempts: 0 }));
    this.stats.accepted += items.length;
    while (true) {
      if (this.spooling) {
        if (this.toSpool(items)) return;
      } else if (!this.isFull(items)) {
        for (const item of items) { this.queue.push(item); this.queueBytes += item.bytes; }
        this.pump();
        this.changed();
        return;
      } else if (this.options.whenFull === 'spool' && this.options.spool) {
        if (this.toSpool(items)) return;
      }
      this.waitingItems.add(items);
      try {
        await this.waitForRoom();
      } finally {
        this.waitingItems.delete(items);
      }
      // close() took these documents: spooled, or reported as failures like any other unsent one.
      if (this.closed) return;
    }
  }

  /** Sends what is queued now instead of waiting for a full batch or the flush timer. */
  flush(): void {
    this.pump(true);
  }

  /**
   * Stops. With a spool, everything not yet acknowledged (queued, waiting to retry, in flight)
   * is written to it for the next start; without one, queued documents get `graceMs` to be sent
   * and the rest are reported as failures.
   */
  async close(graceMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.replayTimer);
    this.replayWake?.();
    // Documents still waiting for room join the tail of the queue before their add() wakes up.
    const waiting = [...this.waitingItems].flat();
    this.waitingItems.clear();
    for (const item of waiting) { this.queue.push(item); this.queueBytes += item.bytes; }
    this.wakeWaiters();
    const pending = (): Item[] => [
      ...[...this.inFlight].flatMap((r) => r.items),
      ...[...this.delayed].flatMap((d) => d.items),
      ...this.queue,
    ];
    if (this.options.spool) {
      const items = pending();
      for (const d of this.delayed) clearTimeout(d.timer);
      for (const r of this.inFlight) r.abort.abort();
      if (items.length && !this.options.spool.append(items.map((i) => i.entry))) {
        for (const item of items) this.fail(item, 0, 'spool full at close: document not kept');
      } else {
        this.stats.spooled += items.length;
      }
      this.queue = []; this.queueBytes = 0; this.delayed.clear(); this.inFlight.clear();
      this.changed();
      return;
    }
    // No spool: give queued documents a moment to go out, then report the rest.
    for (const d of [...this.delayed]) { clearTimeout(d.timer); this.delayed.delete(d); this.requeueFront(d.items); }
    const deadline = Date.now() + graceMs;
    while ((this.queue.length || this.inFlight.size) && Date.now() < deadline) {
      this.pump(true);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const r of this.inFlight) r.abort.abort();
    for (const item of pending()) this.fail(item, 0, 'Node-RED stopped the node before the document was indexed');
    this.queue = []; this.queueBytes = 0; this.inFlight.clear(); this.delayed.clear();
    this.changed();
  }

  private isFull(items: Item[]): boolean {
    if (this.queue.length === 0) return false;
    const bytes = items.reduce((n, i) => n + i.bytes, 0);
    return this.queue.length + items.length > this.options.queueDocs || this.queueBytes + bytes > this.options.queueBytes;
  }

  private toSpool(items: Item[]): boolean {
    const spool = this.options.spool!;
    if (!spool.append(items.map((i) => i.entry))) return false;
    this.stats.spooled += items.length;
    this.startReplay();
    this.changed();
    return true;
  }

  private waitForRoom(): Promise<void> {
    this.blockedWaiters++;
    this.changed();
    return new Promise((resolve) => this.roomWaiters.push(() => { this.blockedWaiters--; resolve(); }));
  }

  private wakeWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private changed(): void {
    this.options.onChange?.();
  }

  /** Starts batches while there is room in flight and a full batch (or `force`/timer) is ready. */
  private pump(force = false): void {
    if (this.closed && !force) return;
    while (this.queue.length && this.inFlight.size < this.concurrency) {
      const ready = force || this.queue.length >= this.options.batchDocs || this.queueBytes >= this.options.batchBytes;
      if (!ready) break;
      this.send(this.takeBatch());
    }
    if (this.queue.length && !this.flushTimer && !this.closed) {
      this.flushTimer = setTimeout(() => { this.flushTimer = undefined; this.pump(true); }, this.options.flushMs);
    }
  }

  private takeBatch(): Item[] {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.options.batchDocs) {
      const next = this.queue[count];
      if (count > 0 && bytes + next.bytes > this.options.batchBytes) break;
      bytes += next.bytes;
      count++;
    }
    this.queueBytes -= bytes;
    // One splice per batch: shifting item by item is quadratic on a long queue.
    return this.queue.splice(0, count);
  }

  private requeueFront(items: Item[]): void {
    this.queue.unshift(...items);
    this.queueBytes += items.reduce((n, i) => n + i.bytes, 0);
  }

  private send(items: Item[]): void {
    const request = { items, abort: new AbortController() };
    this.inFlight.add(request);
    this.stats.requests++;
    this.options.sender.send(bulkBody(items.map((i) => i.entry)), request.abort.signal).then(
      (results) => {
        if (!this.inFlight.delete(request)) return; // closed meanwhile: already spooled
        this.settleItems(items, results);
      },
      (error: unknown) => {
        if (!this.inFlight.delete(request)) return;
        this.requestFailed(items, error);
      },
    ).finally(() => {
      this.wakeWaiters();
      this.pump();
      this.changed();
    });
  }

  private noteError(error: unknown): string {
    const reason = this.options.describeError(error);
    this.stats.requestErrors++;
    this.stats.lastError = this.stats.currentError = reason.slice(0, 300);
    this.stats.lastErrorAt = new Date().toISOString();
    this.stats.currentErrorStatus = statusOf(error) || undefined;
    return reason;
  }

  private settleItems(items: Item[], results: BulkItemResult[]): void {
    this.stats.currentError = this.stats.currentErrorStatus = undefined;
    this.adjustConcurrency(results.some((r) => r.status === 429));
    const retry: Item[] = [];
    items.forEach((item, i) => {
      const result = results[i] ?? { status: 0, error: { type: 'missing_item', reason: 'the bulk response had no item for this document' } };
      const outcome = classifyItem(item.entry, result);
      if (outcome === 'indexed') this.stats.indexed++;
      else if (outcome === 'duplicate') this.stats.duplicates++;
      else if (outcome === 'retry') retry.push(item);
      else this.fail(item, result.status, result.error ? itemReason(result.error) : `HTTP ${result.status}`);
    });
    if (retry.length) this.retryLater(retry, `item rejected (${results[items.indexOf(retry[0])]?.status})`);
  }

  private requestFailed(items: Item[], error: unknown): void {
    if (statusOf(error) === 429) this.adjustConcurrency(true);
    const reason = this.noteError(error);
    if (!this.options.isRetryable(error)) {
      for (const item of items) this.fail(item, statusOf(error), reason);
      return;
    }
    const spool = this.options.spool;
    if (spool && items[0].attempts >= this.options.retriesBeforeSpool) {
      // Elasticsearch looks down: keep this batch and everything queued behind it on disk.
      const moving = [...items, ...this.queue];
      if (spool.append(moving.map((i) => i.entry))) {
        this.stats.spooled += moving.length;
        this.queue = [];
        this.queueBytes = 0;
        this.startReplay();
        return;
      }
    }
    this.retryLater(items, reason);
  }

  private adjustConcurrency(rejected: boolean): void {
    this.concurrency = rejected ? Math.max(1, Math.floor(this.concurrency / 2)) : Math.min(this.options.maxInFlight, this.concurrency + 1);
  }

  private retryLater(items: Item[], reason: string): void {
    const keep: Item[] = [];
    for (const item of items) {
      item.attempts++;
      if (item.attempts > this.options.maxRetries && !this.options.spool) this.fail(item, 0, `gave up after ${item.attempts} attempts: ${reason}`);
      else keep.push(item);
    }
    if (!keep.length) return;
    this.stats.retried += keep.length;
    const delay = backoffDelay(keep[0].attempts, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random);
    const entry = {
      items: keep,
      timer: setTimeout(() => {
        this.delayed.delete(entry);
        if (this.closed) return;
        this.requeueFront(keep);
        this.pump(true);
      }, delay),
    };
    this.delayed.add(entry);
  }

  private fail(item: Item, status: number, reason: string): void {
    this.stats.failed++;
    this.options.onFailure({ entry: item.entry, status, reason, attempts: item.attempts + 1 });
  }

  /** Replays the spool in order, one request at a time, until it is empty; then memory takes over. */
  private startReplay(): void {
    if (this.replaying || this.closed) return;
    this.replaying = true;
    // Replay never throws: an unexpected error (a spool file removed under us...) is reported and
    // the loop starts again with the next batch that is spooled.
    void this.replayLoop()
      .catch((error: unknown) => { this.noteError(error); })
      .finally(() => { this.replaying = false; this.changed(); });
  }

  private async replayLoop(): Promise<void> {
    const spool = this.options.spool!;
    let failures = 0;
    while (!this.closed && spool.docs > 0) {
      // Leave the in-memory batches that were in flight when the outage began to finish first.
      if (this.inFlight.size) { await this.sleep(50); continue; }
      const entries = spool.peek(this.options.batchDocs, this.options.batchBytes);
      if (!entries.length) break;
      let pending = entries.map((entry) => ({ entry, bytes: 0, attempts: 0 }));
      while (pending.length && !this.closed) {
        let results: BulkItemResult[];
        const abort = new AbortController();
        const request = { items: [] as Item[], abort };
        this.inFlight.add(request);
        this.stats.requests++;
        try {
          results = await this.options.sender.send(bulkBody(pending.map((i) => i.entry)), abort.signal);
        } catch (error) {
          this.noteError(error);
          this.changed();
          if (this.closed) return;
          if (!this.options.isRetryable(error)) {
            for (const item of pending) this.fail(item, statusOf(error), this.options.describeError(error));
            pending = [];
            break;
          }
          failures++;
          await this.sleep(backoffDelay(failures, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random));
          continue;
        } finally {
          this.inFlight.delete(request);
        }
        failures = 0;
        this.stats.currentError = this.stats.currentErrorStatus = undefined;
        const retry: typeof pending = [];
        pending.forEach((item, i) => {
          const result = results[i] ?? { status: 0, error: { type: 'missing_item', reason: 'the bulk response had no item for this document' } };
          const outcome = classifyItem(item.entry, result);
          if (outcome === 'indexed') { this.stats.indexed++; this.stats.replayed++; }
          else if (outcome === 'duplicate') { this.stats.duplicates++; this.stats.replayed++; }
          else if (outcome === 'retry') retry.push(item);
          else this.fail(item, result.status, result.error ? itemReason(result.error) : `HTTP ${result.status}`);
        });
        pending = retry;
        if (retry.length) {
          this.stats.retried += retry.length;
          retry.forEach((i) => i.attempts++);
          await this.sleep(backoffDelay(retry[0].attempts, this.options.backoffBaseMs, this.options.backoffMaxMs, this.random));
        }
      }
      if (this.closed) return;
      spool.ack(entries.length);
      this.wakeWaiters();
      this.changed();
    }
    this.wakeWaiters();
    this.pump();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.replayWake = () => { clearTimeout(this.replayTimer); resolve(); };
      this.replayTimer = setTimeout(resolve, ms);
    });
  }
}

/** NDJSON for the _bulk API: an action line and the source line per document. */
export function bulkBody(entries: BulkEntry[]): string {
  // Documents of a batch share a few indices: their action line (without id or routing) is built once.
  const plainActions = new Map<string, string>();
  let body = '';
  for (const e of entries) {
    let action: string | undefined;
    if (e.id === undefined && e.routing === undefined) {
      const key = e.op + ' ' + e.index;
      action = plainActions.get(key);
      if (action === undefined) { action = actionLine(e); plainActions.set(key, action); }
    } else {
      action = actionLine(e);
    }
    body += action + e.source + '\n';
  }
  return body;
}

function actionLine(e: BulkEntry): string {
  const meta: Record<string, string> = { _index: e.index };
  if (e.id !== undefined) meta._id = e.id;
  if (e.routing !== undefined) meta.routing = e.routing;
  return JSON.stringify({ [e.op]: meta }) + '\n';
}

export type ItemOutcome = 'indexed' | 'duplicate' | 'retry' | 'failed';

/**
 * 2xx: indexed. 409 on a create with an id: the document is already there (a resend), which is
 * what content-hash ids are for. 429 and 5xx: Elasticsearch is overloaded or a shard is not
 * ready — retry. Other 4xx (mapping conflicts, bad values, 409 on a plain create): permanent.
 */
export function classifyItem(entry: BulkEntry, result: BulkItemResult): ItemOutcome {
  if (result.status >= 200 && result.status < 300) return 'indexed';
  if (result.status === 409 && entry.op === 'create' && entry.id !== undefined) return 'duplicate';
  if (result.status === 429 || result.status >= 500 || result.status === 0) return 'retry';
  return 'failed';
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, capped at `maxMs`. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + random() * (step / 2);
}

function statusOf(error: unknown): number {
  return (error as { meta?: { statusCode?: number } })?.meta?.statusCode ?? 0;
}
