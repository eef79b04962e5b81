// A three-node cluster on this machine (own data dirs and ports, 256 MB heaps, one replica), all
// three URLs in es config. Two nodes are killed (SIGKILL) one after the other while bulk requests
// are in flight and each comes back: with content-hash ids and `create`, Elasticsearch's own count
// and sum show every document exactly once; the status names the node that is down while it is;
// a node that came back gets requests again (its own HTTP stats say so).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EsCluster, elasticsearchMissing } from '../helpers/elasticsearch';
import { MessageSink, NodeRed, waitUntil } from '../helpers/node-red';
import { requireReal } from '../helpers/real';
import { bulkStats, esFlow, post } from '../helpers/es-flow';

const total = 30_000;
const chunk = 2000;
let cluster: EsCluster | undefined;
let nodeRed: NodeRed | undefined;
let sink: MessageSink | undefined;
const missing = elasticsearchMissing();

before(async () => {
  if (missing) return;
  cluster = await EsCluster.start(3);
  sink = await MessageSink.start();
  nodeRed = await NodeRed.start();
});

after(async () => {
  await nodeRed?.stop();
  await sink?.stop();
  await cluster?.stop();
});

const base = Date.parse('2024-06-01T00:00:00Z');
const docs = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ '@timestamp': new Date(base + (from + i) * 1000).toISOString(), seq: from + i }));

async function httpOpened(node: number): Promise<number> {
  const stats = await cluster!.nodes[node].request('GET', '/_nodes/_local/stats/http');
  return (Object.values(stats.nodes)[0] as { http: { total_opened: number } }).http.total_opened;
}

test('three nodes, two killed mid-request and back: every document exactly once', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const flow = esFlow(sink!, {
    url: cluster!.urls.join(', '), prefix: 'cl',
    bulk: { index: 'cl-%Y.%m.%d', idMode: 'hash', opType: 'create', spool: true, batchDocs: 1000, maxInFlight: 2, installTemplate: true, replicas: '1' },
  });
  await nodeRed!.deploy(flow.nodes, flow.credentials);
  let fed = 0;
  const feed = async (to: number) => { for (; fed < to; fed += chunk) await post(nodeRed!, '/cl/feed', docs(fed, chunk)); };

  for (const victim of [1, 2]) {
    await feed(fed + total / 3);
    // Killed while requests are in flight: the client sees the connection die mid-request.
    await waitUntil('requests in flight', async () => (await bulkStats(nodeRed!, sink!, 'cl')).inFlight > 0 || fed >= total, 30_000, 20);
    await cluster!.nodes[victim].kill();
    await feed(Math.min(total, fed + chunk * 3));
    await nodeRed!.waitForStatus('cl-bulk', (s) => /1\/3 nodes down/.test(String(s.text)), 120_000);
    await cluster!.nodes[victim].resume();
    await cluster!.waitFor('green', 3);
  }
  await feed(total);
  await post(nodeRed!, '/cl/control', { flush: true });
  await waitUntil('every document acknowledged', async () => {
    const s = await bulkStats(nodeRed!, sink!, 'cl');
    return s.indexed + s.duplicates >= total && s.queueDocs === 0 && s.inFlight === 0 && s.spoolDocs === 0;
  }, 300_000, 500);
  const count = async () => {
    await cluster!.nodes[0].request('POST', '/cl-*/_refresh');
    return (await cluster!.nodes[0].request('POST', '/cl-*/_count')).count as number;
  };
  assert.equal(await count(), total);
  const agg = await cluster!.nodes[0].request('POST', '/cl-*/_search', { size: 0, aggs: { seq: { sum: { field: 'seq' } } } });
  assert.equal(agg.aggregations.seq.value, ((total - 1) * total) / 2);
  assert.equal(sink!.messages('cl-fail').length, 0);

  // The last node to come back is used again: the client opens connections to it, and no listed
  // node is held for dead once it answers.
  const before = await httpOpened(2);
  await waitUntil('requests reach the node that came back', async () => {
    await post(nodeRed!, '/cl/feed', docs(0, 500)); // resends: duplicates, harmless
    await post(nodeRed!, '/cl/control', { flush: true });
    return (await httpOpened(2)) > before + 1;
  }, 120_000, 1000);
  await waitUntil('no node held for dead', async () => ((await bulkStats(nodeRed!, sink!, 'cl')) as unknown as { nodesDown: string[] }).nodesDown.length === 0, 120_000, 500);
  assert.equal(await count(), total);
});
