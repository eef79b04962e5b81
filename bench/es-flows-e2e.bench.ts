// End to end: real softflowd NetFlow v9 datagrams (demo/data/softflowd-netflow9.bin, 24 records
// each) into flow collector in a running Node-RED, through es bulk (ECS shaping, daily indices)
// into the local Elasticsearch, beside the official client's `client.helpers.bulk` writing the same
// ECS documents (decoded and shaped beforehand, so it only serialises and sends) into the same
// Elasticsearch with the same index template, in the same run. Then bursts: datagrams sent as fast
// as the loopback takes them, and what the kernel's socket buffer did with them.
//   node --import tsx --expose-gc bench/es-flows-e2e.bench.ts [datagrams per round] [burst datagrams] [collector workers] [decode|receive] [rounds]
// Needs `npm run build`. BENCH_CPU_PROF=<dir> writes V8 CPU profiles of the Node-RED process there.
//
// How the two sides are made comparable (each rule applies to both, none favours ours):
// - Warm-up: one whole unmeasured round per side, of the measured size, before any timing. A first
//   round pays for JIT, the first index of the day and cold Elasticsearch segments; a quarter-size
//   warm-up left ours' first measured round at 55-60% of its second, and the figure swung 74-111%.
// - Indices: the template is installed and each side's daily index is created by its warm-up, so
//   no measured round creates an index. (Before, the helper wrote a new index per round, which put
//   an index creation inside its timing and none inside ours.) Each side keeps one index, and the
//   rounds alternate, so both indices grow alike.
// - Batches: both sides cut requests at 5 MB (the helper's flushBytes, ours' batchMB; ours' document
//   count limit is set out of the way), two requests in flight, 200 ms flush interval.
// - Order: rounds alternate ours/helper, and the pair order flips every round (O H, H O, O H...), so
//   a machine or Elasticsearch that drifts during the run weighs on both sides alike.
// - Between rounds: Elasticsearch is left to finish its merges and its write queue (a merge started
//   by one side's documents would otherwise slow the next side's round), and the bench process
//   collects its garbage (it holds the helper's documents and sends ours' datagrams).
// - Timing: the helper from its call to its promise; ours from the first datagram sent to the last
//   document indexed. Ours' end is seen through the stats polled every 100 ms, and is taken halfway
//   between the last poll that had not seen it and the first that had (each poll's moment being the
//   middle of its round trip): unbiased, within ±50 ms. (Before, it was the later poll: always late.)
// - Figures: median of each side over the rounds, with the spread (min–max), every round printed,
//   and the ratio of the medians.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from '@elastic/elasticsearch';
import { FlowDecoder } from '../nodes/common';
import { flowRecordToEcs } from '../nodes/common/ecs';
import { documentTime, formatIndexName, serializeDocument } from '../nodes/common/es';
import { Elasticsearch } from '../test/helpers/elasticsearch';
import { MessageSink, NodeRed, repoRoot, waitUntil } from '../test/helpers/node-red';
import { bulkStats, esFlow, post, socketQueue } from '../test/helpers/es-flow';

const DATAGRAMS = Number(process.argv[2] ?? 2000);
const BURST = Number(process.argv[3] ?? 6000);
const WORKERS = Number(process.argv[4] ?? 1);
/** With workers: 'decode' (they decode) or 'receive' (they only receive; Node-RED's thread decodes). */
const WORKER_ROLE = process.argv[5] === 'receive' ? 'receive' : 'decode';
const ROUNDS = Math.max(3, Number(process.argv[6] ?? 3));
/** What the collector asks for (SO_RCVBUF); the kernel caps it at twice net.core.rmem_max. */
const RECEIVE_BUFFER = 32 * 1024 * 1024;
const BATCH_BYTES = 5 * 1024 * 1024;
const datagram = readFileSync(join(repoRoot, 'demo/data/softflowd-netflow9.bin'));
const exporter = { address: '127.0.0.1', port: 40000 };
const RECORDS_PER_DATAGRAM = new FlowDecoder().decode(datagram, exporter).records.length;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Waits until Elasticsearch has no merge running and nothing in its write pool (at most 30 s). */
async function esSettled(url: string): Promise<void> {
  await sleep(1500); // the refresh after the last request (1 s interval) may start a merge
  await waitUntil('Elasticsearch idle', async () => {
    const stats = await fetch(`${url}/_nodes/stats/indices,thread_pool?filter_path=nodes.*.indices.merges.current,nodes.*.thread_pool.write`).then((r) => r.json()) as
      { nodes: Record<string, { indices: { merges: { current: number } }; thread_pool: { write: { active: number; queue: number } } }> };
    return Object.values(stats.nodes).every((n) => n.indices.merges.current === 0 && n.thread_pool.write.active === 0 && n.thread_pool.write.queue === 0);
  }, 30_000, 200).catch(() => console.log('(Elasticsearch still merging after 30 s; going on)'));
}

/**
 * What the kernel charges a socket's receive buffer for one of these datagrams (its truesize:
 * payload, headers and bookkeeping), measured: a worker thread binds a socket and blocks, so nothing
 * reads it, and the bench reads the socket's queue (/proc/net/udp rx_queue) after sending it `count`.
 */
async function chargedPerDatagram(count = 200): Promise<number> {
  const release = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const socket = require('node:dgram').createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      socket.setRecvBufferSize(4 * 1024 * 1024);
      parentPort.postMessage(socket.address().port);
      Atomics.wait(workerData, 0, 0);
      socket.close();
    });`, { eval: true, workerData: release });
  try {
    const port = await new Promise<number>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    const sender = dgram.createSocket('udp4');
    await Promise.all(Array.from({ length: count }, () => new Promise<void>((r) => sender.send(datagram, port, '127.0.0.1', () => r()))));
    sender.close();
    await sleep(50);
    const q = socketQueue(port);
    return q.queuedBytes / (count - q.drops);
  } finally {
    Atomics.store(release, 0, 1);
    Atomics.notify(release, 0);
    await worker.terminate();
  }
}

async function main(): Promise<void> {
  const es = await Elasticsearch.start();
  const profileDir = process.env.BENCH_CPU_PROF;
  const red = await NodeRed.start(profileDir ? { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } } : {});
  const sink = await MessageSink.start();
  const socket = dgram.createSocket('udp4');
  const client = new Client({ node: es.url, maxRetries: 0 });
  try {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    // No ids: the bundled datagram repeats the same records, and every copy must be indexed.
    const flow = esFlow(sink, { url: es.url, prefix: 'bench', bulk: { shape: 'ecs', index: 'bench-flows-%Y.%m.%d', installTemplate: true, replicas: '0', batchDocs: 1_000_000, batchMB: BATCH_BYTES / 1024 / 1024, flushMs: 200, maxInFlight: 2, queueDocs: 400_000, queueMB: 400 } });
    await red.deploy([
      ...flow.nodes,
      { id: 'collector-in', type: 'http in', url: '/bench/collector', method: 'post', wires: [['to-collector', 'collector-ok']] },
      { id: 'to-collector', type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [['collector']] },
      { id: 'collector-ok', type: 'http response', statusCode: '200', wires: [] },
      { id: 'collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: String(RECEIVE_BUFFER), output: 'datagram', persist: false, workers: String(WORKERS), workerRole: WORKER_ROLE, wires: [['bench-bulk'], [], ['only-stats']] },
      // Only the stats answer goes to the sink: template and options events are no part of the run.
      { id: 'only-stats', type: 'switch', property: 'topic', propertyType: 'msg', rules: [{ t: 'eq', v: 'stats', vt: 'str' }], checkall: 'true', repair: false, outputs: 1, wires: [['collector-stats']] },
      ...sink.sinkNodes('collector-stats', 'collector-stats'),
    ], flow.credentials);
    await red.waitForStatus('collector', (s) => String(s.text).includes('listening'));
    await post(red, '/bench/control', { flush: true }); // the template is in place before any timing
    await waitUntil('index template', async () => (await fetch(`${es.url}/_index_template/*`).then((r) => r.json()) as { index_templates: unknown[] }).index_templates.length > 0, 60_000, 200);

    let doneBefore = 0;
    /** Sends `count` datagrams (paced: 50 then a 2 ms pause; or all at once) and waits until es bulk settles. */
    const runOurs = async (count: number, paced: boolean) => {
      const total = count * RECORDS_PER_DATAGRAM;
      const t0 = performance.now();
      const burst = { sentAt: 0, dropsAtSent: 0, queuedAtSent: 0, emptyAt: 0 };
      const drops0 = socketQueue(port).drops;
      for (let i = 0; i < count; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => new Promise<void>((r) => socket.send(datagram, port, '127.0.0.1', () => r()))));
        if (paced) await sleep(2);
      }
      burst.sentAt = performance.now();
      const atSent = socketQueue(port);
      burst.dropsAtSent = atSent.drops - drops0;
      burst.queuedAtSent = atSent.queuedBytes;
      if (!paced) {
        // How fast the collector's threads empty the socket once the sender has stopped.
        while (socketQueue(port).queuedBytes > 0 && performance.now() - burst.sentAt < 60_000) await sleep(1);
        burst.emptyAt = performance.now();
      }
      let stats: Record<string, number> = {};
      // Done when everything is indexed, or when nothing moved for 10 s (datagrams lost at the socket).
      let last = -1;
      let beforeChange = t0; // moment of the last poll before the latest change
      let change = t0; // moment of the poll that saw it
      let previous = t0;
      await waitUntil('documents indexed', async () => {
        const asked = performance.now();
        stats = await bulkStats(red, sink, 'bench');
        const at = (asked + performance.now()) / 2;
        const done = stats.indexed + stats.failed - doneBefore;
        if (done !== last) { last = done; beforeChange = previous; change = at; }
        previous = at;
        return done >= total || (at - change > 10_000 && stats.queueDocs === 0 && stats.inFlight === 0);
      }, 600_000, 100);
      const indexed = stats.indexed + stats.failed - doneBefore;
      doneBefore = stats.indexed + stats.failed;
      const end = (beforeChange + change) / 2;
      return { rate: indexed / ((end - t0) / 1000), indexed, lost: total - indexed, failed: stats.failed, burst, t0 };
    };

    // The helper's documents: the same datagram decoded and shaped as es bulk shapes it.
    const records = new FlowDecoder().decode(datagram, exporter).records;
    const docBytes = records.reduce((n, r) => n + serializeDocument(flowRecordToEcs(r, { exporter, receivedAt: new Date(), protocol: 'netflow9' })).length, 0) / records.length;
    const runHelper = async (count: number) => {
      const docs = Array.from({ length: count }, () => records.map((r) => flowRecordToEcs(r, { exporter, receivedAt: new Date(), protocol: 'netflow9' }))).flat();
      gc();
      const t0 = performance.now();
      const result = await client.helpers.bulk({
        datasource: docs, flushBytes: BATCH_BYTES, concurrency: 2, flushInterval: 200,
        onDocument: (doc) => ({ index: { _index: formatIndexName('bench-flows-h-%Y.%m.%d', documentTime(doc, '@timestamp')!) } }),
      });
      if (result.failed) throw new Error(`helper: ${result.failed} failed`);
      return docs.length / ((performance.now() - t0) / 1000);
    };
    const oursRound = async () => { gc(); return runOurs(DATAGRAMS, true); };

    // Warm-up, not measured, the measured size, each side once (see the header).
    await oursRound();
    await esSettled(es.url);
    await runHelper(DATAGRAMS);
    await esSettled(es.url);
    const ours: number[] = [];
    const helper: number[] = [];
    let lostPaced = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? ['ours', 'helper'] : ['helper', 'ours']) {
        if (side === 'ours') {
          const r = await oursRound();
          ours.push(r.rate);
          lostPaced += r.lost;
        } else {
          helper.push(await runHelper(DATAGRAMS));
        }
        await esSettled(es.url);
      }
    }
    console.log(`flows per round: ${DATAGRAMS * RECORDS_PER_DATAGRAM} (${DATAGRAMS} softflowd NetFlow v9 datagrams, ${RECORDS_PER_DATAGRAM} flows each, ${docBytes.toFixed(0)} octets of JSON per document), collector workers: ${WORKERS} (${WORKER_ROLE}), Elasticsearch ${es.version}, 512 MB heap; ${ROUNDS} measured rounds per side after one warm-up each`);
    console.log(`flow collector -> es bulk -> Elasticsearch: median ${median(ours).toFixed(0)} flows/s end to end (spread ${spread(ours)}; rounds ${ours.map((r) => r.toFixed(0)).join(', ')}); not indexed: ${lostPaced}`);
    console.log(`client.helpers.bulk, same ECS documents  : median ${median(helper).toFixed(0)} docs/s (spread ${spread(helper)}; rounds ${helper.map((r) => r.toFixed(0)).join(', ')})`);
    console.log(`ratio of the medians: ${((median(ours) / median(helper)) * 100).toFixed(1)}% of the bulk helper (round by round: ${ours.map((o, i) => ((o / helper[i]) * 100).toFixed(0) + '%').join(', ')})`);

    // Bursts. The kernel holds at most SO_RCVBUF (as granted) ÷ truesize datagrams for the threads
    // that read the socket; a burst larger than that is whole only if they read the rest while it
    // arrives. Measured here rather than assumed: what each datagram is charged, what was granted.
    const collectorStats = async () => {
      const seen = sink.messages('collector-stats').length;
      await post(red, '/bench/collector', { topic: 'stats' });
      const messages = await sink.waitFor('collector-stats', seen + 1);
      return messages[messages.length - 1].payload as { receiveBuffers: Record<number, number>; datagrams: number };
    };
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const granted = (await collectorStats()).receiveBuffers[port];
    const truesize = await chargedPerDatagram();
    const holds = Math.floor(granted / truesize);
    console.log(`receive buffer: ${RECEIVE_BUFFER} asked, ${granted} granted per socket (net.core.rmem_max ${rmemMax}); each ${datagram.length}-octet datagram charged ${truesize.toFixed(0)} octets: the buffer holds ${holds} of them`);
    const bursts = BURST > holds * 0.9 ? [Math.floor(holds * 0.9), BURST] : [BURST];
    for (const size of bursts) {
      await esSettled(es.url);
      gc();
      const r = await runOurs(size, false);
      const b = r.burst;
      const sendMs = b.sentAt - r.t0;
      const readDuring = size - b.dropsAtSent - b.queuedAtSent / truesize;
      const drainMs = b.emptyAt - b.sentAt;
      console.log(`burst of ${size} datagrams unpaced (${size <= holds ? 'fits the buffer' : `${(size / holds).toFixed(1)}× what the buffer holds`}): ${r.indexed}/${size * RECORDS_PER_DATAGRAM} flows indexed, ${r.lost} lost, ${r.rate.toFixed(0)} flows/s; ` +
        `datagrams dropped at the socket: ${b.dropsAtSent}; sent in ${sendMs.toFixed(0)} ms (${(size / sendMs * 1000).toFixed(0)}/s), read meanwhile ${readDuring.toFixed(0)} (${(readDuring / sendMs * 1000).toFixed(0)}/s); ` +
        `${(b.queuedAtSent / truesize).toFixed(0)} queued when the sender stopped, read in ${drainMs.toFixed(0)} ms (${((b.queuedAtSent / truesize) / drainMs * 1000).toFixed(0)}/s)`);
    }
    const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${red.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    console.log(`Node-RED peak RSS ${rss.toFixed(0)} MB`);
  } finally {
    socket.close();
    await client.close();
    await red.stop();
    await sink.stop();
    await es.stop();
  }
}

void main().catch((err) => { console.error(err); process.exit(1); });
