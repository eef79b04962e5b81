// @runtime: primary
// A burst of real exporter datagrams into flow collector -> es bulk -> Elasticsearch, all sent at
// once: a burst that the socket buffer and es bulk's queue can absorb loses nothing. The datagrams
// are softflowd's (NetFlow v9 and IPFIX, as it exported them, demo/data/; the IPFIX file holds two
// messages, sent as the two datagrams they were); tshark reads a capture of each for the number of
// flow records it carries, and Elasticsearch must then hold exactly that many documents per copy
// sent. The kernel's own drop counter of the socket (/proc/net/udp) must stay at zero.
// The collector's two workers only receive (Workers: receive only), as docs/es.md advises when es
// bulk runs in the same Node-RED: decoding, ECS shaping and bulk requests run on Node-RED's thread
// and never hold up the socket. The receive buffer is sized for the burst (docs/es.md, "Bursts and
// the collector's UDP socket"): a burst several times the buffer also needs the receiving thread
// scheduled while it arrives, which a loaded two-core machine does not promise; the bench
// (bench/es-flows-e2e.bench.ts) measures that case.
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
const read = (file: string) => readFileSync(join(repoRoot, 'demo/data', file));
/** The IPFIX messages of a file, each its own datagram (RFC 7011 section 3.1: the length field at octet 2). */
function ipfixMessages(file: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  for (let at = 0; at < file.length; at += file.readUInt16BE(at + 2)) messages.push(file.subarray(at, at + file.readUInt16BE(at + 2)));
  return messages;
}
const DATAGRAMS = [read('softflowd-netflow9.bin'), ...ipfixMessages(read('softflowd-ipfix.bin'))];
/** The collector's receive buffer (Linux grants twice this when net.core.rmem_max allows it). */
const RECEIVE_BUFFER = 4 * 1024 * 1024;
const BURST = 3000;

after(() => rmSync(dir, { recursive: true, force: true }));

let port = 0;
before(async () => {
  port = await freeUdpPort();
});

test('a burst of softflowd datagrams that the socket buffer and the queue absorb: every flow record reaches Elasticsearch, none dropped at the socket', async (t: TestContext) => {
  if (!requireReal(t, !missing, missing ?? '') || !requireCommands(t, 'tshark')) return;
  // The reference: tshark's flow records (options records aside) in a capture of one round of the
  // datagrams, in the order they are sent (the second IPFIX message uses the first one's template).
  const capture = join(dir, 'round.pcap');
  writeUdpCapture(capture, DATAGRAMS, 2055);
  const perRound = tsharkNetflow(capture, 2055, { walkAllV9Sets: true }).filter((r) => !r.options).length;
  assert.ok(perRound > 0, 'tshark finds flow records in the datagrams');
  assert.equal(BURST % DATAGRAMS.length, 0, 'the burst is whole rounds');
  const expected = (BURST / DATAGRAMS.length) * perRound;
  const burstBytes = Array.from({ length: BURST }, (_, i) => DATAGRAMS[i % DATAGRAMS.length].length).reduce((a, b) => a + b, 0);

  // A request timeout far above any bulk request's time: on a loaded machine a 5,000-document request
  // took more than the default 10 s, was resent, and without ids its documents were indexed twice
  // (69,332 held for 54,000 sent), which is es bulk's at-least-once, not what this test is about.
  const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'burst', config: { timeout: 300_000 }, bulk: { shape: 'ecs', index: 'burst-%Y.%m.%d', installTemplate: true, replicas: '0', batchDocs: 5000, queueDocs: 200_000, queueMB: 400, flushMs: 200 } });
  await stack.nodeRed!.deploy([
    ...flow.nodes,
    { id: 'burst-collector-in', type: 'http in', url: '/burst/collector', method: 'post', wires: [['burst-to-collector', 'burst-ok']] },
    { id: 'burst-to-collector', type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [['burst-collector']] },
    { id: 'burst-collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: String(RECEIVE_BUFFER), output: 'datagram', persist: false, workers: '2', workerRole: 'receive', wires: [['burst-bulk'], [], ['burst-collector-stats']] },
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
  // The kernel charges each datagram its payload plus about 900 octets of bookkeeping: the burst
  // must fit what it granted, or this machine's net.core.rmem_max is too small for the test.
  const charged = burstBytes + BURST * 900;
  assert.ok(charged < buffer, `burst of ${burstBytes} octets (${charged} charged) exceeds the receive buffer granted, ${buffer}: raise net.core.rmem_max (docs/flow.md)`);
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
  assert.equal(await stack.es!.count('burst-*'), expected, `Elasticsearch holds what was sent, once (es bulk: ${stats.requests} requests, ${stats.requestErrors} failed, ${stats.retried} documents retried)`);
});
