// Neighbour tables from the three polled sources: vendor CLI text (real device output, expected
// values read off the text by hand), lldpcli JSON and an LLDP-MIB walk (both taken from a real
// lldpd + snmpd, checked against lldpcli's own keyvalue output of the same moment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lldpcliReport, parseCliNeighbors, parseLldpcliNeighbors, reportFromLldpMib, type MibVarbind } from '../../nodes/common/lldp';

const fixtures = join(__dirname, '../fixtures/lldp');
const cli = (name: string) => readFileSync(join(fixtures, 'cli', name), 'utf8');

test('Cisco IOS-XE show lldp neighbors detail', () => {
  const neighbors = parseCliNeighbors(cli('ios_detail.txt'), 'iosxe');
  assert.equal(neighbors.length, 2);
  assert.deepEqual(neighbors[0], {
    localPort: 'Gi1/1/2',
    chassisId: '24:16:ab:cd:ab:cd',
    portId: 'Gi1/0/16',
    portDescription: 'GigabitEthernet1/0/16',
    systemName: 'sdalab-bldg1-as01.devices.example.com',
    systemDescription: 'Cisco IOS Software [Bengaluru], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.6.5, RELEASE SOFTWARE (fc2)',
    ttl: 107,
    capabilities: ['bridge', 'router'],
    managementAddresses: ['172.16.1.1'],
  });
  assert.equal(neighbors[1].localPort, 'Gi1/0/1');
  assert.equal(neighbors[1].chassisId, '10.65.1.11');
  assert.equal(neighbors[1].portId, '00:60:ab:bc:ab:bc');
  assert.equal(neighbors[1].systemName, 'NEC IP Phone');
  assert.deepEqual(neighbors[1].capabilities, ['bridge', 'telephone']);
  assert.equal(neighbors[1].managementAddresses, undefined);
});

test('Cisco IOS show lldp neighbors (table)', () => {
  const neighbors = parseCliNeighbors(cli('ios_brief.txt'), 'ios');
  assert.deepEqual(neighbors.map((n) => [n.systemName, n.localPort, n.ttl, n.portId]), [
    ['S2', 'Fa0/13', 120, 'Gi0/13'],
    ['Cisco-switch-1', 'Gi1/0/7', 120, 'Gi0/1'],
    ['Juniper-switch1', 'Gi2/0/1', 120, '666'],
    ['Juniper-switch1', 'Gi1/0/1', 120, '531'],
  ]);
  assert.equal(neighbors[1].capabilities, undefined);
  assert.deepEqual(neighbors[2].capabilities, ['bridge', 'router']);
});

test('Cisco NX-OS show lldp neighbors detail', () => {
  const neighbors = parseCliNeighbors(cli('nxos_detail.txt'), 'nxos');
  assert.deepEqual(neighbors.map((n) => [n.localPort, n.chassisId, n.portId, n.systemName, n.managementAddresses?.[0], n.ttl]), [
    ['mgmt0', '00:14:1c:57:a4:8b', 'Fa1/0/9', 'Switch.cisco.com', '10.30.140.1', 91],
    ['Eth1/1', '50:87:89:a1:d8:d6', 'Ethernet1/1', 'n9k2.company.com', '10.30.140.21', 93],
    ['Eth1/2', '50:87:89:a1:d8:d7', 'Ethernet1/2', 'n9k2.company.com', '10.30.140.21', 93],
    ['Eth2/2', '54:7f:ee:af:78:18', 'Ethernet1/49', 'N3K.cisconxapi.com', '10.30.140.30', 93],
  ]);
  assert.equal(neighbors[1].systemDescription, 'Cisco Nexus Operating System (NX-OS) Software 7.0(3)I4(1)');
});

test('Arista EOS show lldp neighbors detail', () => {
  const neighbors = parseCliNeighbors(cli('eos_detail.txt'), 'eos');
  assert.deepEqual(neighbors.map((n) => [n.localPort, n.chassisId, n.portId, n.systemName, n.managementAddresses?.[0]]), [
    ['Ethernet1', '2c:c2:60:81:ea:f9', 'Ethernet1', 'spine2.company.com', '2c:c2:60:81:ea:f9'],
    ['Management1', '00:05:86:71:4e:c0', 'fxp0', 'vmx1', '10.0.0.31'],
    ['Management1', '2c:c2:60:81:ea:f9', 'Management1', 'spine2.company.com', '2c:c2:60:81:ea:f9'],
    ['Ethernet9', '7c:0e:ce:cb:65:9b', 'Eth1/23', 'Leaf1.cliqr.com', '7c:0e:ce:cb:65:9b'],
  ]);
  // The link aggregation TLV's "Port ID : 0" must not replace the port ID.
  assert.equal(neighbors[0].portId, 'Ethernet1');
  assert.equal(neighbors[3].portIdSubtype, 'locally assigned');
  assert.equal(neighbors[3].portDescription, 'topology/pod-1/paths-101/pathep-[AVS_Policy_Group]');
  assert.deepEqual(neighbors[0].capabilities, ['bridge', 'router']);
});

test('Juniper Junos show lldp neighbors', () => {
  const neighbors = parseCliNeighbors(cli('junos.txt'), 'junos');
  assert.deepEqual(neighbors.map((n) => [n.localPort, n.chassisId, n.portId, n.systemName]), [
    ['xe-0/1/1', '00:1c:73:ee:c0:46', 'Ethernet3/29/1', 'core01.sjc01'],
    ['xe-0/3/3', '00:1c:73:ee:c0:46', 'Ethernet3/29/2', 'core01.sjc01'],
    ['xe-2/0/5', '00:1c:73:ee:c0:46', 'Ethernet3/29/3', 'core01.sjc01'],
    ['xe-2/1/5', '00:1c:73:ee:c0:46', 'Ethernet3/29/4', 'core01.sjc01'],
  ]);
});

test('CLI text that is not a neighbour table is an error, not "no neighbours"', () => {
  assert.throws(() => parseCliNeighbors('% Invalid input detected at \'^\' marker.', 'ios'), /neither "Chassis id:" blocks nor/);
  assert.throws(() => parseCliNeighbors('error: syntax error, expecting <command>', 'junos'), /no "Local Interface/);
  assert.throws(() => parseCliNeighbors('% LLDP is not enabled', 'eos'), /no "Interface .* detected/);
  assert.deepEqual(parseCliNeighbors('\nTotal entries displayed: 0\n', 'nxos'), []);
});

/** lldpcli -f keyvalue lines → map. */
function keyvalue(path: string): Map<string, string> {
  return new Map(readFileSync(path, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

test('lldpcli JSON (interface array form) agrees with lldpcli keyvalue', () => {
  const kv = keyvalue(join(fixtures, 'lldpcli/two-neighbors.keyvalue'));
  const neighbors = parseLldpcliNeighbors(readFileSync(join(fixtures, 'lldpcli/two-neighbors.json'), 'utf8'));
  const ports = [...new Set([...kv.keys()].map((k) => k.split('.')[1]))];
  assert.deepEqual(neighbors.map((n) => n.localPort), ports);
  for (const n of neighbors) {
    const p = `lldp.${n.localPort}`;
    assert.equal(n.systemName, kv.get(`${p}.chassis.name`));
    assert.equal(n.chassisId, kv.get(`${p}.chassis.mac`));
    assert.equal(n.portId, kv.get(`${p}.port.mac`) ?? kv.get(`${p}.port.ifname`));
    assert.equal(n.portDescription, kv.get(`${p}.port.descr`));
    assert.equal(n.ttl, Number(kv.get(`${p}.port.ttl`)));
    assert.deepEqual(n.managementAddresses, [kv.get(`${p}.chassis.mgmt-ip`)]);
    const enabled = [...kv.entries()].filter(([k, v]) => k.startsWith(`${p}.chassis.`) && k.endsWith('.enabled') && v === 'on').map(([k]) => k.split('.')[3].toLowerCase());
    assert.deepEqual(n.capabilities, enabled);
  }
  const single = JSON.parse(readFileSync(join(fixtures, 'lldpcli/two-neighbors.json'), 'utf8'));
  single.lldp.interface = single.lldp.interface[0]; // the object form lldpcli prints for one neighbour
  assert.equal(parseLldpcliNeighbors(single)[0].systemName, kv.get(`lldp.${ports[0]}.chassis.name`));
  const report = lldpcliReport(readFileSync(join(fixtures, 'lldpcli/chassis.json'), 'utf8'), single, 'fallback');
  assert.equal(report.device, 'host-a.example.com');
  assert.throws(() => parseLldpcliNeighbors('{"error": 1}'), /not lldpcli JSON/);
});

/** snmpwalk -On -Ox text (hex strings may wrap) → varbinds as net-snmp returns them. */
function walk(path: string): MibVarbind[] {
  const varbinds: MibVarbind[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^(\.[\d.]+) = (\w[\w-]*): ?(.*)$/.exec(line);
    if (m) {
      const [, oid, type, value] = m;
      varbinds.push({ oid, value: type === 'Hex-STRING' ? Buffer.from(value.replace(/\s/g, ''), 'hex') : type === 'INTEGER' ? Number(value) : value });
    } else if (line.trim() && varbinds.length) {
      const last = varbinds[varbinds.length - 1];
      last.value = Buffer.concat([last.value as Buffer, Buffer.from(line.replace(/\s/g, ''), 'hex')]);
    }
  }
  return varbinds;
}

test('LLDP-MIB walk of lldpd through snmpd agrees with lldpcli', () => {
  const kv = keyvalue(join(fixtures, 'snmp/host-a.keyvalue'));
  const report = reportFromLldpMib(walk(join(fixtures, 'snmp/host-a.walk')), '127.0.0.1');
  assert.equal(report.device, kv.get('local-chassis.chassis.name'));
  assert.equal(report.chassisId, kv.get('local-chassis.chassis.mac'));
  const ports = [...new Set([...kv.keys()].filter((k) => k.startsWith('lldp.')).map((k) => k.split('.')[1]))];
  assert.deepEqual(report.neighbors.map((n) => n.localPort).sort(), ports.sort());
  for (const n of report.neighbors) {
    const p = `lldp.${n.localPort}`;
    assert.equal(n.systemName, kv.get(`${p}.chassis.name`));
    assert.equal(n.chassisId, kv.get(`${p}.chassis.mac`));
    assert.equal(n.portId, kv.get(`${p}.port.mac`) ?? kv.get(`${p}.port.ifname`));
    assert.equal(n.portDescription, kv.get(`${p}.port.descr`));
    assert.deepEqual(n.managementAddresses, [kv.get(`${p}.chassis.mgmt-ip`)]);
    assert.deepEqual(n.capabilities, ['station']); // lldpcli: Station.enabled=on, the others off
  }
});

test('fuzz: mutated and truncated real CLI, lldpcli and SNMP inputs give neighbours or an Error (seeded)', () => {
  let state = 0xc11;
  const random = () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff; };
  const mutate = (text: string) => {
    let out = text.slice(0, random() < 0.3 ? Math.floor(random() * text.length) : text.length);
    for (let i = 0; i < 1 + Math.floor(random() * 6); i++) {
      const at = Math.floor(random() * out.length);
      out = out.slice(0, at) + String.fromCharCode(32 + Math.floor(random() * 95)) + out.slice(at + 1 + Math.floor(random() * 3));
    }
    return out;
  };
  const texts: [string, Parameters<typeof parseCliNeighbors>[1]][] = [
    [cli('ios_detail.txt'), 'iosxe'], [cli('ios_brief.txt'), 'ios'], [cli('nxos_detail.txt'), 'nxos'], [cli('eos_detail.txt'), 'eos'], [cli('junos.txt'), 'junos'],
  ];
  const json = readFileSync(join(fixtures, 'lldpcli/two-neighbors.json'), 'utf8');
  const varbinds = walk(join(fixtures, 'snmp/host-a.walk'));
  let parsed = 0;
  for (let i = 0; i < 3000; i++) {
    const [text, platform] = texts[i % texts.length];
    try { parsed += parseCliNeighbors(mutate(text), platform).length >= 0 ? 1 : 0; } catch (error) { assert.ok(error instanceof Error); }
    try { parseLldpcliNeighbors(mutate(json)); } catch (error) { assert.ok(error instanceof Error); }
    const shuffled = varbinds.filter(() => random() > 0.2).map((v) => (random() < 0.1 ? { oid: mutate(v.oid), value: v.value } : v));
    assert.ok(Array.isArray(reportFromLldpMib(shuffled, 'x').neighbors));
  }
  assert.ok(parsed > 0);
});
