// Dissector vs tshark on crafted frames (text2pcap) of every supported link type and layer.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dissect, dissectL2L4, LinkType } from '../../nodes/common/packet';
import { parseCaptureBuffer } from '../../nodes/common/pcap';
import { requireCommands } from '../helpers/real';
import { makeTempDir, text2pcap, tsharkFields } from '../fixtures/pcap/tools';
import { assertMatchesTshark } from '../fixtures/pcap/compare';
import * as F from '../fixtures/pcap/frames';

const tmp = makeTempDir();
after(() => tmp.remove());

const TCP_SYN_ACK = 0x012;
const TCP_PSH_ACK = 0x018;
const mss = Buffer.from([2, 4, 0x05, 0xb4, 1, 1, 4, 2]); // MSS 1460, NOP, NOP, SACK permitted
const rrOption = Buffer.from([7, 7, 4, 0, 0, 0, 0, 0]); // record route, one slot, then EOL padding

function ethernetFrames(): Buffer[] {
  const udpPayload = Buffer.from('hello wirescope');
  return [
    // QinQ: 802.1ad S-tag 100 then 802.1Q C-tag 200, IPv4 first fragment carrying UDP
    F.eth(0x0800, F.ipv4('10.0.0.1', '10.0.0.2', 17, F.udp(4000, 53, F.bytes(24)), { flags: 1, id: 0xabcd }), [
      { tpid: 0x88a8, tci: 100 },
      { tpid: 0x8100, tci: (5 << 13) | 200 },
    ]),
    // pre-standard 0x9100 outer tag, IPv4 with options, TCP with options and data
    F.eth(0x0800, F.ipv4('192.168.1.10', '192.168.1.20', 6, F.tcp(40000, 443, TCP_PSH_ACK, F.bytes(33), mss), { options: rrOption, ttl: 3, tos: 0xb8 }), [
      { tpid: 0x9100, tci: 7 },
      { tpid: 0x8100, tci: 8 },
    ]),
    // IPv6 with hop-by-hop, routing (type 0 style header, 0 segments left) and destination options
    F.eth(
      0x86dd,
      F.ipv6(F.V6_A, F.V6_B, 0, F.ext(43, Buffer.alloc(6, 0)).length ? Buffer.concat([F.ext(43, Buffer.from([1, 4, 0, 0, 0, 0])), F.ext(60, Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), F.ext(17, Buffer.from([1, 4, 0, 0, 0, 0])), F.udp(5000, 6000, udpPayload)]) : Buffer.alloc(0), { flow: 0x12345, tc: 0x28 }),
    ),
    // IPv6 first fragment (offset 0, M) carrying a UDP header
    F.eth(0x86dd, F.ipv6(F.V6_A, F.V6_B, 44, Buffer.concat([F.fragHdr(17, 0, true, 0xdeadbeef), F.udp(5001, 6001, F.bytes(16))]))),
    // IPv6 non-first fragment: no transport header
    F.eth(0x86dd, F.ipv6(F.V6_A, F.V6_B, 44, Buffer.concat([F.fragHdr(17, 24, false, 0xdeadbeef), F.bytes(16)]))),
    // IPv6 + AH + TCP
    F.eth(0x86dd, F.ipv6(F.V6_LL, F.V6_A, 51, Buffer.concat([F.ah(6, 12), F.tcp(179, 50000, TCP_SYN_ACK, Buffer.alloc(0), mss)]))),
    // GRE (key + sequence) carrying transparent Ethernet bridging: Ethernet/IPv4/UDP inside
    F.eth(0x0800, F.ipv4('172.16.0.1', '172.16.0.2', 47, F.gre(0x6558, F.eth(0x0800, F.ipv4('10.1.1.1', '10.1.1.2', 17, F.udp(1111, 2222, udpPayload))), { key: 0x1000, seq: 9 }))),
    // GRE with checksum carrying IPv6/ICMPv6 echo request
    F.eth(0x0800, F.ipv4('172.16.0.1', '172.16.0.3', 47, F.gre(0x86dd, F.ipv6(F.V6_A, F.V6_LL, 58, F.icmp(128, 0, Buffer.from([0, 1, 0, 2, 9, 9, 9, 9]))), { checksum: true }))),
    // GRE carrying IPv4 directly
    F.eth(0x0800, F.ipv4('172.16.0.1', '172.16.0.4', 47, F.gre(0x0800, F.ipv4('10.2.2.2', '10.3.3.3', 6, F.tcp(80, 8080, TCP_SYN_ACK, Buffer.alloc(0)))))),
    // VXLAN (UDP 4789) carrying Ethernet/802.1Q/IPv4/TCP
    F.eth(0x0800, F.ipv4('198.51.100.1', '198.51.100.2', 17, F.udp(54321, 4789, F.vxlan(0x123456, F.eth(0x0800, F.ipv4('10.9.9.1', '10.9.9.2', 6, F.tcp(22, 60000, TCP_PSH_ACK, F.bytes(10))), [{ tpid: 0x8100, tci: 42 }], '02 aa aa aa aa aa', '02 bb bb bb bb bb'))))),
    // IPv4 ICMP echo request
    F.eth(0x0800, F.ipv4('10.0.0.5', '10.0.0.6', 1, F.icmp(8, 0, Buffer.from([0x12, 0x34, 0, 1, 1, 2, 3, 4])))),
    // short UDP frame padded to the Ethernet minimum (padding must not count as payload)
    Buffer.concat([F.eth(0x0800, F.ipv4('10.0.0.7', '10.0.0.8', 17, F.udp(7, 7, Buffer.from('x')))), Buffer.alloc(17)]),
    // IPv4-mapped and IPv4-compatible IPv6 addresses (RFC 5952 section 5 text forms)
    F.eth(0x86dd, F.ipv6(F.V6_MAPPED, F.V6_COMPAT, 17, F.udp(1, 2, Buffer.alloc(0)))),
    // ARP: not IP, stops after Ethernet
    F.eth(0x0806, Buffer.from('0001080006040001020000000b0a000001000000000000000a000002', 'hex')),
    // TCP header cut short inside the frame
    F.eth(0x0800, F.ipv4('10.0.0.1', '10.0.0.2', 6, F.bytes(10))),
  ];
}

describe('dissect vs tshark', () => {
  const cases: { name: string; linkType: number; frames: () => Buffer[] }[] = [
    { name: 'ethernet', linkType: LinkType.ETHERNET, frames: ethernetFrames },
    {
      name: 'linux-sll',
      linkType: LinkType.LINUX_SLL,
      frames: () => [
        F.sll(0x0800, F.ipv4('127.0.0.1', '127.0.0.2', 17, F.udp(9, 10, F.bytes(5)))),
        F.sll(0x86dd, F.ipv6(F.V6_A, F.V6_B, 6, F.tcp(1, 2, TCP_SYN_ACK, Buffer.alloc(0))), 4),
      ],
    },
    {
      name: 'linux-sll2',
      linkType: LinkType.LINUX_SLL2,
      frames: () => [
        F.sll2(0x86dd, F.ipv6(F.V6_A, F.V6_B, 6, F.tcp(1000, 2000, TCP_PSH_ACK, F.bytes(7))), 7, 0),
        F.sll2(0x0800, F.ipv4('127.0.0.1', '127.0.0.2', 1, F.icmp(0, 0, F.bytes(8))), 1, 4),
      ],
    },
    {
      name: 'raw',
      linkType: LinkType.RAW,
      frames: () => [F.ipv4('10.0.0.1', '10.0.0.2', 1, F.icmp(8, 0, F.bytes(12))), F.ipv6(F.V6_A, F.V6_B, 58, F.icmp(129, 0, F.bytes(8)))],
    },
    { name: 'ipv4', linkType: LinkType.IPV4, frames: () => [F.ipv4('10.0.0.1', '10.0.0.2', 17, F.udp(1, 4789, F.vxlan(5, F.eth(0x86dd, F.ipv6(F.V6_A, F.V6_B, 17, F.udp(3, 4, F.bytes(3)))))))] },
    { name: 'ipv6', linkType: LinkType.IPV6, frames: () => [F.ipv6(F.V6_B, F.V6_A, 6, F.tcp(5, 6, 0x002, Buffer.alloc(0)))] },
    {
      name: 'null',
      linkType: LinkType.NULL,
      frames: () => [
        Buffer.concat([Buffer.from([2, 0, 0, 0]), F.ipv4('10.0.0.1', '10.0.0.2', 17, F.udp(1, 2, F.bytes(4)))]),
        Buffer.concat([Buffer.from([30, 0, 0, 0]), F.ipv6(F.V6_A, F.V6_B, 17, F.udp(3, 4, F.bytes(4)))]),
        Buffer.concat([Buffer.from([0, 0, 0, 24]), F.ipv6(F.V6_A, F.V6_B, 17, F.udp(5, 6, F.bytes(4)))]),
      ],
    },
    {
      name: 'loop',
      linkType: LinkType.LOOP,
      frames: () => [
        Buffer.concat([Buffer.from([0, 0, 0, 2]), F.ipv4('10.0.0.1', '10.0.0.2', 6, F.tcp(1, 2, 2, Buffer.alloc(0)))]),
        Buffer.concat([Buffer.from([0, 0, 0, 24]), F.ipv6(F.V6_A, F.V6_B, 58, F.icmp(135, 0, F.bytes(20)))]),
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, (t) => {
      if (!requireCommands(t, 'text2pcap', 'tshark')) return;
      const file = tmp.path(`${c.name}.pcap`);
      text2pcap(c.frames(), c.linkType, file);
      const capture = parseCaptureBuffer(readFileSync(file));
      assert.equal(capture.error, undefined);
      const dissected = capture.packets.map((p) => dissect(p.data, p.linkType));
      assertMatchesTshark(file, capture.packets, dissected);
      // The fast path agrees with the full dissection on the outer headers.
      for (const [i, p] of capture.packets.entries()) {
        const s = dissectL2L4(p.data, p.linkType);
        const d = dissected[i];
        const l4 = d.tcp ?? d.udp;
        assert.equal(s.sourcePort, l4 ? l4.sourcePort : d.icmp ? d.icmp.type : -1, `fast path frame ${i + 1}`);
        assert.equal(s.protocol, d.ipv4?.protocol ?? d.ipv6?.protocol ?? -1, `fast path protocol frame ${i + 1}`);
      }
    });
  }

  test('payload slices and error offsets', (t) => {
    if (!requireCommands(t, 'text2pcap', 'tshark')) return;
    const file = tmp.path('ethernet.pcap');
    text2pcap(ethernetFrames(), 1, file);
    const capture = parseCaptureBuffer(readFileSync(file));
    // tshark's count of bytes after the transport header (data.len / tcp.len) is our payload length.
    const rows = tsharkFields(file, ['udp.length', 'tcp.len', '_ws.malformed', '_ws.expert.message'], { occurrence: 'f', prefs: ['ip.defragment:FALSE', 'ipv6.defragment:FALSE'] });
    capture.packets.forEach((cp, i) => {
      const p = dissect(cp.data, cp.linkType);
      // payload is a view of the captured frame, not a copy
      if (p.payload.length > 0) assert.equal(p.payload.buffer, cp.data.buffer, `frame ${i + 1}: payload is a slice`);
      if (p.udp && !p.inner && !p.ipv4?.moreFragments && !p.ipv6?.fragment) assert.equal(p.payload.length, Number(rows[i][0]) - 8, `frame ${i + 1}: UDP payload length`);
    });
    const last = dissect(capture.packets[capture.packets.length - 1].data, 1);
    assert.equal(last.errors.length, 1);
    assert.equal(last.errors[0].layer, 'tcp');
    assert.equal(last.errors[0].offset, 14 + 20); // where the TCP header starts
    assert.notEqual(rows[rows.length - 1][2] + rows[rows.length - 1][3], '', 'tshark flags the cut TCP header too');
  });
});

test('layers list the whole stack, tunnels included (Packet.layers contract)', () => {
  const inner = F.eth(0x0800, F.ipv4('10.9.9.1', '10.9.9.2', 6, F.tcp(22, 60000, 0x18, F.bytes(10))), [{ tpid: 0x8100, tci: 42 }]);
  const frame = F.eth(0x0800, F.ipv4('198.51.100.1', '198.51.100.2', 17, F.udp(54321, 4789, F.vxlan(7, inner))), [{ tpid: 0x8100, tci: 5 }]);
  const p = dissect(frame, LinkType.ETHERNET);
  assert.deepEqual(p.layers, ['eth', 'vlan', 'ipv4', 'udp', 'vxlan', 'eth', 'vlan', 'ipv4', 'tcp']);
  assert.deepEqual(p.inner?.layers, ['eth', 'vlan', 'ipv4', 'tcp']);
  assert.equal(p.inner?.tcp?.destinationPort, 60000);
  assert.equal(p.tunnel?.vni, 7);
});
