// A flow collector decode worker (worker thread): decodes datagrams dispatched by the main thread,
// or received on its own SO_REUSEPORT sockets, and posts the results back in batches.
import { parentPort, workerData } from 'node:worker_threads';
import type { DecodeResult, Exporter } from '../common';
import { makeAllowList, normaliseAddress } from '../shared/flow-output';
import { createDecoder } from './decode-path';
import { RESULT_LISTS, type FromWorker, type ToWorker, type WorkerSetup } from './decode-messages';
import { UdpListener } from './udp-listen';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const decoder = createDecoder(setup.decode, setup.templates);
const post = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

let pending: DecodeResult[] = [];
let pendingRecords = 0;
let unackedRecords = 0;
let flushQueued = false;
const own = { datagrams: 0, notAllowed: 0, recordsDropped: 0 };

function decode(datagram: Buffer, exporter: Exporter, receivedAt: Date): void {
  const r = decoder.decode(datagram, exporter, receivedAt);
  // Decoded all the same (templates and sequence state stay right); the records go, counted.
  if (unackedRecords + pendingRecords > setup.maxUnackedRecords) {
    own.recordsDropped += r.records.length;
    r.records = [];
  }
  pending.push(r);
  pendingRecords += r.records.length;
}

const summary = () => ({ ...decoder.summary(), ...own });

/** Buffers lose their class in a structured clone: say where they are, the main thread rewraps them. */
function bufferPlaces(results: DecodeResult[]): Array<number | string> {
  const places: Array<number | string> = [];
  results.forEach((r, i) => RESULT_LISTS.forEach((list, l) => r[list].forEach((rec, j) => {
    for (const key in rec) if (Buffer.isBuffer(rec[key])) places.push(i, l, j, key);
  })));
  return places;
}

function flush(consumed: number): void {
  flushQueued = false;
  if (pending.length === 0 && consumed === 0) return;
  const results = pending;
  const records = pendingRecords;
  pending = [];
  pendingRecords = 0;
  unackedRecords += records;
  post({ kind: 'results', results, records, consumed, buffers: bufferPlaces(results), summary: summary() });
}

port.on('message', (m: ToWorker) => {
  switch (m.kind) {
    case 'datagrams': {
      let at = 0;
      for (let i = 0; i < m.lengths.length; i++) {
        decode(Buffer.from(m.buffer, at, m.lengths[i]), { address: m.addresses[i], port: m.ports[i] }, new Date(m.receivedAt[i]));
        at += m.lengths[i];
      }
      flush(at);
      break;
    }
    case 'ack':
      unackedRecords -= m.records;
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
      decode(datagram, exporter, new Date());
      // What one poll of the sockets brought goes back as one message.
      if (pending.length >= 256) flush(0);
      else if (!flushQueued) {
        flushQueued = true;
        setImmediate(() => flush(0));
      }
    },
    error: (p, code, message) => post({ kind: 'socket-error', port: p, code, message }),
    rcvbufFailed: (message) => post({ kind: 'rcvbuf-failed', message }),
    rcvbufCapped: (p, requested, got) => post({ kind: 'rcvbuf-capped', port: p, requested, got }),
    listening: (receiveBuffers) => post({ kind: 'listening', receiveBuffers }),
  });
}

setInterval(() => post({ kind: 'summary', summary: summary() }), 1000).unref();
