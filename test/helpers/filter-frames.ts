// A varied Ethernet capture built byte by byte for the filter differential test: IPv4 (options,
// fragments), IPv6 (extension and fragment headers), TCP flags, UDP, SCTP, ICMP, ICMPv6, ARP, RARP,
// LLDP, 802.3 LLC, broadcast and multicast, 802.1Q, QinQ (802.1ad) and 0x9100 tags, and frames cut
// short by the snap length. Checksums are left zero: libpcap's filter never reads them.
import { PcapWriter } from '../../nodes/common/pcap';

export interface TestFrame {
  data: Buffer; // captured bytes
  wireLength: number;
  what: string;
}

const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; };
const mac = (text: string) => Buffer.from(text.split(':').map((h) => parseInt(h, 16)));
const ip4 = (text: string) => Buffer.from(text.split('.').map(Number));
function ip6(text: string): Buffer {
  const [l, r = ''] = text.split('::');
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const left = words(l), right = words(r);
  const all = text.includes('::') ? [...left, ...new Array(8 - left.length - right.length).fill(0), ...right] : left;
  return Buffer.concat(all.map(u16));
}

export const MAC_A = '00:11:22:33:44:55';
export const MAC_B = '00:aa:bb:cc:dd:ee';
export const MAC_C = '02:00:00:00:00:01';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const LLDP_MULTICAST = '01:80:c2:00:00:0e';

interface Tag { tpid: number; vid: number; pcp?: number }

function ethernet(dst: string, src: string, etherType: number, payload: Buffer, tags: Tag[] = []): Buffer {
  const tagBytes = tags.map((t) => Buffer.concat([u16(t.tpid), u16(((t.pcp ?? 0) << 13) | t.vid)]));
  return Buffer.concat([mac(dst), mac(src), ...tagBytes, u16(etherType), payload]);
}

interface V4 { src: string; dst: string; protocol: number; payload: Buffer; ttl?: number; tos?: number; id?: number; dontFragment?: boolean; moreFragments?: boolean; fragmentOffset?: number; options?: Buffer }
function ipv4(p: V4): Buffer {
  const options = p.options ?? Buffer.alloc(0);
  const ihl = 5 + options.length / 4;
  const flags = (p.dontFragment ? 0x4000 : 0) | (p.moreFragments ? 0x2000 : 0) | ((p.fragmentOffset ?? 0) / 8);
  const header = Buffer.concat([
    Buffer.from([0x40 | ihl, p.tos ?? 0]), u16(ihl * 4 + p.payload.length), u16(p.id ?? 1), u16(flags),
    Buffer.from([p.ttl ?? 64, p.protocol]), u16(0), ip4(p.src), ip4(p.dst), options,
  ]);
  return Buffer.concat([header, p.payload]);
}

interface V6 { src: string; dst: string; next: number; payload: Buffer; hopLimit?: number; extensions?: Array<{ type: number; body: Buffer }> }
/** `extensions[k].type` is the header's own type; each one's next-header byte is filled in. */
function ipv6(p: V6): Buffer {
  const ext = p.extensions ?? [];
  const chain: Buffer[] = ext.map((e, k) => Buffer.concat([Buffer.from([k + 1 < ext.length ? ext[k + 1].type : p.next]), e.body]));
  const payload = Buffer.concat([...chain, p.payload]);
  return Buffer.concat([
    u32(0x60000000), u16(payload.length), Buffer.from([ext.length ? ext[0].type : p.next, p.hopLimit ?? 64]), ip6(p.src), ip6(p.dst), payload,
  ]);
}
const hopByHop = () => ({ type: 0, body: Buffer.from([0, 1, 4, 0, 0, 0, 0]) }); // PadN to 8 bytes
const fragment6 = (offset: number, more: boolean, id: number) => ({ type: 44, body: Buffer.concat([Buffer.from([0]), u16((offset / 8) << 3 | (more ? 1 : 0)), u32(id)]) });

const FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16, URG = 32;
function tcp(sport: number, dport: number, flags: number, payload = Buffer.alloc(0)): Buffer {
  return Buffer.concat([u16(sport), u16(dport), u32(1000), u32(flags & ACK ? 2000 : 0), Buffer.from([0x50, flags]), u16(65535), u16(0), u16(0), payload]);
}
const udp = (sport: number, dport: number, payload = Buffer.alloc(8)) => Buffer.concat([u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload]);
const sctp = (sport: number, dport: number) => Buffer.concat([u16(sport), u16(dport), u32(0x1234), u32(0), Buffer.from([1, 0, 0, 20]), Buffer.alloc(16)]);
const icmp = (type: number, code: number, size = 8) => Buffer.concat([Buffer.from([type, code, 0, 0]), Buffer.alloc(size)]);
const icmp6 = (type: number, code: number, size = 20) => Buffer.concat([Buffer.from([type, code, 0, 0]), Buffer.alloc(size)]);
function arp(op: number, sha: string, spa: string, tha: string, tpa: string): Buffer {
  return Buffer.concat([u16(1), u16(0x0800), Buffer.from([6, 4]), u16(op), mac(sha), ip4(spa), mac(tha), ip4(tpa)]);
}
const lldpdu = () => Buffer.concat([Buffer.from([0x02, 0x07, 0x04]), mac(MAC_A), Buffer.from([0x04, 0x03, 0x05, 0x31, 0x30, 0x06, 0x02, 0x00, 0x78, 0x00, 0x00])]);

const IPPROTO = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, icmp6: 58, sctp: 132 };

/** Network-layer packets, each wrapped below in several link-layer encapsulations. */
function networkPackets(): Array<{ etherType: number; packet: Buffer; what: string }> {
  const v4 = (what: string, p: V4) => ({ etherType: 0x0800, packet: ipv4(p), what });
  const v6 = (what: string, p: V6) => ({ etherType: 0x86dd, packet: ipv6(p), what });
  const big = Buffer.alloc(300, 0x61);
  return [
    v4('tcp syn 10.0.0.1:40000 > 10.0.0.2:80', { src: '10.0.0.1', dst: '10.0.0.2', protocol: IPPROTO.tcp, payload: tcp(40000, 80, SYN) }),
    v4('tcp syn-ack', { src: '10.0.0.2', dst: '10.0.0.1', protocol: IPPROTO.tcp, payload: tcp(80, 40000, SYN | ACK), ttl: 128 }),
    v4('tcp psh-ack data', { src: '10.0.0.1', dst: '10.0.0.2', protocol: IPPROTO.tcp, payload: tcp(40000, 80, PSH | ACK, big), dontFragment: true }),
    v4('tcp fin-ack 443', { src: '192.168.1.10', dst: '8.8.8.8', protocol: IPPROTO.tcp, payload: tcp(51515, 443, FIN | ACK), ttl: 3 }),
    v4('tcp rst', { src: '8.8.8.8', dst: '192.168.1.10', protocol: IPPROTO.tcp, payload: tcp(443, 51515, RST), tos: 0xb8 }),
    v4('tcp urg 22 with IP options', { src: '172.16.5.4', dst: '10.0.0.1', protocol: IPPROTO.tcp, payload: tcp(22, 1022, URG | ACK), options: Buffer.from([0x94, 0x04, 0, 0]) }),
    v4('tcp 8080 high ports', { src: '10.0.0.2', dst: '172.16.5.4', protocol: IPPROTO.tcp, payload: tcp(8080, 2049, ACK) }),
    v4('udp dns query', { src: '192.168.1.10', dst: '8.8.8.8', protocol: IPPROTO.udp, payload: udp(53000, 53, Buffer.alloc(30)) }),
    v4('udp dns answer', { src: '8.8.8.8', dst: '192.168.1.10', protocol: IPPROTO.udp, payload: udp(53, 53000, Buffer.alloc(90)) }),
    v4('udp mdns multicast', { src: '10.0.0.1', dst: '224.0.0.251', protocol: IPPROTO.udp, payload: udp(5353, 5353), ttl: 1 }),
    v4('udp broadcast dhcp', { src: '0.0.0.0', dst: '255.255.255.255', protocol: IPPROTO.udp, payload: udp(68, 67, Buffer.alloc(240)) }),
    v4('udp netflow 2055', { src: '10.0.0.2', dst: '10.0.0.1', protocol: IPPROTO.udp, payload: udp(1024, 2055, big) }),
    v4('udp first fragment (MF, offset 0)', { src: '10.0.0.1', dst: '10.0.0.2', protocol: IPPROTO.udp, payload: udp(7000, 9999, Buffer.alloc(64)), moreFragments: true, id: 77 }),
    v4('udp middle fragment (offset 72)', { src: '10.0.0.1', dst: '10.0.0.2', protocol: IPPROTO.udp, payload: Buffer.alloc(64, 0x23), moreFragments: true, fragmentOffset: 72, id: 77 }),
    v4('udp last fragment (offset 136)', { src: '10.0.0.1', dst: '10.0.0.2', protocol: IPPROTO.udp, payload: Buffer.concat([u16(80), u16(80), Buffer.alloc(20)]), fragmentOffset: 136, id: 77 }),
    v4('tcp non-first fragment whose bytes look like port 80', { src: '10.0.0.2', dst: '10.0.0.1', protocol: IPPROTO.tcp, payload: Buffer.concat([u16(80), u16(80), Buffer.alloc(16, 2)]), fragmentOffset: 1480, id: 78 }),
    v4('icmp echo request', { src: '10.0.0.1', dst: '8.8.8.8', protocol: IPPROTO.icmp, payload: icmp(8, 0, 56) }),
    v4('icmp echo reply', { src: '8.8.8.8', dst: '10.0.0.1', protocol: IPPROTO.icmp, payload: icmp(0, 0, 56), ttl: 117 }),
    v4('icmp port unreachable', { src: '10.0.0.2', dst: '10.0.0.1', protocol: IPPROTO.icmp, payload: icmp(3, 3, 28) }),
    v4('icmp time exceeded', { src: '172.16.5.4', dst: '10.0.0.1', protocol: IPPROTO.icmp, payload: icmp(11, 0, 28) }),
    v4('igmp report', { src: '10.0.0.1', dst: '224.0.0.22', protocol: IPPROTO.igmp, payload: Buffer.from([0x22, 0, 0, 0, 0, 0, 0, 0]), ttl: 1 }),
    v4('gre', { src: '10.0.0.1', dst: '10.0.0.2', protocol: IPPROTO.gre, payload: Buffer.from([0, 0, 0x08, 0x00]) }),
    v4('sctp 3868', { src: '10.0.0.1', dst: '10.0.0.2', protocol: IPPROTO.sctp, payload: sctp(3868, 3868) }),
    v6('ip6 tcp syn 2001:db8::1 > 2001:db8::2:80', { src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.tcp, payload: tcp(40001, 80, SYN) }),
    v6('ip6 tcp data 443', { src: '2001:db8::2', dst: '2001:db8:1::5', next: IPPROTO.tcp, payload: tcp(443, 40002, PSH | ACK, big) }),
    v6('ip6 udp dns', { src: '2001:db8::1', dst: '2001:4860::8888', next: IPPROTO.udp, payload: udp(53001, 53) }),
    v6('ip6 udp loopback 9999', { src: '::1', dst: '::1', next: IPPROTO.udp, payload: udp(9999, 9999) }),
    v6('ip6 icmp6 echo', { src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.icmp6, payload: icmp6(128, 0, 56) }),
    v6('ip6 icmp6 echo reply', { src: '2001:db8::2', dst: '2001:db8::1', next: IPPROTO.icmp6, payload: icmp6(129, 0, 56), hopLimit: 60 }),
    v6('ip6 neighbour solicitation to multicast', { src: 'fe80::1', dst: 'ff02::1:ff00:2', next: IPPROTO.icmp6, payload: icmp6(135, 0, 20), hopLimit: 255 }),
    v6('ip6 MLD report behind hop-by-hop', { src: 'fe80::1', dst: 'ff02::16', next: IPPROTO.icmp6, payload: icmp6(143, 0, 24), hopLimit: 1, extensions: [hopByHop()] }),
    v6('ip6 udp first fragment', { src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.udp, payload: udp(7001, 9999, Buffer.alloc(48)), extensions: [fragment6(0, true, 99)] }),
    v6('ip6 udp later fragment', { src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.udp, payload: Buffer.alloc(40, 0x50), extensions: [fragment6(56, false, 99)] }),
    v6('ip6 tcp behind hop-by-hop', { src: '2001:db8::2', dst: '2001:db8::1', next: IPPROTO.tcp, payload: tcp(80, 40001, ACK), extensions: [hopByHop()] }),
    v6('ip6 sctp', { src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.sctp, payload: sctp(5060, 5060) }),
  ];
}

/** The capture: every network packet untagged, in 802.1Q VLAN 10 and 20, in QinQ and in a 0x9100 tag, plus non-IP frames. */
export function buildTestFrames(): TestFrame[] {
  const frames: TestFrame[] = [];
  const add = (what: string, data: Buffer, capturedBytes = data.length) => frames.push({ data: data.subarray(0, capturedBytes), wireLength: data.length, what });
  const encapsulations: Array<{ what: string; tags: Tag[] }> = [
    { what: 'untagged', tags: [] },
    { what: 'vlan 10', tags: [{ tpid: 0x8100, vid: 10, pcp: 5 }] },
    { what: 'vlan 20', tags: [{ tpid: 0x8100, vid: 20 }] },
    { what: 'qinq 100/10', tags: [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 10 }] },
    { what: '0x9100 30/0x8100 20', tags: [{ tpid: 0x9100, vid: 30 }, { tpid: 0x8100, vid: 20 }] },
  ];
  networkPackets().forEach((p, k) => {
    const v4 = p.etherType === 0x0800;
    const dstAddress = v4 ? p.packet.subarray(16, 20) : p.packet.subarray(24, 40);
    const multicast = v4 ? dstAddress[0] >= 224 && dstAddress[0] < 240 : dstAddress[0] === 0xff;
    const broadcast = v4 && dstAddress.every((b) => b === 255);
    const dst = broadcast ? BROADCAST : multicast ? (v4 ? '01:00:5e:00:00:fb' : '33:33:00:00:00:16') : k % 2 ? MAC_A : MAC_B;
    const src = k % 2 ? MAC_B : k % 3 ? MAC_A : MAC_C;
    // All five encapsulations for a third of the packets, two for the rest: variety without bulk.
    const wraps = k % 3 === 0 ? encapsulations : [encapsulations[0], encapsulations[1 + (k % 4)]];
    for (const e of wraps) add(`${p.what}, ${e.what}`, ethernet(dst, src, p.etherType, p.packet, e.tags));
  });
  add('arp request 10.0.0.1 who-has 10.0.0.2', ethernet(BROADCAST, MAC_A, 0x0806, arp(1, MAC_A, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2')));
  add('arp reply', ethernet(MAC_A, MAC_B, 0x0806, arp(2, MAC_B, '10.0.0.2', MAC_A, '10.0.0.1')));
  add('arp request in vlan 10', ethernet(BROADCAST, MAC_C, 0x0806, arp(1, MAC_C, '192.168.1.1', '00:00:00:00:00:00', '192.168.1.10'), [{ tpid: 0x8100, vid: 10 }]));
  add('rarp request', ethernet(BROADCAST, MAC_C, 0x8035, arp(3, MAC_C, '0.0.0.0', MAC_C, '0.0.0.0')));
  add('lldp', ethernet(LLDP_MULTICAST, MAC_A, 0x88cc, lldpdu()));
  add('lldp in vlan 20', ethernet(LLDP_MULTICAST, MAC_B, 0x88cc, lldpdu(), [{ tpid: 0x8100, vid: 20 }]));
  const stp = Buffer.concat([Buffer.from([0x42, 0x42, 0x03]), Buffer.alloc(35)]);
  add('802.3 LLC STP', Buffer.concat([mac('01:80:c2:00:00:00'), mac(MAC_C), u16(stp.length), stp]));
  const isoLlc = Buffer.concat([Buffer.from([0xfe, 0xfe, 0x03]), Buffer.alloc(40)]);
  add('802.3 LLC ISO (0xfe)', Buffer.concat([mac('01:80:c2:00:00:14'), mac(MAC_A), u16(isoLlc.length), isoLlc]));
  add('unknown ethertype 0x88b5', ethernet(MAC_B, MAC_A, 0x88b5, Buffer.alloc(46, 7)));
  // Cut short by a small snap length: reads past the captured bytes reject the frame.
  const longTcp = ethernet(MAC_B, MAC_A, 0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: IPPROTO.tcp, payload: tcp(40000, 80, SYN | ACK, Buffer.alloc(100)) }));
  add('tcp cut after the IP header', longTcp, 34);
  add('tcp cut inside the TCP header', longTcp, 40);
  add('ip6 udp cut after the IPv6 header', ethernet(MAC_A, MAC_B, 0x86dd, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.udp, payload: udp(53, 53) })), 54);
  add('runt frame of 10 bytes', Buffer.alloc(10, 0xee));
  return frames;
}

export function writeTestCapture(frames: TestFrame[]): Buffer {
  const writer = new PcapWriter({ linkType: 1 });
  return Buffer.concat([writer.header(), ...frames.map((f, k) => writer.packet(f.data, { seconds: 1000 + k, nanoseconds: 0 }, f.wireLength))]);
}
