// N decode workers (worker threads) for the flow collector, so one Node-RED decodes on several
// cores. Datagrams reach a worker in one of two ways:
// - SO_REUSEPORT (Node >= 22.12): every worker binds its own socket on each port; the kernel
//   hashes each exporter's address and port to one socket, so its templates stay with one worker.
// - dispatch: the main thread receives and hands each datagram to the worker that owns its
//   exporter (address + observation domain, rendezvous hashing), packed in batches.
// Results come back in batches, packed into transferred typed arrays (result-transfer.ts). A worker that dies is reported
// and started again with the templates last exported; the main thread never goes down with it.
import type { Worker } from 'node:worker_threads';
import type { DecodeResult, DecoderCounters, Exporter, PendingDrop, SerializedTemplate } from '../common';
import { flowDomain, ShardRing } from '../common/zmq/shard';
import { startWorker } from '../shared/start-worker';
import { mergeTemplates, type DecodeConfig } from './decode-path';
import type { FromWorker, ToWorker, WorkerSetup, WorkerSummary } from './decode-messages';
import { DatagramBatcher, forEachDatagram } from './datagram-batch';
import { messageArrays, ResultUnpacker, transferList } from './result-transfer';
import type { ListenEvents, ListenOptions } from './udp-listen';

export interface DecodeWorkersOptions {
  count: number;
  decode: DecodeConfig;
  templates?: SerializedTemplate[];
  /** Given: workers bind their own SO_REUSEPORT sockets; absent: the caller dispatches. */
  listen?: ListenOptions & { allow: string };
  /** With `listen`: workers only receive, and hand the datagrams to `events.datagram` to decode. */
  receiveOnly?: boolean;
  /** The worker script (directory, name without extension); tests start a faulty one. */
  script?: { dir: string; name: string };
}

/** Socket events come from SO_REUSEPORT workers (`listening` once every worker is bound). */
export interface DecodeWorkersEvents extends Omit<ListenEvents, 'message'> {
  result(r: DecodeResult): void;
  /** Receive only: a datagram a worker received, to decode on this thread. */
  datagram?(datagram: Buffer, exporter: Exporter, receivedAt: number): void;
  /** Data sets a worker's once-a-second sweep found dropped without their template. */
  pendingDrops(drops: PendingDrop[]): void;
  /** A worker failed; it starts again after `restartMs`. */
  crashed(worker: number, error: Error, restartMs: number): void;
}

/** Octets of datagrams waiting for one worker (dispatched, or on its own sockets); above it they are dropped, counted. */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
/** Decoded records on their way to the main thread, per worker (about 50 ms at 1M records/s); then datagrams wait undecoded. */
const MAX_UNACKED_RECORDS = 50_000;
/** Dispatched datagrams per message to a worker. */
const BATCH_DATAGRAMS = 512;
const REQUEST_TIMEOUT_MS = 2000;
/** A worker that keeps failing is started again at most this often. */
const MAX_RESTART_MS = 10_000;
/** Up this long, a worker counts as healthy again (its next failure restarts it at once). */
const HEALTHY_MS = 60_000;

interface Slot {
  index: number;
  worker?: Worker;
  /** Unpacks the results of the worker running now (layouts are per worker). */
  unpacker: ResultUnpacker;
  startedAt: number;
  failures: number;
  restartTimer?: NodeJS.Timeout;
  queuedBytes: number;
  batch: DatagramBatcher;
  summary: WorkerSummary;
  listening: boolean;
}

const emptySummary = (): WorkerSummary => ({ records: 0, datagramsWithErrors: 0, pendingDropped: 0, templates: 0, datagrams: 0, notAllowed: 0, queueDropped: 0 });

export class DecodeWorkers {
  private readonly slots: Slot[];
  private readonly ring = new ShardRing();
  private readonly requests = new Map<number, (value: unknown) => void>();
  private nextRequest = 1;
  private flushQueued = false;
  private closing = false;
  private templates: SerializedTemplate[] | undefined;
  /** Totals of workers that have gone (their summaries restart from zero). */
  private readonly gone = emptySummary();
  /** `queueDropped`: datagrams the main thread could not dispatch (queue full, worker down). */
  readonly counts = { restarts: 0, queueDropped: 0 };

  constructor(private readonly options: DecodeWorkersOptions, private readonly events: DecodeWorkersEvents) {
    this.templates = options.templates;
    this.slots = Array.from({ length: options.count }, (_, index) => {
      const slot: Slot = { index, unpacker: new ResultUnpacker(), startedAt: 0, failures: 0, queuedBytes: 0, batch: new DatagramBatcher(), summary: emptySummary(), listening: false };
      this.ring.add(String(index));
      this.start(slot);
      return slot;
    });
  }

  get reusePort(): boolean {
    return !!this.options.listen;
  }

  /** Hands a datagram to the worker of its exporter (dispatch mode). */
  dispatch(datagram: Buffer, exporter: Exporter, receivedAt: number): void {
    const slot = this.slots[Number(this.ring.pick(`${exporter.address}/${flowDomain(datagram)}`))];
    if (slot.queuedBytes + slot.batch.bytes + datagram.length > MAX_QUEUED_BYTES) {
      this.counts.queueDropped++;
      return;
    }
    slot.batch.add(datagram, exporter, receivedAt);
    if (slot.batch.length >= BATCH_DATAGRAMS) this.send(slot);
    else if (!this.flushQueued) {
      // Everything one poll of the sockets brought goes out together.
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        for (const s of this.slots) this.send(s);
      });
    }
  }

  /** The workers' status figures, summed (including workers that have gone). */
  summary(): WorkerSummary {
    const total = { ...this.gone };
    for (const s of this.slots) for (const k of Object.keys(total) as Array<keyof WorkerSummary>) total[k] += s.summary[k];
    return total;
  }

  /** Records each worker decoded since it (last) started: how evenly the exporters spread. */
  recordsPerWorker(): number[] {
    return this.slots.map((s) => s.summary.records);
  }

  /** Datagrams each worker's own sockets received (SO_REUSEPORT) since it started. */
  datagramsPerWorker(): number[] {
    return this.slots.map((s) => s.summary.datagrams);
  }

  /** Every live worker's decoder counters, summed field by field. */
  async counters(): Promise<DecoderCounters | undefined> {
    const all = await this.askAll<DecoderCounters>('counters');
    return all.length ? all.reduce((a, b) => sumCounters(a, b) as DecoderCounters) : undefined;
  }

  /** Templates of every live worker; kept to start a replacement worker with. */
  async exportTemplates(): Promise<SerializedTemplate[]> {
    this.templates = mergeTemplates([this.templates ?? [], ...await this.askAll<SerializedTemplate[]>('templates')]);
    return this.templates;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map(async (s) => {
      if (s.restartTimer) clearTimeout(s.restartTimer);
      const worker = s.worker;
      s.worker = undefined;
      await worker?.terminate();
    }));
    for (const answer of this.requests.values()) answer(undefined);
    this.requests.clear();
  }

  private start(slot: Slot): void {
    const setup: WorkerSetup = { decode: this.options.decode, templates: this.templates, listen: this.options.listen, receiveOnly: !!this.options.receiveOnly, maxUnackedRecords: MAX_UNACKED_RECORDS, maxQueuedBytes: MAX_QUEUED_BYTES };
    const script = this.options.script ?? { dir: __dirname, name: 'decode-worker' };
    const worker = startWorker(script.dir, script.name, { workerData: setup });
    slot.worker = worker;
    slot.unpacker = new ResultUnpacker();
    slot.startedAt = Date.now();
    slot.queuedBytes = 0;
    let failure: Error | undefined;
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => { failure = err; });
    worker.on('exit', (code) => {
      if (this.closing || slot.worker !== worker) return;
      slot.worker = undefined;
      for (const k of Object.keys(this.gone) as Array<keyof WorkerSummary>) if (k !== 'templates') this.gone[k] += slot.summary[k];
      slot.summary = emptySummary();
      slot.failures = Date.now() - slot.startedAt > HEALTHY_MS ? 1 : slot.failures + 1;
      const restartMs = Math.min(MAX_RESTART_MS, 250 * 2 ** (slot.failures - 1));
      this.events.crashed(slot.index, failure ?? new Error(`decode worker exited with code ${code}`), restartMs);
      slot.restartTimer = setTimeout(() => {
        slot.restartTimer = undefined;
        this.counts.restarts++;
        this.start(slot);
      }, restartMs);
    });
  }

  private send(slot: Slot): void {
    if (slot.batch.length === 0) return;
    if (!slot.worker) {
      this.counts.queueDropped += slot.batch.length;
      slot.batch = new DatagramBatcher();
      return;
    }
    slot.queuedBytes += slot.batch.bytes;
    const message = slot.batch.take();
    slot.worker.postMessage(message satisfies ToWorker, [message.buffer]);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    switch (m.kind) {
      case 'results':
        slot.queuedBytes -= m.consumed;
        slot.summary = m.summary;
        for (const r of slot.unpacker.unpack(m.results)) this.events.result(r);
        // Nothing unpacked refers to the arrays: they go back to be written again.
        slot.worker?.postMessage({ kind: 'ack', records: m.records, arrays: messageArrays(m.results) } satisfies ToWorker, transferList(m.results));
        break;
      case 'datagrams': {
        const each = this.events.datagram;
        if (each) forEachDatagram(m, each);
        slot.worker?.postMessage({ kind: 'taken', bytes: m.buffer.byteLength } satisfies ToWorker);
        break;
      }
      case 'summary':
        slot.summary = m.summary;
        if (m.drops.length) this.events.pendingDrops(m.drops);
        break;
      case 'counters':
      case 'templates': {
        const answer = this.requests.get(m.id);
        this.requests.delete(m.id);
        answer?.(m.kind === 'counters' ? m.counters : m.templates);
        break;
      }
      case 'listening':
        if (slot.listening) break;
        slot.listening = true;
        if (this.slots.every((s) => s.listening)) this.events.listening(m.receiveBuffers);
        break;
      case 'socket-error':
        this.events.error(m.port, m.code, m.message);
        break;
      case 'rcvbuf-failed':
        // Every worker asks for the same buffer: one warning says it.
        if (slot.index === 0) this.events.rcvbufFailed(m.message);
        break;
      case 'rcvbuf-capped':
        if (slot.index === 0) this.events.rcvbufCapped(m.port, m.requested, m.got, m.wanted);
        break;
    }
  }

  /** Asks every live worker; a worker that does not answer in time (or dies) is left out. */
  private async askAll<T>(kind: 'counters' | 'templates'): Promise<T[]> {
    const answers = await Promise.all(this.slots.map((s) => new Promise<T | undefined>((resolve) => {
      if (!s.worker) { resolve(undefined); return; }
      const id = this.nextRequest++;
      const timer = setTimeout(() => { this.requests.delete(id); resolve(undefined); }, REQUEST_TIMEOUT_MS);
      this.requests.set(id, (value) => { clearTimeout(timer); resolve(value as T | undefined); });
      s.worker.postMessage({ kind, id } satisfies ToWorker);
    })));
    return answers.filter((a): a is Awaited<T> => a !== undefined) as T[];
  }
}

/** Two counter trees as one: numbers add up, objects merge key by key, anything else: the first. */
export function sumCounters(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? sumCounters(out[k], v) : v;
    return out;
  }
  return a ?? b;
}
