// flow aggregate in a running Node-RED: what happens to an open bin on redeploy (same settings:
// it continues; changed settings: it is closed and sent, marked restored), late records in the
// stats and the status, and a node with a bad primitive failing each message with an error a
// Catch node sees.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageSink, NodeRed, waitUntil, type FlowNode } from '../helpers/node-red';
import { post } from '../helpers/es-flow';

let red: NodeRed;
let sink: MessageSink;

before(async () => {
  sink = await MessageSink.start();
  red = await NodeRed.start();
});

after(async () => {
  await red?.stop();
  await sink?.stop();
});

const T0 = Date.parse('2025-03-01T10:00:00Z');
const rec = (src: string, bytes: number, end: number) => ({
  sourceIPv4Address: src, destinationIPv4Address: '192.0.2.1', protocolIdentifier: 6, octetDeltaCount: bytes, packetDeltaCount: 1, flowEndMilliseconds: end,
});

function flow(settings: Record<string, unknown>): FlowNode[] {
  return [
    { id: 'in', type: 'http in', url: '/in', method: 'post', wires: [['unwrap', 'ok']] },
    { id: 'unwrap', type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [['agg']] },
    { id: 'ok', type: 'http response', statusCode: '200', wires: [] },
    { id: 'agg', type: 'wirescope-flow-aggregate', primitives: 'src_host', interval: 60, lateness: 10, idle: 0, topN: 10, maxKeys: 1000, orderBy: 'bytes', ...settings, wires: [['bins'], ['replies']] },
    { id: 'agg-catch', type: 'catch', scope: ['agg'], uncaught: false, wires: [['errors']] },
    ...sink.sinkNodes('bins', 'bins'), ...sink.sinkNodes('replies', 'replies'), ...sink.sinkNodes('errors', 'errors'),
  ];
}

test('redeploy with the same settings continues the open bin; late records are counted', async () => {
  sink.clear();
  await red.deploy(flow({}));
  await post(red, '/in', { payload: [rec('10.0.0.1', 100, T0 + 1000), rec('10.0.0.2', 50, T0 + 2000)] });
  await red.deploy(flow({}));
  await post(red, '/in', { payload: [rec('10.0.0.1', 10, T0 + 3000)] });
  // The records' clock moves past the bin end + lateness: the bin closes; then a record for it is late.
  await post(red, '/in', { payload: [rec('10.0.0.9', 1, T0 + 75_000)] });
  await post(red, '/in', { payload: [rec('10.0.0.1', 999, T0 + 4000)] });
  const [bin] = await sink.waitFor('bins', 1);
  assert.equal(bin.binStart, T0);
  assert.deepEqual(bin.payload.map((r: any) => [r.src_host ?? 'others', r.bytes]), [['10.0.0.1', 110], ['10.0.0.2', 50], ['others', 0]]);
  assert.equal(bin.restored, undefined);
  await post(red, '/in', { topic: 'stats' });
  const [stats] = await sink.waitFor('replies', 1);
  assert.equal(stats.payload.late, 1);
  assert.equal(stats.payload.lateBytes, 999);
  assert.equal(stats.payload.binsSent, 1);
  assert.equal(stats.payload.openKeys, 1, "10.0.0.9's bin is open");
  // The status says the same: records/s, keys in the open bin, bins sent, late records (yellow).
  await red.waitForStatus('agg', (s) => s.fill === 'yellow' && /^\d+ rec\/s, 1 keys, 1 bins, 1 late$/.test(String(s.text)));
  await post(red, '/in', { topic: 'flush' });
  await sink.waitFor('bins', 2);
});

test('redeploy with changed settings closes and sends the open bin first', async () => {
  sink.clear();
  // A day later than the first test, whose aggregator (same settings) this deploy continues.
  const T1 = T0 + 86_400_000;
  await red.deploy(flow({ topN: 10 }));
  await post(red, '/in', { payload: [rec('10.0.0.1', 100, T1 + 1000), rec('10.0.0.2', 50, T1 + 2000)] });
  await red.deploy(flow({ topN: 1 }));
  const [restored] = await sink.waitFor('bins', 1);
  assert.equal(restored.restored, true);
  assert.equal(restored.totals.bytes, 150);
  assert.equal(restored.payload.length, 3, 'the old settings (top 10): two hosts + others');
  await post(red, '/in', { payload: [rec('10.0.0.3', 7, T1 + 5000), rec('10.0.0.4', 3, T1 + 5000)] });
  await post(red, '/in', { topic: 'flush' });
  const bins = await sink.waitFor('bins', 2);
  assert.deepEqual(bins[1].payload.map((r: any) => [r.src_host ?? 'others', r.bytes]), [['10.0.0.3', 7], ['others', 3]]);
});

test('a bad primitive: red status, and each message fails with an error naming it', async () => {
  sink.clear();
  await red.deploy(flow({ primitives: 'src_host, dst_hots' }));
  await red.waitForStatus('agg', (s) => s.fill === 'red');
  await post(red, '/in', { payload: [rec('10.0.0.1', 1, T0)] });
  const [error] = await sink.waitFor('errors', 1);
  assert.match(error.error.message, /dst_hots/);
  assert.match(error.error.message, /src_net/);
  await waitUntil('no bin', () => sink.messages('bins').length === 0);
});
