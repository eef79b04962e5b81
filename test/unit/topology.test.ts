// Topology model, name normalisation, management exclusion, one-way detection, diff and DOT.
// The DOT output is checked by parsing it with native Graphviz (`dot -Tjson`), not by comparing text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { LldpDeviceReport } from '../../nodes/common/lldp';
import { buildTopology, DEFAULT_MANAGEMENT_PORTS, diffTopology, normalizeInterfaceName, displayDeviceName, topologyToDot } from '../../nodes/common/topology';
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

test('DOT output parses in native Graphviz with the expected nodes, edges, ranks and highlights', (t) => {
  if (!requireCommands(t, 'dot')) return;
  const before = buildTopology(ring, { excludePorts: DEFAULT_MANAGEMENT_PORTS });
  const after = buildTopology([ring[0], ring[1], report('sw3', [['Gi0/1', 'sw2', 'Gi0/2'], ['Gi0/2', 'sw1', 'Gi0/2']])]);
  const events = diffTopology(before, after);
  const dot = topologyToDot(after, { events, rankSame: [['sw2', 'sw3']], graphAttributes: { label: 'lab "ring"' } });
  const json = JSON.parse(execFileSync('dot', ['-Tjson'], { input: dot, encoding: 'utf8' })) as {
    label: string;
    objects: { name: string; label?: string; color?: string }[];
    edges?: { tail: number; head: number; color?: string; style?: string; taillabel?: string; headlabel?: string }[];
  };
  assert.equal(json.label, 'lab "ring"');
  const names = json.objects.map((o) => o.name);
  for (const id of ['sw1', 'sw2', 'sw3', 'host9']) assert.ok(names.includes(id), `node ${id}`);
  const edges = (json.edges ?? []).map((e) => ({ ...e, ends: [names[e.tail], names[e.head]].sort().join('-') }));
  const down = edges.find((e) => e.ends === 'host9-sw3');
  assert.equal(down?.style, 'dashed');
  assert.equal(down?.color, '#c62828');
  assert.equal(json.objects.find((o) => o.name === 'host9')?.color, '#c62828');
  assert.equal(edges.find((e) => e.ends === 'sw1-sw2')?.taillabel, 'Gi0/1');
  assert.ok(names.some((n) => n === 'cluster_legend'), 'legend cluster present');
  // rank=same: sw2 and sw3 share a y coordinate in the laid-out graph.
  const laid = JSON.parse(execFileSync('dot', ['-Tjson'], { input: dot, encoding: 'utf8' })) as { objects: { name: string; pos?: string }[] };
  const y = (n: string) => laid.objects.find((o) => o.name === n)?.pos?.split(',')[1];
  assert.equal(y('sw2'), y('sw3'));
});
