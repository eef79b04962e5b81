// @runtime: primary (ECS documents and index names are the pack's code; es-tls and es-edges cover es bulk on both runtimes)
// es bulk in a real Node-RED against a real Elasticsearch 8 (the integ-test zip from Maven
// Central): flow records shaped as ECS and queried back, index names by event time, mapping
// conflicts on the failure output, retention. Expected values come from the records the test
// builds (per the IANA IE definitions) and from what Elasticsearch itself answers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { elasticsearchMissing, esVersions } from '../helpers/elasticsearch';
import { waitUntil } from '../helpers/node-red';
import { requireReal } from '../helpers/real';
import { bulkStats, esFlow, esStack, post } from '../helpers/es-flow';

// The core es tests run against the newest unpacked 8.x and 9.x (whatever scripts/setup.d/es.sh
// could fetch), one Elasticsearch per version shared by the tests of that version.
test('an 8.x and a 9.x are unpacked, so the tests below run on both majors', (t) => {
  const majors = esVersions().map((v) => v.split('.')[0]);
  requireReal(t, majors.includes('8') && majors.includes('9'), `unpacked: ${esVersions().join(', ') || 'none'} (scripts/setup.d/es.sh fetches both)`);
});
for (const version of esVersions().length ? esVersions() : [undefined]) {
describe(`Elasticsearch ${version ?? '(not unpacked)'}`, () => {
  const missing = elasticsearchMissing(version);

  const stack = esStack(missing, { version });

  test('flow records become ECS documents in daily indices: counts, byte sums, ports, boundaries', async (t) => {
    if (!requireReal(t, !missing, missing ?? '')) return;
    const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'flows', bulk: { shape: 'ecs', index: 'flows-%Y.%m.%d', idMode: 'hash', opType: 'create', installTemplate: true, replicas: '0' } });
    // A second es bulk on the same cluster, also installing a template: the unsigned_long warning is
    // logged once per cluster, not by each node (checked against the mapping Elasticsearch made below).
    const other = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'flows2', bulk: { shape: 'ecs', index: 'flows2-%Y.%m.%d', installTemplate: true, replicas: '0' } });
    await stack.nodeRed!.deploy([...flow.nodes, ...other.nodes], { ...flow.credentials, ...other.credentials });
    // Records built from the IANA IE definitions; their end times straddle a midnight that is also
    // a month end (Jan 31 -> Feb 1, UTC) and a leap-day midnight (Feb 29 -> Mar 1).
    const ends = ['2024-01-31T23:59:59.999Z', '2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.000Z', '2024-03-01T00:00:00.001Z'];
    const ports = [53, 443, 443, 80, 22];
    const records = Array.from({ length: 400 }, (_, i) => ({
      sourceIPv4Address: `10.0.${i % 7}.${(i % 250) + 1}`,
      destinationIPv4Address: '192.0.2.80',
      sourceTransportPort: 40000 + i,
      destinationTransportPort: ports[i % ports.length],
      protocolIdentifier: ports[i % ports.length] === 53 ? 17 : 6,
      octetDeltaCount: 1000 + i,
      packetDeltaCount: 1 + (i % 9),
      flowStartMilliseconds: new Date(Date.parse(ends[i % 4]) - 5000).toISOString(),
      flowEndMilliseconds: ends[i % 4],
      ingressInterface: 2,
    }));
    // The largest counter an unsigned 64-bit IE can carry, as the decoder hands it (a BigInt,
    // serialised here as a decimal string the way JSON carries it over HTTP).
    await post(stack.nodeRed!, '/flows/feed', { records: records.slice(0, 200), exporter: { address: '203.0.113.9', port: 2055 }, protocol: 'ipfix' });
    await post(stack.nodeRed!, '/flows/feed', { records: records.slice(200), exporter: { address: '203.0.113.9', port: 2055 }, protocol: 'ipfix' });
    // Sent again: content-hash ids make the resend a no-op.
    await post(stack.nodeRed!, '/flows/feed', { records: records.slice(0, 50), exporter: { address: '203.0.113.9', port: 2055 }, protocol: 'ipfix' });
    await post(stack.nodeRed!, '/flows/control', { flush: true });
    await waitUntil('all records acknowledged', async () => {
      const s = await bulkStats(stack.nodeRed!, stack.sink!, 'flows');
      return s.indexed + s.duplicates + s.failed >= 450;
    }, 60000, 200);
    const stats = await bulkStats(stack.nodeRed!, stack.sink!, 'flows');
    assert.equal(stats.failed, 0, JSON.stringify(stack.sink!.messages('flows-fail')));
    // A request that timed out on a loaded machine may have been indexed and is resent: the
    // resend is a 409 duplicate. Elasticsearch's count below is what proves exactly once.
    assert.equal(stats.indexed + stats.duplicates, 450, JSON.stringify(stats));
    assert.ok(stats.duplicates >= 50);

    assert.equal(await stack.es!.count('flows-*'), 400);
    const perIndex = (n: string) => stack.es!.count(n);
    // Expected per index: the records whose end time falls on that UTC day.
    const expectDay = (day: string) => records.filter((r) => r.flowEndMilliseconds.slice(0, 10) === day).length;
    assert.equal(await perIndex('flows-2024.01.31'), expectDay('2024-01-31'));
    assert.equal(await perIndex('flows-2024.02.01'), expectDay('2024-02-01'));
    assert.equal(await perIndex('flows-2024.02.29'), expectDay('2024-02-29'));
    assert.equal(await perIndex('flows-2024.03.01'), expectDay('2024-03-01'));

    const agg = await stack.es!.request('POST', '/flows-*/_search', {
      size: 0,
      aggs: { bytes: { sum: { field: 'network.bytes' } }, packets: { sum: { field: 'network.packets' } }, ports: { terms: { field: 'destination.port', size: 10 } } },
    });
    assert.equal(agg.aggregations.bytes.value, records.reduce((n, r) => n + r.octetDeltaCount, 0));
    assert.equal(agg.aggregations.packets.value, records.reduce((n, r) => n + r.packetDeltaCount, 0));
    const expectedPorts = new Map<number, number>();
    for (const r of records) expectedPorts.set(r.destinationTransportPort, (expectedPorts.get(r.destinationTransportPort) ?? 0) + 1);
    assert.deepEqual(new Map(agg.aggregations.ports.buckets.map((b: { key: number; doc_count: number }) => [b.key, b.doc_count])), expectedPorts);

    // The template mapped addresses as ip (a CIDR query only works on ip fields) and times as date.
    assert.equal(await stack.es!.count('flows-*', { term: { 'source.ip': '10.0.3.0/24' } }), records.filter((r) => r.sourceIPv4Address.startsWith('10.0.3.')).length);
    const mapping = await stack.es!.request('GET', '/flows-2024.01.31/_mapping');
    const props = mapping['flows-2024.01.31'].mappings.properties;
    assert.equal(props.source.properties.ip.type, 'ip');
    assert.equal(props.observer.properties.ip.type, 'ip');
    assert.equal(props.event.properties.start.type, 'date');
    assert.equal(props.network.properties.transport.type, 'keyword');
    assert.equal(props.source.properties.geo.properties.location.type, 'geo_point');
    // unsigned_long where the cluster has it; the integ-test zip lacks the mapper, so long.
    assert.ok(['unsigned_long', 'long'].includes(props.network.properties.bytes.type));
    await stack.nodeRed!.waitForLog(/index template wirescope-flows2 installed/);
    await stack.nodeRed!.waitForLog(/index template wirescope-flows installed/);
    const noMapperWarnings = stack.nodeRed!.logs.filter((l) => /no unsigned_long mapper/.test(l)).length;
    assert.equal(noMapperWarnings, props.network.properties.bytes.type === 'long' ? 1 : 0);
    const hit = await stack.es!.request('POST', '/flows-2024.02.01/_search', { size: 1, query: { term: { 'destination.port': 443 } } });
    const doc = hit.hits.hits[0]._source;
    assert.equal(doc.observer.ip, '203.0.113.9');
    assert.equal(doc.network.transport, 'tcp');
    assert.equal(doc.event.duration, 5_000_000_000);
  });

  test('a mapping conflict reaches the failure output with Elasticsearch\'s reason', async (t) => {
    if (!requireReal(t, !missing, missing ?? '')) return;
    await stack.es!.request('PUT', '/strict-docs', { mappings: { properties: { bytes: { type: 'long' }, '@timestamp': { type: 'date' } } } });
    const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'strict', bulk: { index: 'strict-docs', indexMode: 'fixed' } });
    await stack.nodeRed!.deploy(flow.nodes, flow.credentials);
    await post(stack.nodeRed!, '/strict/feed', [
      { '@timestamp': '2024-05-01T00:00:00Z', bytes: 10 },
      { '@timestamp': '2024-05-01T00:00:01Z', bytes: 'ten', note: 'bad value' },
      { '@timestamp': '2024-05-01T00:00:02Z', bytes: 30 },
    ]);
    await post(stack.nodeRed!, '/strict/control', { flush: true });
    const [failure] = await stack.sink!.waitFor('strict-fail', 1, 30000);
    assert.equal(failure.index, 'strict-docs');
    assert.equal(failure.status, 400);
    assert.equal(failure._id, null); // ids assigned by Elasticsearch: none was sent
    assert.ok(failure.attempts >= 1, JSON.stringify(failure));
    assert.equal(failure.payload.note, 'bad value');
    // Elasticsearch's own words: a parse failure on the long field.
    assert.match(failure.reason, /document_parsing_exception|mapper_parsing_exception/);
    assert.match(failure.reason, /\[bytes\]/);
    await waitUntil('good documents indexed', async () => (await stack.es!.count('strict-docs')) === 2, 20000, 200);
    const stats = await bulkStats(stack.nodeRed!, stack.sink!, 'strict');
    assert.equal(stats.failed, 1);
    assert.equal(stats.indexed, 2);
  });

  test('a document without a valid time is reported, not dropped', async (t) => {
    if (!requireReal(t, !missing, missing ?? '')) return;
    const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'notime', bulk: { index: 'notime-%Y.%m.%d' } });
    await stack.nodeRed!.deploy(flow.nodes, flow.credentials);
    await post(stack.nodeRed!, '/notime/feed', [{ message: 'no time here' }, 42]);
    const [failure, notObject] = await stack.sink!.waitFor('notime-fail', 2);
    assert.equal(failure.payload.message, 'no time here');
    assert.match(failure.reason, /@timestamp/);
    // The shape of Elasticsearch's rejections (see the mapping-conflict test), with nothing chosen or sent.
    assert.deepEqual([failure.index, failure._id, failure.status, failure.attempts], [null, null, 0, 0]);
    assert.deepEqual([notObject.payload, notObject.index, notObject._id, notObject.status, notObject.attempts], [42, null, null, 0, 0]);
    assert.match(notObject.reason, /not a JSON object/);
  });

  test('retention deletes only the indices whose day ended more than N days ago', async (t) => {
    if (!requireReal(t, !missing, missing ?? '')) return;
    const day = (offset: number) => {
      const d = new Date(Date.now() - offset * 86_400_000);
      return `ret-${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
    };
    // With N = 7: the index of 8 days ago ended more than 7 days ago (delete); 6 days ago stays;
    // 7 days ago ended less than 7 days ago (its day ends 6 days and some hours ago): stays.
    const names = [day(30), day(8), day(7), day(6), day(0)];
    for (const name of names) await stack.es!.request('PUT', `/${name}`, { settings: { number_of_replicas: 0 } });
    await stack.es!.request('PUT', '/ret-keep-me', { settings: { number_of_replicas: 0 } });
    const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'ret', bulk: { index: 'ret-%Y.%m.%d', retentionDays: 7, retentionHours: 24 } });
    await stack.nodeRed!.deploy(flow.nodes, flow.credentials);
    const expected = [day(7), day(6), day(0), 'ret-keep-me'].sort();
    await waitUntil('retention at start', async () => {
      const rows = await stack.es!.request<Array<{ index: string }>>('GET', '/_cat/indices/ret-*?format=json&h=index');
      return rows.length === expected.length;
    }, 30000, 200);
    const rows = await stack.es!.request<Array<{ index: string }>>('GET', '/_cat/indices/ret-*?format=json&h=index');
    assert.deepEqual(rows.map((r) => r.index).sort(), expected);
    await stack.nodeRed!.waitForLog(/retention: deleted/);
  });

  test('retention by size deletes the oldest indices of the pattern until they fit the cap', async (t) => {
    if (!requireReal(t, !missing, missing ?? '')) return;
    const names = ['size-2024.01.01', 'size-2024.01.02', 'size-2024.01.03'];
    for (const name of names) {
      await stack.es!.request('PUT', `/${name}`, { settings: { number_of_replicas: 0 } });
    }
    // Elasticsearch's own sizes decide: a cap just under the sum of the three (and over the newest).
    const sizes = await stack.es!.request<Array<{ index: string; 'store.size': string }>>('GET', '/_cat/indices/size-*?format=json&h=index,store.size&bytes=b');
    const bytes = Object.fromEntries(sizes.map((r) => [r.index, Number(r['store.size'])]));
    const capGB = (bytes[names[1]] + bytes[names[2]]) / 1024 ** 3;
    const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'size', bulk: { index: 'size-%Y.%m.%d', retentionGB: capGB, retentionHours: 24 } });
    await stack.nodeRed!.deploy(flow.nodes, flow.credentials);
    await stack.nodeRed!.waitForLog(/retention: deleted size-2024\.01\.01 \(the pattern's indices were over/, 60000);
    const rows = await stack.es!.request<Array<{ index: string }>>('GET', '/_cat/indices/size-*?format=json&h=index');
    assert.deepEqual(rows.map((r) => r.index).sort(), names.slice(1));
  });
});
}
