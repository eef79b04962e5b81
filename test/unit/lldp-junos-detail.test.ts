// Junos per-neighbour LLDP detail ("LLDP Neighbor Information:" blocks) on real device output.
//
// Source: a Juniper MX80 (Junos 12.3) answering `show lldp neighbors interface xe-0/0/1`, as posted
// at https://pastebin.com/LNcPkrpb (the same block format as `show lldp neighbors detail`). The
// page as stored lost the leading indentation of the sub-section lines; the text is otherwise as
// posted. Expected values are read off the text by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliNeighbors } from '../../nodes/common/lldp';

const MX80_XE_0_0_1 = `pazychev@KRD-SCH-PSE54-R-MX80> show lldp neighbors interface xe-0/0/1
LLDP Neighbor Information:
Local Information:
Index: 13 Time to live: 120 Time mark: Tue Dec 29 14:28:59 2015 Age: 20 secs
Local Interface : xe-0/0/1
Local Port ID : 513
Neighbour Information:
Chassis type : Mac address
Chassis ID : 28:8a:1c:ee:bf:c0
Port type : Interface name
Port ID : xe-0/1/0
Port description : MR-230.24 (PSE-54, Gagarina 36) [xe-0/0/1]
System name : KRD-SCH-OPTS53-P-MX480
System Description : Juniper Networks, Inc. mx480 , version 12.3R8.7 Build date: 2014-09-19 16:45:07 UTC
System capabilities
Supported: Bridge Router
Enabled : Bridge Router
Management address
Address Type : IPv4(1)
Address : 85.174.230.126
Interface Number : 586
Interface Subtype : ifIndex(2)
OID : 1.3.6.1.2.1.31.1.1.1.1.74.
Organization Info
OUI : IEEE 802.3 Private (0x00120f)
Subtype : MAC/PHY Configuration/Status (1)
Info : Autonegotiation [supported, not enabled (0x1)], PMD Autonegotiation Capability (0x6c1d), MAU Type (0x0)
Index : 1
Organization Info
OUI : IEEE 802.3 Private (0x00120f)
Subtype : Link Aggregation (3)
Info : Aggregation Status (0x1), Aggregation Port ID (0)
Index : 2
Organization Info
OUI : IEEE 802.3 Private (0x00120f)
Subtype : Maximum Frame Size (4)
Info : MTU Size (9192)
Index : 3
pazychev@KRD-SCH-PSE54-R-MX80>
`;

const EXPECTED = {
  localPort: 'xe-0/0/1',
  chassisId: '28:8a:1c:ee:bf:c0',
  portIdSubtype: 'interface name',
  portId: 'xe-0/1/0',
  portDescription: 'MR-230.24 (PSE-54, Gagarina 36) [xe-0/0/1]',
  systemName: 'KRD-SCH-OPTS53-P-MX480',
  systemDescription: 'Juniper Networks, Inc. mx480 , version 12.3R8.7 Build date: 2014-09-19 16:45:07 UTC',
  ttl: 120,
  capabilities: ['bridge', 'router'],
  managementAddresses: ['85.174.230.126'],
};

test('Junos LLDP neighbour detail block (real MX80 output)', () => {
  // "Local Port ID : 513" (local ifIndex), "Index : 1" and "Aggregation Port ID (0)" must not leak into the neighbour.
  assert.deepEqual(parseCliNeighbors(MX80_XE_0_0_1, 'junos'), [EXPECTED]);
});

test('Junos detail: indented sub-sections and several blocks', () => {
  // The device indents sub-section lines; the same real block, indented as the CLI prints it, twice.
  const indented = MX80_XE_0_0_1.split('\n').map((l) => (/^(Supported|Enabled|Address|Interface|OID|OUI|Subtype|Info|Index) ?/.test(l) ? `  ${l}` : l)).join('\n');
  const body = indented.split('\n').filter((l) => !l.includes('@KRD-SCH')).join('\n');
  const two = body + '\n' + body.replace('xe-0/0/1\n', 'xe-0/0/2\n');
  const neighbors = parseCliNeighbors(two, 'junos');
  assert.deepEqual(neighbors, [EXPECTED, { ...EXPECTED, localPort: 'xe-0/0/2' }]);
});

test('Junos: an error reply is still an error', () => {
  assert.throws(() => parseCliNeighbors("error: syntax error, expecting <command>: detail", 'junos'), /no "Local Interface .*LLDP Neighbor Information/);
});
