// @runtime: primary
// A burst of real exporter datagrams into flow collector -> es bulk -> Elasticsearch, all sent at
// once, several times what the collector's socket buffer holds: nothing may be lost at the socket
// while es bulk's queue has room. The datagrams are softflowd's (NetFlow v9 and IPFIX, as it
// exported them, demo/data/); tshark reads a capture of them for the number of flow records each
// one carries, and Elasticsearch must then hold exactly that many documents per copy sent. The
// kernel's own drop counter of the socket (/proc/net/udp) must stay at zero.
// The collector has two decode workers, so es bulk's shaping and requests on Node-RED's main thread
// are not in the thread that reads the socket; the decoding still is (see the todo below).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elasticsearchMissing } from '../helpers/elasticsearch';
import { repoRoot, waitUntil } from '../helpers/node-red';
import { requireCommands, requireReal } from '../helpers/real';
import { writeUdpCapture } from '../helpers/flow-pcap';
import { tsharkNetflow } from '../helpers/flow-tshark';
import { bulkStats, esFlow, esStack, freeUdpPort, post, socketDrops } from '../helpers/es-flow';

const missing = elasticsearchMissing();
const stack = esStack(missing);
const dir = mkdtempSync(join(tmpdir(), 'wirescope-es-burst-'));
const DATAGRAMS = ['softflowd-netflow9.bin', 'softflowd-ipfix.bin'].map((f) => readFileSync(join(repoRoot, 'demo/data', f)));
/** The collector's receive buffer, asked small so that the burst is several times what it holds. */
const RECEIVE_BUFFER = 1024 * 1024;
const BURST = 3000;

after(() => rmSync(dir, { recursive: true, force: true }));

let port = 0;
before(async () => {
  port = await freeUdpPort();
});

// todo: the flow collector decodes in the thread that receives (main thread or SO_REUSEPORT decode
// worker), which then reads far slower than the burst arrives: 2,090 of 3,000 dropped on two loaded
// cores. It passes once a thread only receives and hands datagrams to the decoders (docs/es.md).
const TODO = 'flow collector: a receive-only thread (docs/es.md, "Bursts and the collector\'s UDP socket")';

test('a burst of softflowd datagrams several times the socket buffer: every flow record reaches Elasticsearch, none dropped at the socket', { todo: TODO }, async (t: TestContext) => {
  if (!requireReal(t, !missing, missing ?? '') || !requireCommands(t, 'tshark')) return;
  // The reference: tshark's flow records (options records aside) in a capture of each datagram.
  const counts = DATAGRAMS.map((datagram, i) => {
    const capture = join(dir, `datagram-${i}.pcap`);
    writeUdpCapture(capture, [datagram], 2055);
    return tsharkNetflow(capture, 2055, { walkAllV9Sets: true }).filter((r) => !r.options).length;
  });
  assert.ok(counts.every((n) => n > 0), `tshark finds flow records in every datagram: ${counts.join(', ')}`);
  const expected = Array.from({ length: BURST }, (_, i) => counts[i % DATAGRAMS.length]).reduce((a, b) => a + b, 0);
  const burstBytes = Array.from({ length: BURST }, (_, i) => DATAGRAMS[i % DATAGRAMS.length].length).reduce((a, b) => a + b, 0);

  const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'burst', bulk: { shape: 'ecs', index: 'burst-%Y.%m.%d', installTemplate: true, replicas: '0', batchDocs: 5000, queueDocs: 200_000, queueMB: 400, flushMs: 200 } });
  await stack.nodeRed!.deploy([
    ...flow.nodes,
    { id: 'burst-collector-in', type: 'http in', url: '/burst/collector', method: 'post', wires: [['burst-to-collector', 'burst-ok']] },
    { id: 'burst-to-collector', type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [['burst-collector']] },
    { id: 'burst-collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: String(RECEIVE_BUFFER), output: 'datagram', persist: false, workers: '2', wires: [['burst-bulk'], [], ['burst-collector-stats']] },
    ...stack.sink!.sinkNodes('burst-collector-stats', 'burst-collector-stats'),
  ], flow.credentials);
  await stack.nodeRed!.waitForStatus('burst-collector', (s) => String(s.text).includes('listening'));
  await post(stack.nodeRed!, '/burst/control', { flush: true }); // the index template first
  await waitUntil('index template', () => stack.es!.request('GET', '/_index_template/wirescope-burst').then(() => true, () => false), 60_000, 200);
  const collectorStats = async () => {
    const before = stack.sink!.messages('burst-collector-stats').length;
    await post(stack.nodeRed!, '/burst/collector', { topic: 'stats' });
    const messages = await stack.sink!.waitFor('burst-collector-stats', before + 1);
    return messages[messages.length - 1].payload as { receiveBuffers: Record<number, number>; datagrams: number };
  };
  const buffer = (await collectorStats()).receiveBuffers[port];
  // Linux reports twice what was asked (the doubling covers its bookkeeping): the burst must not fit.
  assert.ok(burstBytes > 2 * buffer, `burst of ${burstBytes} octets, receive buffer ${buffer}`);
  const dropsBefore = socketDrops(port);

  // All at once: each send is handed to the kernel without waiting for the one before.
  const socket = createSocket('udp4');
  try {
    await Promise.all(Array.from({ length: BURST }, (_, i) => new Promise<void>((resolve, reject) => socket.send(DATAGRAMS[i % DATAGRAMS.length], port, '127.0.0.1', (err) => (err ? reject(err) : resolve())))));
  } finally {
    socket.close();
  }

  let stats: Record<string, number> = {};
  await waitUntil('the burst indexed', async () => {
    stats = await bulkStats(stack.nodeRed!, stack.sink!, 'burst');
    return stats.indexed + stats.failed >= expected || socketDrops(port) > dropsBefore;
  }, 300_000, 500);
  assert.equal(socketDrops(port) - dropsBefore, 0, 'datagrams dropped at the collector socket');
  assert.equal((await collectorStats()).datagrams, BURST);
  assert.equal(stats.failed, 0);
  await stack.es!.request('POST', '/burst-*/_refresh');
  assert.equal(await stack.es!.count('burst-*'), expected);
});
