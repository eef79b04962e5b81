// Fuzz: ECS shaping and bulk serialisation take whatever a decoder or a function node hands
// them — wrong types, missing fields, huge or negative numbers, odd strings — without throwing,
// and always produce JSON Elasticsearch can parse. Seeded, so a failure replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EcsJsonWriter, flowRecordToEcs } from '../../nodes/common/ecs';
import type { FlowRecord } from '../../nodes/common/flow';
import { contentHashId, serializeDocument } from '../../nodes/common/es';

function prng(seed: number): () => number {
  // mulberry32
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = ['sourceIPv4Address', 'sourceIPv6Address', 'destinationIPv4Address', 'destinationIPv6Address', 'sourceTransportPort',
  'destinationTransportPort', 'protocolIdentifier', 'octetDeltaCount', 'packetDeltaCount', 'flowStartMilliseconds', 'flowEndMilliseconds',
  'flowStartSeconds', 'flowEndNanoseconds', 'ingressInterface', 'egressInterface', 'flowDirection', 'samplingRate', 'icmpTypeCodeIPv4',
  'icmpTypeIPv6', 'sourceMacAddress', 'ipVersion', 'exporter', 'pen9_ie12'];

test('random records never make ECS shaping or serialisation throw', () => {
  const random = prng(20240501);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const values = (): unknown => pick<() => unknown>([
    () => Math.floor(random() * 2 ** 32), () => -1, () => NaN, () => Infinity, () => 2n ** 64n - 1n, () => BigInt(Math.floor(random() * 1000)),
    () => '10.0.0.' + Math.floor(random() * 300), () => '2001:db8::' + Math.floor(random() * 0xffff).toString(16), () => '::ffff:192.0.2.1',
    () => '', () => 'not an address', () => new Date(random() * 4e12), () => new Date(NaN), () => Buffer.from([1, 2, 3]),
    () => null, () => undefined, () => ({ address: 5 }), () => ({ address: '192.0.2.9', port: 1 }), () => [1, 'x'], () => true,
  ])();
  for (let i = 0; i < 5000; i++) {
    const record: Record<string, unknown> = {};
    const n = Math.floor(random() * names.length);
    for (let j = 0; j < n; j++) record[pick(names)] = values();
    const doc = flowRecordToEcs(record as FlowRecord, random() < 0.5 ? {} : { exporter: { address: '203.0.113.1', port: 2055 }, receivedAt: new Date(1e12) }, { scaleBySampling: random() < 0.5 });
    const text = serializeDocument(doc);
    assert.doesNotThrow(() => JSON.parse(text), text);
    assert.match(contentHashId(doc), /^[A-Za-z0-9_-]{43}$/);
  }
});

test('random records: the direct ECS JSON writer gives the object path\'s text, or hands the record back', () => {
  const random = prng(20261202);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  // The names above, the sampling fields and enrichment fields; now and then a name sharing a netflow.* key.
  const fields = [...names, 'samplingInterval', 'samplingScaled', 'sourceCountryName', 'destinationLocation', 'sourceAsNumber',
    'ingressInterfaceName', 'exporterName', 'networkDirection'];
  const values = (): unknown => pick<() => unknown>([
    () => Math.floor(random() * 2 ** 32), () => -0, () => NaN, () => -Infinity, () => 2n ** 64n - 1n, () => 2 ** 53 - 1, () => 1000,
    () => '10.0.0.' + Math.floor(random() * 300), () => '2001:db8::' + Math.floor(random() * 0xffff).toString(16), () => 'inbound',
    () => '', () => '"\\\u0000\ud800</script>\u2028', () => new Date(random() * 4e12), () => new Date(NaN), () => Buffer.from([1, 2, 3]),
    () => null, () => undefined, () => ({ address: 5 }), () => ({ address: '192.0.2.9', port: 1 }), () => ({ lat: 1.5, lon: NaN }), () => [1, 'x'], () => true, () => false,
  ])();
  const writers = [new EcsJsonWriter({}), new EcsJsonWriter({ scaleBySampling: true })];
  let written = 0;
  for (let i = 0; i < 5000; i++) {
    const record: Record<string, unknown> = {};
    const n = Math.floor(random() * fields.length);
    for (let j = 0; j < n; j++) record[pick(fields)] = values();
    if (random() < 0.02) record[pick(['octet_delta_count', 'sampling_scaled'])] = values();
    const context = random() < 0.5 ? {} : { exporter: { address: '203.0.113.1', port: 2055 }, receivedAt: new Date(1e12), observationDomainId: 3, protocol: 'ipfix' };
    const scale = random() < 0.5;
    // A fresh writer now and then: a shared netflow.* key refuses its names for the writer's life.
    const writer = i % 50 === 0 ? new EcsJsonWriter({ scaleBySampling: scale }) : writers[scale ? 1 : 0];
    const direct = writer.write(record as FlowRecord, writer.prepare(context));
    if (direct === undefined) continue;
    written++;
    assert.equal(direct, serializeDocument(flowRecordToEcs(record as FlowRecord, context, { scaleBySampling: scale })));
  }
  // Values that are arrays or objects (a fifth of the picks) send most random records the object way.
  assert.ok(written > 500, `written directly: ${written} of 5000`);
});
