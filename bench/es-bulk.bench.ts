// es bulk's engine vs the official client's `client.helpers.bulk`, writing the same ECS flow
// documents into the same local Elasticsearch (the integ-test zip, 512 MB heap) with the same
// batch size (5 MB) and requests in flight (4). Each run is a child process, so peak RSS is its own.
// Run: node --import tsx bench/es-bulk.bench.ts [documents]
import { execFileSync } from 'node:child_process';
import { Client } from '@elastic/elasticsearch';
import { flowRecordToEcs } from '../nodes/common/ecs';
import { BulkIndexer, documentTime, formatIndexName, serializeDocument, type BulkEntry } from '../nodes/common/es';
import { bulkSender, isRetryableEsError } from '../nodes/shared/es-client';
import { describeEsError } from '../nodes/common/es';

const batchBytes = 5 * 1024 * 1024;
const inFlight = 4;

function makeDocs(n: number): Record<string, unknown>[] {
  const start = Date.parse('2024-07-01T00:00:00Z');
  return Array.from({ length: n }, (_, i) => flowRecordToEcs({
    sourceIPv4Address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, destinationIPv4Address: '192.0.2.1',
    sourceTransportPort: 1024 + (i % 60000), destinationTransportPort: [53, 80, 443][i % 3], protocolIdentifier: i % 3 === 0 ? 17 : 6,
    octetDeltaCount: 100 + i, packetDeltaCount: 1 + (i % 50), flowStartMilliseconds: start + i * 10, flowEndMilliseconds: start + i * 10 + 500,
    ingressInterface: 1, egressInterface: 2,
  }, { exporter: { address: '203.0.113.1', port: 2055 }, receivedAt: new Date(start + i * 10 + 600) }));
}

async function runOurs(url: string, index: string, n: number): Promise<number> {
  const client = new Client({ node: url, maxRetries: 0 });
  const docs = makeDocs(n);
  const t0 = process.hrtime.bigint();
  let failed = 0;
  const indexer = new BulkIndexer({
    sender: bulkSender(client, {}), batchDocs: 1_000_000, batchBytes, flushMs: 1000, maxInFlight: inFlight,
    queueDocs: 100_000, queueBytes: 64 * 1024 * 1024, whenFull: 'block', maxRetries: 8, backoffBaseMs: 200, backoffMaxMs: 30000,
    retriesBeforeSpool: 2, isRetryable: isRetryableEsError, describeError: describeEsError, onFailure: () => { failed++; },
  });
  for (let i = 0; i < n; i += 1000) {
    const entries: BulkEntry[] = docs.slice(i, i + 1000).map((doc) => ({ index: formatIndexName(index, documentTime(doc, '@timestamp')!), op: 'index', source: serializeDocument(doc) }));
    await indexer.add(entries);
    // Messages reach a node as separate macrotasks: let the sockets work between them.
    await new Promise((r) => setImmediate(r));
  }
  indexer.flush();
  while (indexer.stats.indexed + indexer.stats.failed < n) await new Promise((r) => setTimeout(r, 5));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await indexer.close();
  await client.close();
  if (failed) throw new Error(`${failed} failed`);
  return n / seconds;
}

async function runHelper(url: string, index: string, n: number): Promise<number> {
  const client = new Client({ node: url, maxRetries: 0 });
  const docs = makeDocs(n);
  const t0 = process.hrtime.bigint();
  const result = await client.helpers.bulk({
    datasource: docs, flushBytes: batchBytes, concurrency: inFlight, flushInterval: 1000,
    onDocument: (doc) => ({ index: { _index: formatIndexName(index, documentTime(doc, '@timestamp')!) } }),
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await client.close();
  if (result.failed) throw new Error(`${result.failed} failed`);
  return n / seconds;
}

async function child(): Promise<void> {
  const [, , , which, url, index, count] = process.argv;
  const rate = which === 'ours' ? await runOurs(url, index, Number(count)) : await runHelper(url, index, Number(count));
  console.log(JSON.stringify({ rate, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  const { Elasticsearch } = await import('../test/helpers/elasticsearch');
  const n = Number(process.argv[2] ?? 50_000);
  const es = await Elasticsearch.start();
  try {
    const results: Record<string, Array<{ rate: number; maxRssMB: number }>> = { ours: [], helper: [] };
    // One warm-up run (the JVM compiles its hot paths), then alternate three times each so
    // neither side always meets a warmer (or fuller) Elasticsearch; the median is reported.
    for (const [round, which] of ['warmup', 'helper', 'ours', 'ours', 'helper', 'helper', 'ours'].entries()) {
      const side = which === 'warmup' ? 'helper' : which;
      const index = `bench-${side}-${round}-%Y.%m.%d`;
      const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, 'child', side, es.url, index, String(n)], { encoding: 'utf8' });
      if (which !== 'warmup') results[side].push(JSON.parse(out.trim().split('\n').pop()!));
      await es.request('DELETE', `/bench-${side}-${round}-*`);
    }
    const best = (list: Array<{ rate: number }>) => [...list.map((r) => r.rate)].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const rss = (list: Array<{ maxRssMB: number }>) => Math.max(...list.map((r) => r.maxRssMB));
    console.log(`documents: ${n} ECS flow documents, batches of 5 MB, ${inFlight} requests in flight, Elasticsearch ${es.url}`);
    console.log(`es bulk engine        : median ${best(results.ours).toFixed(0)} docs/s (runs: ${results.ours.map((r) => r.rate.toFixed(0)).join(', ')}), peak RSS ${rss(results.ours).toFixed(0)} MB`);
    console.log(`client.helpers.bulk   : median ${best(results.helper).toFixed(0)} docs/s (runs: ${results.helper.map((r) => r.rate.toFixed(0)).join(', ')}), peak RSS ${rss(results.helper).toFixed(0)} MB`);
    console.log(`ratio                 : ${((best(results.ours) / best(results.helper)) * 100).toFixed(1)}% of the bulk helper`);
  } finally {
    await es.stop();
  }
}

if (process.argv[2] === 'child') void child().catch((err) => { console.error(err); process.exit(1); });
else void main().catch((err) => { console.error(err); process.exit(1); });
