// @runtime: primary (the spool and resend are the client's; es-edges.test.ts covers stop and restart on both runtimes)
// Outage: Elasticsearch stops in the middle of a stream and Node-RED restarts while it is down.
// With content-hash ids every document is indexed exactly once; without ids at least once.
// The counts Elasticsearch returns prove it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Elasticsearch, elasticsearchMissing } from '../helpers/elasticsearch';
import { MessageSink, NodeRed, waitUntil } from '../helpers/node-red';
import { requireReal } from '../helpers/real';
import { bulkStats, esFlow, post } from '../helpers/es-flow';

const total = 200_000;
const chunk = 4000;
let es: Elasticsearch | undefined;
let nodeRed: NodeRed | undefined;
let sink: MessageSink | undefined;
let userDir: string | undefined;
const missing = elasticsearchMissing();

before(async () => {
  if (missing) return;
  es = await Elasticsearch.start();
  sink = await MessageSink.start();
});

after(async () => {
  await nodeRed?.stop();
  if (userDir) rmSync(userDir, { recursive: true, force: true });
  await sink?.stop();
  await es?.stop();
});

const base = Date.parse('2024-06-30T12:00:00Z');
const docs = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({
  '@timestamp': new Date(base + (from + i) * 500).toISOString(), // spans several days: several indices
  seq: from + i, host: `h${(from + i) % 17}`, bytes: (from + i) * 3,
}));

async function feed(prefix: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += chunk) await post(nodeRed!, `/${prefix}/feed`, docs(i, Math.min(chunk, to - i)));
}

async function drained(prefix: string, expected: number): Promise<Record<string, number>> {
  let stats: Record<string, number> = {};
  await waitUntil(`${prefix}: every document acknowledged`, async () => {
    stats = await bulkStats(nodeRed!, sink!, prefix);
    return stats.indexed + stats.duplicates + stats.failed >= expected && stats.spoolDocs === 0 && stats.queueDocs === 0 && stats.inFlight === 0;
  }, 240000, 500);
  return stats;
}

test('content-hash ids: stop Elasticsearch mid-stream, restart Node-RED while it is down — every document exactly once', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const t0 = Date.now();
  nodeRed = await NodeRed.start();
  userDir = nodeRed.userDir;
  const flow = esFlow(sink!, {
    url: es!.url, prefix: 'once',
    bulk: { index: 'once-%Y.%m.%d', idMode: 'hash', opType: 'create', spool: true, batchDocs: 2000, maxInFlight: 2, maxRetries: 3 },
  });
  await nodeRed.deploy(flow.nodes, flow.credentials);

  await feed('once', 0, total / 2);
  await es!.pause(); // the outage begins while documents are still queued or in flight
  await feed('once', total / 2, (total * 3) / 4);
  await waitUntil('documents spooled during the outage', async () => (await bulkStats(nodeRed!, sink!, 'once')).spoolDocs > 0, 60000, 250);

  // Node-RED restarts while Elasticsearch is still down: the spool is on disk.
  await nodeRed.stop({ keepUserDir: true });
  nodeRed = await NodeRed.start({ userDir });
  await nodeRed.waitForLog(/Started flows/);
  const afterRestart = await bulkStats(nodeRed, sink!, 'once');
  assert.ok(afterRestart.spoolDocs > 0, 'the spool survived the restart');
  await feed('once', (total * 3) / 4, total);
  // During the outage the status says so (the user saw this text stay after recovery).
  await nodeRed.waitForStatus('once-bulk', (s) => /spooling/.test(String(s.text)) && s.fill === 'yellow', 60000);

  await es!.resume();
  await drained('once', 0);
  // Recovered: the error is history with its time; the status and currentError no longer show it.
  const recovered = await bulkStats(nodeRed, sink!, 'once') as unknown as { lastError?: string; lastErrorAt?: string; currentError?: string };
  assert.ok(recovered.lastError, JSON.stringify(recovered));
  const errorAt = Date.parse(recovered.lastErrorAt ?? '');
  assert.match(recovered.lastErrorAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(errorAt >= t0 && errorAt <= Date.now(), `lastErrorAt ${recovered.lastErrorAt} within the test`);
  assert.equal(recovered.currentError, undefined);
  await waitUntil('the status is green again, without the outage\'s error', async () => {
    const last = nodeRed!.lastStatus('once-bulk');
    return !!last && last.fill === 'green' && !/spooling|timeout|refused/i.test(String(last.text));
  }, 30000, 250);
  await waitUntil('all documents searchable', async () => (await es!.count('once-*')) >= total, 60000, 500);
  assert.equal(await es!.count('once-*'), total);
  // Every seq is there exactly once: the sum of 0..total-1 and the count agree.
  const agg = await es!.request('POST', '/once-*/_search', { size: 0, aggs: { seq: { sum: { field: 'seq' } }, max: { max: { field: 'seq' } } } });
  assert.equal(agg.aggregations.seq.value, ((total - 1) * total) / 2);
  assert.equal(agg.aggregations.max.value, total - 1);
  assert.equal(sink!.messages('once-fail').length, 0);
});

test('without ids: stop and restart Elasticsearch mid-stream — every document at least once', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const n = 20_000;
  const flow = esFlow(sink!, {
    url: es!.url, prefix: 'least',
    bulk: { index: 'least-%Y.%m.%d', idMode: 'none', spool: true, batchDocs: 1000, maxInFlight: 2, maxRetries: 3 },
  });
  await nodeRed!.deploy(flow.nodes, flow.credentials);
  await feed('least', 0, n / 2);
  await es!.pause();
  await feed('least', n / 2, n);
  await es!.resume();
  await drained('least', 0);
  await waitUntil('all documents searchable', async () => (await es!.count('least-*')) >= n, 60000, 500);
  // One bucket per seq: none may be empty (min_doc_count 0 shows the gaps).
  const agg = await es!.request('POST', '/least-*/_search', { size: 0, aggs: { seq: { histogram: { field: 'seq', interval: 1, min_doc_count: 0, extended_bounds: { min: 0, max: n - 1 } } } } });
  const buckets = agg.aggregations.seq.buckets as Array<{ key: number; doc_count: number }>;
  assert.equal(buckets.length, n);
  assert.deepEqual(buckets.filter((b) => b.doc_count < 1), []);
  assert.ok((await es!.count('least-*')) >= n);
  assert.equal(sink!.messages('least-fail').length, 0);
});
