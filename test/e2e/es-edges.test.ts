// The edges of "nothing lost": closing while the input waits for queue room (the library alone —
// the reproduction, a BulkIndexer with a spool, close() while add() is blocked — then
// Node-RED stopped with a full queue and started again), a spool file cut inside its last record,
// and a time without a zone on a host east of UTC. Elasticsearch's own answers are the reference:
// content-hash ids with `create` make each document exactly one hit however often it was resent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { BulkIndexer, contentHashId, describeEsError, Spool, type BulkEntry, type BulkFailure } from '../../nodes/common/es';
import { bulkSender, isRetryableEsError } from '../../nodes/shared/es-client';
import { Elasticsearch, elasticsearchMissing } from '../helpers/elasticsearch';
import { MessageSink, NodeRed, waitUntil } from '../helpers/node-red';
import { requireReal } from '../helpers/real';
import { bulkStats, esFlow, post } from '../helpers/es-flow';

let es: Elasticsearch | undefined;
let client: Client | undefined;
let sink: MessageSink | undefined;
let nodeRed: NodeRed | undefined;
const dirs: string[] = [];
const missing = elasticsearchMissing();

before(async () => {
  if (missing) return;
  es = await Elasticsearch.shared();
  client = new Client({ node: es.url });
  sink = await MessageSink.start();
});

after(async () => {
  await nodeRed?.stop();
  await client?.close();
  await sink?.stop();
  await es?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const entries = (index: string, from: number, n: number): BulkEntry[] => Array.from({ length: n }, (_, i) => {
  const doc = { '@timestamp': '2024-06-01T00:00:00Z', seq: from + i };
  return { index, op: 'create', id: contentHashId(doc), source: JSON.stringify(doc) };
});

function indexer(spool: Spool | undefined, failures: BulkFailure[]): BulkIndexer {
  return new BulkIndexer({
    sender: bulkSender(client!, {}), batchDocs: 5, batchBytes: 1 << 20, flushMs: 60_000, maxInFlight: 1,
    queueDocs: 10, queueBytes: 1 << 20, whenFull: 'block', maxRetries: 3, backoffBaseMs: 100, backoffMaxMs: 1000,
    spool, retriesBeforeSpool: 2, isRetryable: isRetryableEsError, describeError: describeEsError, onFailure: (f) => failures.push(f),
  });
}

test('library: close() while add() waits for room spools every accepted document; a restart indexes each once', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-close-spool-'));
  dirs.push(dir);
  const failures: BulkFailure[] = [];
  const first = indexer(new Spool(dir, 1 << 30), failures);
  // 9 adds of 5: one batch goes in flight, two fill the queue, the other six wait for room.
  const adds = Array.from({ length: 9 }, (_, i) => first.add(entries('close-lib', i * 5, 5)));
  assert.equal(first.snapshot().blocked, true);
  await first.close();
  await Promise.all(adds); // none rejects: their documents were taken care of
  const s = first.snapshot();
  assert.equal(s.accepted, 45);
  assert.equal(s.indexed + s.duplicates + s.spooled + s.failed, 45, JSON.stringify(s));
  assert.equal(s.spoolDocs, s.spooled);
  assert.deepEqual(failures, []);

  // The next start replays the spool; Elasticsearch holds each of the 45 exactly once.
  const second = indexer(new Spool(dir, 1 << 30), failures);
  await waitUntil('the spool replayed', () => second.snapshot().spoolDocs === 0, 60_000, 100);
  await second.close();
  assert.equal(await es!.count('close-lib'), 45);
  const agg = await es!.request('POST', '/close-lib/_search', { size: 0, aggs: { seq: { sum: { field: 'seq' } } } });
  assert.equal(agg.aggregations.seq.value, (44 * 45) / 2);
  assert.deepEqual(failures, []);
});

test('library without a spool: close() sends what waited for room within the grace time', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const failures: BulkFailure[] = [];
  const only = indexer(undefined, failures);
  const adds = Array.from({ length: 9 }, (_, i) => only.add(entries('close-nospool', i * 5, 5)));
  await only.close(120_000);
  await Promise.all(adds);
  const s = only.snapshot();
  assert.equal(s.accepted, 45);
  assert.equal(s.indexed + s.failed, 45);
  assert.equal(await es!.count('close-nospool'), s.indexed);
  assert.equal(failures.length, s.failed);
});

test('Node-RED stopped while the input waits for queue room: nothing lost after the restart', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const total = 40_000;
  nodeRed = await NodeRed.start();
  const userDir = nodeRed.userDir;
  dirs.push(userDir);
  const flow = esFlow(sink!, {
    url: es!.url, prefix: 'stop', config: { timeout: 600_000 },
    bulk: { index: 'stop-%Y.%m.%d', idMode: 'hash', opType: 'create', spool: true, whenFull: 'block', batchDocs: 500, maxInFlight: 1, queueDocs: 2000 },
  });
  await nodeRed.deploy(flow.nodes, flow.credentials);
  // A hung Elasticsearch (SIGSTOP): the first batch stays in flight, the queue fills, the input waits.
  es!.freeze();
  const base = Date.parse('2024-06-01T00:00:00Z');
  for (let from = 0; from < total; from += 2000) {
    await post(nodeRed, '/stop/feed', Array.from({ length: 2000 }, (_, i) => ({ '@timestamp': new Date(base + (from + i) * 1000).toISOString(), seq: from + i })));
  }
  await waitUntil('every document accepted', async () => (await bulkStats(nodeRed!, sink!, 'stop')).accepted === total, 60_000, 250);
  const held = await bulkStats(nodeRed, sink!, 'stop');
  assert.equal(held.blocked as unknown, true, 'the input waits for queue room');
  assert.ok(held.queueDocs + held.inFlight < total);
  await nodeRed.stop({ keepUserDir: true });
  es!.thaw();

  // Started again east of UTC: the next test sends times without a zone.
  nodeRed = await NodeRed.start({ userDir, env: { TZ: 'Asia/Tokyo' } });
  await nodeRed.waitForLog(/Started flows/, 120_000);
  await waitUntil('the spool replayed', async () => {
    const s = await bulkStats(nodeRed!, sink!, 'stop');
    return s.spoolDocs === 0 && s.queueDocs === 0 && s.inFlight === 0;
  }, 240_000, 500);
  await waitUntil('all documents searchable', async () => (await es!.count('stop-*')) >= total, 60_000, 500);
  assert.equal(await es!.count('stop-*'), total);
  const agg = await es!.request('POST', '/stop-*/_search', { size: 0, aggs: { seq: { sum: { field: 'seq' } } } });
  assert.equal(agg.aggregations.seq.value, ((total - 1) * total) / 2);
  assert.equal(sink!.messages('stop-fail').length, 0);
});

test('a spool cut inside its last record: Node-RED starts, the torn record is reported, every whole record arrives', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-torn-spool-'));
  dirs.push(dir);
  const spool = new Spool(dir, 1 << 30);
  spool.append(entries('torn', 0, 500)); // one batch as es bulk spools it
  const segment = readdirSync(dir).find((f) => f.startsWith('seg-'))!;
  truncateSync(join(dir, segment), statSync(join(dir, segment)).size - 17); // a kill during the append
  const flow = esFlow(sink!, { url: es!.url, prefix: 'torn', bulk: { index: 'torn', indexMode: 'fixed', idMode: 'hash', opType: 'create', spool: true, spoolDir: dir } });
  await nodeRed!.deploy(flow.nodes, flow.credentials);
  await nodeRed!.waitForLog(/torn record of \d+ bytes cut off the end; 499 whole record/);
  await waitUntil('the spool replayed', async () => (await bulkStats(nodeRed!, sink!, 'torn')).spoolDocs === 0, 120_000, 250);
  const s = await bulkStats(nodeRed!, sink!, 'torn');
  assert.equal(s.spoolDamaged, 1);
  assert.equal(await es!.count('torn'), 499);
  const agg = await es!.request('POST', '/torn/_search', { size: 0, aggs: { seq: { sum: { field: 'seq' } } } });
  assert.equal(agg.aggregations.seq.value, (498 * 499) / 2);
});

test('a time without a zone on a host east of UTC goes to the daily index of the time Elasticsearch stores', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const flow = esFlow(sink!, { url: es!.url, prefix: 'tz', bulk: { index: 'tz-%Y.%m.%d', timeField: 'time' } });
  await nodeRed!.deploy(flow.nodes, flow.credentials);
  await post(nodeRed!, '/tz/feed', [{ time: '2024-06-01T05:00:00', n: 1 }, { time: '2024-05-31T23:30:00', n: 2 }]);
  await post(nodeRed!, '/tz/control', { flush: true });
  await waitUntil('both indexed', async () => (await bulkStats(nodeRed!, sink!, 'tz')).indexed === 2, 60_000, 250);
  await es!.request('POST', '/tz-*/_refresh');
  // Elasticsearch's reading of each time (a date field, epoch millis in UTC) against the index it is in.
  const res = await es!.request('POST', '/tz-*/_search', { size: 10, sort: [{ n: 'asc' }], docvalue_fields: [{ field: 'time', format: 'yyyy.MM.dd' }] });
  const hits = res.hits.hits as Array<{ _index: string; fields: { time: string[] } }>;
  assert.deepEqual(hits.map((h) => h._index), hits.map((h) => `tz-${h.fields.time[0]}`));
  assert.deepEqual(hits.map((h) => h._index), ['tz-2024.06.01', 'tz-2024.05.31']);
});
