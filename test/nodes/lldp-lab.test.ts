// lldp poll against a real lab: five namespaces (a ring of four with a leaf) running lldpd, each
// with an snmpd AgentX master. The expected topology is the lab's own wiring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { decodeLldpFrame } from '../../nodes/common/lldp';
import type { Topology, TopologyEvent } from '../../nodes/common/topology';
import { inCI } from '../helpers/real';
import { LAB_V3, type LldpLab } from '../helpers/lldp-lab';
import { labSuite } from '../helpers/lldp-lab-suite';
import { readPcapFrames } from '../helpers/lldp-pcap';
import { COMPARED_FIELDS, tsharkLldpFields } from '../helpers/lldp-tshark';

helper.init(require.resolve('node-red'));
/* eslint-disable @typescript-eslint/no-require-imports */
const pollNode = require('../../nodes/lldp-poll/lldp-poll');
const credentialsNode = require('../../nodes/lldp-credentials/lldp-credentials');
const graphvizNode = require('../../nodes/graphviz/graphviz');
/* eslint-enable @typescript-eslint/no-require-imports */

const needed = ['ip', 'lldpd', 'lldpcli', 'snmpd', 'snmpget', 'tcpdump', 'tshark'];
const suite = labSuite(needed, { devices: 5, snmp: true }, (lab) => lab.waitForSnmp());

type PollOut = { payload: Topology; events: TopologyEvent[]; errors: unknown[] };

/** Deploys lldp poll (+ credentials + graphviz), triggers one poll, returns its topology message and the SVG. */
async function pollOnce(config: Record<string, unknown>, credentials: Record<string, string> = {}, creds: Record<string, unknown> = {}): Promise<{ out: PollOut; svg: string }> {
  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'creds', type: 'wirescope-lldp-credentials', snmpVersion: '2c', ...creds },
    { id: 'poll', z: 'tab', type: 'wirescope-lldp-poll', login: 'creds', timeout: 3, retries: 1, concurrency: 4, wires: [['topo', 'gv'], []], ...config },
    { id: 'topo', z: 'tab', type: 'helper' },
    { id: 'gv', z: 'tab', type: 'wirescope-graphviz', format: 'svg', timeout: 30, legend: true, wires: [['svg']] },
    { id: 'svg', z: 'tab', type: 'helper' },
  ];
  await helper.unload();
  await helper.load([credentialsNode, pollNode, graphvizNode], flow, { creds: credentials });
  const node = (id: string) => helper.getNode(id) as unknown as NodeJS.EventEmitter & { receive(msg: unknown): void };
  const out = new Promise<PollOut>((resolve) => node('topo').once('input', resolve));
  const svg = new Promise<string>((resolve) => node('svg').once('input', (m: { payload: string }) => resolve(m.payload)));
  node('poll').receive({ payload: 'poll' });
  return { out: await out, svg: await svg };
}

/** The lab wiring as "devA:ifA|devB:ifB" strings, names as the topology shows them. */
function expectedLinks(l: LldpLab): string[] {
  return l.links.map(({ a, b }) => [`dev${a.device}:${a.ifname}`, `dev${b.device}:${b.ifname}`].sort().join('|')).sort();
}
function linksOf(topology: Topology): string[] {
  return topology.links.map((link) => [`${link.a.device}:${link.a.port}`, `${link.b.device}:${link.b.port}`].sort().join('|')).sort();
}

test('lldp poll over lldpcli finds the lab topology', async (t) => {
  if (!suite.ready(t)) return;
  const { out, svg } = await pollOnce({ source: 'lldpcli', devices: suite.lab!.devices.map((d) => d.socket).join('\n') });
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.payload.devices.map((d) => d.id), ['dev0', 'dev1', 'dev2', 'dev3', 'dev4']);
  assert.deepEqual(linksOf(out.payload), expectedLinks(suite.lab!));
  assert.ok(out.payload.links.every((l) => l.state === 'up' && l.seenBy.length === 2));
  for (const d of suite.lab!.devices) assert.match(svg, new RegExp(`<title>dev${d.index}</title>`));
});

test('lldp poll over SNMP v2c and v3 authPriv finds the same topology', async (t) => {
  if (!suite.ready(t)) return;
  const devices = suite.lab!.devices.map((d) => `127.0.0.1:${d.snmpPort}`).join('\n');
  const v2 = await pollOnce({ source: 'snmp', devices }, { community: 'public' });
  assert.deepEqual(v2.out.errors, []);
  assert.deepEqual(linksOf(v2.out.payload), expectedLinks(suite.lab!));
  const v3 = await pollOnce({ source: 'snmp', devices }, { authKey: LAB_V3.authKey, privKey: LAB_V3.privKey },
    { snmpVersion: '3', snmpUser: LAB_V3.user, authProtocol: 'sha', privProtocol: 'aes' });
  assert.deepEqual(v3.out.errors, []);
  assert.deepEqual(linksOf(v3.out.payload), expectedLinks(suite.lab!));
  // A wrong privacy key is an error for each device, not an empty topology.
  const bad = await pollOnce({ source: 'snmp', devices: `127.0.0.1:${suite.lab!.devices[0].snmpPort}`, timeout: 1, retries: 0 }, { authKey: LAB_V3.authKey, privKey: 'wrong-priv-key' },
    { snmpVersion: '3', snmpUser: LAB_V3.user, authProtocol: 'sha', privProtocol: 'aes' });
  assert.equal(bad.out.errors.length, 1);
});

test('LLDP frames captured in the lab decode like tshark, and feed passive mode', async (t) => {
  if (!suite.ready(t)) return;
  const file = join(suite.dir!, 'lab.pcap');
  const device = suite.lab!.devices[2];
  execFileSync('timeout', ['15', 'ip', 'netns', 'exec', device.namespace, 'tcpdump', '-Q', 'in', '-i', device.interfaces[0], '-c', '2', '-w', file, 'ether', 'proto', '0x88cc'], { stdio: 'ignore' });
  const { frames } = readPcapFrames(file);
  const reference = tsharkLldpFields(file);
  assert.equal(frames.length, 2);
  frames.forEach((frame, i) => {
    const du = decodeLldpFrame(frame)!.lldpdu!;
    for (const [field, ours] of Object.entries(COMPARED_FIELDS)) assert.equal(ours(du), reference[i][field], `frame ${i + 1} ${field}`);
  });
  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'listener', z: 'tab', type: 'wirescope-lldp-poll', source: 'passive', localName: 'capture-host', wires: [['topo'], []] },
    { id: 'topo', z: 'tab', type: 'helper' },
  ];
  await helper.unload();
  await helper.load([pollNode], flow);
  const node = (id: string) => helper.getNode(id) as unknown as NodeJS.EventEmitter & { receive(msg: unknown): void };
  const out = new Promise<PollOut>((resolve) => node('topo').once('input', resolve));
  node('listener').receive({ payload: frames.map((frame) => ({ timestamp: Date.now(), seconds: 0, nanoseconds: 0, interface: 'eth9', linkType: 1, originalLength: frame.length, frame })) });
  const topology = (await out).payload;
  const neighbor = suite.lab!.links.find((l) => l.a.ifname === device.interfaces[0] || l.b.ifname === device.interfaces[0])!;
  const sender = neighbor.a.device === device.index ? neighbor.b : neighbor.a;
  assert.deepEqual(linksOf(topology), [[`capture-host:eth9`, `dev${sender.device}:${sender.ifname}`].sort().join('|')]);
});

test('link down and one-way link are detected and drawn', async (t) => {
  if (!suite.ready(t)) return;
  const devices = suite.lab!.devices.map((d) => d.socket).join('\n');
  // First poll: the baseline (every link appears as link-up).
  const flowConfig = { source: 'lldpcli', devices };
  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'poll', z: 'tab', type: 'wirescope-lldp-poll', timeout: 3, concurrency: 4, wires: [['topo', 'gv'], ['events']], ...flowConfig },
    { id: 'topo', z: 'tab', type: 'helper' },
    { id: 'events', z: 'tab', type: 'helper' },
    { id: 'gv', z: 'tab', type: 'wirescope-graphviz', engine: 'dot', format: 'svg', timeout: 30, legend: true, wires: [['svg']] },
    { id: 'svg', z: 'tab', type: 'helper' },
  ];
  await helper.unload();
  await helper.load([pollNode, graphvizNode], flow);
  const node = (id: string) => helper.getNode(id) as unknown as NodeJS.EventEmitter & { receive(msg: unknown): void };
  const pollAndRender = async () => {
    const out = new Promise<PollOut>((resolve) => node('topo').once('input', resolve));
    const svg = new Promise<string>((resolve) => node('svg').once('input', (m: { payload: string }) => resolve(m.payload)));
    node('poll').receive({ payload: 'poll' });
    return { out: await out, svg: await svg };
  };
  const baseline = await pollAndRender();
  assert.equal(baseline.out.events.filter((e) => e.type === 'link-up').length, suite.lab!.links.length);

  // Link 0 (dev0–dev1) down on one end: both lldpd lose the neighbour.
  const down = suite.lab!.links[0];
  suite.lab!.setLinkDown(0);
  await suite.lab!.waitForNeighborCount(down.a.device, suite.lab!.devices[down.a.device].interfaces.length - 1);
  await suite.lab!.waitForNeighborCount(down.b.device, suite.lab!.devices[down.b.device].interfaces.length - 1);
  const afterDown = await pollAndRender();
  const downEvents = afterDown.out.events.map((e) => `${e.type} ${e.link ? [`${e.link.a.device}:${e.link.a.port}`, `${e.link.b.device}:${e.link.b.port}`].sort().join('|') : ''}`);
  assert.deepEqual(downEvents, [`link-down ${[`dev${down.a.device}:${down.a.ifname}`, `dev${down.b.device}:${down.b.ifname}`].sort().join('|')}`]);
  assert.match(afterDown.svg, /stroke="#c62828"[^>]*stroke-dasharray/, 'the lost link is drawn red and dashed');
  assert.match(afterDown.svg, /link down/, 'legend present');

  // Link 1 (dev1–dev2): dev1's port stops transmitting; dev2 loses dev1, dev1 still hears dev2.
  const deaf = suite.lab!.links[1];
  suite.lab!.setRxOnly(deaf.a.device, deaf.a.ifname);
  await suite.lab!.waitForNeighborCount(deaf.b.device, suite.lab!.devices[deaf.b.device].interfaces.length - 1);
  const afterRxOnly = await pollAndRender();
  const oneWay = afterRxOnly.out.events.filter((e) => e.type === 'link-one-way');
  assert.equal(oneWay.length, 1);
  assert.deepEqual(oneWay[0].link!.seenBy, [`dev${deaf.a.device}`]);
  assert.equal(afterRxOnly.out.payload.links.filter((l) => l.state === 'one-way').length, 1);
  assert.match(afterRxOnly.svg, /stroke="#ef6c00"/, 'the one-way link is highlighted');
});

// Keep the suite honest in CI: the whole file must run there, not skip.
test('lab prerequisites present in CI', (t) => {
  if (!inCI) { t.skip('only checked in CI'); return; }
  assert.ok(suite.runnable, `root and ${needed.join(', ')} required`);
});
