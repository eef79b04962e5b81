// Networks (longest-prefix match, direction), sampling overrides, exporter names, IF-MIB tables.
// References: Python's ipaddress module for prefix matching, getent (the system resolver) for
// reverse names, the sampling contract for scaling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  AddressCache, ExporterNamesStep, FlowEnricher, interfaceTableFromIfMib, IF_MIB, InterfacesStep, LruCache, NetworksStep, parseExporterNames, parseNetworks,
  parseSamplingRules, SamplingStep, type LruCounters, type NetworkEntry,
} from '../../nodes/common/enrich';
import type { FlowRecord } from '../../nodes/common/flow';
import { requireCommands } from '../helpers/real';
import { randomIpv4, randomIpv6, seeded } from '../helpers/mmdb';
import { waitUntil } from '../helpers/node-red';

test('networks: longest-prefix match agrees with Python ipaddress for IPv4 and IPv6', (t) => {
  if (!requireCommands(t, 'python3')) return;
  const next = seeded(1313);
  const networks: NetworkEntry[] = [];
  for (let i = 0; i < 200; i++) {
    const v6 = i % 4 === 0;
    const length = v6 ? 8 + (next() % 57) : next() % 33;
    const address = v6 ? randomIpv6(next) : randomIpv4(next);
    // Python wants the network address; derive it there too (strict=False) so both sides see one prefix.
    networks.push({ cidr: `${address}/${length}`, name: `net${i}`, role: i % 5 === 0 ? 'external' : 'internal' });
  }
  networks.push({ cidr: '10.0.0.0/8', name: 'campus' }, { cidr: '10.1.0.0/16', name: 'lab' }, { cidr: '0.0.0.0/0', name: 'world', role: 'external' });
  const addresses = ['10.1.2.3', '10.2.0.1', '::1'];
  for (let i = 0; i < 1500; i++) addresses.push(i % 3 === 0 ? randomIpv6(next) : randomIpv4(next));
  // Addresses inside listed networks (the network address itself, as Python normalises it).
  for (const n of networks.slice(0, 100)) addresses.push(n.cidr.split('/')[0]);
  const python = `
import ipaddress, json, sys
data = json.load(sys.stdin)
nets = [(ipaddress.ip_network(n, strict=False), i) for i, n in enumerate(data['nets'])]
out = []
for a in data['addrs']:
    ip = ipaddress.ip_address(a)
    best = None
    for net, i in nets:
        if ip.version == net.version and ip in net and (best is None or net.prefixlen >= nets[best][0].prefixlen):
            best = i
    out.append(best)
print(json.dumps(out))`;
  const want = JSON.parse(execFileSync('python3', ['-c', python], { input: JSON.stringify({ nets: networks.map((n) => n.cidr), addrs: addresses }) }).toString()) as Array<number | null>;
  const step = new NetworksStep({ networks });
  let matched = 0;
  addresses.forEach((address, i) => {
    const record: FlowRecord = address.includes(':') ? { sourceIPv6Address: address } : { sourceIPv4Address: address };
    step.apply(record);
    const w = want[i];
    assert.equal(record.sourceNetworkName, w === null ? undefined : networks[w].name, address);
    if (w !== null) matched++;
  });
  assert.ok(matched > 500, `matched ${matched}`);
  // Through FlowEnricher's shared address cache, small enough to evict, over the addresses three
  // times (so answers come from lookups, hits and lookups again after eviction): the same answers.
  const enricher = new FlowEnricher({ networks: { networks }, cacheSize: 64 });
  for (let round = 0; round < 3; round++) {
    addresses.forEach((address, i) => {
      const record: FlowRecord = address.includes(':') ? { sourceIPv6Address: address } : { sourceIPv4Address: address };
      enricher.enrich([record]);
      const w = want[i];
      assert.equal(record.sourceNetworkName, w === null ? undefined : networks[w].name, `${address} (round ${round})`);
    });
    for (let i = 0; i < 500; i++) enricher.enrich([{ sourceIPv4Address: addresses[0] }]);
  }
  const cache = (enricher.counters().addresses as { cache: LruCounters }).cache;
  assert.ok(cache.hits >= 1499 && cache.evictions > 0 && cache.size <= 2 * 64, JSON.stringify(cache));
});

test('networks: direction from which side is ours (external role is not ours)', () => {
  const step = new NetworksStep({ networks: parseNetworks('10.0.0.0/8 campus internal\n# partner\n192.0.2.0/24 partner external\n2001:db8::/32 v6lab\n') });
  const dir = (s: string, d: string) => {
    const r: FlowRecord = {};
    if (s.includes(':')) r.sourceIPv6Address = s; else r.sourceIPv4Address = s;
    if (d.includes(':')) r.destinationIPv6Address = d; else r.destinationIPv4Address = d;
    step.apply(r);
    return r;
  };
  assert.equal(dir('10.1.1.1', '10.2.2.2').networkDirection, 'internal');
  assert.equal(dir('10.1.1.1', '8.8.8.8').networkDirection, 'outbound');
  assert.equal(dir('8.8.8.8', '2001:db8::5').networkDirection, 'inbound');
  const r = dir('192.0.2.1', '8.8.8.8');
  assert.equal(r.networkDirection, 'external');
  assert.equal(r.sourceNetworkName, 'partner');
  assert.equal(r.sourceNetworkRole, 'external');
  assert.equal(r.destinationNetworkName, undefined);
  assert.deepEqual((step.counters() as { directions: unknown }).directions, { inbound: 1, outbound: 1, internal: 1, external: 1 });
  assert.throws(() => parseNetworks('10.0.0.0/33 x'), /line 1: .*0\.\.32/);
  assert.throws(() => parseNetworks('\n10.0.0.0/8'), /line 2: expected "CIDR name \[role\]"/);
});

test('sampling: a rate only where the record has none, counts scaled at most once', () => {
  const rules = parseSamplingRules('192.0.2.0/24 100\n192.0.2.9 7 # this router samples 1:7\n');
  const step = new SamplingStep({ defaultRules: rules, defaultRate: 10, scale: true });
  const make = (extra: FlowRecord): FlowRecord => ({ octetDeltaCount: 1500, packetDeltaCount: 3, ...extra });
  const fromSubnet = make({});
  step.apply(fromSubnet, { exporter: { address: '192.0.2.1' } });
  assert.deepEqual(fromSubnet, { octetDeltaCount: 150000, packetDeltaCount: 300, samplingInterval: 100, samplingScaled: true });
  const exact = make({ exporter: { address: '192.0.2.9', port: 9995 } });
  step.apply(exact, {});
  assert.equal(exact.samplingInterval, 7);
  assert.equal(exact.packetDeltaCount, 21);
  // Its own rate wins over any override; already scaled is never scaled again.
  const own = make({ samplingInterval: 4 });
  step.apply(own, { exporter: { address: '192.0.2.1' } });
  assert.equal(own.samplingInterval, 4);
  assert.equal(own.octetDeltaCount, 6000);
  step.apply(own, { exporter: { address: '192.0.2.1' } });
  assert.equal(own.octetDeltaCount, 6000, 'a second pass leaves scaled counts alone');
  const dflt = make({ octetDeltaCount: 2n ** 60n });
  step.apply(dflt, { exporter: { address: '198.51.100.1' } });
  assert.equal(dflt.octetDeltaCount, 2n ** 60n * 10n);
  const noScale = new SamplingStep({ defaultRules: rules });
  const missing = make({});
  noScale.apply(missing, { exporter: { address: '198.51.100.1' } });
  assert.equal(missing.samplingInterval, undefined);
  const set = make({});
  noScale.apply(set, { exporter: { address: '192.0.2.1' } });
  assert.deepEqual(set, { octetDeltaCount: 1500, packetDeltaCount: 3, samplingInterval: 100 });
  assert.deepEqual(noScale.counters(), { rateSet: 1, overridden: 0, overrideTooLate: 0, scaled: 0, alreadyScaled: 0, rateMissing: 1 });
  assert.deepEqual(step.counters(), { rateSet: 3, overridden: 0, overrideTooLate: 0, scaled: 4, alreadyScaled: 1, rateMissing: 0 });
  assert.throws(() => parseSamplingRules('192.0.2.1 0'), /line 1: sampling rate must be a whole number/);
  assert.throws(() => parseSamplingRules('router1 10'), /line 1: "router1" is not an IP address/);
});

test('sampling: an override replaces the rate the record carries; defaults only fill a missing one', () => {
  const step = new SamplingStep({
    defaultRules: parseSamplingRules('192.0.2.0/24 7'), defaultRate: 5,
    overrideRules: parseSamplingRules('192.0.2.9 1000\n2001:db8::/32 64'), scale: true,
  });
  const make = (extra: FlowRecord): FlowRecord => ({ octetDeltaCount: 1500, packetDeltaCount: 3, ...extra });
  // softflowd's "1 in 1" from options data: a default never applies, the override does.
  const announced = make({ samplingInterval: 1 });
  step.apply(announced, { exporter: { address: '192.0.2.9' } });
  assert.deepEqual(announced, { octetDeltaCount: 1_500_000, packetDeltaCount: 3000, samplingInterval: 1000, samplingScaled: true });
  const sameSubnet = make({ samplingInterval: 1 });
  step.apply(sameSubnet, { exporter: { address: '192.0.2.8' } });
  assert.equal(sameSubnet.samplingInterval, 1, 'a default leaves a carried rate alone');
  assert.equal(sameSubnet.packetDeltaCount, 3);
  // No rate at all from an overridden exporter: the override; from IPv6, by prefix.
  const none = make({});
  step.apply(none, { exporter: { address: '2001:db8::7' } });
  assert.equal(none.samplingInterval, 64);
  assert.equal(none.packetDeltaCount, 192);
  // samplerRandomInterval counts as a carried rate, and the override replaces it too.
  const random = make({ samplerRandomInterval: 100 });
  step.apply(random, { exporter: { address: '192.0.2.9' } });
  assert.equal(random.samplingInterval, 1000);
  // Scaled before this step (the collector applied the exporter's 1 in 4): left alone, counted.
  const early = make({ samplingInterval: 4, samplingScaled: true, packetDeltaCount: 12 });
  step.apply(early, { exporter: { address: '192.0.2.9' } });
  assert.equal(early.samplingInterval, 4);
  assert.equal(early.packetDeltaCount, 12);
  // Running the step again changes nothing.
  step.apply(announced, { exporter: { address: '192.0.2.9' } });
  assert.equal(announced.packetDeltaCount, 3000);
  assert.deepEqual(step.counters(), { rateSet: 0, overridden: 3, overrideTooLate: 1, scaled: 4, alreadyScaled: 2, rateMissing: 0 });
});

test('exporter names: static map, and the system resolver with a cache', { timeout: 60_000 }, async (t) => {
  const names = parseExporterNames('192.0.2.1 edge-1\n2001:db8::1 edge-6\n');
  const fixed = new ExporterNamesStep({ names });
  const r: FlowRecord = {};
  fixed.apply(r, { exporter: { address: '2001:db8::1' } });
  assert.equal(r.exporterName, 'edge-6');
  if (!requireCommands(t, 'getent')) return;
  // The reference: what the system resolver (nsswitch, /etc/hosts) says for 127.0.0.1.
  const want = execFileSync('getent', ['hosts', '127.0.0.1']).toString().trim().split(/\s+/)[1];
  const step = new ExporterNamesStep({ names, reverseDns: true, timeoutMs: 10_000 });
  t.after(() => step.close());
  const first: FlowRecord = {};
  step.apply(first, { exporter: { address: '127.0.0.1' } });
  assert.equal(first.exporterName, undefined, 'the first record does not wait for the lookup');
  await waitUntil('the reverse lookup answers', () => step.nameOf('127.0.0.1') !== undefined, 30_000);
  const second: FlowRecord = {};
  step.apply(second, { exporter: { address: '127.0.0.1' } });
  assert.equal(second.exporterName, want);
  const c = step.counters() as { lookups: number; resolved: number; cache: { hits: number } };
  assert.equal(c.lookups, 1, 'answered from the cache afterwards');
  assert.equal(c.resolved, 1);
});

test('exporter names: a resolver that never answers times out; lookups in flight are bounded', { timeout: 60_000 }, async () => {
  // Fault the real resolver cannot be made to produce on demand: a lookup that hangs until released.
  const pending: Array<(name: string | undefined) => void> = [];
  const hanging = (_address: string) => new Promise<string | undefined>((resolve) => pending.push(resolve));
  const step = new ExporterNamesStep({ reverseDns: true, resolver: hanging, timeoutMs: 50, maxInFlight: 2 });
  for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']) step.apply({}, { exporter: { address } });
  let c = step.counters() as Record<string, number>;
  assert.equal(c.lookups, 2);
  assert.equal(c.skippedBusy, 2);
  assert.equal(c.inFlight, 2);
  await waitUntil('the lookups time out', () => (step.counters() as Record<string, number>).timeouts === 2, 30_000);
  assert.equal((step.counters() as Record<string, number>).inFlight, 2, 'a timed-out lookup holds its slot until the resolver returns');
  for (const resolve of pending) resolve('late.example');
  await waitUntil('slots free', () => (step.counters() as Record<string, number>).inFlight === 0, 30_000);
  c = step.counters() as Record<string, number>;
  assert.equal(step.nameOf('192.0.2.1'), undefined, 'a late answer after the timeout is not used');
  step.close();
});

test('IF-MIB varbinds become a table: ifName, ifAlias, ifHighSpeed in bit/s, ifDescr/ifSpeed as fallbacks', () => {
  const table = interfaceTableFromIfMib([
    { oid: `${IF_MIB.ifName}.2`, value: Buffer.from('eth0') },
    { oid: `${IF_MIB.ifAlias}.2`, value: Buffer.from('uplink to core') },
    { oid: `${IF_MIB.ifHighSpeed}.2`, value: 10000 },
    { oid: `${IF_MIB.ifDescr}.2`, value: Buffer.from('Intel NIC') },
    { oid: `${IF_MIB.ifDescr}.3`, value: Buffer.from('lo') },
    { oid: `${IF_MIB.ifSpeed}.3`, value: 10_000_000 },
    { oid: `${IF_MIB.ifAlias}.3`, value: Buffer.from('') },
  ]);
  assert.deepEqual(table.get(2), { name: 'eth0', description: 'uplink to core', speed: 10_000_000_000 });
  assert.deepEqual(table.get(3), { name: 'lo', speed: 10_000_000 });
});

test('interfaces: a failing source is counted and the record still passes; the table fills later', { timeout: 60_000 }, async () => {
  let fail = true;
  const step = new InterfacesStep({
    retryMs: 0, refreshMs: 60_000,
    source: async () => {
      if (fail) throw new Error('Request timed out');
      return new Map([[5, { name: 'ge-0/0/5', speed: 1e9 }]]);
    },
  });
  const enricher = new FlowEnricher({});
  enricher.steps.push(step);
  const first = { ingressInterface: 5, egressInterface: 6 };
  enricher.enrich([first], { exporter: { address: '192.0.2.1' } });
  assert.deepEqual(first, { ingressInterface: 5, egressInterface: 6 });
  await waitUntil('the failure is counted', () => (step.counters() as Record<string, number>).pollFailures === 1, 30_000);
  fail = false;
  await waitUntil('a retry fills the table', () => {
    const r: FlowRecord = { ingressInterface: 5, egressInterface: 6 };
    step.apply(r, { exporter: { address: '192.0.2.1' } });
    return r.ingressInterfaceName === 'ge-0/0/5' && r.ingressInterfaceSpeed === 1e9 && r.egressInterfaceName === undefined;
  }, 30_000);
  assert.ok((step.counters() as Record<string, number>).unknownIfIndex >= 1);
});


test('the caches are bounded: least recently used entries go first, evictions are counted', () => {
  const cache = new LruCache<string, number>(4);
  for (const k of ['a', 'b', 'c', 'd']) cache.set(k, k.charCodeAt(0));
  cache.get('a'); // a becomes the most recent
  for (const k of ['e', 'f', 'g']) cache.set(k, 0);
  assert.equal(cache.get('a'), 97);
  assert.equal(cache.get('b'), undefined);
  assert.deepEqual(cache.counters(), { size: 4, hits: 2, misses: 1, evictions: 3 });
  // A hot key read again and again survives a stream of new keys.
  const hot = new LruCache<string, number>(100);
  hot.set('hot', 1);
  for (let i = 0; i < 1000; i++) {
    assert.equal(hot.get('hot'), 1, `after ${i} new keys`);
    hot.set(`k${i}`, i);
  }
  assert.equal(hot.counters().size, 100);
  assert.equal(hot.counters().evictions, 901);
});

test('the address cache is bounded: IPv4 and IPv6 alike in an LRU of the size given, keyed by the text', () => {
  const cache = new AddressCache<string>(6);
  let computed = 0;
  const compute = (a: string) => {
    computed++;
    return `answer ${a}`;
  };
  const next = seeded(7);
  const v4 = Array.from({ length: 200 }, () => randomIpv4(next));
  const v6 = Array.from({ length: 200 }, () => randomIpv6(next));
  for (const a of [...v4, ...v6]) assert.equal(cache.get(a, compute), `answer ${a}`);
  assert.equal(computed, 400);
  assert.deepEqual(cache.counters(), { size: 6, hits: 0, misses: 400, evictions: 394 });
  // The last six are kept, and a copy of an address's text (another string object) finds its entry.
  for (const a of v6.slice(-6)) assert.equal(cache.get(a.split(':').join(':'), compute), `answer ${a}`);
  assert.equal(computed, 400);
  // A hot address read between new ones stays.
  for (const a of v4) {
    assert.equal(cache.get('192.0.2.1', compute), 'answer 192.0.2.1');
    cache.get(a, compute);
  }
  assert.equal(computed, 601, 'the hot address computed once, each new one once');
  cache.clear();
  assert.equal(cache.counters().size, 0);
  computed = 0;
  cache.get('192.0.2.1', compute);
  assert.equal(computed, 1, 'forgotten after clear');
  // Size 0 keeps nothing.
  const none = new AddressCache<string>(0);
  none.get('192.0.2.1', compute);
  none.get('192.0.2.1', compute);
  none.get('2001:db8::1', compute);
  assert.deepEqual(none.counters(), { size: 0, hits: 0, misses: 3, evictions: 0 });
});
