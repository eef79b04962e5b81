// End to end: real softflowd NetFlow v9 datagrams (demo/data/softflowd-netflow9.bin, 24 records
// each) into flow collector in a running Node-RED, through es bulk (ECS shaping, daily indices)
// into the local Elasticsearch. Reports flows/s from the first datagram sent to the last document
// indexed, and how many the collector or es bulk lost (should be none). Needs `npm run build`.
//   node --import tsx bench/es-flows-e2e.bench.ts [datagrams]
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Elasticsearch } from '../test/helpers/elasticsearch';
import { MessageSink, NodeRed, repoRoot, waitUntil } from '../test/helpers/node-red';
import { bulkStats, esFlow } from '../test/helpers/es-flow';

const DATAGRAMS = Number(process.argv[2] ?? 2000);
const datagram = readFileSync(join(repoRoot, 'demo/data/softflowd-netflow9.bin'));
const RECORDS_PER_DATAGRAM = 24;

async function main(): Promise<void> {
  const es = await Elasticsearch.start();
  const red = await NodeRed.start();
  const sink = await MessageSink.start();
  const socket = dgram.createSocket('udp4');
  try {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    // No ids: the bundled datagram repeats the same records, and every copy must be indexed.
    const flow = esFlow(sink, { url: es.url, prefix: 'bench', bulk: { shape: 'ecs', index: 'bench-flows-%Y.%m.%d', installTemplate: true, replicas: '0', batchDocs: 5000, maxInFlight: 2 } });
    await red.deploy([
      ...flow.nodes,
      { id: 'collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: '33554432', output: 'datagram', persist: false, wires: [['bench-bulk'], [], []] },
    ], flow.credentials);
    await red.waitForStatus('collector', (s) => String(s.text).includes('listening'));
    const total = DATAGRAMS * RECORDS_PER_DATAGRAM;
    const t0 = Date.now();
    // Bursts of 50 datagrams, yielding between them, so the loopback socket buffer is not the limit.
    for (let i = 0; i < DATAGRAMS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, DATAGRAMS - i) }, () => new Promise<void>((r) => socket.send(datagram, port, '127.0.0.1', () => r()))));
      await new Promise((r) => setTimeout(r, 2));
    }
    let stats: Record<string, number> = {};
    // Done when everything is indexed, or when nothing moved for 10 s (datagrams lost at the socket).
    let last = -1;
    let lastChange = Date.now();
    let lastProgressAt = Date.now();
    await waitUntil('documents indexed', async () => {
      stats = await bulkStats(red, sink, 'bench');
      const done = stats.indexed + stats.failed;
      if (done !== last) { last = done; lastChange = Date.now(); lastProgressAt = lastChange; }
      return done >= total || (Date.now() - lastChange > 10_000 && stats.queueDocs === 0 && stats.inFlight === 0);
    }, 600_000, 100);
    const seconds = (lastProgressAt - t0) / 1000;
    const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${red.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    console.log(`flows offered: ${total} (${DATAGRAMS} softflowd NetFlow v9 datagrams)`);
    console.log(`flow collector -> es bulk -> Elasticsearch: ${stats.indexed} indexed, ${stats.failed} failed, ${(stats.indexed / seconds).toFixed(0)} flows/s end to end (${seconds.toFixed(1)} s)`);
    console.log(`Node-RED peak RSS: ${rss.toFixed(0)} MB; not indexed (datagrams lost at the UDP socket): ${total - stats.indexed - stats.failed}`);
  } finally {
    socket.close();
    await red.stop();
    await sink.stop();
    await es.stop();
  }
}

void main().catch((err) => { console.error(err); process.exit(1); });
