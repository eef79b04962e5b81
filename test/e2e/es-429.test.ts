// @runtime: primary (retry and backoff are the client's, not Node-RED's)
// 429 handling: an Elasticsearch whose write thread pool has one thread and a queue of one
// rejects most of many concurrent small bulk requests (es_rejected_execution_exception, 429);
// es bulk retries with backoff, and sends fewer requests at once, until every document is indexed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elasticsearchMissing } from '../helpers/elasticsearch';
import { waitUntil } from '../helpers/node-red';
import { requireReal } from '../helpers/real';
import { bulkStats, esFlow, esStack, post } from '../helpers/es-flow';

const missing = elasticsearchMissing();

const stack = esStack(missing, { settings: { 'thread_pool.write.size': '1', 'thread_pool.write.queue_size': '1' } });

test('rejected bulk requests (429) are retried until everything is indexed', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  await stack.es!.request('PUT', '/busy', { settings: { number_of_shards: 1, number_of_replicas: 0 } });
  const flow = esFlow(stack.sink!, {
    url: stack.es!.url, prefix: 'busy',
    bulk: { index: 'busy', indexMode: 'fixed', batchDocs: 50, maxInFlight: 8, flushMs: 20, maxRetries: 30 },
  });
  await stack.nodeRed!.deploy(flow.nodes, flow.credentials);
  const n = 4000;
  for (let i = 0; i < n; i += 1000) {
    await post(stack.nodeRed!, '/busy/feed', Array.from({ length: 1000 }, (_, j) => ({ '@timestamp': '2024-01-01T00:00:00Z', seq: i + j })));
  }
  let stats: Record<string, number> = {};
  await waitUntil('all acknowledged', async () => {
    stats = await bulkStats(stack.nodeRed!, stack.sink!, 'busy');
    if (process.env.DEBUG_ES) console.log(JSON.stringify(stats));
    return stats.indexed + stats.failed >= n;
  }, 120000, 250);
  assert.equal(stats.failed, 0, JSON.stringify(stack.sink!.messages('busy-fail').slice(0, 2)));
  assert.ok(stats.retried > 0, `Elasticsearch rejected nothing (stats ${JSON.stringify(stats)}); the test did not exercise 429`);
  assert.equal(await stack.es!.count('busy'), n);
  // Elasticsearch's own count of rejections agrees that it pushed back.
  const pools = await stack.es!.request('GET', '/_nodes/stats/thread_pool?filter_path=nodes.*.thread_pool.write.rejected');
  const rejected = Object.values(pools.nodes as Record<string, { thread_pool: { write: { rejected: number } } }>)[0].thread_pool.write.rejected;
  assert.ok(rejected > 0);
});
