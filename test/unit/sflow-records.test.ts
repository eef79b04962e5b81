// sFlow v5 extension records and counter groups: datagrams built with the sFlow encoder, written
// into a pcap, decoded by tshark 4.0 (the reference) and by our decoder; every field we decode must
// equal tshark's. Structures tshark 4.0 does not dissect (sflow_tunnels.txt, sflow_drops.txt
// records, host / hypervisor counters, SFP, OpenFlow port, port name) are checked against the
// values the spec-ordered encoder wrote. Every new structure, cut at every offset, is a 'truncated'
// error and never a throw.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowDecoder, sflowEncoder as e } from '../../nodes/common';
import { writeUdpCapture } from '../helpers/flow-pcap';
import { requireCommands } from '../helpers/real';

const exporter = { address: '192.0.2.1', port: 6343 };
const decode = (d: Buffer) => new FlowDecoder().decode(d, exporter);

type Tree = Record<string, unknown>;

/** tshark's JSON decode of each datagram's sFlow layer. */
function tsharkSflow(dir: string, datagrams: Buffer[]): Tree[] {
  const file = join(dir, `sflow-${datagrams.length}-${Math.random().toString(36).slice(2)}.pcap`);
  writeUdpCapture(file, datagrams, 6343);
  const out = execFileSync('tshark', ['-r', file, '-d', 'udp.port==6343,sflow', '-T', 'json', '--no-duplicate-keys', '-J', 'sflow'],
    { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).toString();
  return (JSON.parse(out) as Array<{ _source: { layers: { sflow: Tree } } }>).map((p) => p._source.layers.sflow);
}

/** The first subtree (depth-first) whose title starts with `title`. */
function section(tree: Tree, title: string): Tree {
  for (const [k, v] of Object.entries(tree)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (k.startsWith(title)) return v as Tree;
      try { return section(v as Tree, title); } catch { /* keep looking */ }
    }
  }
  throw new Error(`tshark decode has no section "${title}"`);
}

/** The value of the first key ending with `.${name}` in the section (and its subtrees). */
function field(tree: Tree, name: string): string {
  for (const [k, v] of Object.entries(tree)) {
    if (k.endsWith(`.${name}`) && typeof v === 'string') return v;
    if (k.endsWith(`.${name}`) && Array.isArray(v)) return v.join(',');
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      try { return field(v as Tree, name); } catch { /* keep looking */ }
    }
  }
  throw new Error(`tshark section has no field ending in .${name}`);
}

const text = (v: unknown) => (typeof v === 'bigint' ? v.toString() : String(v));
const hexColons = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

// ---- values (the reference for structures tshark does not dissect) ----

const WIFI_RX = { ssid: 'lab-net', bssid: '02:11:22:33:44:55', version: 4, channel: 36, speed: 300_000_000, rsni: 41, rcpi: 120, packetDuration: 88 };
const WIFI_TX = { ssid: 'lab-2g', bssid: '02:11:22:33:44:66', version: 3, transmissions: 3, packetDuration: 120, retransmissionDuration: 240, channel: 6, speed: 54_000_000, power: 100 };
const TOKEN_RING = Array.from({ length: 18 }, (_, i) => 1000 + i);
const IEEE80211 = Array.from({ length: 20 }, (_, i) => 2000 + i * 3);
const VG = {
  dot12InHighPriorityFrames: 11, dot12InHighPriorityOctets: 2n ** 40n + 3n, dot12InNormPriorityFrames: 13,
  dot12InNormPriorityOctets: 14, dot12InIPMErrors: 15, dot12InOversizeFrameErrors: 16, dot12InDataErrors: 17,
  dot12InNullAddressedFrames: 18, dot12OutHighPriorityFrames: 19, dot12OutHighPriorityOctets: 20,
  dot12TransitionIntoTrainings: 21, dot12HCInHighPriorityOctets: 2n ** 60n + 5n, dot12HCInNormPriorityOctets: 23,
  dot12HCOutHighPriorityOctets: 4294967296,
};
const LAG: e.LagPort = {
  dot3adAggPortActorSystemID: '02:00:00:00:00:0a', dot3adAggPortPartnerOperSystemID: '02:00:00:00:00:0b', dot3adAggPortAttachedAggID: 1001,
  dot3adAggPortActorAdminState: 0x3d, dot3adAggPortActorOperState: 0x3f, dot3adAggPortPartnerAdminState: 0x01, dot3adAggPortPartnerOperState: 0xbf,
  dot3adAggPortStatsLACPDUsRx: 31, dot3adAggPortStatsMarkerPDUsRx: 32, dot3adAggPortStatsMarkerResponsePDUsRx: 33, dot3adAggPortStatsUnknownRx: 34,
  dot3adAggPortStatsIllegalRx: 35, dot3adAggPortStatsLACPDUsTx: 36, dot3adAggPortStatsMarkerPDUsTx: 37, dot3adAggPortStatsMarkerResponsePDUsTx: 38,
};
const RADIO = { elapsedTime: 60000, onChannelTime: 59000, onChannelBusyTime: 12000 };

/** Flow and counter samples of the structures tshark 4.0 dissects. */
function tsharkDatagram(): Buffer {
  return e.datagram({
    agent: '192.0.2.10', subAgent: 3, sequence: 77, samples: [
      e.flowSample({
        sequence: 5, sourceIndex: 12, samplingRate: 1000, samplePool: 5000, input: 4, output: 7, records: [
          e.mplsTunnel({ lspName: 'to-core-1', tunnelId: 4711, cos: 5 }),
          e.mplsVc({ instanceName: 'vpws-7', vcId: 700, labelCos: 3 }),
          e.mplsFtn({ description: 'ftn 10.1.0.0/16', mask: 0xffff0000 }),
          e.mplsLdpFec({ prefixLength: 16 }),
          e.wifiPayload({ cipherSuite: 0x000fac04, payload: Buffer.from('aaaa0300000008004500', 'hex') }),
          e.wifiRx(WIFI_RX),
        ],
      }),
      e.flowSample({ expanded: true, sequence: 6, sourceIndex: 70000, samplingRate: 512, input: 70001, output: { format: 2, value: 3 }, records: [e.wifiTx(WIFI_TX)] }),
      e.counterSample({
        expanded: true, sequence: 9, sourceIndex: 12, records: [
          e.u32Counters(3, TOKEN_RING), e.vg100(VG), e.u32Counters(6, IEEE80211), e.lagPort(LAG), e.radio(RADIO),
        ],
      }),
    ],
  });
}

describe('sFlow extension records against tshark', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wirescope-sflow-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('encoder-built compact and expanded flow samples, base records and counter groups decode as tshark decodes them', (t) => {
    if (!requireCommands(t, 'tshark')) return;
    const d = e.datagram({
      agent: '2001:db8::10', subAgent: 2, sequence: 41, samples: [
        e.flowSample({
          sequence: 5, sourceType: 0, sourceIndex: 12, samplingRate: 1000, samplePool: 5000, drops: 2, input: 4, output: 7, records: [
            e.sampledEthernet({ dataLinkFrameSize: 1518, sourceMacAddress: '02:00:00:00:00:01', destinationMacAddress: '02:00:00:00:00:02', ethernetType: 0x86dd }),
            e.sampledIp({ ipTotalLength: 1500, protocolIdentifier: 6, source: '10.1.1.1', destination: '10.2.2.2', sourceTransportPort: 1234, destinationTransportPort: 443, tcpControlBits: 0x18, ipClassOfService: 0x28 }),
            e.extendedSwitch({ srcVlan: 10, srcPriority: 3, dstVlan: 20, dstPriority: 5 }),
            e.extendedRouter({ nextHop: '10.0.0.254', srcMask: 24, dstMask: 16 }),
            e.extendedGateway({ nextHop: '10.0.0.1', as: 65000, srcAs: 65001, srcPeerAs: 65002, segments: [{ type: 2, asns: [65010, 65020, 65030] }], communities: [4259840100, 65000], localPref: 200 }),
            e.extendedUser({ srcUser: 'alice', dstUser: 'bob' }),
            e.extendedUrl({ direction: 2, url: '/index.html', host: 'example.org' }),
            e.extendedMpls({ nextHop: '10.0.0.9', inLabels: [1000, 2000], outLabels: [3000] }),
            e.extendedNat({ src: '203.0.113.1', dst: '203.0.113.2' }),
            e.vlanTunnel([0x81000064, 0x810000c8]),
          ],
        }),
        e.flowSample({
          expanded: true, sequence: 6, sourceType: 1, sourceIndex: 70000, samplingRate: 512, samplePool: 9, drops: 1, input: 70001, output: { format: 2, value: 3 },
          records: [e.sampledIp({ ipTotalLength: 1280, protocolIdentifier: 17, source: '2001:db8::1', destination: '2001:db8::2', sourceTransportPort: 53, destinationTransportPort: 5353, tcpControlBits: 0, ipClassOfService: 7 })],
        }),
        e.counterSample({
          sequence: 9, sourceIndex: 12, records: [
            e.genericInterface({
              ifIndex: 12, ifType: 6, ifSpeed: 10_000_000_000, ifDirection: 1, ifStatus: 3, ifInOctets: 2n ** 62n, ifInUcastPkts: 1, ifInMulticastPkts: 2,
              ifInBroadcastPkts: 3, ifInDiscards: 4, ifInErrors: 5, ifInUnknownProtos: 6, ifOutOctets: 7, ifOutUcastPkts: 8, ifOutMulticastPkts: 9,
              ifOutBroadcastPkts: 10, ifOutDiscards: 11, ifOutErrors: 12, ifPromiscuousMode: 1,
            }),
            e.u32Counters(2, Array.from({ length: 13 }, (_, i) => 50 + i)),
            e.vlanCounters({ vlanId: 100, vlanOctets: 123456789012, vlanUcastPkts: 1, vlanMulticastPkts: 2, vlanBroadcastPkts: 3, vlanDiscards: 4 }),
            e.processor({ cpu5s: 1500, cpu1m: 1200, cpu5m: 1000, totalMemory: 17179869184, freeMemory: 8589934592 }),
          ],
        }),
      ],
    });
    const ours = decode(d);
    assert.deepEqual(ours.errors, []);
    const [tree] = tsharkSflow(dir, [d]);
    assert.equal(ours.sequenceNumber, Number(field(tree, 'sequence_number')));
    const [a, b] = ours.records;
    const fs = section(tree, 'Flow sample');
    const gw = section(fs, 'Extended gateway');
    const checks: Array<[unknown, Tree, string]> = [
      [a.sflowAgentAddress, tree, 'agent.v6'], [a.observationDomainId, tree, 'sub_agent_id'],
      [a.sflowSampleSequence, fs, 'sequence_number'], [a.sflowSourceIdType, fs, 'source_id_class'], [a.sflowSourceIdIndex, fs, 'index'],
      [a.samplingInterval, fs, 'sampling_rate'], [a.sflowSamplePool, fs, 'sample_pool'], [a.sflowDrops, fs, 'dropped_packets'],
      [a.ingressInterface, fs, 'input_interface'], [a.egressInterface, fs, 'output_interface_value'],
      [a.octetDeltaCount, section(fs, 'Ethernet frame data'), 'length'], [a.sourceMacAddress, fs, 'source_mac_address'],
      [a.destinationMacAddress, fs, 'destination_mac_address'], [a.ethernetType, fs, 'packet_type'],
      [a.protocolIdentifier, fs, 'ip_protocol'], [a.sourceIPv4Address, section(fs, 'IPv4 data'), 'ipv4_src'],
      [a.destinationIPv4Address, section(fs, 'IPv4 data'), 'ipv4_dst'], [a.sourceTransportPort, fs, 'source_port'],
      [a.destinationTransportPort, fs, 'destination_port'],
      [a.vlanId, fs, 'vlan.in'], [a.dot1qPriority, fs, 'pri.in'], [a.postVlanId, fs, 'vlan.out'], [a.postDot1qPriority, fs, 'pri.out'],
      [a.ipNextHopIPv4Address, section(fs, 'Extended router'), 'nexthop'], [a.sourceIPv4PrefixLength, fs, 'src_mask'],
      [a.destinationIPv4PrefixLength, fs, 'dst_mask'], [a.bgpNextHopIPv4Address, gw, 'nexthop'], [a.sflowRouterAs, gw, 'as'],
      [a.bgpSourceAsNumber, gw, 'srcAS'], [a.bgpPrevAdjacentAsNumber, gw, 'peerAS'],
      [(a.sflowAsPath as number[]).join(','), section(gw, 'sflow.as_type_tree'), 'dstAS'],
      [(a.bgpCommunity as number[]).join(','), section(gw, 'sflow_245.communityEntries_tree'), 'dstAS'], [a.sflowLocalPref, gw, 'localpref'],
      [a.sflowSourceUser, fs, 'source_user'], [a.sflowDestinationUser, fs, 'destination_user'],
      [a.sflowUrlDirection, fs, 'direction'], [a.httpRequestTarget, fs, 'url'], [a.httpRequestHost, fs, 'host'],
      [a.sflowMplsNextHop, section(fs, 'Extended MPLS data'), 'nexthop'], [(a.sflowMplsInLabels as number[]).join(','), fs, 'in_label'],
      [(a.sflowMplsOutLabels as number[]).join(','), fs, 'out_label'],
      [a.postNATSourceIPv4Address, section(fs, 'Extended NAT'), 'ipv4_src'], [a.postNATDestinationIPv4Address, section(fs, 'Extended NAT'), 'ipv4_dst'],
      [(a.sflowVlanStack as number[]).join(','), fs, 'tpid_tci_pair'],
    ];
    const xs = section(tree, 'Expanded flow sample');
    checks.push([b.sflowSourceIdType, xs, 'source_id_type'], [b.sflowSourceIdIndex, xs, 'source_id_index'], [b.samplingInterval, xs, 'sampling_rate'],
      [b.ingressInterface, xs, 'input_interface_value'], [b.sflowOutputInterfaces, xs, 'output_interface_value'],
      [b.sourceIPv6Address, xs, 'ipv6_src'], [b.destinationIPv6Address, xs, 'ipv6_dst'], [b.ipClassOfService, xs, 'ipv6_priority'],
      [b.octetDeltaCount, xs, 'ip.length']);
    const c = ours.counters[0];
    const cs = section(tree, 'Counters sample');
    const IF_NAMES: Record<string, string> = {
      ifIndex: 'ifindex', ifType: 'iftype', ifSpeed: 'ifspeed', ifDirection: 'ifdirection', ifInOctets: 'ifinoct', ifInUcastPkts: 'ifinpkt',
      ifInMulticastPkts: 'ifinmcast', ifInBroadcastPkts: 'ifinbcast', ifInDiscards: 'ifindisc', ifInErrors: 'ifinerr', ifInUnknownProtos: 'ifinunk',
      ifOutOctets: 'ifoutoct', ifOutUcastPkts: 'ifoutpkt', ifOutMulticastPkts: 'ifoutmcast', ifOutBroadcastPkts: 'ifoutbcast',
      ifOutDiscards: 'ifoutdisc', ifOutErrors: 'ifouterr', ifPromiscuousMode: 'ifpromisc',
    };
    const iface = c.interface as Record<string, number | bigint>;
    for (const [ours2, theirs] of Object.entries(IF_NAMES)) checks.push([iface[ours2], cs, theirs]);
    // ifStatus bit 0 is ifAdminStatus, bit 1 ifOperStatus; tshark shows them as two booleans.
    checks.push([Number(iface.ifStatus) & 1, cs, 'ifadmin_status'], [(Number(iface.ifStatus) >> 1) & 1, cs, 'ifoper_status']);
    for (const [name, value] of Object.entries(c.ethernet as Record<string, number>)) checks.push([value, cs, name]);
    const vlan = c.vlan as Record<string, number>;
    checks.push([vlan.vlanId, cs, 'vlan_id'], [vlan.vlanOctets, cs, 'octets'], [vlan.vlanUcastPkts, cs, 'ucastPkts'],
      [vlan.vlanMulticastPkts, cs, 'multicastPkts'], [vlan.vlanBroadcastPkts, cs, 'broadcastPkts'], [vlan.vlanDiscards, cs, 'discards']);
    const cpu = c.processor as Record<string, number>;
    checks.push([cpu.cpu5s, cs, 'cpu_5s'], [cpu.cpu1m, cs, 'cpu_1m'], [cpu.cpu5m, cs, 'cpu_5m'], [cpu.totalMemory, cs, 'total_memory'], [cpu.freeMemory, cs, 'free_memory']);
    for (const [value, sec, name] of checks) assert.equal(text(value), field(sec, name), name);
  });

  it('MPLS tunnel / VC / FTN / LDP FEC and 802.11 payload / rx / tx flow records equal tshark', (t) => {
    if (!requireCommands(t, 'tshark')) return;
    const d = tsharkDatagram();
    const ours = decode(d);
    assert.deepEqual(ours.errors, []);
    const [tree] = tsharkSflow(dir, [d]);
    const [a, b] = ours.records;
    const compact = section(tree, 'Flow sample');
    const pairs: Array<[unknown, Tree, string]> = [];
    const mpls = section(compact, 'Extended MPLS tunnel');
    pairs.push([a.sflowMplsTunnelLspName, mpls, 'tunnel_name'], [a.sflowMplsTunnelId, mpls, 'id'], [a.sflowMplsTunnelCos, mpls, 'cos_value']);
    const vc = section(compact, 'Extended MPLS VC');
    pairs.push([a.sflowMplsVcInstanceName, vc, 'vc_instance_name'], [a.sflowMplsVcId, vc, 'id'], [a.sflowMplsVcLabelCos, vc, 'label_cos_value']);
    const ftn = section(compact, 'Extended MPLS FEC');
    pairs.push([a.sflowMplsFtnDescription, ftn, 'ftn_description'], [a.sflowMplsFtnMask, ftn, 'ftn_mask']);
    pairs.push([a.mplsTopLabelPrefixLength, section(compact, 'Extended MPLS LVP FEC'), 'fec_address_prefix_length']);
    const pay = section(compact, 'Extended 802.11 payload');
    // tshark splits the cipher suite into its OUI (upper 24 bits) and suite type (low octet).
    pairs.push([`0x${((a.sflow80211CipherSuite as number) >>> 8).toString(16).padStart(6, '0')}`, pay, 'oui'],
      [(a.sflow80211CipherSuite as number) & 0xff, pay, 'suite_type'], [hexColons(a.sflow80211Payload as Buffer), pay, 'payload']);
    const rx = section(compact, 'Extended 802.11 RX');
    pairs.push([a.wlanSSID, rx, 'ssid'], [a.sflow80211Bssid, rx, 'bssid'], [a.sflow80211Version, rx, 'version'], [a.wlanChannelId, rx, 'channel'],
      [a.sflow80211Speed, rx, 'speed'], [a.sflow80211Rsni, rx, 'rsni'], [a.sflow80211Rcpi, rx, 'rcpi'], [a.sflow80211PacketDuration, rx, 'packet_duration']);
    const tx = section(section(tree, 'Expanded flow sample'), 'Extended 802.11 TX');
    // The spec's `transmissions` counts the first attempt; tshark shows retransmissions = transmissions - 1.
    pairs.push([b.wlanSSID, tx, 'ssid'], [b.sflow80211Bssid, tx, 'bssid'], [b.sflow80211Version, tx, 'version'],
      [(b.sflow80211Transmissions as number) - 1, tx, 'retransmissions'], [b.sflow80211PacketDuration, tx, 'packet_duration'],
      [b.sflow80211RetransmissionDuration, tx, 'retransmission_duration'], [b.wlanChannelId, tx, 'channel'], [b.sflow80211Speed, tx, 'speed'],
      [b.sflow80211Power, tx, 'power']);
    for (const [value, tree2, name] of pairs) assert.equal(text(value), field(tree2, name), name);
    // Our values are also the ones the encoder was given (no field read from the wrong offset).
    assert.equal(a.wlanSSID, WIFI_RX.ssid);
    assert.equal(b.sflow80211Transmissions, WIFI_TX.transmissions);
    assert.equal(b.sflowOutputInterfaces, 3);
  });

  it('token ring, 100BaseVG, 802.11, LAG and radio counter groups equal tshark field by field', (t) => {
    if (!requireCommands(t, 'tshark')) return;
    const d = tsharkDatagram();
    const ours = decode(d);
    assert.deepEqual(ours.errors, []);
    const [tree] = tsharkSflow(dir, [d]);
    const c = ours.counters[0];
    const counters = section(tree, 'Expanded counters sample');
    // tshark spells dot5StatsRecoverys (the MIB object) as dot5StatsRecoveries.
    const tsharkName: Record<string, string> = { dot5StatsRecoverys: 'dot5StatsRecoveries' };
    let compared = 0;
    for (const [group, title] of [['tokenRing', 'Token ring counters'], ['vg100', '100 Base VG'], ['ieee80211', 'IEEE 802.11 counters']] as const) {
      const sec = section(counters, title);
      const values = c[group] as Record<string, unknown>;
      for (const [name, value] of Object.entries(values)) {
        assert.equal(text(value), field(sec, tsharkName[name] ?? name), `${group}.${name}`);
        compared++;
      }
    }
    assert.equal(compared, 18 + 14 + 20);
    assert.equal((c.vg100 as Record<string, unknown>).dot12HCInHighPriorityOctets, 2n ** 60n + 5n); // exact above 2^53
    const lag = c.lagPort as Record<string, number | string>;
    const ls = section(counters, 'LAG counters');
    const lagPairs: Array<[unknown, string]> = [
      [lag.dot3adAggPortActorSystemID, 'actor_system_id'], [lag.dot3adAggPortPartnerOperSystemID, 'partner_oper_system_id'],
      [lag.dot3adAggPortAttachedAggID, 'attached_agg_id'],
      // tshark shows the four state octets as one word.
      [`0x${[lag.dot3adAggPortActorAdminState, lag.dot3adAggPortActorOperState, lag.dot3adAggPortPartnerAdminState, lag.dot3adAggPortPartnerOperState]
        .map((v) => (v as number).toString(16).padStart(2, '0')).join('')}`, 'state'],
      [lag.dot3adAggPortStatsLACPDUsRx, 'lacpdus.rx'], [lag.dot3adAggPortStatsMarkerPDUsRx, 'marker_pdus.rx'],
      [lag.dot3adAggPortStatsMarkerResponsePDUsRx, 'marker_response_pdus.rx'], [lag.dot3adAggPortStatsUnknownRx, 'unknown.rx'],
      [lag.dot3adAggPortStatsIllegalRx, 'illegal.rx'], [lag.dot3adAggPortStatsLACPDUsTx, 'lacpdus.tx'],
      [lag.dot3adAggPortStatsMarkerPDUsTx, 'marker_pdus.tx'], [lag.dot3adAggPortStatsMarkerResponsePDUsTx, 'marker_response_pdus.tx'],
    ];
    for (const [value, name] of lagPairs) assert.equal(text(value), field(ls, name), `lagPort ${name}`);
    assert.equal(Object.keys(lag).length, lagPairs.length + 3); // the state word covers four fields
    const radio = c.radio as Record<string, number>;
    const rs = section(counters, 'Radio utilization');
    assert.equal(text(radio.elapsedTime), field(rs, 'elapsed_time'));
    assert.equal(text(radio.onChannelTime), field(rs, 'on_channel_time'));
    assert.equal(text(radio.onChannelBusyTime), field(rs, 'channel_busy_time'));
  });
});

// ---- structures tshark 4.0 does not dissect: the spec-ordered encoder's values are the reference ----

const INNER_V4 = { ipTotalLength: 1450, protocolIdentifier: 17, source: '198.51.100.1', destination: '198.51.100.2', sourceTransportPort: 49152, destinationTransportPort: 4789, tcpControlBits: 0, ipClassOfService: 0xb8 };
const INNER_V6 = { ipTotalLength: 1280, protocolIdentifier: 47, source: '2001:db8::1', destination: '2001:db8::2', sourceTransportPort: 0, destinationTransportPort: 0, tcpControlBits: 0, ipClassOfService: 0x20 };
const L2 = { dataLinkFrameSize: 1514, sourceMacAddress: '02:aa:bb:cc:dd:01', destinationMacAddress: '02:aa:bb:cc:dd:02', ethernetType: 0x0800 };
const asRecord = (v: typeof INNER_V4): Record<string, unknown> => {
  const six = v.source.includes(':');
  return {
    ipTotalLength: v.ipTotalLength, protocolIdentifier: v.protocolIdentifier,
    [six ? 'sourceIPv6Address' : 'sourceIPv4Address']: v.source, [six ? 'destinationIPv6Address' : 'destinationIPv4Address']: v.destination,
    sourceTransportPort: v.sourceTransportPort, destinationTransportPort: v.destinationTransportPort,
    tcpControlBits: v.tcpControlBits, ipClassOfService: v.ipClassOfService,
  };
};

const SFP_VALUES = {
  moduleId: 1, moduleTotalLanes: 4, moduleSupplyVoltage: 3300, moduleTemperature: -5250,
  lanes: [1, 2].map((laneIndex) => ({
    laneIndex, txBiasCurrent: 6000 + laneIndex, txPower: 800 + laneIndex, txPowerMin: 100, txPowerMax: 2000, txWavelength: 1310,
    rxPower: 700 + laneIndex, rxPowerMin: 50, rxPowerMax: 2500, rxWavelength: 1311,
  })),
};
const HOST = {
  hostAdapters: [{ ifIndex: 2, macAddresses: ['02:00:00:00:01:01', '02:00:00:00:01:02'] }, { ifIndex: 3, macAddresses: [] }],
  hostParent: { containerType: 3, containerIndex: 17 },
  hostDiskIo: { diskTotal: 2n ** 55n, diskFree: 400_000_000_000, partMaxUsed: 5639, reads: 249289, bytesRead: 4761008128, readTime: 60649, writes: 3572946, bytesWritten: 23503597568, writeTime: 75425 },
  hostNetIo: { bytesIn: 9_000_000_000, pktsIn: 7_000_000, errsIn: 1, dropsIn: 2, bytesOut: 8_000_000_000, pktsOut: 6_000_000, errsOut: 3, dropsOut: 4 },
  virtNode: { mhz: 2400, cpus: 16, memory: 68_719_476_736, memoryFree: 17_179_869_184, numDomains: 5 },
  virtCpu: { state: 1, cpuTime: 123456, nrVirtCpu: 4 },
  virtMemory: { memory: 4_294_967_296, maxMemory: 8_589_934_592 },
  virtDiskIo: { capacity: 107_374_182_400, allocation: 53_687_091_200, available: 53_687_091_200, rdReq: 10, rdBytes: 40960, wrReq: 20, wrBytes: 81920, errs: 0 },
  virtNetIo: { rxBytes: 123_456_789_012, rxPackets: 1000, rxErrs: 1, rxDrop: 2, txBytes: 98_765_432_109, txPackets: 2000, txErrs: 3, txDrop: 4 },
  openFlowPort: { datapathId: 2n ** 63n + 0x0cc47a123456n, portNo: 12 }, // above 2^53: exact as a bigint
};
const MIB2 = {
  mib2Ip: Array.from({ length: 19 }, (_, i) => 100 + i), mib2Icmp: Array.from({ length: 25 }, (_, i) => 200 + i),
  mib2Tcp: Array.from({ length: 15 }, (_, i) => 300 + i), mib2Udp: Array.from({ length: 7 }, (_, i) => 400 + i),
};

/** Every structure tshark 4.0 leaves undissected, one builder each (reused by the truncation loop). */
const UNDISSECTED_FLOW_RECORDS: Array<[string, Buffer]> = [
  ['l2 tunnel egress', e.l2Tunnel('egress', L2)], ['l2 tunnel ingress', e.l2Tunnel('ingress', L2)],
  ['ipv4 tunnel egress', e.ipTunnel('egress', INNER_V4)], ['ipv4 tunnel ingress', e.ipTunnel('ingress', INNER_V4)],
  ['ipv6 tunnel egress', e.ipTunnel('egress', INNER_V6)], ['ipv6 tunnel ingress', e.ipTunnel('ingress', INNER_V6)],
  ['decapsulate egress', e.decapsulate('egress', 50)], ['decapsulate ingress', e.decapsulate('ingress', 36)],
  ['vni egress', e.vni('egress', 10100)], ['vni ingress', e.vni('ingress', 10200)],
];
const DROP_RECORDS: Array<[string, Buffer]> = [
  ['egress queue', e.egressQueue(7)], ['acl', e.acl({ number: 12, name: 'deny-telnet', direction: 1 })],
  ['function', e.softwareFunction('ip_rcv_core+0x1a/0x2b0')], ['transit delay', e.transitDelay(1500)], ['queue depth', e.queueDepth(65536)],
  ['hw trap', e.hwTrap({ group: 'l3_drops', trap: 'blackhole_route' })], ['linux reason', e.linuxDropReason('NETFILTER_DROP')],
];
const COUNTER_RECORDS: Array<[string, Buffer]> = [
  ['sfp', e.sfp(SFP_VALUES)], ['openflow port', e.openFlowPort(HOST.openFlowPort)], ['port name', e.portName('swp12')],
  ['host adapters', e.hostAdapters(HOST.hostAdapters)], ['host parent', e.hostParent(HOST.hostParent)],
  ['host disk io', e.hostDiskIo(HOST.hostDiskIo)], ['host net io', e.hostNetIo(HOST.hostNetIo)],
  ['mib2 ip', e.u32Counters(2007, MIB2.mib2Ip)], ['mib2 icmp', e.u32Counters(2008, MIB2.mib2Icmp)],
  ['mib2 tcp', e.u32Counters(2009, MIB2.mib2Tcp)], ['mib2 udp', e.u32Counters(2010, MIB2.mib2Udp)],
  ['virt node', e.virtNode(HOST.virtNode)], ['virt cpu', e.virtCpu(HOST.virtCpu)], ['virt memory', e.virtMemory(HOST.virtMemory)],
  ['virt disk io', e.virtDiskIo(HOST.virtDiskIo)], ['virt net io', e.virtNetIo(HOST.virtNetIo)],
];

describe('sFlow structures tshark 4.0 does not dissect (values from the spec-ordered encoder)', () => {
  it('tunnel records (sflow_tunnels.txt) land in their own objects; the sampled 5-tuple stays on top', () => {
    const header = e.sampledIp({ ...INNER_V4, source: '10.0.0.1', destination: '10.0.0.2', sourceTransportPort: 1234, destinationTransportPort: 80, protocolIdentifier: 6, ipTotalLength: 60, tcpControlBits: 0x12 });
    const d = e.datagram({ samples: [e.flowSample({ records: [header, ...UNDISSECTED_FLOW_RECORDS.map(([, r]) => r)] })] });
    const r = decode(d);
    assert.deepEqual(r.errors, []);
    const rec = r.records[0];
    assert.equal(rec.sourceIPv4Address, '10.0.0.1');
    assert.equal(rec.destinationTransportPort, 80);
    assert.deepEqual(rec.sflowTunnelL2Egress, L2);
    assert.deepEqual(rec.sflowTunnelL2Ingress, L2);
    assert.deepEqual(rec.sflowTunnelIPv4Egress, asRecord(INNER_V4));
    assert.deepEqual(rec.sflowTunnelIPv4Ingress, asRecord(INNER_V4));
    assert.deepEqual(rec.sflowTunnelIPv6Egress, asRecord(INNER_V6));
    assert.deepEqual(rec.sflowTunnelIPv6Ingress, asRecord(INNER_V6));
    assert.equal(rec.sflowDecapsulateEgressInnerHeaderOffset, 50);
    assert.equal(rec.sflowDecapsulateIngressInnerHeaderOffset, 36);
    assert.equal(rec.sflowVniEgress, 10100);
    assert.equal(rec.sflowVniIngress, 10200);
    assert.equal(Object.keys(rec).filter((k) => k.startsWith('sflowRecord_')).length, 0);
  });

  it('drop notification records (sflow_drops.txt) on a discarded_packet event', () => {
    const d = e.datagram({ samples: [e.discardedPacket({ sequence: 4, drops: 9, input: 3, output: 0, reason: 289, records: DROP_RECORDS.map(([, r]) => r) })] });
    const r = decode(d);
    assert.deepEqual(r.errors, []);
    const ev = r.options[0];
    assert.equal(ev.sflowEvent, 'discarded-packet');
    assert.equal(ev.sflowDiscardReason, 289);
    assert.equal(ev.sflowEgressQueue, 7);
    assert.equal(ev.sflowAclNumber, 12);
    assert.equal(ev.sflowAclName, 'deny-telnet');
    assert.equal(ev.sflowAclDirection, 1);
    assert.equal(ev.sflowFunction, 'ip_rcv_core+0x1a/0x2b0');
    assert.equal(ev.sflowTransitDelay, 1500);
    assert.equal(ev.sflowQueueDepth, 65536);
    assert.equal(ev.sflowHwTrapGroup, 'l3_drops');
    assert.equal(ev.sflowHwTrap, 'blackhole_route');
    assert.equal(ev.sflowLinuxDropReason, 'NETFILTER_DROP');
  });

  it('host, hypervisor, MIB-II, SFP, OpenFlow port and port name counter groups', () => {
    const d = e.datagram({ samples: [e.counterSample({ sequence: 2, sourceType: 2, sourceIndex: 1, records: COUNTER_RECORDS.map(([, r]) => r) })] });
    const r = decode(d);
    assert.deepEqual(r.errors, []);
    const c = r.counters[0];
    for (const [group, values] of Object.entries(HOST)) assert.deepEqual(c[group], values, group);
    assert.deepEqual(c.sfp, SFP_VALUES);
    assert.equal(c.interfaceName, 'swp12');
    const mib2Names: Record<string, string[]> = {
      mib2Ip: ['ipForwarding', 'ipDefaultTTL', 'ipInReceives', 'ipInHdrErrors', 'ipInAddrErrors', 'ipForwDatagrams', 'ipInUnknownProtos', 'ipInDiscards', 'ipInDelivers', 'ipOutRequests', 'ipOutDiscards', 'ipOutNoRoutes', 'ipReasmTimeout', 'ipReasmReqds', 'ipReasmOKs', 'ipReasmFails', 'ipFragOKs', 'ipFragFails', 'ipFragCreates'],
      mib2Udp: ['udpInDatagrams', 'udpNoPorts', 'udpInErrors', 'udpOutDatagrams', 'udpRcvbufErrors', 'udpSndbufErrors', 'udpInCsumErrors'],
    };
    for (const [group, values] of Object.entries(MIB2)) {
      const got = c[group] as Record<string, number>;
      assert.deepEqual(Object.values(got), values, group);
      if (mib2Names[group]) assert.deepEqual(Object.keys(got), mib2Names[group], group);
    }
    assert.equal(Object.keys(c).filter((k) => k.startsWith('sflowCounters_')).length, 0);
  });
});

describe('truncation of every new structure', () => {
  /** The record cut to `k` octets, its length field saying so: the structure itself is short. */
  const cut = (record: Buffer, k: number) => e.tlv(record.readUInt32BE(0), record.subarray(8, 8 + k));
  const TSHARK_RECORDS: Array<[string, Buffer]> = [
    ['mpls tunnel', e.mplsTunnel({ lspName: 'lsp1', tunnelId: 1, cos: 2 })], ['mpls vc', e.mplsVc({ instanceName: 'vc01', vcId: 3, labelCos: 4 })],
    ['mpls ftn', e.mplsFtn({ description: 'ftn1', mask: 5 })], ['mpls ldp fec', e.mplsLdpFec({ prefixLength: 24 })],
    ['80211 payload', e.wifiPayload({ cipherSuite: 0x000fac04, payload: Buffer.alloc(8, 1) })],
    ['80211 rx', e.wifiRx({ ...WIFI_RX, ssid: 'ssid' })], ['80211 tx', e.wifiTx({ ...WIFI_TX, ssid: 'ssid' })],
  ];
  const TSHARK_COUNTERS: Array<[string, Buffer]> = [
    ['token ring', e.u32Counters(3, TOKEN_RING)], ['100basevg', e.vg100(VG)], ['80211 counters', e.u32Counters(6, IEEE80211)],
    ['lag', e.lagPort(LAG)], ['radio', e.radio(RADIO)],
  ];
  // Strings in these fixtures are multiples of 4 octets long, so every cut removes data, not only padding.
  const drops = DROP_RECORDS.map(([n, r]): [string, Buffer] => [n, n === 'acl' ? e.acl({ number: 1, name: 'acl1', direction: 2 })
    : n === 'function' ? e.softwareFunction('fn00') : n === 'hw trap' ? e.hwTrap({ group: 'grp1', trap: 'trp1' })
      : n === 'linux reason' ? e.linuxDropReason('DROP') : r]);
  const counters = COUNTER_RECORDS.map(([n, r]): [string, Buffer] => [n, n === 'port name' ? e.portName('swp1') : r]);

  for (const [kind, records, wrap] of [
    ['flow record', [...TSHARK_RECORDS, ...UNDISSECTED_FLOW_RECORDS], (r: Buffer) => e.flowSample({ records: [r] })],
    ['drop record', drops, (r: Buffer) => e.discardedPacket({ records: [r] })],
    ['counter record', [...TSHARK_COUNTERS, ...counters], (r: Buffer) => e.counterSample({ records: [r] })],
  ] as const) {
    it(`${kind}s cut at every offset are 'truncated' errors, never a throw`, () => {
      let cases = 0, expected = 0;
      for (const [name, record] of records) {
        const full = record.length - 8;
        expected += full;
        assert.deepEqual(decode(e.datagram({ samples: [wrap(record)] })).errors, [], `${name} whole`);
        for (let k = 0; k < full; k++) {
          const r = decode(e.datagram({ samples: [wrap(cut(record, k))] }));
          assert.ok(r.errors.some((x) => x.code === 'truncated'), `${name} cut to ${k} of ${full}: ${JSON.stringify(r.errors)}`);
          cases++;
        }
      }
      assert.equal(cases, expected);
    });
  }

  it('datagrams with every structure, cut at every offset, are truncated errors', () => {
    const all = [
      tsharkDatagram(),
      e.datagram({ samples: [e.flowSample({ records: UNDISSECTED_FLOW_RECORDS.map(([, r]) => r) }), e.discardedPacket({ records: DROP_RECORDS.map(([, r]) => r) }),
        e.counterSample({ records: COUNTER_RECORDS.map(([, r]) => r) })] }),
    ];
    for (const d of all) {
      for (let k = 8; k < d.length; k++) {
        const r = decode(d.subarray(0, k));
        assert.ok(r.errors.some((x) => x.code === 'truncated'), `cut to ${k} of ${d.length}`);
      }
    }
  });

  it('mutated datagrams with the new structures never throw (seeded, 30 000 cases)', () => {
    // mulberry32: a small seeded PRNG, so a failure names a reproducible case.
    let seed = 0x5f10e5;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const seeds = [
      tsharkDatagram(),
      e.datagram({ samples: [e.flowSample({ records: UNDISSECTED_FLOW_RECORDS.map(([, r]) => r) }), e.discardedPacket({ records: DROP_RECORDS.map(([, r]) => r) }),
        e.counterSample({ records: COUNTER_RECORDS.map(([, r]) => r) })] }),
    ];
    const decoder = new FlowDecoder();
    let withErrors = 0;
    for (let i = 0; i < 30_000; i++) {
      const d = Buffer.from(seeds[i % seeds.length]);
      const flips = 1 + Math.floor(rand() * 4);
      // Mutate past the version word (so every case is sFlow), favouring length and count words.
      for (let j = 0; j < flips; j++) {
        const at = 4 + Math.floor(rand() * (d.length - 4));
        d[at] = rand() < 0.5 ? Math.floor(rand() * 256) : d[at] ^ (1 << Math.floor(rand() * 8));
      }
      const r = decoder.decode(rand() < 0.2 ? d.subarray(0, 8 + Math.floor(rand() * (d.length - 8))) : d, exporter);
      assert.ok(Array.isArray(r.records) && Array.isArray(r.counters) && Array.isArray(r.errors));
      if (r.errors.length) withErrors++;
    }
    assert.ok(withErrors > 1000, `${withErrors} mutated datagrams reported errors`);
  });
});
