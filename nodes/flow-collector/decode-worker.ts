// A flow collector decode worker (worker thread): decodes datagrams dispatched by the main thread,
// or received on its own SO_REUSEPORT sockets, and posts the results back in batches. Receive
// only: forwards what its sockets received, in batches, and the main thread decodes.
// When the main thread falls behind (too many decoded records not yet acknowledged), datagrams
// wait here undecoded, compact as on the wire, like in a socket's receive buffer.
import { parentPort, workerData } from 'node:worker_threads';
import type { Exporter } from '../common';
import { makeAllowList, normaliseAddress } from '../shared/flow-output';
import { createDecoder, SWEEP_MS, sweepPending } from './decode-path';
import type { FromWorker, ToWorker, WorkerSetup, WorkerSummary } from './decode-messages';
import { DatagramBatcher, forEachDatagram } from './datagram-batch';
import { ResultPacker, transferList } from './result-transfer';
import { UdpListener } from './udp-listen';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const decoder = createDecoder(setup.decode, setup.templates);
const post = (message: FromWorker) => port.postMessage(message);

/** Results to send with the next message. */
const pending = new ResultPacker();
let pendingRecords = 0;
let unackedRecords = 0;
/** Octets of dispatched datagrams decoded since the last message (the main thread's queue accounting). */
let consumed = 0;
/** Datagrams waiting to be decoded; `head` is the next one. */
let backlog: Array<{ datagram: Buffer; exporter: Exporter; receivedAt: number; dispatched: boolean }> = [];
let head = 0;
let backlogBytes = 0;
let drainQueued = false;
const own = { datagrams: 0, notAllowed: 0, queueDropped: 0 };
/** Receive only: datagrams to forward with the next message, and octets forwarded not yet taken. */
const forward = new DatagramBatcher();
let forwardedBytes = 0;
let forwardTimer: NodeJS.Timeout | undefined;
/** Datagrams (forwarded) or results per message at most. */
const FORWARD_DATAGRAMS = 512;
const BATCH_RESULTS = 256;
/**
 * How long a partial batch waits for more. Every message costs both threads tens of µs whatever it
 * carries, and at high rates each poll of a socket brings a datagram or two: a message per poll
 * would cost more than the decoding.
 */
const BATCH_MS = 5;

function sendForward(): void {
  clearTimeout(forwardTimer);
  forwardTimer = undefined;
  if (forward.length === 0) return;
  forwardedBytes += forward.bytes;
  const batch = forward.take();
  port.postMessage(batch satisfies FromWorker, [batch.buffer]);
}

/** Received on this worker's sockets: forwarded (receive only) or queued to decode here. */
function received(datagram: Buffer, exporter: Exporter): void {
  if (setup.receiveOnly) {
    if (forwardedBytes + forward.bytes + datagram.length > setup.maxQueuedBytes) {
      own.queueDropped++;
      return;
    }
    forward.add(datagram, exporter, Date.now());
    if (forward.length >= FORWARD_DATAGRAMS) sendForward();
    else forwardTimer ??= setTimeout(sendForward, BATCH_MS);
    return;
  }
  if (backlogBytes + datagram.length > setup.maxQueuedBytes) {
    own.queueDropped++;
    return;
  }
  backlog.push({ datagram, exporter, receivedAt: Date.now(), dispatched: false });
  backlogBytes += datagram.length;
  // What one poll of the sockets brought is decoded together.
  if (!drainQueued) {
    drainQueued = true;
    setImmediate(drain);
  }
}

const summary = (): WorkerSummary => ({ ...decoder.summary(), ...own });

let flushTimer: NodeJS.Timeout | undefined;

function flush(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  if (pending.pending === 0 && consumed === 0) return;
  const results = pending.take();
  const records = pendingRecords;
  pendingRecords = 0;
  unackedRecords += records;
  port.postMessage({ kind: 'results', results, records, consumed, summary: summary() } satisfies FromWorker, transferList(results));
  consumed = 0;
}

/** Decodes what waits, as far as the main thread keeps up; results go out by BATCH_RESULTS, or after BATCH_MS. */
function drain(): void {
  drainQueued = false;
  while (head < backlog.length && unackedRecords + pendingRecords <= setup.maxUnackedRecords) {
    const item = backlog[head++];
    backlogBytes -= item.datagram.length;
    if (item.dispatched) consumed += item.datagram.length;
    // The records column readers can read go straight into the message's arrays (result-transfer.ts).
    const r = decoder.decode(item.datagram, item.exporter, new Date(item.receivedAt), pending.sink());
    const written = decoder.lastColumnRuns();
    pending.add(r, decoder.lastRuns(), written);
    pendingRecords += r.records.length;
    for (const c of written) pendingRecords += c.count;
    if (pending.pending >= BATCH_RESULTS) flush();
  }
  if (head === backlog.length) {
    backlog = [];
    head = 0;
  } else if (head > 4096) {
    backlog = backlog.slice(head);
    head = 0;
  }
  flushTimer ??= setTimeout(flush, BATCH_MS);
}

port.on('message', (m: ToWorker) => {
  switch (m.kind) {
    case 'datagrams':
      // The main thread bounds what it dispatched and has not seen decoded.
      forEachDatagram(m, (datagram, exporter, receivedAt) => {
        backlog.push({ datagram, exporter, receivedAt, dispatched: true });
        backlogBytes += datagram.length;
      });
      drain();
      break;
    case 'ack':
      unackedRecords -= m.records;
      pending.recycle(m.arrays);
      if (head < backlog.length) drain();
      break;
    case 'taken':
      forwardedBytes -= m.bytes;
      break;
    case 'counters':
      post({ kind: 'counters', id: m.id, counters: decoder.counters() });
      break;
    case 'templates':
      post({ kind: 'templates', id: m.id, templates: decoder.exportTemplates() });
      break;
  }
});

if (setup.listen) {
  const allowed = makeAllowList(setup.listen.allow);
  new UdpListener(setup.listen, {
    message(datagram, rinfo) {
      own.datagrams++;
      const exporter = { address: normaliseAddress(rinfo.address), port: rinfo.port };
      if (!allowed(exporter.address)) {
        own.notAllowed++;
        return;
      }
      received(datagram, exporter);
    },
    error: (p, code, message) => post({ kind: 'socket-error', port: p, code, message }),
    rcvbufFailed: (message) => post({ kind: 'rcvbuf-failed', message }),
    rcvbufCapped: (p, requested, got, wanted) => post({ kind: 'rcvbuf-capped', port: p, requested, got, wanted }),
    listening: (receiveBuffers) => post({ kind: 'listening', receiveBuffers }),
  });
}

setInterval(() => {
  const drops = sweepPending(decoder);
  post({ kind: 'summary', summary: summary(), drops });
}, SWEEP_MS).unref();
