// Per-exporter state under hostile keys (issue 11, defect 3): 200,000 distinct exporters, v9
// source ids, IPFIX domains, sFlow agents, sub-agents and sources. Everything the decoder keeps
// per key is bounded by its limits (least recently used evicted, counted), the stats message stays
// small, the heap grows by at most what the limits allow, and a legitimate exporter that arrives
// after the flood decodes. Expected records: the values the encoders wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FlowDecoder, flowEncoder as enc, sflowEncoder as e } from '../../nodes/common';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };

const KEYS = 200_000;
const T0 = new Date('2026-01-01T00:00:00Z');
const FIELDS = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 }, { id: 1, length: 4 }, { id: 2, length: 4 }];
const RECORD = enc.encodeRecord(FIELDS, ['10.0.0.1', '10.0.0.2', 1234, 80, 6, 1500, 3]);
const sets = (): enc.SetSpec[] => [
  { kind: 'template', templates: [{ id: 256, fields: FIELDS }] },
  // A data set for a template never sent: held, waiting for it.
  { kind: 'data', templateId: 300, records: [RECORD] },
];
const v9 = (sourceId: number, sequence = 0) => enc.encodeNetflow9({ sysUptime: 1000, exportTime: T0.getTime() / 1000, sequence, sourceId, sets: sets() });
const ipfix = (domain: number) => enc.encodeIpfix({ exportTime: T0.getTime() / 1000, sequence: 0, domain, sets: sets() });
const v5 = (engineId: number) => enc.encodeNetflow5({ sysUptime: 5000, exportTime: T0.getTime() / 1000, sequence: 0, engineId }, [
  { src: '10.0.0.1', dst: '10.0.0.2', packets: 4, octets: 400, first: 1000, last: 2000, srcPort: 1234, dstPort: 80, protocol: 6, tcpFlags: 0x1b, srcAs: 0, dstAs: 0, srcMask: 24, dstMask: 16 },
]);
const sflow = (agent: string, subAgent: number, sourceIndex: number) => e.datagram({
  agent, subAgent, sequence: 1, samples: [e.flowSample({ sequence: 1, sourceIndex, samplingRate: 10, samplePool: 10, input: 1, output: 2, records: [
    e.sampledIp({ ipTotalLength: 100, protocolIdentifier: 17, source: '10.0.0.1', destination: '10.0.0.2', sourceTransportPort: 1, destinationTransportPort: 2, tcpControlBits: 0, ipClassOfService: 0 }),
  ] })],
});
const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

test(`${KEYS} hostile keys of every kind: state, stats and heap stay bounded; a later exporter decodes`, () => {
  const decoder = new FlowDecoder();
  // Warm up (code, registry) before the baseline.
  decoder.decode(v9(1), { address: '198.51.100.1', port: 2055 }, T0);
  const before = heap();
  const port = 2055;
  // Patch the key field in place: one datagram per kind, KEYS keys each.
  const d9 = v9(0), dIpfix = ipfix(0), d5 = v5(0);
  for (let i = 0; i < KEYS; i++) {
    d9.writeUInt32BE(i, 16); // v9 source id, one exporter
    decoder.decode(d9, { address: '203.0.113.1', port }, T0);
    dIpfix.writeUInt32BE(i & 7, 12); // IPFIX: distinct exporters, a few domains each
    decoder.decode(dIpfix, { address: address(i), port }, T0);
    d5[21] = i & 255; // v5: distinct exporters and engines
    decoder.decode(d5, { address: address(i), port }, T0);
  }
  const dSub = sflow('192.0.2.50', 0, 1), dAgent = sflow('192.0.2.51', 0, 1), dSource = sflow('192.0.2.52', 0, 0);
  const sourceAt = 40; // datagram header (28) + sample format and length (8) + sample sequence (4)
  assert.equal(dSource.readUInt32BE(sourceAt), 0, 'source_id offset');
  for (let i = 0; i < KEYS; i++) {
    dSub.writeUInt32BE(i, 12); // sub-agent id
    decoder.decode(dSub, { address: '192.0.2.50', port: 6343 }, T0);
    dAgent.writeUInt32BE(0xc6000000 + i, 8); // agent address in the datagram (198.0.0.0 up)
    decoder.decode(dAgent, { address: '192.0.2.51', port: 6343 }, T0);
    dSource.writeUInt32BE(i, sourceAt); // data source (type 0, index i)
    decoder.decode(dSource, { address: '192.0.2.52', port: 6343 }, T0);
  }
  const c = decoder.counters();
  assert.equal(c.errors['too-many-domains'], undefined);
  const { domains, exporters, sflowAgents, sflowSources } = c.state;
  for (const [name, s] of Object.entries(c.state)) {
    assert.ok(s.entries <= s.limit, `${name}: ${s.entries} entries within the limit ${s.limit}`);
    assert.ok(s.evicted + s.expired > 0, `${name}: evictions counted`);
  }
  assert.equal(domains.evicted, 2 * KEYS + 1 - domains.limit, 'v9 + IPFIX domains: every one past the limit evicted');
  assert.equal(exporters.evicted, KEYS - exporters.limit, 'v5 exporters');
  assert.equal(sflowAgents.evicted, 2 * KEYS + 1 - sflowAgents.limit, 'sFlow agents and sub-agents (and the source flood\'s one agent)');
  // Every new agent brings its source; the source flood adds KEYS more.
  assert.equal(sflowSources.evicted, 3 * KEYS - sflowSources.limit, 'sFlow sources');
  assert.ok(c.pendingSets <= domains.limit, `held sets ${c.pendingSets}`);
  assert.ok(c.pendingDropped >= 2 * KEYS - domains.limit, 'held sets of evicted domains counted as dropped');
  assert.ok(c.templates <= domains.limit);
  // The stats message: totals over every track, a bounded list of tracks.
  assert.ok(Object.keys(c.sequences).length <= 100);
  assert.ok(c.sequenceTotals.tracks <= domains.limit + exporters.limit + sflowAgents.limit + sflowSources.limit);
  const statsBytes = JSON.stringify(c).length;
  assert.ok(statsBytes < 64 * 1024, `stats message ${statsBytes} octets`);
  const grown = heap() - before;
  console.log(`heap grew ${(grown / 1048576).toFixed(1)} MB; stats message ${statsBytes} octets`);
  assert.ok(grown < 40 * 1024 * 1024, `heap grew ${Math.round(grown / 1048576)} MB`);

  // A legitimate exporter after the flood: its template is learned and its data decodes.
  const legit = { address: '192.0.2.200', port: 2055 };
  const r = decoder.decode(enc.encodeNetflow9({ sysUptime: 1000, exportTime: T0.getTime() / 1000, sequence: 7, sourceId: 0, sets: [
    { kind: 'template', templates: [{ id: 256, fields: FIELDS }] }, { kind: 'data', templateId: 256, records: [RECORD] },
  ] }), legit, T0);
  assert.deepEqual(r.errors, []);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].sourceIPv4Address, '10.0.0.1');
  assert.equal(r.records[0].octetDeltaCount, 1500);
  const s = decoder.decode(sflow('192.0.2.201', 3, 9), { address: '192.0.2.201', port: 6343 }, T0);
  assert.deepEqual(s.errors, []);
  assert.equal(s.records[0].sflowSourceIdIndex, 9);
  const after = decoder.counters();
  assert.equal(after.sequences['netflow9:192.0.2.200/0']?.received, 1);
  assert.equal(after.sequences['sflow5:192.0.2.201/3']?.received, 1);
});

test('a domain flood evicts the least recently used: an exporter in steady use keeps its templates', () => {
  const decoder = new FlowDecoder({ maxDomains: 64 });
  const steady = { address: '192.0.2.1', port: 2055 };
  const withTemplate = enc.encodeNetflow9({ sysUptime: 1000, exportTime: T0.getTime() / 1000, sequence: 0, sourceId: 1, sets: [{ kind: 'template', templates: [{ id: 256, fields: FIELDS }] }] });
  const dataOnly = (sequence: number) => enc.encodeNetflow9({ sysUptime: 1000, exportTime: T0.getTime() / 1000, sequence, sourceId: 1, sets: [{ kind: 'data', templateId: 256, records: [RECORD] }] });
  decoder.decode(withTemplate, steady, T0);
  const flood = v9(0);
  for (let i = 0; i < 10_000; i++) {
    flood.writeUInt32BE(i + 1000, 16);
    decoder.decode(flood, { address: '203.0.113.9', port: 2055 }, T0);
    // The steady exporter sends data (no template) now and then: it stays recently used.
    if (i % 32 === 0) assert.equal(decoder.decode(dataOnly(1 + i / 32), steady, T0).records.length, 1, `data at ${i}`);
  }
  assert.equal(decoder.counters().state.domains.entries, 64);
});

test('options learned per exporter are bounded: an options flood evicts (counted), the newest exporter keeps its sampler', () => {
  const decoder = new FlowDecoder({ maxDomains: 8 });
  // samplerId (48) scope, samplingInterval (34): RFC 7270 sampler options; a flow template using samplerId.
  const optT: enc.SetSpec = { kind: 'options-template', templates: [{ id: 300, scopeFields: [{ id: 48, length: 1 }], fields: [{ id: 34, length: 4 }] }] };
  const flowFields = [...FIELDS, { id: 48, length: 1 }];
  const message = (domain: number, interval: number) => enc.encodeIpfix({ exportTime: T0.getTime() / 1000, sequence: 0, domain, sets: [
    optT, { kind: 'data', templateId: 300, records: [enc.encodeRecord([{ id: 48, length: 1 }, { id: 34, length: 4 }], [5, interval])] },
    { kind: 'template', templates: [{ id: 256, fields: flowFields }] },
    { kind: 'data', templateId: 256, records: [enc.encodeRecord(flowFields, ['10.0.0.1', '10.0.0.2', 1234, 80, 6, 1500, 3, 5])] },
  ] });
  const A = { address: '192.0.2.60', port: 4739 };
  for (let domain = 0; domain < 20; domain++) {
    const r = decoder.decode(message(domain, 100 + domain), A, T0);
    assert.deepEqual(r.errors, []);
    assert.equal(r.records[0].samplingInterval, 100 + domain, `domain ${domain}: the interval its own options data announced`);
  }
  const stats = decoder.counters().enrich.exporterOptions as { entries: number; limit: number; evicted: number };
  assert.equal(stats.limit, 8);
  assert.equal(stats.entries, 8);
  assert.equal(stats.evicted, 12);
});

test('per-exporter state idle longer than its TTL expires (counted as expired, not evicted) when a new exporter needs room', () => {
  const ttl = 60_000;
  const decoder = new FlowDecoder({ maxDomains: 8, maxExporters: 8, exporterTtlMs: ttl });
  const later = new Date(T0.getTime() + ttl + 1);
  for (let i = 0; i < 8; i++) {
    decoder.decode(v9(i), { address: '192.0.2.70', port: 2055 }, T0);
    decoder.decode(v5(i), { address: address(i), port: 2055 }, T0);
  }
  let { domains, exporters } = decoder.counters().state;
  assert.deepEqual([domains.entries, domains.expired, domains.evicted], [8, 0, 0]);
  assert.deepEqual([exporters.entries, exporters.expired, exporters.evicted], [8, 0, 0]);
  // One new source id and one new v5 exporter, after every earlier one has been idle past the TTL:
  // the idle entries go as expired (the sweep on add), the new ones are kept.
  assert.equal(decoder.decode(v9(100), { address: '192.0.2.70', port: 2055 }, later).errors.length, 0);
  assert.equal(decoder.decode(v5(100), { address: address(100), port: 2055 }, later).records.length, 1);
  ({ domains, exporters } = decoder.counters().state);
  assert.deepEqual([domains.entries, domains.expired, domains.evicted], [1, 8, 0], 'v9 domains');
  assert.deepEqual([exporters.entries, exporters.expired, exporters.evicted], [1, 8, 0], 'v5 exporters');
});
