// Address text: RFC 5952 forms of IPv6 addresses, checked against the RFC's own examples, Node's
// WHATWG URL serializer and net.SocketAddress (inet_ntop), and tshark; the IPv4 dotted-quad parser.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv6, SocketAddress } from 'node:net';
import { ipv6Bytes, ipv6ToString, macToString, ipv4ToString } from '../../nodes/common/packet';
import { ipv4Bits, NOT_IPV4 } from '../../nodes/common/packet/text';
import { requireCommands } from '../helpers/real';
import { makeTempDir, text2pcap, tsharkFields } from '../fixtures/pcap/tools';
import * as F from '../fixtures/pcap/frames';

const tmp = makeTempDir();
after(() => tmp.remove());

/** Bytes of an address parsed independently of our formatter (expands "::" by hand). */
function bytesOf(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (s: string | undefined): number[] => {
    if (!s) return [];
    return s.split(':').flatMap((g) => {
      if (g.includes('.')) {
        const o = g.split('.').map(Number);
        return [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
      }
      return [parseInt(g, 16)];
    });
  };
  const h = parse(head);
  const t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

// RFC 5952 section 4 examples: (input, recommended form)
const RFC_EXAMPLES: [string, string][] = [
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // 4.2.3: first of equal runs
  ['2001:0db8:0:0:0:0:2:1', '2001:db8::2:1'], // 4.1, 4.2.1
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // 4.2.2: single 0 field not shortened
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // 4.2.3: longest run
  ['2001:DB8::AAAA', '2001:db8::aaaa'], // 4.3 lowercase
  ['0:0:0:0:0:ffff:192.0.2.1', '::ffff:192.0.2.1'], // 5: IPv4-mapped
];

test('RFC 5952 section 4 and 5 examples', () => {
  for (const [input, expected] of RFC_EXAMPLES) assert.equal(ipv6ToString(bytesOf(input.toLowerCase()), 0), expected, input);
});

test('agrees with Node (URL serializer for plain addresses, inet_ntop for embedded IPv4)', () => {
  let s = 0x9e3779b9;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0), s);
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.alloc(16);
    // sparse addresses so zero runs of every length and position occur
    for (let g = 0; g < 8; g++) if (rnd() % 3 === 0) b.writeUInt16BE(rnd() % 4 === 0 ? rnd() & 0xf : rnd() & 0xffff, g * 2);
    const ours = ipv6ToString(b, 0);
    const groups = Array.from({ length: 8 }, (_, g) => b.readUInt16BE(g * 2).toString(16)).join(':');
    const viaNet = new SocketAddress({ address: groups, family: 'ipv6' }).address;
    assert.equal(ours, viaNet, groups);
    const embedsV4 = /^::(ffff:)?\d+\.\d+\.\d+\.\d+$/.test(viaNet);
    if (!embedsV4) assert.equal(ours, new URL(`http://[${groups}]/`).hostname.slice(1, -1), groups);
  }
});

test('agrees with tshark', (t) => {
  if (!requireCommands(t, 'text2pcap', 'tshark')) return;
  const addrs = ['::', '::1', '1::', 'fe80::1', '2001:db8::1:0:0:1', '::ffff:10.1.2.3', '::10.1.2.3', '0:0:0:0:0:1:0:0', '1:0:0:0:1:0:0:0', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'].map(bytesOf);
  const file = tmp.path('v6.pcap');
  const frames = [];
  for (let i = 0; i < addrs.length; i += 2) frames.push(F.ipv6(addrs[i].toString('hex'), (addrs[i + 1] ?? addrs[0]).toString('hex'), 59, Buffer.alloc(0)));
  text2pcap(frames, 229, file);
  const rows = tsharkFields(file, ['ipv6.src', 'ipv6.dst']);
  rows.forEach((row, i) => {
    assert.equal(ipv6ToString(addrs[2 * i], 0), row[0]);
    assert.equal(ipv6ToString(addrs[2 * i + 1] ?? addrs[0], 0), row[1]);
  });
});

test('MAC and IPv4 text', () => {
  assert.equal(macToString(Buffer.from('00aabbccddeeff', 'hex'), 1), 'aa:bb:cc:dd:ee:ff');
  assert.equal(ipv4ToString(Buffer.from([0, 255, 1, 10]), 0), '0.255.1.10');
});

test('repeated and colliding addresses keep their own text (the formatters memoise per address)', () => {
  // More distinct addresses than memo slots, each formatted several times in shuffled order and
  // at different offsets; the expected text comes from Node (inet_ntop) and plain byte joins.
  let s = 0x2545f491;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0), s >>> 8);
  const addrs = Array.from({ length: 6000 }, (_, i) => {
    const b = Buffer.alloc(16);
    for (let k = 0; k < 16; k++) b[k] = i % 3 === 0 ? rnd() & 0xff : i % 3 === 1 ? (k < 4 ? rnd() & 0x3 : 0) : k === 15 ? i & 0xff : 0;
    return b;
  });
  for (let round = 0; round < 3; round++) {
    for (let n = 0; n < addrs.length; n++) {
      const a = addrs[(n * 2654435761 + round * 977) % addrs.length >>> 0];
      const at = Buffer.concat([Buffer.alloc(round + 1, 0xee), a]);
      const groups = Array.from({ length: 8 }, (_, g) => a.readUInt16BE(g * 2).toString(16)).join(':');
      const v6 = new SocketAddress({ address: groups, family: 'ipv6' }).address;
      const v4 = Array.from(a.subarray(0, 4)).join('.');
      const mac = a.subarray(0, 6).toString('hex').replace(/(..)(?!$)/g, '$1:');
      // twice in a row: the second time the text is kept, and later addresses hashed to the same slot must not get it
      for (let twice = 0; twice < 2; twice++) {
        assert.equal(ipv6ToString(at, round + 1), v6, groups);
        assert.equal(ipv4ToString(at, round + 1), v4);
        assert.equal(macToString(at, round + 1), mac);
      }
    }
  }
});

test('IPv6 text parser: every RFC 4291 form reads as Node reads it (inet_pton), anything else is refused', () => {
  // Written forms of random sparse addresses: full, leading zeros, upper case, "::" at each zero
  // run, an IPv4 tail, a zone. Node's SocketAddress parses the same text (inet_pton) and writes it
  // back; ours must give the bytes that print as that text.
  let s = 0x51ed270b;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0), s >>> 8);
  for (let i = 0; i < 3000; i++) {
    const groups = Array.from({ length: 8 }, () => (rnd() % 3 === 0 ? rnd() & 0xffff : 0));
    const hex = groups.map((g) => g.toString(16).padStart(rnd() % 2 ? 4 : 1, '0'));
    const forms = [hex.join(':'), hex.join(':').toUpperCase()];
    const zero = groups.indexOf(0);
    if (zero >= 0) {
      let end = zero;
      while (end < 8 && groups[end] === 0) end++;
      forms.push(`${hex.slice(0, zero).join(':')}::${hex.slice(end).join(':')}`);
    }
    const v4 = `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`;
    forms.push(`${hex.slice(0, 6).join(':')}:${v4}`, `${hex.join(':')}%eth0`);
    for (const text of forms) {
      const address = text.split('%')[0];
      assert.ok(isIPv6(address), text);
      const bytes = ipv6Bytes(text);
      assert.ok(bytes, text);
      assert.equal(ipv6ToString(bytes, 0), new SocketAddress({ address, family: 'ipv6' }).address, text);
    }
  }
  for (const bad of ['', '1.2.3.4', '::1::', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '::1.2.3', ':1', '%eth0']) {
    assert.equal(isIPv6(bad), false, bad);
    assert.equal(ipv6Bytes(bad), undefined, bad);
  }
});

test('ipv4Bits: a dotted quad is its 32 bits (int32, unsigned with >>> 0), anything else NOT_IPV4', () => {
  const cases: Array<[string, number]> = [['0.0.0.0', 0], ['1.2.3.4', 0x01020304], ['192.0.2.1', 0xc0000201], ['255.255.255.255', 0xffffffff]];
  for (const [text, value] of cases) assert.equal(ipv4Bits(text) >>> 0, value, text);
  assert.equal(ipv4Bits('255.255.255.255'), -1, 'int32, so a hot caller boxes nothing');
  for (const text of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', 'a.b.c.d', '1.2.3.1000', '::1', '1.2.3.4 '])
    assert.equal(ipv4Bits(text), NOT_IPV4, JSON.stringify(text));
});
