// LLDP frame decoding against tshark on the real captures of ../shared/corpus, round trips through
// our encoder, and a fuzz run over mutated and truncated real frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeLldpdu, decodeLldpFrame, encodeLldpFrame, neighborFromLldpdu, tlv, OUI } from '../../nodes/common/lldp';
import { requireCommands, requireReal } from '../helpers/real';
import { pcapBytes, readPcapFrames } from '../helpers/lldp-pcap';
import { COMPARED_FIELDS, tsharkLldpFields } from '../helpers/lldp-tshark';

const corpus = resolve(__dirname, '../../../shared/corpus');
const captures = ['lldpd/pcap', 'assimilation', '_derived/lldpd-raw-as-pcap', 'tcpdump/lldp']
  .map((dir) => join(corpus, dir))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.pcap')).map((f) => join(dir, f)));

function compareWithTshark(path: string): number {
  const { frames } = readPcapFrames(path);
  const reference = tsharkLldpFields(path);
  assert.equal(reference.length, frames.length, `${path}: tshark and our reader see the same number of frames`);
  let compared = 0;
  frames.forEach((frame, i) => {
    const row = reference[i];
    const decoded = decodeLldpFrame(frame);
    if (row['eth.type'] !== '0x88cc') { assert.equal(decoded, undefined, `${path} #${i + 1} is not LLDP`); return; }
    assert.ok(decoded, `${path} #${i + 1} is LLDP`);
    if (row['_ws.malformed'] !== '') {
      // tshark flags the frame malformed; we must report a problem too (and not throw).
      assert.ok(decoded.errors.length > 0 || decoded.lldpdu, `${path} #${i + 1}: malformed frame handled`);
      return;
    }
    assert.ok(decoded.lldpdu, `${path} #${i + 1}: ${decoded.errors.join('; ')}`);
    for (const [field, ours] of Object.entries(COMPARED_FIELDS)) {
      assert.equal(ours(decoded.lldpdu), row[field], `${path} #${i + 1} ${field}`);
    }
    compared++;
  });
  return compared;
}

test('LLDP frames of the shared corpus decode like tshark', (t) => {
  if (!requireCommands(t, 'tshark')) return;
  if (!requireReal(t, captures.length > 0, 'shared corpus with LLDP captures not present')) return;
  let compared = 0;
  for (const path of captures) compared += compareWithTshark(path);
  assert.ok(compared >= 8, `compared ${compared} well-formed LLDP frames`);
});

test('the LLDP-MED, 802.1 and 802.3 TLVs of real devices (values read off tshark -V)', () => {
  const sg200 = join(corpus, 'lldpd/pcap/sg200.pcap');
  const bt = join(corpus, 'lldpd/pcap/8023bt.pcap');
  const civic = join(corpus, 'assimilation/lldpmed_civicloc.pcap');
  if (![sg200, bt, civic].every(existsSync)) return;
  const procurve = decodeLldpFrame(readPcapFrames(civic).frames[0])!.lldpdu!;
  // ProCurve 2600-8-PWR: MED network connectivity device, civic location, extended power via MDI.
  assert.equal(procurve.med.capabilities?.deviceType, 4);
  assert.equal(procurve.med.locations[0].format, 2);
  assert.equal(procurve.med.extendedPower?.powerType, 0);
  assert.equal(procurve.chassisId.value, '00:13:21:57:ca:40');
  assert.equal(procurve.portId.subtypeName, 'locally assigned');
  const cisco = decodeLldpFrame(readPcapFrames(bt).frames[0])!.lldpdu!;
  assert.equal(cisco.systemName, 'cisco-bt-switch');
  assert.equal(cisco.portId.value, 'Gi1/0/2');
  assert.deepEqual(cisco.capabilities?.enabled, ['bridge']); // tshark: enabled 0x0004
  assert.equal(cisco.managementAddresses[0].address, '192.168.1.1');
  assert.equal(cisco.dot1.portVlanId, 1);
  const sg = decodeLldpFrame(readPcapFrames(sg200).frames[0])!.lldpdu!;
  assert.ok(sg.med.capabilities, 'SG200 sends LLDP-MED capabilities');
  assert.equal(sg.portId.value, 'g1');
});

test('encoder frames round-trip through our decoder and through tshark', (t) => {
  const frame = encodeLldpFrame('02:00:00:00:00:01', [
    tlv.chassisMac('02:00:00:00:00:01'),
    tlv.portName('Gi0/1'),
    tlv.ttl(120),
    tlv.portDescription('uplink to core'),
    tlv.systemName('edge1.example.net'),
    tlv.systemDescription('test switch'),
    tlv.capabilities(0x0014, 0x0004),
    tlv.managementIPv4('192.0.2.7', 3),
    tlv.organizational(OUI.IEEE_8021, 1, Buffer.from([0x00, 0x0a])),
    tlv.organizational(OUI.IEEE_8021, 3, Buffer.concat([Buffer.from([0x00, 0x14, 5]), Buffer.from('voice')])),
    tlv.organizational(OUI.IEEE_8023, 4, Buffer.from([0x05, 0xee])),
    tlv.organizational(OUI.TIA_MED, 2, Buffer.from([0x01, 0x40 | (100 >> 7), ((100 << 1) & 0xff) | (5 >> 2), ((5 & 3) << 6) | 46])),
    tlv.organizational('00-00-5e', 1, Buffer.from('https://mud.example/x')),
    tlv.end(),
  ]);
  const decoded = decodeLldpFrame(frame);
  assert.deepEqual(decoded?.errors, []);
  const du = decoded!.lldpdu!;
  assert.equal(du.chassisId.value, '02:00:00:00:00:01');
  assert.equal(du.portId.value, 'Gi0/1');
  assert.equal(du.ttl, 120);
  assert.deepEqual(du.capabilities?.supported, ['bridge', 'router']);
  assert.deepEqual(du.managementAddresses.map((m) => [m.address, m.interfaceNumber]), [['192.0.2.7', 3]]);
  assert.equal(du.dot1.portVlanId, 10);
  assert.deepEqual(du.dot1.vlanNames, [{ vlanId: 20, name: 'voice' }]);
  assert.equal(du.dot3.maxFrameSize, 1518);
  assert.deepEqual(du.med.networkPolicies, [{ applicationType: 1, unknown: false, tagged: true, vlanId: 100, priority: 5, dscp: 46 }]);
  assert.deepEqual(du.organizational.map((o) => o.oui), ['00-00-5e']);
  assert.deepEqual(neighborFromLldpdu(du, 'eth1'), {
    localPort: 'eth1', chassisId: '02:00:00:00:00:01', portId: 'Gi0/1', portIdSubtype: 'interface name', ttl: 120,
    portDescription: 'uplink to core', systemName: 'edge1.example.net', systemDescription: 'test switch',
    capabilities: ['bridge'], managementAddresses: ['192.0.2.7'],
  });
  if (!requireCommands(t, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'lldp-rt-'));
  try {
    const path = join(dir, 'frame.pcap');
    writeFileSync(path, pcapBytes([frame]));
    const [row] = tsharkLldpFields(path);
    assert.equal(row['_ws.malformed'], '');
    for (const [field, ours] of Object.entries(COMPARED_FIELDS)) assert.equal(ours(du), row[field], field);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad LLDPDUs give errors, never exceptions', () => {
  assert.match(decodeLldpdu(Buffer.alloc(0)).errors.join(), /mandatory chassis ID TLV missing/);
  // A TLV whose length runs past the end.
  const overrun = decodeLldpdu(Buffer.from([0x02, 0x07, 0x04, 1, 2, 3]));
  assert.match(overrun.errors[0], /overruns/);
  assert.equal(overrun.lldpdu, undefined);
  // Mandatory TLVs out of order.
  const swapped = decodeLldpdu(Buffer.concat([Buffer.from([0x04, 0x03, 0x05, 0x65, 0x30]), Buffer.from([0x02, 0x07, 0x04, 1, 2, 3, 4, 5, 6]), Buffer.from([0x06, 0x02, 0, 120, 0, 0])]));
  assert.match(swapped.errors.join(), /expected mandatory type 1/);
  assert.equal(decodeLldpFrame(Buffer.alloc(60)), undefined, 'an all-zero frame is not LLDP');
});

test('fuzz: mutated and truncated real frames never throw (seeded)', () => {
  const seeds = captures.flatMap((p) => readPcapFrames(p).frames).filter((f) => decodeLldpFrame(f));
  if (seeds.length === 0) seeds.push(encodeLldpFrame('02:00:00:00:00:01', [tlv.chassisMac('02:00:00:00:00:01'), tlv.portName('x'), tlv.ttl(1), tlv.end()]));
  let state = 0x5eed1;
  const random = () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff; };
  let withErrors = 0;
  for (let i = 0; i < 20000; i++) {
    const seed = seeds[i % seeds.length];
    const frame = Buffer.from(seed.subarray(0, random() < 0.3 ? Math.floor(random() * seed.length) : seed.length));
    for (let m = 0; m < 1 + Math.floor(random() * 4); m++) if (frame.length > 14) frame[14 + Math.floor(random() * (frame.length - 14))] = Math.floor(random() * 256);
    const result = decodeLldpFrame(frame);
    if (result && result.errors.length) withErrors++;
  }
  assert.ok(withErrors > 0, 'mutations produce reported errors');
});
