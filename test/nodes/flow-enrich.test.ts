// flow enrich in Node-RED's test runtime: GeoIP/AS answers equal mmdblookup, networks, sampling
// overrides, records left without a rate (stats and status), bad configuration, and interface
// names from a real snmpd serving the IF-MIB of a network namespace (an interface description changed on the device, ifAlias, and a link renamed
// on the device, both picked up at the next refresh; an agent that does not answer is counted and
// records still pass). The rename is a link removed and made again under a new name with the same
// ifIndex: net-snmp never shows a rename in place in ifName (see the test, snmp-agent.ts and
// docs/enrich.md).
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { CITY_IPV4, mmdblookupAll, writeAsnDatabase } from '../helpers/mmdb';
import { freeUdpPort, waitUntil } from '../helpers/node-red';
import { createVethHost, type VethHost } from '../helpers/netns';
import { hasCommand, isRoot, requireCommands, requireReal } from '../helpers/real';
import { kernelLinks, snmpGetValue, startIfMibAgent, type SnmpAgent } from '../helpers/snmp-agent';

/* eslint-disable @typescript-eslint/no-require-imports */
const enrichNode = require('../../nodes/flow-enrich/flow-enrich.ts');
const credentialsNode = require('../../nodes/lldp-credentials/lldp-credentials.ts');
/* eslint-enable @typescript-eslint/no-require-imports */

helper.init(require.resolve('node-red'));
const dir = mkdtempSync(join(tmpdir(), 'wirescope-enrich-node-'));
const asnFile = join(dir, 'asn.mmdb');

before(async () => {
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  if (hasCommand('perl')) await writeAsnDatabase(asnFile, [{ network: '8.8.8.0/24', number: 15169, organization: 'Google LLC' }, { network: '2001:db8::/32', number: 64496, organization: 'Doc' }]);
});
after(async () => {
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => helper.unload());

function load(flow: object[], credentials: object = {}): Promise<void> {
  return new Promise((resolve) => helper.load([enrichNode, credentialsNode] as never, flow as never, credentials as never, () => resolve()));
}

function nextMessage(id: string): Promise<any> {
  return new Promise((resolve) => helper.getNode(id).once('input', resolve));
}

/** Sends a message and waits for the node to finish it (done or done(err)). */
function run(id: string, msg: object): Promise<Error | undefined> {
  const node = helper.getNode(id) as any;
  return new Promise((resolve) => {
    node.once('call:error', (call: any) => resolve(call.args[0]));
    node.receive(msg);
    setImmediate(() => setImmediate(() => resolve(undefined)));
  });
}

test('flow enrich adds GeoIP/AS (as mmdblookup says), networks and direction, and a sampling rate scaled once', async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'perl')) return;
  await load([
    { id: 'e', type: 'wirescope-flow-enrich', geoipFiles: `${CITY_IPV4}\n# comment\n${asnFile}`, watchSeconds: 0, networks: '10.0.0.0/8 campus internal',
      samplingRules: '192.0.2.0/24 100', samplingDefault: '', samplingScale: true, exporterNames: '192.0.2.1 edge-1', wires: [['out'], ['stats']] },
    { id: 'out', type: 'helper' }, { id: 'stats', type: 'helper' },
  ]);
  const enrich = helper.getNode('e') as any;
  const [city, asn] = [await mmdblookupAll(CITY_IPV4, ['8.8.8.8']), await mmdblookupAll(asnFile, ['8.8.8.8'])];
  let out: any;
  await waitUntil('the GeoIP answer arrives', async () => {
    const got = nextMessage('out');
    enrich.receive({ exporter: { address: '192.0.2.1', port: 2055 }, payload: [
      { sourceIPv4Address: '10.1.2.3', destinationIPv4Address: '8.8.8.8', octetDeltaCount: 100, packetDeltaCount: 1 },
    ] });
    out = await got;
    // Each file loads on its own; wait for both answers.
    return out.payload[0].destinationAsNumber !== undefined && out.payload[0].destinationCountryIsoCode !== undefined;
  }, 60_000, 200);
  const r = out.payload[0];
  assert.equal(r.destinationCountryIsoCode, city.get('8.8.8.8')!.country_code);
  assert.equal(r.destinationAsNumber, asn.get('8.8.8.8')!.autonomous_system_number);
  assert.equal(r.destinationAsOrganization, asn.get('8.8.8.8')!.autonomous_system_organization);
  assert.equal(r.sourceNetworkName, 'campus');
  assert.equal(r.networkDirection, 'outbound');
  assert.equal(r.exporterName, 'edge-1');
  assert.equal(r.samplingInterval, 100);
  assert.equal(r.octetDeltaCount, 10000);
  assert.equal(r.samplingScaled, true);

  const stats = nextMessage('stats');
  enrich.receive({ topic: 'stats' });
  const s = (await stats).payload;
  assert.ok(s.records >= 1);
  assert.equal(s.geoip.files.length, 2);
  assert.equal(s.geoip.files[0].loaded, true);
});

test('records left without a sampling rate are counted in stats and turn the status yellow', async () => {
  await load([
    { id: 'e', type: 'wirescope-flow-enrich', samplingRules: '192.0.2.0/24 100', samplingDefault: '', samplingScale: true, wires: [['out'], ['stats']] },
    { id: 'out', type: 'helper' }, { id: 'stats', type: 'helper' },
  ]);
  const enrich = helper.getNode('e') as any;
  // The helper has no message catalog for nodes loaded from source: RED._ answers the message id
  // (en-US: "__records__ rec, __missing__ no rate"), so the colour says whether records lack a rate.
  const statuses = () => enrich.status.getCalls().map((c: any) => c.args[0]);
  const record = () => ({ sourceIPv4Address: '10.1.2.3', destinationIPv4Address: '10.4.5.6', octetDeltaCount: 100, packetDeltaCount: 1 });
  const got = nextMessage('out');
  // The first exporter is in a listed subnet; the second is not, and no default rate is set.
  enrich.receive({ exporter: { address: '192.0.2.1', port: 2055 }, payload: [record()] });
  assert.equal((await got).payload[0].samplingInterval, 100);
  await waitUntil('a green status while every record has a rate', () => statuses().some((s: any) => s.fill === 'green'), 30_000);
  assert.ok(!statuses().some((s: any) => s.fill === 'yellow'));
  const unrated = nextMessage('out');
  enrich.receive({ exporter: { address: '198.51.100.9', port: 2055 }, payload: [record(), record()] });
  const left = (await unrated).payload;
  assert.deepEqual(left.map((r: any) => [r.samplingInterval, r.octetDeltaCount, r.samplingScaled]), [[undefined, 100, undefined], [undefined, 100, undefined]]);
  const stats = nextMessage('stats');
  enrich.receive({ topic: 'stats' });
  assert.equal((await stats).payload.sampling.rateMissing, 2);
  assert.equal((await stats).payload.rejected, 0, 'yellow can only mean records without a rate');
  await waitUntil('a yellow status once records lack a rate', () => statuses().some((s: any) => s.fill === 'yellow' && s.text === 'flow-enrich.status.running'), 30_000);
});

test('a bad configuration fails each message with a readable error and a red status', async () => {
  await load([{ id: 'e', type: 'wirescope-flow-enrich', networks: '10.0.0.0/8', wires: [[], []] }]);
  const enrich = helper.getNode('e') as any;
  assert.ok(enrich.status.calledWithMatch({ fill: 'red' }));
  const err = await run('e', { payload: [{}] });
  assert.match(String(err), /networks line 1/);
});

test('bad input is refused with done(err); a missing database is reported and records still pass', async () => {
  await load([
    { id: 'e', type: 'wirescope-flow-enrich', geoipFiles: join(dir, 'absent.mmdb'), watchSeconds: 0, wires: [['out'], []] },
    { id: 'out', type: 'helper' },
  ]);
  const enrich = helper.getNode('e') as any;
  await waitUntil('the load error is logged', () => enrich.error.getCalls().some((c: any) => /absent\.mmdb/.test(String(c.args[0]))), 30_000);
  const err = await run('e', { payload: 42 });
  assert.match(String(err), /flow record|bad-input/);
  const got = nextMessage('out');
  enrich.receive({ payload: { sourceIPv4Address: '8.8.8.8' } });
  assert.equal((await got).payload.sourceIPv4Address, '8.8.8.8');
});

let host: VethHost | undefined;
let agent: SnmpAgent | undefined;
after(async () => {
  await agent?.stop();
  host?.remove();
});

test('interface names from a real snmpd (IF-MIB); a description changed and a link renamed on the device are picked up; an unreachable agent is counted', { timeout: 300_000 }, async (t) => {
  if (!requireReal(t, isRoot, 'needs root: network namespaces') || !requireCommands(t, 'snmpd', 'snmpset', 'snmpget', 'ip')) return;
  host = createVethHost();
  const port = await freeUdpPort();
  agent = startIfMibAgent(host, port);
  const remote = host.remoteInterface;
  const links = kernelLinks(host);
  const ifIndex = [...links].find(([, l]) => l.name === remote)![0];
  await load([
    { id: 'creds', type: 'wirescope-lldp-credentials', snmpVersion: '2c' },
    { id: 'e', type: 'wirescope-flow-enrich', snmp: true, login: 'creds', snmpPort: port, snmpRefresh: 1, snmpTimeout: 1000, wires: [['out'], ['stats']] },
    { id: 'out', type: 'helper' }, { id: 'stats', type: 'helper' },
  ], { creds: { community: agent.community } });
  const enrich = helper.getNode('e') as any;
  const flowFrom = async (exporter: string) => {
    const got = nextMessage('out');
    enrich.receive({ exporter: { address: exporter, port: 2055 }, payload: [{ ingressInterface: ifIndex, egressInterface: 1 }] });
    return (await got).payload[0];
  };
  let r: any;
  await waitUntil('snmpd answers with the interface table', async () => {
    r = await flowFrom(agent!.address);
    return r.ingressInterfaceName !== undefined;
  }, 120_000, 500);
  assert.equal(r.ingressInterfaceName, remote);
  assert.equal(r.ingressInterfaceDescription, undefined, 'an empty ifAlias is no description');
  assert.equal(r.ingressInterfaceSpeed, Number(snmpGetValue(agent, `1.3.6.1.2.1.31.1.1.1.15.${ifIndex}`)) * 1e6, 'ifHighSpeed in bit/s');
  assert.equal(r.egressInterfaceName, links.get(1)!.name, 'ifIndex 1 is the namespace loopback');

  // The interface described anew on the device (ifAlias, set over SNMP): the next refresh (1 s here) shows it.
  agent.setAlias(ifIndex, 'uplink to core');
  await waitUntil('the new description is seen', async () => (await flowFrom(agent!.address)).ingressInterfaceDescription === 'uplink to core', 120_000, 500);

  // A link renamed on the device: removed and made again under a new name with the same ifIndex.
  // (`ip link set name` keeps the ifIndex, and net-snmp then keeps serving the old ifName by
  // design: ifTable_data_access.c logs "Name of an interface changed. Such interfaces will keep
  // its old name in IF-MIB." So the link goes, the agent drops its row, interface_fadeout 1 s,
  // see snmp-agent.ts, and the link comes back as a new row of the same index.)
  // Both ends get their ifIndex (else the peer, made first, could take the free one we chose).
  const renamedIndex = Math.max(...kernelLinks(host).keys()) + 1;
  const ifNameAt = (index: number) => snmpGetValue(agent!, `1.3.6.1.2.1.31.1.1.1.1.${index}`);
  const makeLink = (name: string) => host!.exec('ip', 'link', 'add', 'name', name, 'index', String(renamedIndex), 'type', 'veth', 'peer', 'name', `${name}p`, 'index', String(renamedIndex + 1));
  makeLink('wsold0');
  const flowOn = async () => {
    const got = nextMessage('out');
    enrich.receive({ exporter: { address: agent!.address, port: 2055 }, payload: [{ ingressInterface: renamedIndex }] });
    return (await got).payload[0].ingressInterfaceName as string | undefined;
  };
  await waitUntil('the new link is named', async () => (await flowOn()) === 'wsold0', 120_000, 500);
  host.exec('ip', 'link', 'del', 'wsold0');
  await waitUntil('the agent drops the removed link', async () => ifNameAt(renamedIndex).startsWith('No Such'), 120_000, 500);
  makeLink('wsnew0');
  assert.equal(kernelLinks(host).get(renamedIndex)?.name, 'wsnew0', 'the kernel gave the link its old ifIndex');
  await waitUntil('the renamed link is seen', async () => (await flowOn()) === 'wsnew0', 120_000, 500);
  assert.equal(ifNameAt(renamedIndex), '"wsnew0"', 'the agent says the same (snmpget quotes a string)');

  // An exporter whose address has no agent: the flow passes unnamed, the failure is counted.
  const silent = host.localAddress;
  const unnamed = await flowFrom(silent);
  assert.equal(unnamed.ingressInterfaceName, undefined);
  assert.equal(unnamed.ingressInterface, ifIndex);
  await waitUntil('the failed poll is counted', async () => {
    const stats = nextMessage('stats');
    enrich.receive({ topic: 'stats' });
    return (await stats).payload.interfaces.pollFailures >= 1;
  }, 60_000, 500);
});

test('the example flows configure flow enrich cleanly', async () => {
  for (const file of ['flow-enrich-to-elasticsearch.json', 'flow-enrich-aggregate-country-as.json']) {
    const flow = JSON.parse(readFileSync(join(__dirname, '../../examples', file), 'utf8')) as Array<{ type: string; z?: string; x?: number; y?: number }>;
    // Without its tab (and so without editor coordinates, which the runtime then ignores), wired to nothing.
    const nodes = flow.filter((n) => n.type === 'wirescope-flow-enrich').map(({ z: _z, x: _x, y: _y, ...n }) => ({ ...n, wires: [[], []] }));
    assert.equal(nodes.length, 1, file);
    await load(nodes);
    const enrich = helper.getNode((nodes[0] as unknown as { id: string }).id) as any;
    assert.ok(!enrich.status.calledWithMatch({ fill: 'red' }), `${file}: no red status`);
    assert.equal(enrich.error.callCount, 0, `${file}: no error`);
    await helper.unload();
  }
});
