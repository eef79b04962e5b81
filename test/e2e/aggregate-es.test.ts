// @runtime: primary (aggregate rows into Elasticsearch is the pack's code; aggregate-bins.test.ts covers redeploy on both runtimes)
// flow aggregate -> es bulk (shape "aggregates") -> a real Elasticsearch: each bin's rows land in
// the daily index of the bin's own time, their bytes add up to the records fed in, the template
// maps counts and hosts, and a bin sent again replaces its documents instead of doubling them;
// two flow aggregates into one index keep their own documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elasticsearchMissing } from '../helpers/elasticsearch';
import { waitUntil, type FlowNode } from '../helpers/node-red';
import { requireReal } from '../helpers/real';
import { bulkStats, esFlow, esStack, post } from '../helpers/es-flow';

const missing = elasticsearchMissing();

const stack = esStack(missing);

test('aggregate bins into daily indices by bin time, idempotent on resend, counts mapped as counters', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const bulk = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'agg', bulk: { shape: 'aggregates', index: 'flows-agg-%Y.%m.%d', installTemplate: true, replicas: '0' } });
  const nodes: FlowNode[] = [
    ...bulk.nodes,
    { id: 'records', type: 'http in', url: '/records', method: 'post', wires: [['to-aggregate', 'records-ok']] },
    { id: 'to-aggregate', type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [['aggregate']] },
    { id: 'records-ok', type: 'http response', statusCode: '200', wires: [] },
    {
      id: 'aggregate', type: 'wirescope-flow-aggregate', primitives: 'src_host, dst_port, proto', interval: 60, lateness: 120, idle: 0,
      topN: 3, maxKeys: 1000, orderBy: 'bytes', wires: [['agg-bulk', 'bins']],
    },
    ...stack.sink!.sinkNodes('bins', 'bins'),
  ];
  await stack.nodeRed!.deploy(nodes, bulk.credentials);
  // Two one-minute bins either side of a UTC midnight, so two daily indices; the records alternate
  // between them, which lateness 120 s allows.
  const firstBin = Date.parse('2024-01-31T23:59:00Z');
  const records = Array.from({ length: 300 }, (_, i) => ({
    sourceIPv4Address: `10.0.0.${1 + (i % 6)}`, destinationIPv4Address: '192.0.2.1', sourceTransportPort: 40000 + i,
    destinationTransportPort: [443, 53, 80][i % 3], protocolIdentifier: i % 3 === 1 ? 17 : 6,
    octetDeltaCount: 100 + i, packetDeltaCount: 1 + (i % 4), flowEndMilliseconds: firstBin + (i % 2) * 60_000 + i * 100,
  }));
  await post(stack.nodeRed!, '/records', { payload: records });
  await post(stack.nodeRed!, '/records', { topic: 'flush' });
  const bins = await stack.sink!.waitFor('bins', 2);
  assert.deepEqual(bins.map((b) => b.binStart), [firstBin, firstBin + 60_000]);
  const rows = bins.flatMap((b) => b.payload);
  assert.equal(rows.length, 8, 'top 3 + others, twice');
  await post(stack.nodeRed!, '/agg/control', { flush: true });
  await waitUntil('8 documents indexed', async () => (await stack.es!.count('flows-agg-*').catch(() => 0)) === 8, 60_000, 200);

  for (const [i, index] of ['flows-agg-2024.01.31', 'flows-agg-2024.02.01'].entries()) {
    const expected = records.filter((r) => r.flowEndMilliseconds >= firstBin + i * 60_000 && r.flowEndMilliseconds < firstBin + (i + 1) * 60_000)
      .reduce((n, r) => n + r.octetDeltaCount, 0);
    const sum = await stack.es!.request('POST', `/${index}/_search`, { size: 0, aggs: { bytes: { sum: { field: 'bytes' } } } });
    assert.equal(sum.aggregations.bytes.value, expected, `${index}: the rows' bytes equal the records' bytes`);
    assert.equal(await stack.es!.count(index), 4);
  }
  const mapping = await stack.es!.request('GET', '/flows-agg-2024.01.31/_mapping');
  const props = mapping['flows-agg-2024.01.31'].mappings.properties;
  // unsigned_long where the cluster has it; the integ-test zip lacks the mapper, so long.
  assert.ok(['unsigned_long', 'long'].includes(props.bytes.type));
  // Hosts as ip (dynamic mapping would make them text): a CIDR query finds them.
  assert.equal(props.src_host.type, 'ip');
  assert.equal(await stack.es!.count('flows-agg-*', { term: { src_host: '10.0.0.0/29' } }), rows.filter((r) => !r.others).length);
  assert.equal(props['@timestamp'].type, 'date');
  const hit = await stack.es!.request('POST', '/flows-agg-2024.01.31/_search', { size: 1, query: { term: { src_host: rows[0].src_host } } });
  assert.equal(hit.hits.hits[0]._source['@timestamp'], '2024-01-31T23:59:00.000Z');

  // The same bins again (what a re-sent bin looks like to es bulk): the ids repeat, nothing doubles.
  await post(stack.nodeRed!, '/agg/feed', rows);
  await post(stack.nodeRed!, '/agg/control', { flush: true });
  await waitUntil('resend acknowledged', async () => {
    const s = await bulkStats(stack.nodeRed!, stack.sink!, 'agg');
    return s.indexed + s.duplicates + s.failed >= 16;
  }, 60_000, 200);
  await stack.es!.request('POST', '/flows-agg-*/_refresh');
  assert.equal(await stack.es!.count('flows-agg-*'), 8);
});

test('two flow aggregates into one index keep their own rows; a resend of either replaces them', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  // Same primitives, one filtered to port 443: their `others` rows and their rows for the same host
  // hold the same key, so only the rows' `aggregation` keeps their documents apart.
  const bulk = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'two', bulk: { shape: 'aggregates', index: 'two-agg-%Y.%m.%d', installTemplate: true, replicas: '0' } });
  const aggregate = (id: string, filter: string): FlowNode => ({
    id, type: 'wirescope-flow-aggregate', primitives: 'src_host', filter, interval: 60, lateness: 120, idle: 0,
    topN: 2, maxKeys: 1000, orderBy: 'bytes', wires: [['two-bulk', `${id}-bins`]],
  });
  const nodes: FlowNode[] = [
    ...bulk.nodes,
    { id: 'two-records', type: 'http in', url: '/two/records', method: 'post', wires: [['two-to-aggregate', 'two-records-ok']] },
    { id: 'two-to-aggregate', type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [['all', 'https']] },
    { id: 'two-records-ok', type: 'http response', statusCode: '200', wires: [] },
    aggregate('all', ''), aggregate('https', 'port 443'),
    ...stack.sink!.sinkNodes('all-bins', 'all-bins'), ...stack.sink!.sinkNodes('https-bins', 'https-bins'),
  ];
  await stack.nodeRed!.deploy(nodes, bulk.credentials);
  const bin = Date.parse('2024-03-01T10:00:00Z');
  const records = Array.from({ length: 60 }, (_, i) => ({
    sourceIPv4Address: `10.0.1.${1 + (i % 5)}`, destinationIPv4Address: '192.0.2.1', sourceTransportPort: 40000 + i,
    destinationTransportPort: i % 2 ? 443 : 80, protocolIdentifier: 6, octetDeltaCount: 100 + i, packetDeltaCount: 1, flowEndMilliseconds: bin + i * 500,
  }));
  await post(stack.nodeRed!, '/two/records', { payload: records });
  await post(stack.nodeRed!, '/two/records', { topic: 'flush' });
  const [all] = await stack.sink!.waitFor('all-bins', 1);
  const [https] = await stack.sink!.waitFor('https-bins', 1);
  assert.equal(all.payload.length, 3, 'top 2 + others');
  assert.equal(https.payload.length, 3, 'top 2 + others');
  assert.notEqual(all.payload[0].aggregation, https.payload[0].aggregation);
  await post(stack.nodeRed!, '/two/control', { flush: true });
  await waitUntil('6 documents indexed', async () => (await stack.es!.count('two-agg-*').catch(() => 0)) === 6, 60_000, 200);
  for (const [name, message, kept] of [['all', all, records], ['https', https, records.filter((r) => r.destinationTransportPort === 443)]] as const) {
    const expected = kept.reduce((n, r) => n + r.octetDeltaCount, 0);
    const term = { term: { aggregation: message.payload[0].aggregation } };
    const sum = await stack.es!.request('POST', '/two-agg-*/_search', { size: 0, query: term, aggs: { bytes: { sum: { field: 'bytes' } } } });
    assert.equal(sum.aggregations.bytes.value, expected, `${name}: its documents' bytes equal the records it kept`);
  }
  // Both bins again: every id repeats, nothing doubles.
  await post(stack.nodeRed!, '/two/feed', [...all.payload, ...https.payload]);
  await post(stack.nodeRed!, '/two/control', { flush: true });
  await waitUntil('resend acknowledged', async () => {
    const s = await bulkStats(stack.nodeRed!, stack.sink!, 'two');
    return s.indexed + s.duplicates + s.failed >= 12;
  }, 60_000, 200);
  await stack.es!.request('POST', '/two-agg-*/_refresh');
  assert.equal(await stack.es!.count('two-agg-*'), 6);
});
