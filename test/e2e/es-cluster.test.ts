// @runtime: primary (the pool and failover are the client's, not Node-RED's: one pass keeps the suite inside its time)
// A three-node cluster on this machine (own data dirs and ports, 256 MB heaps, one replica), all
// three URLs in es config of a real Node-RED. 100,000 documents with content-hash ids and `create`;
// two nodes are killed (SIGKILL to the server JVM) one after the other while bulk requests are in
// flight, and each comes back. Elasticsearch's own count, sum, min, max and a duplicate search
// show every document exactly once; the status named a listed node down while it was; a node that
// came back coordinates bulk requests again (its own indexing stats say so). "No slowdown" is not
// asserted, since it is a time and on shared cores the restarting JVMs take the CPU: the test prints
// how fast 15,000 documents are acknowledged with three nodes up and with one of them dead.
// A second test lists one URL with sniffing on: the two unlisted nodes get bulk requests too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EsCluster, elasticsearchMissing } from '../helpers/elasticsearch';
import { MessageSink, NodeRed, waitUntil } from '../helpers/node-red';
import { requireReal } from '../helpers/real';
import { bulkStats, esFlow, post } from '../helpers/es-flow';

const total = 100_000;
const chunk = 2000;
let cluster: EsCluster | undefined;
let nodeRed: NodeRed | undefined;
let sink: MessageSink | undefined;
const missing = elasticsearchMissing();

before(async () => {
  if (missing) return;
  // One after the other: three JVMs starting take both cores, and Node-RED has a start-up timeout.
  sink = await MessageSink.start();
  nodeRed = await NodeRed.start();
  cluster = await EsCluster.start(3);
  await cluster.waitFor('green', 3);
});

after(async () => {
  await nodeRed?.stop();
  await sink?.stop();
  await cluster?.stop();
});

const base = Date.parse('2024-06-01T00:00:00Z');
const docs = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ '@timestamp': new Date(base + (from + i) * 1000).toISOString(), seq: from + i }));

/** Bytes of bulk requests this node coordinated (it received them from the client) since it started. */
async function coordinated(node: number): Promise<number> {
  const stats = await cluster!.nodes[node].request('GET', '/_nodes/_local/stats/indexing_pressure');
  const bytes = (Object.values(stats.nodes)[0] as { indexing_pressure: { memory: { total: { coordinating_in_bytes: number } } } }).indexing_pressure.memory.total.coordinating_in_bytes;
  assert.equal(typeof bytes, 'number');
  return bytes;
}

const t0 = Date.now();
/** How long each phase took (in the test's output: where a slow run spent its time). */
const phase = (t: { diagnostic(message: string): void }, what: string) => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(0)} s: ${what}`);

/** Waits until the documents fed so far (`fed`) are all acknowledged, queue, requests and spool empty. */
async function acknowledged(what: string, fed: number): Promise<Record<string, number>> {
  let s: Record<string, number> = {};
  await waitUntil(what, async () => {
    s = await bulkStats(nodeRed!, sink!, 'cl');
    return s.indexed + s.duplicates + s.failed >= fed && s.queueDocs === 0 && s.inFlight === 0 && s.spoolDocs === 0;
  }, 300_000, 100);
  return s;
}

/**
 * Once what was fed before is acknowledged, feeds `n` more documents and prints how fast they are
 * acknowledged (a diagnostic, not asserted: with a node dead it should stay near the figure with
 * three up, since requests go to the live nodes and the dead one is only probed now and then).
 */
async function timedDrain(t: { diagnostic(message: string): void }, state: string, feed: (to: number) => Promise<void>, from: number, n: number): Promise<void> {
  const before = await acknowledged(`${state}: earlier documents acknowledged`, from);
  const start = Date.now();
  await feed(from + n);
  await post(nodeRed!, '/cl/control', { flush: true });
  const after = await acknowledged(`${state}: ${n} more acknowledged`, from + n);
  const seconds = (Date.now() - start) / 1000;
  const acked = after.indexed + after.duplicates - before.indexed - before.duplicates;
  t.diagnostic(`${state}: ${acked} documents acknowledged in ${seconds.toFixed(1)} s, ${Math.round(acked / seconds)}/s`);
}

test('three nodes, two killed mid-request and back: 100,000 documents exactly once', { timeout: 900_000 }, async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  phase(t, 'cluster green');
  const flow = esFlow(sink!, {
    url: cluster!.urls.join(', '), prefix: 'cl', config: { timeout: 60_000 },
    bulk: { index: 'cl-%Y.%m.%d', idMode: 'hash', opType: 'create', spool: true, batchDocs: 1000, maxInFlight: 3, installTemplate: true, replicas: '1' },
  });
  await nodeRed!.deploy(flow.nodes, flow.credentials);
  let fed = 0;
  const feed = async (to: number) => { for (; fed < to; fed += chunk) await post(nodeRed!, '/cl/feed', docs(fed, chunk)); };

  // Before any timing: creates the first daily index (shards and replicas) and warms the JVMs.
  await feed(10_000);
  await acknowledged('warm-up documents acknowledged', fed);
  for (const victim of [1, 2]) {
    await timedDrain(t, 'three nodes up', feed, fed, Math.min(15_000, total - fed));
    // Killed while requests are in flight: the client sees connections die mid-request.
    await waitUntil('requests in flight', async () => {
      if ((await bulkStats(nodeRed!, sink!, 'cl')).inFlight > 0) return true;
      await feed(Math.min(total, fed + chunk));
      return false;
    }, 120_000, 0);
    const statusesBefore = nodeRed!.statuses.get('cl-bulk')?.length ?? 0;
    await cluster!.nodes[victim].kill();
    phase(t, `node ${victim} killed at ${fed} documents fed`);
    // Requests go on (they rotate over the three URLs) until the client has tried the dead one.
    // The victim is among the nodes held for dead, and a status shown since this kill says so (the
    // first kill's are in the history too; the node back from it may still wait for its next probe).
    await waitUntil('the status names the node down', async () => {
      if (fed < total) await feed(Math.min(total, fed + chunk));
      else await post(nodeRed!, '/cl/control', { flush: true });
      const down = ((await bulkStats(nodeRed!, sink!, 'cl')) as unknown as { nodesDown: string[] }).nodesDown;
      return down.includes(cluster!.urls[victim])
        && !!nodeRed!.statuses.get('cl-bulk')?.slice(statusesBefore).some((s) => new RegExp(`${down.length}/3 nodes down`).test(String(s.text)));
    }, 180_000, 200);
    phase(t, 'status showed it down');
    await timedDrain(t, `node ${victim} dead`, feed, fed, Math.min(15_000, total - fed));
    await cluster!.nodes[victim].resume();
    phase(t, `node ${victim} back`);
    await cluster!.waitFor('green', 3);
    phase(t, 'green again');
  }
  await feed(total);
  await post(nodeRed!, '/cl/control', { flush: true });
  let stats: Record<string, number> = {};
  await waitUntil('every document acknowledged', async () => {
    stats = await bulkStats(nodeRed!, sink!, 'cl');
    return stats.indexed + stats.duplicates + stats.failed >= total && stats.queueDocs === 0 && stats.inFlight === 0 && stats.spoolDocs === 0;
  }, 300_000, 500);
  phase(t, `all acknowledged: ${JSON.stringify(stats)}`);
  assert.equal(stats.failed, 0, JSON.stringify(stats));
  assert.equal(sink!.messages('cl-fail').length, 0);
  assert.ok(stats.requestErrors > 0, 'the kills failed requests');

  const es = cluster!.nodes[0];
  await es.request('POST', '/cl-*/_refresh');
  assert.equal(await es.count('cl-*'), total);
  const agg = await es.request('POST', '/cl-*/_search', {
    size: 0,
    aggs: {
      sum: { sum: { field: 'seq' } }, min: { min: { field: 'seq' } }, max: { max: { field: 'seq' } },
      // Per index (one shard each), a seq held twice would top this list.
      twice: { terms: { field: 'seq', min_doc_count: 2, size: 10 } },
    },
  });
  assert.equal(agg.aggregations.sum.value, ((total - 1) * total) / 2);
  assert.deepEqual([agg.aggregations.min.value, agg.aggregations.max.value], [0, total - 1]);
  assert.deepEqual(agg.aggregations.twice.buckets, []);
  // A document indexed by a request whose answer was lost comes back as a duplicate (409) on resend.
  assert.ok(stats.indexed <= total && stats.indexed + stats.duplicates >= total, JSON.stringify(stats));

  // The last node to come back is used again, and no listed node is held for dead once it answers.
  const before = await coordinated(2);
  await waitUntil('bulk requests reach the node that came back', async () => {
    await post(nodeRed!, '/cl/feed', docs(0, 500)); // resends: duplicates, harmless
    await post(nodeRed!, '/cl/control', { flush: true });
    return (await coordinated(2)) > before;
  }, 180_000, 1000);
  phase(t, 'the node that came back coordinates requests');
  await waitUntil('no node held for dead', async () => ((await bulkStats(nodeRed!, sink!, 'cl')) as unknown as { nodesDown: string[] }).nodesDown.length === 0, 180_000, 500);
  assert.equal(await es.count('cl-*'), total);
});

test('one URL listed: only that node gets bulk requests, unless sniffing is on', { timeout: 300_000 }, async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const listedOnly = esFlow(sink!, { url: cluster!.urls[0], prefix: 'one', bulk: { index: 'one-%Y.%m.%d', batchDocs: 500 } });
  await nodeRed!.deploy(listedOnly.nodes, listedOnly.credentials);
  const before = await Promise.all([0, 1, 2].map(coordinated));
  await post(nodeRed!, '/one/feed', docs(0, 5000));
  await post(nodeRed!, '/one/control', { flush: true });
  await waitUntil('5,000 documents indexed through the listed node', async () => (await bulkStats(nodeRed!, sink!, 'one')).indexed === 5000, 120_000, 200);
  const after = await Promise.all([0, 1, 2].map(coordinated));
  assert.ok(after[0] > before[0], 'the listed node coordinated the requests');
  assert.deepEqual(after.slice(1), before.slice(1), 'no request reached an unlisted node');
  assert.equal((await bulkStats(nodeRed!, sink!, 'one')).nodes, 1, 'without sniffing the client uses the one listed node');

  const sniffing = esFlow(sink!, { url: cluster!.urls[0], prefix: 'sn', config: { sniff: true }, bulk: { index: 'sn-%Y.%m.%d', batchDocs: 500 } });
  await nodeRed!.deploy(sniffing.nodes, sniffing.credentials);
  let fed = 0;
  await waitUntil('bulk requests reach both unlisted nodes', async () => {
    await post(nodeRed!, '/sn/feed', docs(fed, 1000));
    fed += 1000;
    await post(nodeRed!, '/sn/control', { flush: true });
    const now = await Promise.all([1, 2].map(coordinated));
    return now[0] > after[1] && now[1] > after[2];
  }, 120_000, 500);
  phase(t, `sniffing: both unlisted nodes coordinated bulk requests after ${fed} documents`);
  await waitUntil('every sniffed document indexed', async () => (await bulkStats(nodeRed!, sink!, 'sn')).indexed === fed, 120_000, 200);
  assert.equal((await bulkStats(nodeRed!, sink!, 'sn')).failed, 0);
  // The nodes a status "N/M nodes down" counts M of: the three discovered, not the one listed.
  assert.equal((await bulkStats(nodeRed!, sink!, 'sn')).nodes, 3);
});
