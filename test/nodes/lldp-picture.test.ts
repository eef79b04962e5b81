// The topology picture from a real three-tier lab (six namespaces running lldpd: core1; dist1,
// dist2; acc1, acc2, acc3; a two-link LAG dist1–acc1 and a dist1–dist2 link), polled with lldpcli
// and drawn by the graphviz node. Geometry is read from the SVG itself: no overlaps, tiers in
// order, nothing moves when a link goes down, the lost link stays drawn until acknowledged or
// timed out, a one-way link is an arrow from the side that still hears. Passive LLDP: the local
// port comes from a pcapng's interface block (dumpcap) or, for a classic pcap (tcpdump), from the
// configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { formatClock, type Topology } from '../../nodes/common/topology';
import { inCI } from '../helpers/real';
import { labSuite } from '../helpers/lldp-lab-suite';
import { deviceCentres, keepPicture, svgGroups, svgOverlaps } from '../helpers/lldp-svg';

helper.init(require.resolve('node-red'));
/* eslint-disable @typescript-eslint/no-require-imports */
const pollNode = require('../../nodes/lldp-poll/lldp-poll');
const graphvizNode = require('../../nodes/graphviz/graphviz');
const fileInNode = require('../../nodes/pcap-file-in/pcap-file-in');
/* eslint-enable @typescript-eslint/no-require-imports */

const NAMES = ['core1', 'dist1', 'dist2', 'acc1', 'acc2', 'acc3'];
const [CORE1, DIST1, DIST2, ACC1, ACC2, ACC3] = NAMES.map((_, i) => i);
const WIRING: [number, number][] = [[CORE1, DIST1], [CORE1, DIST2], [DIST1, DIST2], [DIST1, ACC1], [DIST1, ACC1], [DIST1, ACC2], [DIST2, ACC2], [DIST2, ACC3]];
const CUT = 6; // dist2–acc2: acc2 stays reachable through dist1, so no device goes away
const DEAF = 5; // dist1–acc2: acc2's port turns rx-only, dist1 stops hearing it

const needed = ['ip', 'lldpd', 'lldpcli', 'tcpdump', 'dumpcap', 'tshark'];
const suite = labSuite(needed, { devices: NAMES.length, links: WIRING, names: NAMES });

type Picture = { payload: Buffer; svg: string; lost: { id: string; since: string }[]; changes: { type: string; text: string }[]; dataUrl: string };
type Node = NodeJS.EventEmitter & { receive(msg: unknown): void };
const node = (id: string) => helper.getNode(id) as unknown as Node;
const next = <T>(id: string) => new Promise<T>((resolve) => node(id).once('input', resolve));

function maxMove(before: Map<string, { x: number; y: number }>, after: Map<string, { x: number; y: number }>): number {
  let worst = 0;
  for (const [name, p] of before) {
    const q = after.get(name);
    assert.ok(q, `${name} still drawn`);
    worst = Math.max(worst, Math.hypot(p.x - q.x, p.y - q.y));
  }
  return worst;
}

const edgesOf = (svg: string, mark: string) => svgGroups(svg).filter((g) => g.cls.startsWith('edge') && g.cls.split(' ').includes(mark));

test('three-tier lab: tiers in order, no overlaps; a lost link stays drawn in place until acknowledged or timed out; one-way is an arrow', async (t) => {
  if (!suite.ready(t)) return;
  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'poll', z: 'tab', type: 'wirescope-lldp-poll', source: 'lldpcli', devices: suite.lab!.devices.map((d) => d.socket).join('\n'), timeout: 5, wires: [['topo', 'gv', 'gvShort'], []] },
    { id: 'topo', z: 'tab', type: 'helper' },
    { id: 'gv', z: 'tab', type: 'wirescope-graphviz', format: 'png', scale: 2, timeout: 60, keepLost: 60, legend: true, wires: [['pic']] },
    // Keeps a lost link for 3 s only.
    { id: 'gvShort', z: 'tab', type: 'wirescope-graphviz', format: 'svg', timeout: 60, keepLost: 0.05, wires: [['picShort']] },
    { id: 'pic', z: 'tab', type: 'helper' },
    { id: 'picShort', z: 'tab', type: 'helper' },
  ];
  await helper.load([pollNode, graphvizNode], flow);
  const poll = async () => {
    const pictures = Promise.all([next<{ payload: Topology }>('topo'), next<Picture>('pic'), next<Picture>('picShort')]);
    node('poll').receive({ payload: 'poll' });
    const [topo, pic, short] = await pictures;
    return { topology: topo.payload, pic, short };
  };

  const first = await poll();
  assert.equal(first.topology.links.length, WIRING.length);
  keepPicture('lab-1-baseline.png', first.pic.payload);
  assert.deepEqual(svgOverlaps(first.pic.svg), []);
  const at1 = deviceCentres(first.pic.svg);
  assert.deepEqual([...at1.keys()].sort(), [...NAMES].sort());
  const y = (name: string) => at1.get(name)!.y;
  assert.ok(y('core1') < y('dist1') && y('dist1') === y('dist2'), 'core above distribution');
  assert.ok(y('dist1') < y('acc1') && y('acc1') === y('acc2') && y('acc2') === y('acc3'), 'distribution above access');
  assert.equal(edgesOf(first.pic.svg, 'link').length, WIRING.length, 'every link drawn once');
  assert.ok(svgGroups(first.pic.svg).some((g) => g.title === 'dist1' && g.stroke.includes('#1565c0')), 'the LAG dist1–acc1 framed as one group');

  // Cut dist2–acc2: both lldpd lose each other.
  const cut = suite.lab!.links[CUT];
  const cutAt = Date.now();
  suite.lab!.setLinkDown(CUT);
  await suite.lab!.waitForNeighborCount(cut.a.device, suite.lab!.devices[cut.a.device].interfaces.length - 1);
  await suite.lab!.waitForNeighborCount(cut.b.device, suite.lab!.devices[cut.b.device].interfaces.length - 1);
  const second = await poll();
  keepPicture('lab-2-link-down.png', second.pic.payload);
  assert.deepEqual(svgOverlaps(second.pic.svg), []);
  assert.ok(maxMove(at1, deviceCentres(second.pic.svg)) < 2, 'no device moved');
  const down = edgesOf(second.pic.svg, 'down');
  assert.ok(down.length > 0 && down.every((e) => e.dashed && e.stroke.includes('#c62828')), 'the lost link is drawn red and dashed');
  const clocks = new Set([formatClock(cutAt), formatClock(Date.now())]);
  const label = /down since (\d\d:\d\d)/.exec(second.pic.svg);
  assert.ok(label && clocks.has(label[1]), `"down since HH:MM" with the time it went down (${label?.[1]})`);
  assert.equal(second.pic.lost.length, 1);
  assert.ok(second.pic.changes.some((c) => c.type === 'link-down' && c.text.includes('acc2') && c.text.includes('dist2')));
  assert.match(second.pic.dataUrl, /^data:image\/png;base64,/);
  assert.equal(edgesOf(second.short.svg, 'down').length > 0, true, 'the short-memory picture shows it too, at first');

  // dist1–acc2: acc2's port stops sending; acc2 still hears dist1, dist1 no longer hears acc2.
  const deaf = suite.lab!.links[DEAF];
  const acc2Port = deaf.a.device === ACC2 ? deaf.a.ifname : deaf.b.ifname;
  await new Promise((resolve) => setTimeout(resolve, 3500)); // past the short memory's 3 s
  suite.lab!.setRxOnly(ACC2, acc2Port);
  await suite.lab!.waitForNeighborCount(DIST1, suite.lab!.devices[DIST1].interfaces.length - 1);
  const third = await poll();
  keepPicture('lab-3-one-way.png', third.pic.payload);
  assert.deepEqual(svgOverlaps(third.pic.svg), []);
  assert.ok(maxMove(at1, deviceCentres(third.pic.svg)) < 2, 'still nothing moved');
  assert.ok(edgesOf(third.pic.svg, 'down').length > 0, 'the lost link is still drawn a poll later');
  assert.equal(edgesOf(third.short.svg, 'down').length, 0, 'after its configured time it is no longer drawn');
  const oneWay = edgesOf(third.pic.svg, 'one-way');
  assert.equal(oneWay.length, 1);
  assert.ok(oneWay[0].arrow, 'drawn with an arrowhead');
  const at3 = deviceCentres(third.pic.svg);
  const tip = { x: (oneWay[0].arrow!.x1 + oneWay[0].arrow!.x2) / 2, y: (oneWay[0].arrow!.y1 + oneWay[0].arrow!.y2) / 2 };
  const distance = (name: string) => Math.hypot(at3.get(name)!.x - tip.x, at3.get(name)!.y - tip.y);
  assert.ok(distance('dist1') < distance('acc2'), 'the arrow runs from acc2 (which still hears) to dist1');

  // Acknowledged: the lost link is no longer drawn, nothing moves.
  const acked = next<Picture>('pic');
  node('gv').receive({ topic: 'acknowledge', payload: 'all' });
  const fourth = await acked;
  keepPicture('lab-4-acknowledged.png', fourth.payload);
  assert.equal(edgesOf(fourth.svg, 'down').length, 0);
  assert.deepEqual(fourth.lost, []);
  assert.ok(fourth.changes.some((c) => c.type === 'acknowledged'));
  assert.ok(maxMove(at1, deviceCentres(fourth.svg)) < 2);
});

test('passive LLDP: the port is the pcapng interface name (dumpcap), or the configured one for a classic pcap (tcpdump)', async (t) => {
  if (!suite.ready(t)) return;
  // acc3's link to dist2: capture what dist2 sends, on acc3's side.
  const device = suite.lab!.devices[ACC3];
  const ifname = device.interfaces[0];
  const pcapng = join(suite.dir!, 'acc3.pcapng');
  const pcap = join(suite.dir!, 'acc3.pcap');
  // Only what arrives: not acc3's own LLDPDUs.
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(execFileSync('ip', ['-n', device.namespace, 'link', 'show', ifname], { encoding: 'utf8' }))![1];
  const filter = `ether proto 0x88cc and not ether src ${mac}`;
  execFileSync('timeout', ['60', 'ip', 'netns', 'exec', device.namespace, 'dumpcap', '-q', '-i', ifname, '-c', '1', '-f', filter, '-w', pcapng], { stdio: 'ignore' });
  execFileSync('timeout', ['60', 'ip', 'netns', 'exec', device.namespace, 'tcpdump', '-i', ifname, '-c', '1', '-w', pcap, filter], { stdio: 'ignore' });
  // Reference: what tshark reads as the interface name of the pcapng, and that the pcap has none.
  assert.equal(execFileSync('tshark', ['-r', pcapng, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8' }).trim(), ifname);
  assert.equal(execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8' }).trim(), '');

  const read = async (file: string): Promise<Topology> => {
    const flow = [
      { id: 'tab', type: 'tab' },
      { id: 'file', z: 'tab', type: 'wirescope-pcap-file-in', filename: file, pacing: 'none', batchSize: 1, wires: [['listen'], []] },
      { id: 'listen', z: 'tab', type: 'wirescope-lldp-poll', source: 'passive', localName: 'probe', capturePort: 'Gi0/9', wires: [['topo'], []] },
      { id: 'topo', z: 'tab', type: 'helper' },
    ];
    await helper.unload();
    await helper.load([fileInNode, pollNode], flow);
    const out = next<{ payload: Topology }>('topo');
    node('file').receive({});
    return (await out).payload;
  };
  const fromPcapng = await read(pcapng);
  assert.deepEqual(fromPcapng.links.map((l) => [l.a, l.b].find((e) => e.device === 'probe')!.port), [ifname]);
  assert.ok(fromPcapng.devices.some((d) => d.id === 'dist2'));
  const fromPcap = await read(pcap);
  assert.deepEqual(fromPcap.links.map((l) => [l.a, l.b].find((e) => e.device === 'probe')!.port), ['Gi0/9']);
});

// Keep the suite honest in CI: the whole file must run there, not skip.
test('lab prerequisites present in CI', (t) => {
  if (!inCI) { t.skip('only checked in CI'); return; }
  assert.ok(suite.runnable, `root and ${needed.join(', ')} required`);
});
