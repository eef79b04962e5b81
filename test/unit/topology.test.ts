// Topology model, name normalisation, management exclusion, one-way detection, diff and DOT.
// Tiers, the picture model and the lost-link memory; the DOT output is checked by laying it out
// with native Graphviz (`dot -Tjson`), not by comparing text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { LldpDeviceReport } from '../../nodes/common/lldp';
import {
  assignTiers, buildPicture, buildTopology, DEFAULT_MANAGEMENT_PORTS, diffTopology, normalizeInterfaceName, displayDeviceName, parseNameRules,
  topologyToDot, TopologyHistory, type TopologyDevice,
} from '../../nodes/common/topology';
import { requireCommands } from '../helpers/real';

test('interface names: long and short forms agree', () => {
  // Cisco's own abbreviations (IOS "show interfaces status" vs "show lldp neighbors detail").
  const pairs: [string, string][] = [
    ['GigabitEthernet0/1', 'Gi0/1'], ['TenGigabitEthernet1/0/1', 'Te1/0/1'], ['FastEthernet0/13', 'Fa0/13'],
    ['Ethernet1/49', 'Eth1/49'], ['Et1', 'Ethernet1'], ['Port-channel10', 'Po10'], ['HundredGigE1/0/1', 'Hu1/0/1'],
    ['TwentyFiveGigE1/0/1', 'Twe1/0/1'], ['GigabitEthernet 0/2', 'Gi0/2'],
  ];
  for (const [long, short] of pairs) assert.equal(normalizeInterfaceName(long), normalizeInterfaceName(short), `${long} ≡ ${short}`);
  assert.equal(normalizeInterfaceName('ge-0/0/1'), 'ge-0/0/1', 'Junos names are kept');
  assert.notEqual(normalizeInterfaceName('Gi0/1'), normalizeInterfaceName('Te0/1'));
});

test('device names: domain stripped, addresses kept', () => {
  assert.equal(displayDeviceName('n9k2.company.com'), 'n9k2');
  assert.equal(displayDeviceName('10.1.2.3'), '10.1.2.3');
  assert.equal(displayDeviceName('fe80::1'), 'fe80::1');
  assert.equal(displayDeviceName('core01.sjc01', { domainSuffixes: ['.example.com'] }), 'core01.sjc01');
  assert.equal(displayDeviceName('sw1.Example.com', { domainSuffixes: ['example.com'] }), 'sw1');
  assert.equal(displayDeviceName('sw1.example.com', { stripDomain: false }), 'sw1.example.com');
});

const report = (device: string, neighbors: [string, string, string][]): LldpDeviceReport => ({
  device, source: 'lldpcli', neighbors: neighbors.map(([localPort, systemName, portId]) => ({ localPort, systemName, portId, portIdSubtype: 'ifname' })),
});

// A ring sw1–sw2–sw3 with a leaf host on sw3, plus a management link to an OOB switch.
const ring = [
  report('sw1.lab.example', [['Gi0/1', 'sw2.lab.example', 'GigabitEthernet0/1'], ['Gi0/2', 'sw3', 'Gi0/2'], ['mgmt0', 'oob', 'Gi0/24']]),
  report('sw2', [['GigabitEthernet0/1', 'sw1', 'Gi0/1'], ['Gi0/2', 'sw3', 'Gi0/1']]),
  report('SW3', [['Gi0/1', 'sw2', 'Gi0/2'], ['Gi0/2', 'sw1.lab.example', 'Gi0/2'], ['Gi0/3', 'host9', 'eth0']]),
];

test('ring with a leaf: both halves of a link merge, names normalised, management excluded', () => {
  const topology = buildTopology(ring, { excludePorts: DEFAULT_MANAGEMENT_PORTS });
  assert.deepEqual(topology.devices.map((d) => [d.id, d.polled]), [['host9', false], ['sw1', true], ['sw2', true], ['sw3', true]]);
  assert.deepEqual(topology.links.map((l) => [l.a.device, l.a.port, l.b.device, l.b.port, l.state]), [
    ['sw1', 'Gi0/1', 'sw2', 'Gi0/1', 'up'],
    ['sw1', 'Gi0/2', 'sw3', 'Gi0/2', 'up'],
    ['sw2', 'Gi0/2', 'sw3', 'Gi0/1', 'up'],
    ['host9', 'eth0', 'sw3', 'Gi0/3', 'up'], // host9 is not polled: seen from one side, not one-way
  ].sort((x, y) => `${x[0]}|${x[1]}`.localeCompare(`${y[0]}|${y[1]}`)));
  assert.equal(topology.excludedManagementLinks, 1);
});

test('one-way link: A hears B, polled B does not hear A', () => {
  const deaf = [ring[0], report('sw2', [['Gi0/2', 'sw3', 'Gi0/1']]), ring[2]];
  const topology = buildTopology(deaf, { excludePorts: DEFAULT_MANAGEMENT_PORTS });
  const link = topology.links.find((l) => l.a.device === 'sw1' && l.b.device === 'sw2');
  assert.equal(link?.state, 'one-way');
  assert.deepEqual(link?.seenBy, ['sw1']);
});

test('diff: link down, one-way, device appeared and disappeared', () => {
  const before = buildTopology(ring, { excludePorts: DEFAULT_MANAGEMENT_PORTS });
  assert.deepEqual(diffTopology(undefined, before).filter((e) => e.type === 'link-up').length, 4);
  const after = buildTopology([
    report('sw1', [['Gi0/1', 'sw2', 'Gi0/1']]),
    report('sw2', [['Gi0/1', 'sw1', 'Gi0/1'], ['Gi0/2', 'sw3', 'Gi0/1'], ['Gi0/5', 'printer', '1']]),
    report('sw3', [['Gi0/2', 'sw1', 'Gi0/2']]),
  ]);
  const events = diffTopology(before, after).map((e) => `${e.type} ${e.link ? `${e.link.a.device}:${e.link.a.port}-${e.link.b.device}:${e.link.b.port}` : e.device!.id}`);
  assert.deepEqual(events.sort(), [
    'device-appeared printer',
    'device-disappeared host9',
    'link-down host9:eth0-sw3:Gi0/3',
    'link-one-way sw1:Gi0/2-sw3:Gi0/2', // sw3 still hears sw1, sw1 no longer hears sw3
    'link-one-way sw2:Gi0/2-sw3:Gi0/1',
    'link-up printer:1-sw2:Gi0/5',
  ]);
  assert.deepEqual(diffTopology(after, after), [], 'no change, no events');
});

const device = (id: string, capabilities?: string[]): TopologyDevice => ({ id, name: id, polled: true, capabilities });

test('tiers: explicit rules, then name conventions, then LLDP capabilities, else "other" at the bottom', () => {
  const devices = [
    device('core-a'), device('bldg2-agg1'), device('acc7'), device('r1', ['router']), device('l3sw', ['bridge', 'router']),
    device('sw9', ['bridge']), device('phone1', ['telephone']), device('mystery'), device('dist-override'),
  ];
  const rules = parseNameRules('dist-override access\n/^myst/ core  # a regular expression');
  const { names, tierOf } = assignTiers(devices, { rules });
  assert.deepEqual(names, ['core', 'distribution', 'access', 'host']);
  const tier = (id: string) => names[tierOf.get(id)!];
  assert.deepEqual(devices.map((d) => tier(d.id)), ['core', 'distribution', 'access', 'core', 'distribution', 'access', 'host', 'core', 'access']);
  const custom = assignTiers([device('wan1'), device('x'), device('core1')], { tiers: ['wan', 'campus'], rules: parseNameRules('wan* wan\ncore? campus'), auto: false });
  assert.deepEqual(custom.names, ['wan', 'campus', 'other']);
  assert.deepEqual(['wan1', 'x', 'core1'].map((id) => custom.names[custom.tierOf.get(id)!]), ['wan', 'other', 'campus']);
  assert.throws(() => parseNameRules('/[/ core'), /Invalid regular expression/);
  assert.throws(() => parseNameRules('lonely'), /expected "pattern value"/);
});

// core1 – dist1 (two links: a LAG) – acc1, plus core1 – core2 in the same tier; sw2 hears acc1 only.
const threeTier = [
  report('core1', [['Eth1/1', 'dist1', 'Eth1/49'], ['Eth1/2', 'dist1', 'Eth1/50'], ['Eth1/48', 'core2', 'Eth1/48']]),
  report('core2', [['Eth1/48', 'core1', 'Eth1/48']]),
  report('dist1', [['Eth1/49', 'core1', 'Eth1/1'], ['Eth1/50', 'core1', 'Eth1/2'], ['Gi1/0/1', 'acc1', 'Gi0/1']]),
  report('acc1', [['Gi0/1', 'dist1', 'Gi1/0/1'], ['Gi0/2', 'acc2', 'Gi0/2']]),
  report('acc2', []),
];

test('picture: ports as cells in rows by tier, LAG members grouped, one-way arrow from the side that hears', () => {
  const topology = buildTopology(threeTier);
  const picture = buildPicture(topology);
  const byId = new Map(picture.devices.map((d) => [d.id, d]));
  const names = (groups: { ports: { name: string }[] }[]) => groups.map((g) => g.ports.map((p) => p.name));
  assert.deepEqual(names(byId.get('core1')!.top), []);
  assert.deepEqual(names(byId.get('core1')!.bottom), [['Eth1/1', 'Eth1/2'], ['Eth1/48']], 'the LAG to dist1 is one group; the core–core port in the same row');
  assert.deepEqual(names(byId.get('dist1')!.top), [['Eth1/49', 'Eth1/50']]);
  assert.deepEqual(names(byId.get('dist1')!.bottom), [['Gi1/0/1']]);
  const oneWay = picture.links.find((l) => l.mark === 'one-way')!;
  assert.equal(oneWay.id, topology.links.find((l) => l.state === 'one-way')!.id);
  // acc1 and acc2 share a tier; acc1 (the tail, sorted first) is the one that hears.
  assert.equal(oneWay.tail.device, 'acc1');
  assert.equal(oneWay.hearer, 'tail');
  assert.deepEqual(picture.kinds, ['one-way']);
  // Every edge runs from the upper tier to the lower one (or within a tier).
  const tierOf = new Map(picture.devices.map((d) => [d.id, d.tier]));
  for (const link of picture.links) assert.ok(tierOf.get(link.tail.device)! <= tierOf.get(link.head.device)!, link.id);
});

test('history: a lost link stays until it comes back, is acknowledged or times out; bounded', () => {
  const before = buildTopology(threeTier);
  const cut = buildTopology([threeTier[0], threeTier[1], report('dist1', [['Eth1/49', 'core1', 'Eth1/1'], ['Eth1/50', 'core1', 'Eth1/2']]), report('acc1', [['Gi0/2', 'acc2', 'Gi0/2']]), threeTier[4]]);
  const history = new TopologyHistory({ keepLostMs: 60_000, maxLost: 10, maxChanges: 3 });
  const t0 = 1_700_000_000_000;
  history.observe(before, diffTopology(undefined, before), t0, true);
  assert.deepEqual(history.lostItems(), []);
  assert.deepEqual(history.changes(), [], 'a baseline is not a change');
  history.observe(cut, diffTopology(before, cut), t0 + 1000);
  const lost = history.lostItems();
  assert.deepEqual(lost.map((l) => [l.kind, l.id, l.since]), [['link', 'acc1|gi0/1--dist1|gi1/0/1', t0 + 1000]]);
  history.observe(cut, diffTopology(cut, cut), t0 + 30_000);
  assert.equal(history.lostItems().length, 1, 'still drawn on the next poll');
  const picture = buildPicture(cut, { lost: history.lostItems() });
  const down = picture.links.find((l) => l.mark === 'down')!;
  assert.equal(down.since, t0 + 1000);
  assert.ok(picture.kinds.includes('down'));
  // Back: no longer lost.
  history.observe(before, diffTopology(cut, before), t0 + 40_000);
  assert.deepEqual(history.lostItems(), []);
  // Lost again, then acknowledged by id.
  history.observe(cut, diffTopology(before, cut), t0 + 50_000);
  assert.equal(history.acknowledge(['nope'], t0 + 51_000), 0);
  assert.equal(history.acknowledge(['acc1|gi0/1--dist1|gi1/0/1'], t0 + 52_000), 1);
  assert.deepEqual(history.lostItems(), []);
  // Lost again, then expired after keepLostMs.
  history.observe(before, diffTopology(cut, before), t0 + 60_000);
  history.observe(cut, diffTopology(before, cut), t0 + 70_000);
  history.expire(t0 + 129_999);
  assert.equal(history.lostItems().length, 1);
  history.expire(t0 + 130_000);
  assert.deepEqual(history.lostItems(), []);
  assert.deepEqual(history.counters, { acknowledged: 1, expired: 1, dropped: 0 });
  assert.deepEqual(history.changes().map((c) => c.type), ['expired', 'link-down', 'link-up'], 'newest first, at most maxChanges');
  // At most maxLost items: the oldest go first, counted.
  const small = new TopologyHistory({ keepLostMs: 60_000, maxLost: 1, maxChanges: 5 });
  small.observe(before, diffTopology(undefined, before), t0, true);
  const empty = buildTopology([]);
  small.observe(empty, diffTopology(before, empty), t0 + 1);
  assert.equal(small.lostItems().length, 1);
  assert.ok(small.counters.dropped > 0);
});

test('DOT: tiers ordered top to bottom in native dot, edges on port cells, legend only for kinds present', (t) => {
  if (!requireCommands(t, 'dot')) return;
  const topology = buildTopology(threeTier);
  const dot = topologyToDot(topology, { graphAttributes: { label: 'lab "ring"' }, legend: false });
  const json = JSON.parse(execFileSync('dot', ['-Tjson'], { input: dot, encoding: 'utf8' })) as {
    label: string;
    objects: { name: string; pos?: string }[];
    edges?: { tail: number; head: number; tailport?: string; headport?: string; class?: string; dir?: string; style?: string }[];
  };
  assert.equal(json.label, 'lab "ring"');
  const y = (name: string) => Number(json.objects.find((o) => o.name === name)!.pos!.split(',')[1]);
  // Graphviz y grows upwards: core above distribution above access.
  assert.ok(y('core1') > y('dist1') && y('dist1') > y('acc1'), `core ${y('core1')}, dist ${y('dist1')}, access ${y('acc1')}`);
  assert.equal(y('core1'), y('core2'), 'one row per tier');
  assert.equal(y('acc1'), y('acc2'));
  const names = json.objects.map((o) => o.name);
  const real = (json.edges ?? []).filter((e) => !names[e.tail].startsWith('__tier'));
  assert.equal(real.length, topology.links.length);
  for (const e of real) assert.ok(e.tailport && e.headport, 'edges attach to port cells');
  const oneWay = real.find((e) => /one-way/.test(e.class ?? ''))!;
  assert.equal(oneWay.dir, 'forward');
  assert.doesNotMatch(dot, /link down|LAG/, 'no legend when turned off');
  const withLegend = topologyToDot(topology);
  assert.match(withLegend, /one-way/);
  assert.match(withLegend, />LAG</);
  assert.doesNotMatch(withLegend, /link down|device gone|not polled/, 'only the kinds present');
});
