// Differential test: our libpcap filter keeps exactly the frames `tcpdump -r FILE EXPR` keeps, on a
// varied capture this test builds itself (test/helpers/filter-frames.ts), and rejects what tcpdump rejects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFilter, FilterSyntaxError, parseFilter } from '../../nodes/common/filter';
import { buildTestFrames, writeTestCapture } from '../helpers/filter-frames';
import { hasCommand, requireCommands } from '../helpers/real';

const EXPRESSIONS = [
  // link layer
  'ether host 00:11:22:33:44:55', 'ether src 00:aa:bb:cc:dd:ee', 'ether dst 00:11:22:33:44:55', 'ether src 2:0:0:0:0:1',
  'ether host 0011.2233.4455', 'ether src 00-aa-bb-cc-dd-ee and ether dst ff:ff:ff:ff:ff:ff', 'ether src and dst 00:11:22:33:44:55',
  'ether broadcast', 'ether multicast', 'broadcast', 'multicast', 'not ether multicast',
  'ether proto 0x0800', 'ether proto 2048', 'ether proto 0x86dd', 'ether proto 0x88cc', 'ether proto 0x8100', 'ether proto 0x88a8',
  'ether proto \\ip', 'ether proto \\ip6', 'ether proto \\arp', 'ether proto \\rarp', 'ether proto 0x42', 'ether proto 0xfe', 'ether proto 06',
  'arp', 'rarp', 'ip', 'ip6', 'not ip and not ip6', 'arp or rarp',
  // vlan: offsets move for everything after it
  'vlan', 'vlan 10', 'vlan 20', 'vlan 100', 'vlan 30', 'vlan and ip', 'vlan 10 and ip6', 'vlan and vlan', 'vlan 100 and vlan 10',
  'vlan and vlan 10 and tcp', 'vlan and vlan and udp port 53', 'ip or vlan', 'vlan or ip', 'ip and vlan', 'vlan and arp',
  'vlan 20 and ether proto 0x88cc', 'not vlan', 'vlan and not ip', 'vlan and host 10.0.0.1', 'vlan 10 and tcp port 80',
  'vlan and tcp[tcpflags] & tcp-syn != 0', 'vlan and ip[8] < 64', '(vlan 10 or vlan 20) and ip',
  // hosts and networks
  'host 10.0.0.1', 'src host 10.0.0.1', 'dst host 10.0.0.2', 'host 10.0.0.1 and host 10.0.0.2', 'src 8.8.8.8', 'dst 192.168.1.10',
  'ip host 10.0.0.1', 'arp host 10.0.0.2', 'rarp host 0.0.0.0', 'host 10.0.0.1 or 192.168.1.10', 'src or dst host 8.8.8.8', 'src and dst host ::1',
  'net 10.0.0.0/8', 'net 10', 'net 192.168.1', 'src net 172.16.0.0/12', 'dst net 224.0.0.0/4', 'net 10.0.0.0 mask 255.255.255.0',
  'net 0.0.0.0/0', 'host 10.0.0', 'host ::1', 'host 2001:db8::1', 'src host fe80::1', 'dst host ff02::16', 'net 2001:db8::/32',
  'ip6 net 2001:db8:1::/48', 'net ff00::/8', 'host 2001:db8::1 and not host 2001:db8::2',
  // ports
  'port 80', 'tcp port 80', 'udp port 53', 'src port 53', 'dst port 80', 'tcp dst port 80', 'udp src port 53000', 'port 80 or 443',
  'tcp port 80 or 443 or 22', 'not port 80', 'port 9999', 'udp port 9999', 'sctp port 3868', 'port 5060', 'src and dst port 5353',
  'portrange 1-1023', 'tcp portrange 8000-8100', 'udp dst portrange 2000-3000', 'portrange 9999-7000', 'port 0x50', 'port 0120',
  // protocols
  'tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'igmp', 'ip proto 47', 'ip proto \\tcp', 'ip6 proto 17', 'ip6 proto 58', 'proto 6', 'proto 132',
  'ip and udp', 'ip6 and tcp', 'not tcp', 'tcp or udp', 'icmp or icmp6', 'ip multicast', 'ip6 multicast', 'ip broadcast',
  // byte tests and lengths
  'tcp[tcpflags] & tcp-syn != 0', 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)', 'tcp[13] & 2 != 0', 'tcp[13] = 0x10',
  'tcp[tcpflags] & (tcp-fin|tcp-rst) != 0', 'tcp[tcpflags] & tcp-urg != 0', 'tcp[0:2] = 22', 'tcp[2:2] > 1024', 'udp[0:2] = 53', 'udp[4:2] > 100',
  'ip[8] < 64', 'ip[8] = 128', 'ip[1] & 0xfc = 0xb8', 'ip[0] & 0xf > 5', 'ip[6:2] & 0x1fff != 0', 'ip[6] & 0x20 != 0', 'ip[16:4] = 0xe00000fb',
  'icmp[icmptype] = icmp-echo', 'icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply', 'icmp[0] = 3 and icmp[1] = 3',
  'icmp6[icmp6type] = icmp6-echo', 'icmp6[0] = 135', 'ip6[7] = 255', 'ip6[6] = 44', 'ether[0] & 1 != 0', 'ether[12:2] = 0x8100',
  'link[14:2] & 0xfff = 10', 'arp[7] = 1', 'len <= 100', 'len > 300', 'len >= 60 and len < 70', 'less 64', 'greater 400', 'len = 14 + 28',
  'ip[2:2] - 20 > 100', 'ip[2:2] / 4 < 20', 'ip[2:2] * 2 > 1000', 'ip[8] % 2 = 0', 'ip[0] >> 4 = 4', 'ip[9] << 1 = 12', 'ip[8] ^ 0xff > 200',
  '-ip[8] > 100', 'ip[100] = 0', 'not ip[100] = 0', 'tcp[20] = 0x61', 'ip[2:2] / (ip[8] - 64) > 0',
  // logic: and/or have the same precedence, left to right
  'tcp or udp and vlan', 'icmp or tcp and port 80', 'not tcp and not udp', '! tcp && ! udp', 'tcp || icmp', 'not (tcp or udp)',
  'host 10.0.0.1 and (port 80 or icmp)', 'ip and not (tcp port 80 or udp port 53)', 'not not ip', '((ip))',
];

/** Names (tcpdump resolves them through /etc/services, DNS...) and libpcap features we leave out. */
const UNSUPPORTED = ['tcp port http', 'host localhost', 'ip proto \\frob', 'mpls', 'gateway 10.0.0.1', 'ip protochain 6', 'tcp and geneve'];

const REJECTED = [
  'frobnicate', 'host 300.1.1.1', 'src tcp', '(udp', 'udp)', 'net 10.0.0.0/33', 'net 10.1.2.3/8', 'host 10.0.0.0/8',
  'port 080', 'vlan 5000', 'tcp or 80', '10.0.0.1', 'ip6 host 10.0.0.1', 'ip host ::1', 'port 70000', 'ip[8] <', 'ip[1:3] = 0',
  '1/0 = 1', '1 << 32 = 0', 'ether proto \\frob', 'tcp src 80', 'port 10.0.0.1', 'ether', 'host ::1/64', 'TCP',
];

describe('filter agrees with tcpdump', () => {
  const frames = buildTestFrames();
  let dir = '';
  let file = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirescope-filter-'));
    file = join(dir, 'varied.pcap');
    writeFileSync(file, writeTestCapture(frames));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`${EXPRESSIONS.length} expressions x ${frames.length} frames select the same frames as tcpdump -r`, (t) => {
    if (!requireCommands(t, 'tcpdump')) return;
    assert.ok(EXPRESSIONS.length >= 100 && frames.length >= 100);
    const mismatches: string[] = [];
    let selectedSomething = 0;
    for (const expression of EXPRESSIONS) {
      const ref = spawnSync('tcpdump', ['-n', '-tt', '-r', file, '--', expression], { encoding: 'utf8', maxBuffer: 1 << 24 });
      // libpcap's optimizer refuses an expression it proves can never match: that keeps nothing.
      if (ref.status !== 0 && !/expression rejects all packets/.test(ref.stderr)) assert.fail(`tcpdump: ${ref.stderr}`);
      const out = ref.status === 0 ? ref.stdout : '';
      const expected = out.split('\n').filter((line) => /^\d+\.\d+ /.test(line)).map((line) => Number(line.split('.')[0]) - 1000);
      const predicate = compileFilter(expression);
      const ours = frames.flatMap((f, k) => (predicate(f.data, 1, f.wireLength) ? [k] : []));
      if (expected.length > 0 && expected.length < frames.length) selectedSomething++;
      if (ours.join() !== expected.join()) {
        const extra = ours.filter((k) => !expected.includes(k)).map((k) => frames[k].what);
        const missing = expected.filter((k) => !ours.includes(k)).map((k) => frames[k].what);
        mismatches.push(`${expression}\n    kept by us only: ${extra.join(' | ')}\n    kept by tcpdump only: ${missing.join(' | ')}`);
      }
    }
    assert.deepEqual(mismatches, []);
    // The capture must discriminate: most expressions keep some frames and drop others.
    assert.ok(selectedSomething >= EXPRESSIONS.length * 0.8, `only ${selectedSomething} expressions split the capture`);
  });

  for (const bad of REJECTED) {
    it(`rejects "${bad}" like tcpdump, naming the position`, (t) => {
      assert.throws(() => compileFilter(bad), (err: unknown) => err instanceof FilterSyntaxError && err.position >= 0 && err.position <= bad.length && err.message.includes('position'));
      if (!requireCommands(t, 'tcpdump')) return;
      const ref = spawnSync('tcpdump', ['-n', '-r', file, '--', bad], { stdio: ['ignore', 'ignore', 'pipe'] });
      assert.notEqual(ref.status, 0, `tcpdump accepts "${bad}"`);
    });
  }
});

describe('filter syntax', () => {
  for (const bad of UNSUPPORTED) {
    it(`"${bad}" is an error naming the position and what is supported`, () => {
      assert.throws(() => compileFilter(bad), (err: unknown) => err instanceof FilterSyntaxError && /at position \d+/.test(err.message) && /(supported|not resolved|names known)/.test(err.message));
    });
  }
  it('an empty filter keeps everything', () => {
    assert.equal(compileFilter('   ')(Buffer.alloc(0), 1, 0), true);
    assert.equal(parseFilter(''), undefined);
  });
  it('an unsupported word lists what is supported', () => {
    assert.throws(() => compileFilter('tcp and mpls'), (err: Error) => /position 8/.test(err.message) && /supported: /.test(err.message));
  });
  it('lldp is ether proto 0x88cc', () => {
    assert.deepEqual(parseFilter('lldp'), { kind: 'linkProto', etherType: 0x88cc, at: 0 });
  });
  it('the tree keeps libpcap precedence: and/or left to right', () => {
    const tree = parseFilter('tcp or udp and icmp');
    assert.equal(tree?.kind, 'and');
  });
});
