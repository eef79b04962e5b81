// sFlow flow samples that carry a sampled_header together with sampled_ipv4 / sampled_ipv6 /
// sampled_ethernet records, in both orders (issue 11, defect 1: a record whose fields were
// already set used to stop the read position, so the next values came from the wrong offsets).
// Reference: tshark 4.0's decode of the same datagram. The rule checked: the sampled header is the
// packet and its fields win; the structured records fill only fields not set yet, the first one
// first. tshark 4.0 does not show sampled_ipv4/6 TCP flags and IPv4 TOS correctly (it tests the
// bits in the wrong octet of the XDR word), so those two come from the spec-ordered encoder.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowDecoder, sflowEncoder as e } from '../../nodes/common';
import { writeUdpCapture } from '../helpers/flow-pcap';
import { requireCommands } from '../helpers/real';

type Tree = Record<string, unknown>;

/** Ethernet + IPv4 or IPv6 + UDP, as an agent copies the first octets of a packet. */
function udpFrame(v6: boolean): Buffer {
  const eth = Buffer.from(`02000000000202000000000${v6 ? '186dd' : '10800'}`, 'hex');
  const udp = Buffer.from('303900350012000000000000000000000000', 'hex'); // 12345 -> 53, 10 octets of data
  const ip = v6
    ? Buffer.from(`6a912345${'0012'}113f${'20010db8000000000000000000000001'}${'20010db8000000000000000000000002'}`, 'hex')
    : Buffer.from('4528002e0000400040110000' + '0a010101' + '0a020202', 'hex');
  return Buffer.concat([eth, ip, udp]);
}

const IPV4 = { ipTotalLength: 999, protocolIdentifier: 6, source: '10.9.9.9', destination: '10.8.8.8', sourceTransportPort: 1111, destinationTransportPort: 2222, tcpControlBits: 0x12, ipClassOfService: 0x48 };
const IPV6 = { ...IPV4, ipTotalLength: 1280, source: '2001:db8::9', destination: '2001:db8::8', tcpControlBits: 0x18, ipClassOfService: 7 };
const ETHERNET = { dataLinkFrameSize: 77, sourceMacAddress: '02:aa:00:00:00:01', destinationMacAddress: '02:bb:00:00:00:02', ethernetType: 0x86dd };

type Kind = 'header4' | 'header6' | 'ipv4' | 'ipv6' | 'ethernet';
const RECORD: Record<Kind, () => Buffer> = {
  header4: () => e.sampledHeader({ protocol: 1, frameLength: 64, stripped: 4, header: udpFrame(false) }),
  header6: () => e.sampledHeader({ protocol: 1, frameLength: 84, stripped: 4, header: udpFrame(true) }),
  ipv4: () => e.sampledIp(IPV4),
  ipv6: () => e.sampledIp(IPV6),
  ethernet: () => e.sampledEthernet(ETHERNET),
};
const SECTION: Record<Kind, string> = { header4: 'Raw packet header', header6: 'Raw packet header', ipv4: 'IPv4 data', ipv6: 'IPv6 data', ethernet: 'Ethernet frame data' };

/** Every pair, both orders: header with each structured record, and the structured ones together. */
const COMBINATIONS: Kind[][] = [];
for (const [a, b] of [['header4', 'ipv4'], ['header4', 'ipv6'], ['header4', 'ethernet'], ['header6', 'ipv4'], ['header6', 'ipv6'], ['header6', 'ethernet'], ['ipv4', 'ethernet'], ['ipv6', 'ethernet']] as Array<[Kind, Kind]>) {
  COMBINATIONS.push([a, b], [b, a]);
}
COMBINATIONS.push(['ipv4', 'header4', 'ethernet'], ['ethernet', 'ipv6', 'header6']);

function leaves(tree: unknown, out: Record<string, string> = {}): Record<string, string> {
  if (tree && typeof tree === 'object' && !Array.isArray(tree)) {
    for (const [k, v] of Object.entries(tree)) {
      if (typeof v === 'string') out[k] ??= v;
      else leaves(v, out);
    }
  }
  return out;
}

/** The fields one record sets, named ours, valued from tshark's section for it. */
function fromTshark(kind: Kind, section: Tree): Record<string, unknown> {
  const f = leaves(section);
  const n = (k: string) => Number(f[k]);
  if (kind === 'header4' || kind === 'header6') {
    const v6 = kind === 'header6';
    return {
      dataLinkFrameSize: n('sflow_245.header.frame_length'),
      octetDeltaCount: n('sflow_245.header.frame_length') - n('sflow_245.header.payload_stripped'),
      sourceMacAddress: f['eth.src'], destinationMacAddress: f['eth.dst'], ethernetType: n('eth.type'),
      ipVersion: v6 ? 6 : 4,
      [v6 ? 'sourceIPv6Address' : 'sourceIPv4Address']: v6 ? f['ipv6.src'] : f['ip.src'],
      [v6 ? 'destinationIPv6Address' : 'destinationIPv4Address']: v6 ? f['ipv6.dst'] : f['ip.dst'],
      protocolIdentifier: v6 ? n('ipv6.nxt') : n('ip.proto'),
      ipClassOfService: v6 ? n('ipv6.tclass') : n('ip.dsfield'),
      ipTTL: v6 ? n('ipv6.hlim') : n('ip.ttl'),
      ...(v6 ? { flowLabelIPv6: n('ipv6.flow') } : {}),
      sourceTransportPort: n('udp.srcport'), destinationTransportPort: n('udp.dstport'),
    };
  }
  if (kind === 'ethernet') {
    return {
      octetDeltaCount: n('sflow_245.ethernet.length'), sourceMacAddress: f['sflow_245.ethernet.source_mac_address'],
      destinationMacAddress: f['sflow_245.ethernet.destination_mac_address'], ethernetType: n('sflow_245.ethernet.packet_type'),
    };
  }
  const v6 = kind === 'ipv6';
  const encoded = v6 ? IPV6 : IPV4;
  return {
    octetDeltaCount: n('sflow_245.ip.length'), protocolIdentifier: n('sflow.ip_protocol'),
    [v6 ? 'sourceIPv6Address' : 'sourceIPv4Address']: f[v6 ? 'sflow_245.ipv6_src' : 'sflow_245.ipv4_src'],
    [v6 ? 'destinationIPv6Address' : 'destinationIPv4Address']: f[v6 ? 'sflow_245.ipv6_dst' : 'sflow_245.ipv4_dst'],
    sourceTransportPort: n('sflow_245.ip.source_port'), destinationTransportPort: n('sflow.ip.destination_port'),
    tcpControlBits: encoded.tcpControlBits,
    ipClassOfService: v6 ? n('sflow_245.ipv6_priority') : encoded.ipClassOfService,
  };
}

describe('sFlow flow samples mixing sampled_header with sampled_ipv4 / ipv6 / ethernet', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wirescope-sflow-mixed-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every combination, in both orders, decodes as tshark decodes it', (t) => {
    if (!requireCommands(t, 'tshark')) return;
    const datagrams = COMBINATIONS.map((kinds, i) => e.datagram({
      agent: '192.0.2.10', subAgent: 1, sequence: i + 1, samples: [
        e.flowSample({ sequence: i + 1, sourceIndex: 3, samplingRate: 64, samplePool: 64 * (i + 1), input: 1, output: 2, records: kinds.map((k) => RECORD[k]()) }),
      ],
    }));
    const file = join(dir, 'mixed.pcap');
    writeUdpCapture(file, datagrams, 6343);
    const out = execFileSync('tshark', ['-r', file, '-d', 'udp.port==6343,sflow', '-T', 'json', '--no-duplicate-keys', '-J', 'sflow'],
      { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).toString();
    const trees = (JSON.parse(out) as Array<{ _source: { layers: { sflow: Tree } } }>).map((p) => p._source.layers.sflow);
    assert.equal(trees.length, datagrams.length);
    const decoder = new FlowDecoder();
    COMBINATIONS.forEach((kinds, i) => {
      const r = decoder.decode(datagrams[i], { address: '192.0.2.1', port: 40000 });
      assert.deepEqual(r.errors, [], kinds.join('+'));
      const sample = Object.entries(trees[i]).find(([k]) => k.startsWith('Flow sample'))![1] as Tree;
      // tshark titles each record; two of a kind do not occur here, so the title finds it.
      const expected: Record<string, unknown> = {};
      for (const kind of kinds) {
        const section = Object.entries(sample).find(([k]) => k === SECTION[kind])![1] as Tree;
        const values = fromTshark(kind, section);
        if (kind.startsWith('header')) Object.assign(expected, values);
        else for (const [k, v] of Object.entries(values)) expected[k] ??= v;
      }
      const got = r.records[0] as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) assert.equal(got[k], v, `${kinds.join('+')}: ${k}`);
      assert.equal(got.samplingInterval, 64);
    });
  });
});
