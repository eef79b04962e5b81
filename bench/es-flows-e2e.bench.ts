// End to end: real softflowd NetFlow v9 datagrams (demo/data/softflowd-netflow9.bin, 24 records
// each) into flow collector in a running Node-RED, through es bulk (ECS shaping, daily indices)
// into the local Elasticsearch, beside the official client's `client.helpers.bulk` writing the same
// ECS documents (decoded and shaped beforehand, so it only serialises and sends) into the same
// Elasticsearch with the same index template, in the same run, alternating. Then a burst: datagrams
// sent as fast as the loopback takes them; every flow must reach Elasticsearch.
// Flows/s run from the first datagram sent to the last document indexed. Needs `npm run build`.
//   node --import tsx bench/es-flows-e2e.bench.ts [datagrams per paced run] [burst datagrams] [collector workers] [decode|receive]
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { FlowDecoder } from '../nodes/common';
import { flowRecordToEcs } from '../nodes/common/ecs';
import { documentTime, formatIndexName } from '../nodes/common/es';
import { Elasticsearch } from '../test/helpers/elasticsearch';
import { MessageSink, NodeRed, repoRoot, waitUntil } from '../test/helpers/node-red';
import { bulkStats, esFlow, post, socketDrops } from '../test/helpers/es-flow';

const DATAGRAMS = Number(process.argv[2] ?? 2000);
const BURST = Number(process.argv[3] ?? 6000);
const WORKERS = Number(process.argv[4] ?? 1);
/** With workers: 'decode' (they decode) or 'receive' (they only receive; Node-RED's thread decodes). */
const WORKER_ROLE = process.argv[5] === 'receive' ? 'receive' : 'decode';
const datagram = readFileSync(join(repoRoot, 'demo/data/softflowd-netflow9.bin'));
const exporter = { address: '127.0.0.1', port: 40000 };
const RECORDS_PER_DATAGRAM = new FlowDecoder().decode(datagram, exporter).records.length;

async function main(): Promise<void> {
  const es = await Elasticsearch.start();
  const red = await NodeRed.start();
  const sink = await MessageSink.start();
  const socket = dgram.createSocket('udp4');
  const client = new Client({ node: es.url, maxRetries: 0 });
  try {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    // No ids: the bundled datagram repeats the same records, and every copy must be indexed.
    const flow = esFlow(sink, { url: es.url, prefix: 'bench', bulk: { shape: 'ecs', index: 'bench-flows-%Y.%m.%d', installTemplate: true, replicas: '0', batchDocs: 5000, maxInFlight: 2, queueDocs: 200_000, queueMB: 200 } });
    await red.deploy([
      ...flow.nodes,
      { id: 'collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: '33554432', output: 'datagram', persist: false, workers: String(WORKERS), workerRole: WORKER_ROLE, wires: [['bench-bulk'], [], []] },
    ], flow.credentials);
    await red.waitForStatus('collector', (s) => String(s.text).includes('listening'));
    await post(red, '/bench/control', { flush: true }); // the template is in place before any timing
    await waitUntil('index template', async () => (await fetch(`${es.url}/_index_template/*`).then((r) => r.json()) as { index_templates: unknown[] }).index_templates.length > 0, 60_000, 200);

    let indexedBefore = 0;
    /** Sends `count` datagrams (paced: 50 then a 2 ms pause; or all at once) and waits until es bulk settles. */
    const runOurs = async (count: number, paced: boolean) => {
      const total = count * RECORDS_PER_DATAGRAM;
      const t0 = Date.now();
      for (let i = 0; i < count; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => new Promise<void>((r) => socket.send(datagram, port, '127.0.0.1', () => r()))));
        if (paced) await new Promise((r) => setTimeout(r, 2));
      }
      let stats: Record<string, number> = {};
      // Done when everything is indexed, or when nothing moved for 10 s (datagrams lost at the socket).
      let last = -1;
      let lastProgressAt = Date.now();
      await waitUntil('documents indexed', async () => {
        stats = await bulkStats(red, sink, 'bench');
        const done = stats.indexed + stats.failed - indexedBefore;
        if (done !== last) { last = done; lastProgressAt = Date.now(); }
        return done >= total || (Date.now() - lastProgressAt > 10_000 && stats.queueDocs === 0 && stats.inFlight === 0);
      }, 600_000, 100);
      const indexed = stats.indexed - indexedBefore;
      indexedBefore = stats.indexed + stats.failed;
      return { rate: indexed / ((lastProgressAt - t0) / 1000), indexed, lost: total - indexed, failed: stats.failed };
    };

    // The helper's documents: the same datagram decoded and shaped as es bulk shapes it.
    const records = new FlowDecoder().decode(datagram, exporter).records;
    const runHelper = async (count: number, round: number) => {
      const docs = Array.from({ length: count }, () => records.map((r) => flowRecordToEcs(r, { exporter, receivedAt: new Date(), protocol: 'netflow9' }))).flat();
      const t0 = Date.now();
      const result = await client.helpers.bulk({
        datasource: docs, flushBytes: 5 * 1024 * 1024, concurrency: 2, flushInterval: 200,
        onDocument: (doc) => ({ index: { _index: formatIndexName(`bench-flows-h${round}-%Y.%m.%d`, documentTime(doc, '@timestamp')!) } }),
      });
      if (result.failed) throw new Error(`helper: ${result.failed} failed`);
      return docs.length / ((Date.now() - t0) / 1000);
    };

    // Warm-up, not timed: both sides' first run paid for JIT and the first index of the day
    // (ours ran at a third of its later rate), which said more about start-up than throughput.
    await runOurs(Math.ceil(DATAGRAMS / 4), true);
    await runHelper(Math.ceil(DATAGRAMS / 4), 0);
    const ours: number[] = [];
    const helper: number[] = [];
    let lostPaced = 0;
    for (const [round, side] of ['ours', 'helper', 'helper', 'ours'].entries()) {
      if (side === 'ours') {
        const r = await runOurs(DATAGRAMS, true);
        ours.push(r.rate);
        lostPaced += r.lost;
      } else {
        helper.push(await runHelper(DATAGRAMS, round));
      }
    }
    const dropsBefore = socketDrops(port);
    const burst = await runOurs(BURST, false);
    const burstDrops = socketDrops(port) - dropsBefore;
    const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${red.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`flows per run: ${DATAGRAMS * RECORDS_PER_DATAGRAM} (${DATAGRAMS} softflowd NetFlow v9 datagrams, ${RECORDS_PER_DATAGRAM} flows each), collector workers: ${WORKERS} (${WORKER_ROLE}), Elasticsearch ${es.version}, 512 MB heap`);
    console.log(`flow collector -> es bulk -> Elasticsearch: ${mean(ours).toFixed(0)} flows/s end to end (runs: ${ours.map((r) => r.toFixed(0)).join(', ')}); not indexed: ${lostPaced}`);
    console.log(`client.helpers.bulk, same ECS documents  : ${mean(helper).toFixed(0)} docs/s (runs: ${helper.map((r) => r.toFixed(0)).join(', ')})`);
    console.log(`ratio: ${((mean(ours) / mean(helper)) * 100).toFixed(1)}% of the bulk helper`);
    console.log(`burst of ${BURST} datagrams unpaced: ${burst.indexed}/${BURST * RECORDS_PER_DATAGRAM} flows indexed, ${burst.lost} lost (${burst.rate.toFixed(0)} flows/s; datagrams dropped at the socket: ${burstDrops}); Node-RED peak RSS ${rss.toFixed(0)} MB`);
  } finally {
    socket.close();
    await client.close();
    await red.stop();
    await sink.stop();
    await es.stop();
  }
}

void main().catch((err) => { console.error(err); process.exit(1); });
