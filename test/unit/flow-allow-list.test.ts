// The flow collector's exporter allow-list (nodes/shared/flow-output.ts makeAllowList): exact
// addresses (in any spelling) and CIDR prefixes, IPv4 and IPv6 (parsed by packet/text ipv6Bytes, the pack's one IPv6
// text parser). Reference: Node's net.BlockList, an independent prefix matcher, over every address
// below against every entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList, isIPv6 } from 'node:net';
import { makeAllowList } from '../../nodes/shared/flow-output';

const ENTRIES = ['2001:DB8:0:0:0:0:0:1', '2001:0db8::0001', '::ffff:c000:0201', '192.0.2.0/24', '10.0.0.0/8', '198.51.100.7', '0.0.0.0/0', '2001:db8::/32', '2001:db8:0:1::/64', '2001:db8::1',
  'fe80::/10', '::/0', '::ffff:0:0/96', '2001:db8:a:b:c:d:e:f/128', '2001:db8::/31', '2001:db8::/33'];
const ADDRESSES = ['192.0.2.1', '192.0.3.1', '10.255.0.1', '11.0.0.1', '198.51.100.7', '198.51.100.8', '2001:db8::1', '2001:db8::2',
  '2001:db8:0:1::5', '2001:db8:0:2::5', '2001:db9::1', '2001:db8:8000::1', '2001:0db8:0000:0001:0000:0000:0000:0005', 'fe80::1',
  'febf::1', 'fec0::1', '::1', '::', '::ffff:192.0.2.1', '2001:db8:a:b:c:d:e:f', '2001:db8:a:b:c:d:e:e'];

function reference(entry: string, address: string): boolean {
  const [base, bits] = entry.split('/');
  const type = isIPv6(base) ? 'ipv6' : 'ipv4';
  if ((type === 'ipv6') !== isIPv6(address)) return false;
  const list = new BlockList();
  if (bits === undefined) list.addAddress(base, type);
  else list.addSubnet(base, Number(bits), type);
  return list.check(address, type);
}

test('every entry matches the addresses net.BlockList matches, IPv4 and IPv6', () => {
  for (const entry of ENTRIES) {
    const allowed = makeAllowList(entry);
    for (const address of ADDRESSES) assert.equal(allowed(address), reference(entry, address), `${entry} ~ ${address}`);
  }
  const both = makeAllowList('192.0.2.0/24, 2001:db8::/32');
  assert.deepEqual(['192.0.2.9', '2001:db8::9', '192.0.3.9', '2001:db9::9'].map(both), [true, true, false, false]);
  assert.equal(makeAllowList('')('2001:db8::1'), true, 'an empty list allows all');
});

test('a bad entry is refused with its text', () => {
  for (const bad of ['1::2::3/64', '2001:db8::/129', 'zz::/8', '192.0.2.0/33', '192.0.2.0/', '192.0.2.0/-1', '192.0.2.0/8.5', 'exporter.example', '2001:db8::1x']) {
    assert.throws(() => makeAllowList(bad), new RegExp(`invalid allow-list entry "${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`), bad);
  }
});
