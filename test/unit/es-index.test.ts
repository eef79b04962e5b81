// Index names from the document's own time, retention selection, bulk serialisation, spool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, bulkBody, classifyItem, contentHashId, documentTime, formatIndexName, IndexNamer, indexPeriod, indexWildcard, indicesOverSize, indicesPastRetention, serializeDocument, defaultTemplateName } from '../../nodes/common/es';

test('strftime tokens are filled in UTC across midnight and month boundaries', () => {
  assert.equal(formatIndexName('flows-%Y.%m.%d', new Date('2024-12-31T23:59:59.999Z')), 'flows-2024.12.31');
  assert.equal(formatIndexName('flows-%Y.%m.%d', new Date('2025-01-01T00:00:00.000Z')), 'flows-2025.01.01');
  assert.equal(formatIndexName('flows-%Y.%m.%d', new Date('2024-02-29T23:59:59Z')), 'flows-2024.02.29');
  assert.equal(formatIndexName('flows-%Y.%m.%d', new Date('2024-03-01T00:00:00Z')), 'flows-2024.03.01');
  // A time with an offset is converted to UTC first: 01:30+02:00 is 23:30Z of the day before.
  assert.equal(formatIndexName('flows-%Y.%m.%d-%H', new Date('2024-06-01T01:30:00+02:00')), 'flows-2024.05.31-23');
  assert.equal(formatIndexName('x-100%%-%Y', new Date('2024-06-01T00:00:00Z')), 'x-100%-2024');
});

test('the index namer gives each time the name of its own UTC hour, across hour, day and year edges', () => {
  const daily = new IndexNamer('flows-%Y.%m.%d');
  const hourly = new IndexNamer('flows-%Y.%m.%d-%H');
  for (const [time, day, hour] of [
    ['2024-12-31T23:59:59.999Z', 'flows-2024.12.31', 'flows-2024.12.31-23'],
    ['2025-01-01T00:00:00.000Z', 'flows-2025.01.01', 'flows-2025.01.01-00'],
    ['2024-12-31T23:00:00.000Z', 'flows-2024.12.31', 'flows-2024.12.31-23'],
    ['2024-06-01T01:30:00+02:00', 'flows-2024.05.31', 'flows-2024.05.31-23'],
    ['1969-12-31T23:30:00Z', 'flows-1969.12.31', 'flows-1969.12.31-23'],
  ]) {
    assert.equal(daily.name(new Date(time)), day, time);
    assert.equal(hourly.name(new Date(time)), hour, time);
    // The same names from epoch milliseconds (the direct ECS writer's time), twice: remembered or not.
    assert.equal(daily.nameAt(Date.parse(time)), day, time);
    assert.equal(hourly.nameAt(Date.parse(time)), hour, time);
    assert.equal(hourly.nameAt(Date.parse(time)), hour, time);
  }
  // More hours than it remembers: still right.
  for (let h = 0; h < 600; h++) {
    const t = new Date(Date.UTC(2024, 0, 1, h, 17));
    assert.equal(hourly.name(t), `flows-${t.toISOString().slice(0, 10).replace(/-/g, '.')}-${t.toISOString().slice(11, 13)}`);
  }
});

test('document time comes from the configured field', () => {
  assert.equal(documentTime({ '@timestamp': '2024-01-02T03:04:05Z' }, '@timestamp')?.toISOString(), '2024-01-02T03:04:05.000Z');
  assert.equal(documentTime({ event: { end: 1704067200000 } }, 'event.end')?.toISOString(), '2024-01-01T00:00:00.000Z');
  assert.equal(documentTime({ '@timestamp': 'yesterday' }, '@timestamp'), undefined);
  assert.equal(documentTime({}, '@timestamp'), undefined);
});

test('a time without a zone is UTC, as Elasticsearch reads it, whatever the host zone', () => {
  const saved = process.env.TZ;
  process.env.TZ = 'Asia/Tokyo'; // UTC+9: a local reading would move 05:00 to the day before
  try {
    assert.equal(new Date('2024-06-01T05:00:00').getUTCDate(), 31, 'the host zone is in effect');
    assert.equal(documentTime({ t: '2024-06-01T05:00:00' }, 't')?.toISOString(), '2024-06-01T05:00:00.000Z');
    assert.equal(documentTime({ t: '2024-06-01T05:00:00.123456' }, 't')?.toISOString(), '2024-06-01T05:00:00.123Z');
    assert.equal(documentTime({ t: '2024-06-01T05:00' }, 't')?.toISOString(), '2024-06-01T05:00:00.000Z');
    assert.equal(documentTime({ t: '2024-06-01' }, 't')?.toISOString(), '2024-06-01T00:00:00.000Z');
    assert.equal(documentTime({ t: '2024-06-01T05:00:00+09:00' }, 't')?.toISOString(), '2024-05-31T20:00:00.000Z');
    assert.equal(formatIndexName('flows-%Y.%m.%d', documentTime({ t: '2024-06-01T05:00:00' }, 't')!), 'flows-2024.06.01');
  } finally {
    if (saved === undefined) delete process.env.TZ; else process.env.TZ = saved;
  }
});

test('default template names carry no dangling separator', () => {
  assert.equal(defaultTemplateName('flows-%Y.%m.%d'), 'wirescope-flows');
  assert.equal(defaultTemplateName('net_flows_%Y'), 'wirescope-net_flows');
  assert.equal(defaultTemplateName('%Y.%m'), 'wirescope-flows');
  assert.equal(defaultTemplateName('logs'), 'wirescope-logs');
});

test('retention picks only indices whose whole day ended more than N days ago', () => {
  assert.equal(indexWildcard('flows-%Y.%m.%d'), 'flows-*');
  assert.deepEqual(indexPeriod('flows-%Y.%m.%d', 'flows-2024.02.29'), { start: new Date('2024-02-29T00:00:00Z'), end: new Date('2024-03-01T00:00:00Z') });
  assert.equal(indexPeriod('flows-%Y.%m.%d', 'flows-2023.02.29'), undefined); // not a date
  assert.equal(indexPeriod('flows-%Y.%m.%d', 'flows-other'), undefined);
  const names = ['flows-2024.01.09', 'flows-2024.01.10', 'flows-2024.01.11', 'flows-2024.01.17', 'flows-archive', 'other-2024.01.01'];
  assert.deepEqual(indicesPastRetention('flows-%Y.%m.%d', names, new Date('2024-01-18T00:00:00Z'), 7), ['flows-2024.01.09', 'flows-2024.01.10']);
});

test('retention by size deletes the oldest indices until the pattern fits, never the newest', () => {
  const gb = 1024 ** 3;
  const rows = [
    { name: 'flows-2024.01.12', bytes: 3 * gb }, { name: 'flows-2024.01.10', bytes: 2 * gb },
    { name: 'flows-archive', bytes: 50 * gb }, { name: 'flows-2024.01.11', bytes: 4 * gb },
  ];
  assert.deepEqual(indicesOverSize('flows-%Y.%m.%d', rows, 9 * gb), []);
  assert.deepEqual(indicesOverSize('flows-%Y.%m.%d', rows, 8 * gb), ['flows-2024.01.10']);
  assert.deepEqual(indicesOverSize('flows-%Y.%m.%d', rows, 5 * gb), ['flows-2024.01.10', 'flows-2024.01.11']);
  assert.deepEqual(indicesOverSize('flows-%Y.%m.%d', rows, 1), ['flows-2024.01.10', 'flows-2024.01.11']); // the newest stays
});

test('BigInt counters are serialised as exact integers; content ids ignore key order', () => {
  assert.equal(serializeDocument({ n: 18446744073709551615n, s: 'a"b', m: [1n] }), '{"n":18446744073709551615,"s":"a\\"b","m":[1]}');
  assert.equal(contentHashId({ a: 1, b: { c: 2, d: 3 } }), contentHashId({ b: { d: 3, c: 2 }, a: 1 }));
  assert.notEqual(contentHashId({ a: 1 }), contentHashId({ a: 2 }));
  assert.match(contentHashId({ a: 1 }), /^[A-Za-z0-9_-]{43}$/);
});

test('bulk body and item classification follow the _bulk API', () => {
  // Action lines are shared between documents of one index only when they carry no id or routing.
  const mixed = bulkBody([
    { index: 'a', op: 'index', source: '{"n":1}' }, { index: 'a', op: 'create', source: '{"n":2}' },
    { index: 'a', op: 'index', id: 'x', source: '{"n":3}' }, { index: 'b', op: 'index', source: '{"n":4}' },
    { index: 'a', op: 'index', routing: 'r', source: '{"n":5}' }, { index: 'a', op: 'index', source: '{"n":6}' },
  ]);
  assert.equal(mixed, [
    '{"index":{"_index":"a"}}', '{"n":1}', '{"create":{"_index":"a"}}', '{"n":2}',
    '{"index":{"_index":"a","_id":"x"}}', '{"n":3}', '{"index":{"_index":"b"}}', '{"n":4}',
    '{"index":{"_index":"a","routing":"r"}}', '{"n":5}', '{"index":{"_index":"a"}}', '{"n":6}', '',
  ].join('\n'));
  assert.equal(bulkBody([{ index: 'i', op: 'create', id: 'x', source: '{"a":1}' }]), '{"create":{"_index":"i","_id":"x"}}\n{"a":1}\n');
  const entry = { index: 'i', op: 'create' as const, id: 'x', source: '{}' };
  assert.equal(classifyItem(entry, { status: 201 }), 'indexed');
  assert.equal(classifyItem(entry, { status: 409 }), 'duplicate');
  assert.equal(classifyItem({ ...entry, id: undefined }, { status: 409 }), 'failed');
  assert.equal(classifyItem(entry, { status: 429 }), 'retry');
  assert.equal(classifyItem(entry, { status: 503 }), 'retry');
  assert.equal(classifyItem(entry, { status: 400 }), 'failed');
  assert.equal(backoffDelay(1, 100, 1000, () => 0), 50);
  assert.equal(backoffDelay(3, 100, 1000, () => 1), 400);
  assert.equal(backoffDelay(10, 100, 1000, () => 1), 1000);
});

test('error descriptions name the cause', async () => {
  const { describeEsError } = await import('../../nodes/common/es');
  assert.equal(describeEsError({ meta: { statusCode: 401, body: '<html><head><title>401 Authorization Required</title></head></html>' } }),
    'authentication failed (HTTP 401): 401 Authorization Required — check the API key, user name and password');
  assert.match(describeEsError({ name: 'ConnectionError', message: 'self-signed certificate in certificate chain' }), /^TLS error \(SELF_SIGNED_CERT_IN_CHAIN\)/);
  assert.match(describeEsError({ name: 'ConnectionError', message: 'connect ECONNREFUSED 127.0.0.1:9' }), /^connection refused/);
  assert.equal(describeEsError({ meta: { statusCode: 400, body: { error: { type: 'x_exception', reason: 'bad', caused_by: { type: 'y', reason: 'deeper' } } } } }), 'HTTP 400: x_exception: bad (caused by y: deeper)');
});
