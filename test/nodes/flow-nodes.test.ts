// flow collector and flow decode in Node-RED's test runtime (node-red-node-test-helper), with
// real UDP sockets on 127.0.0.1 / ::1 and datagrams built by the encoder.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { FlowDecoder, flowEncoder as enc, type FlowRecord } from '../../nodes/common';
import { parseElementDefinitions } from '../../nodes/common/netflow/element-definitions';
import { freeUdpPort } from '../helpers/node-red';
import { ipfixWithoutTemplates, softflowdDatagrams } from '../helpers/flow-exports';
import { writeUdpCapture } from '../helpers/flow-pcap';
import { SAMPLE_FLOWS, writeTrafficPcap } from '../helpers/flow-traffic';
import { tsharkDataSets } from '../helpers/flow-tshark';
import { requireCommands } from '../helpers/real';

const collectorNode = require('../../nodes/flow-collector/flow-collector.ts');
const decodeNode = require('../../nodes/flow-decode/flow-decode.ts');

helper.init(require.resolve('node-red'));

before(() => new Promise<void>((resolve) => helper.startServer(() => resolve())));
after(() => new Promise<void>((resolve) => helper.stopServer(() => resolve())));
afterEach(() => helper.unload());

const v5 = (sequence: number) => enc.encodeNetflow5({ sysUptime: 10_000, exportTime: 1_700_000_000, sequence }, [
  { src: '10.1.1.1', dst: '10.2.2.2', packets: 10, octets: 1000, first: 1000, last: 9000, srcPort: 5555, dstPort: 443, protocol: 6 },
  { src: '10.1.1.3', dst: '10.2.2.4', packets: 1, octets: 80, first: 2000, last: 2000, srcPort: 53, dstPort: 5353, protocol: 17 },
]);

function send(buf: Buffer, port: number, host = '127.0.0.1'): Promise<void> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => s.send(buf, port, host, (err) => { s.close(); if (err) reject(err); else resolve(); }));
}

function load(nodes: unknown, flow: Array<{ id: string; type: string; [k: string]: unknown }>): Promise<void> {
  return new Promise((resolve) => helper.load(nodes as never, flow as never, () => resolve()));
}

function nextMessage(id: string): Promise<any> {
  return new Promise((resolve) => helper.getNode(id).once('input', resolve));
}

/** Waits until the collector is bound (its status says "listening"); resolves with that status. */
function listening(id: string): Promise<{ fill?: string; text?: string }> {
  const n = helper.getNode(id);
  return new Promise((resolve) => {
    const orig = n.status.bind(n);
    n.status = (s) => { orig(s); if (typeof s === 'object' && String(s.text).includes('listening')) resolve(s as { fill?: string; text?: string }); };
  });
}

test('flow collector decodes a NetFlow v5 datagram received over IPv4 and IPv6', async () => {
  const port = await freeUdpPort();
  await load(collectorNode, [
    { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '::', output: 'datagram', wires: [['out'], [], ['ev']] },
    { id: 'out', type: 'helper' }, { id: 'ev', type: 'helper' },
  ]);
  await listening('c');
  let got = nextMessage('out');
  await send(v5(0), port, '127.0.0.1');
  let msg = await got;
  assert.equal(msg.protocol, 'netflow5');
  assert.equal(msg.exporter.address, '127.0.0.1');
  assert.equal(msg.payload.length, 2);
  assert.equal(msg.payload[0].sourceIPv4Address, '10.1.1.1');
  assert.equal(msg.payload[0].destinationTransportPort, 443);
  assert.equal(msg.payload[1].octetDeltaCount, 80);
  got = nextMessage('out');
  await send(v5(2), port, '::1');
  msg = await got;
  assert.equal(msg.exporter.address, '::1');
  assert.equal(msg.payload.length, 2);
});

test('flow collector: per-record and batch output modes', async () => {
  const port = await freeUdpPort();
  await load(collectorNode, [
    { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', output: 'batch', batchSize: 3, batchMs: 0, wires: [['out'], [], []] },
    { id: 'out', type: 'helper' },
  ]);
  await listening('c');
  const got = nextMessage('out');
  await send(v5(0), port);
  await send(v5(2), port);
  const batch = await got;
  assert.equal(batch.payload.length, 3, 'a batch holds exactly batchSize records');

  helper.unload();
  const port2 = await freeUdpPort();
  await load(collectorNode, [
    { id: 'c2', type: 'wirescope-flow-collector', ports: String(port2), bind: '127.0.0.1', output: 'record', wires: [['out2'], [], []] },
    { id: 'out2', type: 'helper' },
  ]);
  await listening('c2');
  const one = nextMessage('out2');
  await send(v5(0), port2);
  const m = await one;
  assert.equal(m.payload.sourceIPv4Address, '10.1.1.1');
});

test('flow collector: allow-list drops other exporters, and counts them in stats', async () => {
  const port = await freeUdpPort();
  await load(collectorNode, [
    { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', allow: '192.0.2.0/24', wires: [['out'], [], ['ev']] },
    { id: 'out', type: 'helper' }, { id: 'ev', type: 'helper' },
  ]);
  await listening('c');
  let received = 0;
  helper.getNode('out').on('input', () => received++);
  await send(v5(0), port);
  // A second datagram from an allowed-looking source is impossible over loopback, so ask for stats
  // once the drop is counted.
  let stats: any;
  for (let i = 0; i < 100 && !(stats?.payload.notAllowed >= 1); i++) {
    const got = nextMessage('ev');
    helper.getNode('c').receive({ topic: 'stats' });
    stats = await got;
    if (stats.payload.notAllowed < 1) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(stats.topic, 'stats');
  assert.equal(stats.payload.notAllowed, 1);
  assert.equal(stats.payload.datagrams, 1);
  assert.equal(received, 0);
});

test('flow collector: a receive buffer the kernel caps (net.core.rmem_max) is reported in the log, the status and stats', async () => {
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  // Linux grants twice what is asked, at most twice rmem_max: 1.5 × rmem_max gets 2 × rmem_max,
  // more than asked yet a third short of the 3 × rmem_max the same request gets uncapped.
  const requested = Math.floor(rmemMax * 1.5);
  const port = await freeUdpPort();
  await load(collectorNode, [
    { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: String(requested), wires: [[], [], ['ev']] },
    { id: 'ev', type: 'helper' },
  ]);
  const shown = await listening('c');
  const warned = helper.log().args.filter((a: unknown[]) => JSON.stringify(a).includes('rcvbuf-capped'));
  assert.equal(warned.length, 1, 'one warning for the one port');
  assert.equal(shown.fill, 'yellow');
  assert.match(String(shown.text), /flow-collector\.status\.rcvbuf-capped/);
  const got = nextMessage('ev');
  helper.getNode('c').receive({ topic: 'stats' });
  const stats = await got;
  assert.equal(stats.payload.receiveBuffers[port], rmemMax * 2);
  assert.match(stats.payload.receiveBufferWarning, /rcvbuf-capped/);
});

test('flow collector: a receive buffer granted in full gives no warning', async () => {
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const port = await freeUdpPort();
  await load(collectorNode, [
    { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: String(Math.floor(rmemMax / 2)), wires: [[], [], ['ev']] },
    { id: 'ev', type: 'helper' },
  ]);
  const shown = await listening('c');
  assert.equal(helper.log().args.filter((a: unknown[]) => JSON.stringify(a).includes('rcvbuf-capped')).length, 0);
  assert.equal(shown.fill, 'green');
  const got = nextMessage('ev');
  helper.getNode('c').receive({ topic: 'stats' });
  const stats = await got;
  assert.equal(stats.payload.receiveBuffers[port], Math.floor(rmemMax / 2) * 2);
  assert.equal(stats.payload.receiveBufferWarning, undefined);
});

test('flow collector: a port in use gives a clear error and a red status', async () => {
  const holder = dgram.createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
  const port = holder.address().port;
  try {
    await load(collectorNode, [{ id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', wires: [[], [], []] }]);
    const n = helper.getNode('c');
    const status = await new Promise<{ fill?: string; text?: string }>((resolve) => {
      const orig = n.status.bind(n);
      n.status = (s) => { orig(s); if (typeof s === 'object' && s.fill === 'red') resolve(s); };
    });
    assert.ok(status.text);
    // The test runtime loads the node from source without its message catalogue, so texts show
    // as their keys here; the e2e test checks the English text.
    assert.match(String(status.text), /port-in-use/);
    const logged = helper.log().args.map((a: unknown[]) => JSON.stringify(a)).join('\n');
    assert.match(logged, /port-in-use/);
  } finally {
    holder.close();
  }
});

test('flow collector with two decode workers (dispatched by exporter on Node < 22.12): decodes, and close releases the port', async () => {
  const port = await freeUdpPort();
  const flow = [
    { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', output: 'datagram', workers: '2', wires: [['out'], [], ['ev']] },
    { id: 'out', type: 'helper' }, { id: 'ev', type: 'helper' },
  ];
  await load(collectorNode, flow);
  await listening('c');
  const got = nextMessage('out');
  await send(v5(0), port);
  const msg = await got;
  assert.equal(msg.protocol, 'netflow5');
  assert.equal(msg.exporter.address, '127.0.0.1');
  assert.deepEqual(msg.payload.map((r: any) => r.octetDeltaCount), [1000, 80]);
  const stats = nextMessage('ev');
  helper.getNode('c').receive({ topic: 'stats' });
  const s = (await stats).payload;
  assert.equal(s.workers.count, 2);
  assert.equal(s.decoder.records, 2);
  assert.equal(s.datagrams, 1);
  await helper.unload();
  // Sockets and workers are gone: the port binds again.
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => { probe.once('error', reject); probe.bind(port, '127.0.0.1', () => resolve()); });
  probe.close();
});

test('flow decode: Buffer in msg.payload with msg.exporter; templates per exporter; errors reach catch', async () => {
  const fields = [{ id: 8, length: 4 }, { id: 2, length: 4 }];
  const tpl = enc.encodeIpfix({ exportTime: 1, sequence: 0, domain: 0, sets: [{ kind: 'template', templates: [{ id: 256, fields }] }] });
  const dataMsg = enc.encodeIpfix({ exportTime: 1, sequence: 0, domain: 0, sets: [{ kind: 'data', templateId: 256, records: [enc.encodeRecord(fields, ['10.0.0.9', 42])] }] });
  await load(decodeNode, [
    { id: 'd', type: 'wirescope-flow-decode', wires: [['out'], [], ['ev']] },
    { id: 'out', type: 'helper' }, { id: 'ev', type: 'helper' },
  ]);
  const d = helper.getNode('d');
  const events = nextMessage('ev');
  d.receive({ payload: tpl, exporter: { address: '192.0.2.1', port: 9 } });
  const added = await events;
  assert.equal(added.topic, 'templates');
  assert.deepEqual(added.payload.map((t: { action: string }) => t.action), ['added']);
  // The same template resent (template + data in one message): records, but no template event.
  const seenEvents: unknown[] = [];
  helper.getNode('ev').on('input', (m: unknown) => seenEvents.push(m));
  d.receive({ payload: tpl, exporter: { address: '192.0.2.1', port: 9 } });
  const withData = nextMessage('out');
  const both = enc.encodeIpfix({ exportTime: 1, sequence: 1, domain: 0, sets: [
    { kind: 'template', templates: [{ id: 256, fields }] },
    { kind: 'data', templateId: 256, records: [enc.encodeRecord(fields, ['10.0.0.8', 7])] },
  ] });
  d.receive({ payload: both, exporter: { address: '192.0.2.1', port: 9 } });
  assert.equal((await withData).payload[0].packetDeltaCount, 7);
  assert.deepEqual(seenEvents, [], 'a resent, unchanged template is not an event');
  // Another exporter has no template 256: its data is held, nothing is sent.
  d.receive({ payload: dataMsg, exporter: { address: '192.0.2.2', port: 9 } });
  const got = nextMessage('out');
  d.receive({ payload: dataMsg, exporter: { address: '192.0.2.1', port: 9 }, file: 'x' });
  const msg = await got;
  assert.equal(msg.payload.length, 1);
  assert.equal(msg.payload[0].packetDeltaCount, 42);
  assert.equal(msg.file, 'x', 'message properties are kept');

  const errorSeen = new Promise<unknown>((resolve) => {
    const orig = d.error.bind(d);
    d.error = (e: unknown, m?: unknown) => { orig(e, m as never); resolve(e); };
  });
  d.receive({ payload: 'not a buffer' });
  assert.match(String(await errorSeen), /must be a Buffer/);
});

// ---------------------------------------------------------------------------------------------
// Data sets whose template never arrives: a real export (softflowd, IPFIX) with its template sets
// taken out, the number of data sets read by tshark.

const workDir = mkdtempSync(join(tmpdir(), 'wirescope-flow-nodes-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** softflowd's IPFIX export of the sample traffic without its templates, and the data sets tshark reads in it. */
async function templatelessFeed(): Promise<{ datagram: Buffer; sets: number }> {
  const traffic = join(workDir, 'traffic.pcap');
  writeTrafficPcap(traffic, SAMPLE_FLOWS);
  const exported = await softflowdDatagrams(traffic, 10);
  assert.equal(exported.length, 1, 'softflowd exports the sample traffic in one datagram');
  const datagram = ipfixWithoutTemplates(exported[0]!);
  const capture = join(workDir, 'templateless.pcap');
  writeUdpCapture(capture, [datagram], 4739);
  const sets = tsharkDataSets(capture, 4739).length;
  assert.ok(sets > 0);
  return { datagram, sets };
}

/** Output-3 messages of topic `pending-dropped`, as they arrive at helper node `id`. */
function pendingDropped(id: string): Array<Record<string, any>> {
  const seen: Array<Record<string, any>> = [];
  helper.getNode(id).on('input', (m: Record<string, any>) => { if (m.topic === 'pending-dropped') seen.push(m); });
  return seen;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 50));
}

/** Sums the drop events per exporter address: [sets, ttl, limit]. */
function dropsBy(events: Array<Record<string, any>>): Map<string, number[]> {
  const by = new Map<string, number[]>();
  for (const e of events) {
    const n = by.get(e.exporter.address) ?? [0, 0, 0];
    by.set(e.exporter.address, [n[0]! + e.payload.sets, n[1]! + e.payload.ttl, n[2]! + e.payload.limit]);
  }
  return by;
}

test('flow decode: data sets dropped without their template are events on output 3, per exporter and domain, with why', async (t) => {
  if (!requireCommands(t, 'softflowd', 'tshark')) return;
  const { datagram, sets } = await templatelessFeed();
  await load(decodeNode, [
    { id: 'd', type: 'wirescope-flow-decode', pendingTtl: '1', wires: [['out'], [], ['ev']] },
    { id: 'out', type: 'helper' }, { id: 'ev', type: 'helper' },
  ]);
  const events = pendingDropped('ev');
  const d = helper.getNode('d');
  // Exporter A sends 40 copies: 64 sets are held (the per-domain limit), the rest refused; B sends one.
  const copies = 40;
  for (let i = 0; i < copies; i++) d.receive({ payload: datagram, exporter: { address: '192.0.2.1', port: 4739 } });
  d.receive({ payload: datagram, exporter: { address: '192.0.2.2', port: 4739 } });
  // Both then fall silent: the once-a-second sweep expires the held sets after the Pending TTL.
  await until(() => [...dropsBy(events).values()].reduce((n, v) => n + v[0]!, 0) >= (copies + 1) * sets);
  const by = dropsBy(events);
  assert.deepEqual(by.get('192.0.2.1'), [copies * sets, 64, copies * sets - 64]);
  assert.deepEqual(by.get('192.0.2.2'), [sets, sets, 0]);
  for (const e of events) {
    assert.equal(e.protocol, 'ipfix');
    assert.equal(e.observationDomainId, datagram.readUInt32BE(12));
    assert.equal(e.payload.sets, e.payload.ttl + e.payload.limit);
  }
  // One message per exporter and domain per sweep, not one per set: the refusals come in the
  // sweep after the sends, the expiries in the one after the TTL (they may straddle one tick).
  assert.ok(events.length <= 4, `${events.length} events for ${(copies + 1) * sets} sets`);
  const stats = nextMessage('ev');
  d.receive({ topic: 'stats' });
  const counters = (await stats).payload.decoder;
  assert.equal(counters.pendingDropped, (copies + 1) * sets);
  assert.equal(counters.pendingSets, 0);
  assert.equal(counters.records, 0);
});

for (const workers of [1, 2]) {
  const where = workers === 1 ? 'on the main thread' : 'in two decode workers';
  test(`flow collector ${where}: held sets of exporters that fall silent are dropped after Pending TTL, counted and reported`, async (t) => {
    if (!requireCommands(t, 'softflowd', 'tshark')) return;
    const { datagram, sets } = await templatelessFeed();
    const port = await freeUdpPort();
    await load(collectorNode, [
      { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '::', output: 'datagram', pendingTtl: '1', workers: String(workers), wires: [['out'], [], ['ev']] },
      { id: 'out', type: 'helper' }, { id: 'ev', type: 'helper' },
    ]);
    const events = pendingDropped('ev');
    await listening('c');
    // Two exporters (IPv4 and IPv6 loopback) send data sets whose template never comes, then nothing.
    const copies = 3;
    for (let i = 0; i < copies; i++) await send(datagram, port, '127.0.0.1');
    await send(datagram, port, '::1');
    await until(() => [...dropsBy(events).values()].reduce((n, v) => n + v[0]!, 0) >= (copies + 1) * sets);
    const by = dropsBy(events);
    assert.deepEqual(by.get('127.0.0.1'), [copies * sets, copies * sets, 0]);
    assert.deepEqual(by.get('::1'), [sets, sets, 0]);
    assert.ok(events.every((e) => e.protocol === 'ipfix' && e.observationDomainId === datagram.readUInt32BE(12)));
    const stats = nextMessage('ev');
    helper.getNode('c').receive({ topic: 'stats' });
    const s = (await stats).payload;
    assert.equal(s.datagrams, copies + 1);
    assert.equal(s.decoder.pendingDropped, (copies + 1) * sets);
    assert.equal(s.decoder.pendingSets, 0);
    assert.equal(s.decoder.records, 0);
    if (workers > 1) assert.equal(s.workers.count, 2);
  });
}

// ---------------------------------------------------------------------------------------------
// User element definitions ("Element definitions" field, "PEN ID NAME TYPE" per line).

/** Node-RED's runtime status events (the editor's status dots), recorded per node id. */
const redEvents: import('node:events').EventEmitter = require('@node-red/util').events;
const statuses = new Map<string, Array<{ fill?: string; shape?: string; text?: string }>>();
redEvents.on('node-status', (e: { id: string; status: { fill?: string; shape?: string; text?: string } }) => {
  statuses.set(e.id, [...(statuses.get(e.id) ?? []), e.status]);
});
afterEach(() => statuses.clear());

function logged(): string {
  return helper.log().args.map((a: unknown[]) => JSON.stringify(a)).join('\n');
}

// PEN 32473 is reserved for documentation (RFC 5612); Huawei's 2011/232 has no public definition
// (docs/flow.md, Known limits); Cisco 9/12235 is built in as applicationHttpHost (Cisco AVC).
const ELEMENTS = [
  '# test definitions',
  '32473 1 exampleTenant string',
  '32473 2 exampleGateway ipv4Address   # gateway of the tenant',
  '2011 232 huaweiElement232 unsigned32',
  '9 12235 httpHost string',
].join('\n');
const vendorFields = [
  { id: 8, length: 4 }, { pen: 32473, id: 1, length: 65535 }, { pen: 32473, id: 2, length: 4 },
  { pen: 2011, id: 232, length: 4 }, { pen: 9, id: 12235, length: 65535 },
];
const vendorDatagram = enc.encodeIpfix({ exportTime: 1_700_000_000, sequence: 0, domain: 3, sets: [
  { kind: 'template', templates: [{ id: 300, fields: vendorFields }] },
  { kind: 'data', templateId: 300, records: [enc.encodeRecord(vendorFields, ['10.0.0.1', 'blue', '192.0.2.77', 3_000_000_001, 'example.org'])] },
] });

/** Asserts the record names and values the definitions above give (the values encoded). */
function assertDefinedNames(decoded: FlowRecord): void {
  // User-defined names are not in FlowRecord: the record as a plain object.
  const record = decoded as Record<string, unknown>;
  assert.equal(record.sourceIPv4Address, '10.0.0.1');
  assert.equal(record.exampleTenant, 'blue');
  assert.equal(record.exampleGateway, '192.0.2.77');
  assert.equal(record.huaweiElement232, 3_000_000_001);
  assert.equal(record.httpHost, 'example.org', 'a definition overrides the built-in name');
  for (const gone of ['pen32473_ie1', 'pen32473_ie2', 'pen2011_ie232', 'applicationHttpHost']) assert.ok(!(gone in record), gone);
}

test('flow decode: element definitions name raw enterprise elements and override built-in names', async () => {
  await load(decodeNode, [
    { id: 'plain', type: 'wirescope-flow-decode', wires: [['out1'], [], []] },
    { id: 'named', type: 'wirescope-flow-decode', elements: ELEMENTS, wires: [['out2'], [], []] },
    { id: 'out1', type: 'helper' }, { id: 'out2', type: 'helper' },
  ]);
  // Without definitions the same datagram keeps raw Buffers and the built-in name.
  const plainMsg = nextMessage('out1');
  helper.getNode('plain').receive({ payload: vendorDatagram, exporter: { address: '192.0.2.1', port: 4739 } });
  const plain = (await plainMsg).payload[0];
  assert.deepEqual(plain.pen32473_ie1, Buffer.from('blue'));
  assert.deepEqual(plain.pen2011_ie232, Buffer.from('b2d05e01', 'hex'));
  assert.equal(plain.applicationHttpHost, 'example.org');

  const namedMsg = nextMessage('out2');
  helper.getNode('named').receive({ payload: vendorDatagram, exporter: { address: '192.0.2.1', port: 4739 } });
  assertDefinedNames((await namedMsg).payload[0]);
  assert.ok(!statuses.get('named')?.some((s) => s.fill === 'red'));
});

test('flow decode: a PEN 0 definition names a NetFlow v9 id the registry leaves raw', async () => {
  // v9 id 65 is FortiOS's, with no public definition (docs/flow.md): raw as nf9_ie65 by default.
  const fields = [{ id: 8, length: 4 }, { id: 65, length: 2 }];
  const datagram = enc.encodeNetflow9({ sysUptime: 5000, exportTime: 1_700_000_000, sequence: 1, sourceId: 0, sets: [
    { kind: 'template', templates: [{ id: 260, fields }] },
    { kind: 'data', templateId: 260, records: [enc.encodeRecord(fields, ['10.9.9.9', 4242])] },
  ] });
  await load(decodeNode, [
    { id: 'd', type: 'wirescope-flow-decode', elements: '0 65 v9Element65 unsigned16', wires: [['out'], [], []] },
    { id: 'out', type: 'helper' },
  ]);
  const got = nextMessage('out');
  helper.getNode('d').receive({ payload: datagram, exporter: { address: '192.0.2.9', port: 2055 } });
  const record = (await got).payload[0];
  assert.equal(record.sourceIPv4Address, '10.9.9.9');
  assert.equal(record.v9Element65, 4242);
  assert.ok(!('nf9_ie65' in record));
});

test('flow decode: bad element definitions give a red status and an error, and nothing decodes', async () => {
  await load(decodeNode, [
    { id: 'd', type: 'wirescope-flow-decode', elements: '32473 1 exampleTenant string\n32473 2 gateway ipv4Addr', wires: [['out'], [], []] },
    { id: 'out', type: 'helper' },
  ]);
  // Texts show as their keys in the test runtime (no message catalogue).
  assert.deepEqual(statuses.get('d'), [{ fill: 'red', shape: 'ring', text: 'flow-decode.status.bad-elements' }]);
  assert.match(logged(), /element definitions: line 2: type \\"ipv4Addr\\" is not an IANA abstract data type/);
  let decoded = 0;
  helper.getNode('out').on('input', () => decoded++);
  const d = helper.getNode('d');
  const failed = new Promise<unknown>((resolve) => {
    const orig = d.error.bind(d);
    d.error = (e: unknown, m?: unknown) => { orig(e, m as never); resolve(e); };
  });
  d.receive({ payload: vendorDatagram, exporter: { address: '192.0.2.1', port: 4739 } });
  // done(err): a catch node sees the message that was not decoded.
  assert.match(String(await failed), /flow-decode\.errors\.not-decoded/);
  assert.equal(decoded, 0);
});

test('flow collector: element definitions apply to datagrams received over UDP', async () => {
  const port = await freeUdpPort();
  await load(collectorNode, [
    { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', elements: ELEMENTS, wires: [['out'], [], []] },
    { id: 'out', type: 'helper' },
  ]);
  await listening('c');
  const got = nextMessage('out');
  await send(vendorDatagram, port);
  const msg = await got;
  assert.equal(msg.protocol, 'ipfix');
  assertDefinedNames(msg.payload[0]);
});

test('flow collector: bad element definitions give a red status and an error, and it does not listen', async () => {
  const port = await freeUdpPort();
  await load(collectorNode, [
    { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', elements: '# ok\n\n70000 40000 x string', wires: [[], [], []] },
  ]);
  assert.deepEqual(statuses.get('c'), [{ fill: 'red', shape: 'ring', text: 'flow-collector.status.bad-elements' }]);
  assert.match(logged(), /element definitions: line 3: id \\"40000\\" is not a number from 0 to 32767 \(15 bits with a PEN\)/);
  // The port is still free: the collector never bound it, so no datagram can be decoded.
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => { probe.once('error', reject); probe.bind(port, '127.0.0.1', () => resolve()); });
  probe.close();
});

for (const [what, config, status] of [
  ['bad ports', { ports: '2055,70000' }, 'bad-config'],
  ['a bad allow list', { ports: '2055', allow: '10.0.0.0/99' }, 'bad-config'],
  ['bad element definitions', { ports: '2055', elements: '1 2 x notatype' }, 'bad-elements'],
  ['bad element definitions and two workers', { ports: '2055', elements: '1 2 x notatype', workers: '2' }, 'bad-elements'],
  ['a bad number of workers', { ports: '2055', workers: '0' }, 'bad-config'],
] as const) {
  test(`flow collector with ${what} fails closed: red status, and every input message ends with done(err)`, async () => {
    await load(collectorNode, [{ id: 'c', type: 'wirescope-flow-collector', bind: '127.0.0.1', ...config, wires: [[], [], []] }]);
    assert.deepEqual(statuses.get('c'), [{ fill: 'red', shape: 'ring', text: `flow-collector.status.${status}` }]);
    const c = helper.getNode('c');
    const failed = new Promise<unknown>((resolve) => {
      const orig = c.error.bind(c);
      c.error = (e: unknown, m?: unknown) => { orig(e, m as never); resolve(e); };
    });
    c.receive({ topic: 'stats' });
    // done(err): a catch node sees the message the collector could not serve.
    assert.match(String(await failed), /flow-collector\.errors\.not-running/);
  });
}

test('flow collector: saved templates take the current element definitions on restore', () => {
  // What the collector does with its node-context templates after a redeploy: the decoder looks
  // each saved field up again in its own registry, with the definitions of the new deployment.
  const exporter = { address: '192.0.2.1', port: 4739 };
  const learner = new FlowDecoder();
  learner.decode(vendorDatagram, exporter);
  const saved = learner.exportTemplates();
  const dataOnly = enc.encodeIpfix({ exportTime: 1_700_000_001, sequence: 1, domain: 3, sets: [
    { kind: 'data', templateId: 300, records: [enc.encodeRecord(vendorFields, ['10.0.0.1', 'blue', '192.0.2.77', 3_000_000_001, 'example.org'])] },
  ] });
  const elements = parseElementDefinitions(ELEMENTS);
  // Saved without definitions, restored with them: the defined names.
  assertDefinedNames(new FlowDecoder({ elements, templates: saved }).decode(dataOnly, exporter).records[0]);
  // Saved with definitions, restored without: back to the built-in and raw names.
  const definedSnapshot = new FlowDecoder({ elements, templates: saved }).exportTemplates();
  const back = new FlowDecoder({ templates: definedSnapshot }).decode(dataOnly, exporter).records[0];
  assert.equal(back.applicationHttpHost, 'example.org');
  assert.deepEqual(back.pen32473_ie1, Buffer.from('blue'));
});
