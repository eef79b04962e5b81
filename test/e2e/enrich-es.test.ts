// @runtime: primary (enrichment and ECS arithmetic; examples.test.ts deploys the enrich examples on both runtimes)
// Enriched flows into Elasticsearch, end to end: softflowd exports NetFlow v5 without sampling
// information (its v5 header says 0; its v9/IPFIX options say 1 in 1) from a capture this test writes; flow collector -> flow enrich (GeoIP City + AS
// databases, networks, a sampling rate of 10 for this exporter, scaling on) -> es bulk (ECS, with
// its own "scale by sampling" on too). Elasticsearch must hold the packets scaled exactly once
// (tshark's count x 10), a geo_distance query must return the flows whose destination
// mmdblookup places there, and a terms aggregation on destination.as.number must give per AS what
// the AS database (read by mmdblookup) and the capture say.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elasticsearchMissing } from '../helpers/elasticsearch';
import { waitUntil } from '../helpers/node-red';
import { hasCommand, requireCommands, requireReal } from '../helpers/real';
import { writeTrafficPcap, type TrafficFlow } from '../helpers/flow-traffic';
import { bulkStats, esFlow, esStack, freeUdpPort } from '../helpers/es-flow';
import { CITY_IPV4, mmdblookupAll, writeAsnDatabase, type FlatRecord } from '../helpers/mmdb';

const RATE = 10;
// Destinations in the GeoLite2 City data (and one it lacks); sources in our 10/8.
const FLOWS: TrafficFlow[] = [
  { src: '10.0.0.1', dst: '8.8.8.8', srcPort: 40001, dstPort: 53, protocol: 17, packets: 7, ipLength: 80 },
  { src: '10.0.0.2', dst: '81.2.69.142', srcPort: 40002, dstPort: 443, protocol: 6, packets: 11, ipLength: 400 },
  { src: '10.0.0.3', dst: '89.160.20.112', srcPort: 40003, dstPort: 443, protocol: 6, packets: 5, ipLength: 1200 },
  { src: '10.0.0.4', dst: '175.16.199.1', srcPort: 40004, dstPort: 80, protocol: 6, packets: 9, ipLength: 600 },
  { src: '10.0.0.5', dst: '81.2.69.160', srcPort: 40005, dstPort: 80, protocol: 6, packets: 3, ipLength: 100 },
  { src: '10.0.0.6', dst: '203.0.113.5', srcPort: 40006, dstPort: 80, protocol: 6, packets: 4, ipLength: 100 },
];

let dir = '';
let port = 0;
const missing = elasticsearchMissing();

const stack = esStack(missing ?? (hasCommand('perl') ? undefined : 'perl is missing'));

before(async () => {
  if (missing || !hasCommand('perl')) return;
  dir = mkdtempSync(join(tmpdir(), 'wirescope-enrich-es-'));
  writeTrafficPcap(join(dir, 'traffic.pcap'), FLOWS);
  await writeAsnDatabase(join(dir, 'asn.mmdb'), [
    { network: '8.8.8.0/24', number: 15169, organization: 'Google LLC' },
    { network: '81.2.69.0/24', number: 20712, organization: 'Andrews & Arnold' },
    { network: '89.160.0.0/16', number: 29518, organization: 'Bredband2' },
  ]);
  port = await freeUdpPort();
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Great-circle distance in metres (haversine), to know which destinations lie within the query radius. */
function metres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

test('softflowd -> collector -> flow enrich -> es bulk: scaled once, geo_distance and AS terms as the databases say', { timeout: 600_000 }, async (t: TestContext) => {
  if (!requireReal(t, !missing, missing ?? '') || !requireCommands(t, 'softflowd', 'tshark', 'mmdblookup', 'perl')) return;
  const index = 'enriched-%Y.%m.%d';
  const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix: 'en', bulk: { shape: 'ecs', scaleBySampling: true, index, idMode: 'hash', opType: 'create', installTemplate: true, replicas: '0', flushMs: 100 } });
  await stack.nodeRed!.deploy([
    ...flow.nodes,
    { id: 'en-collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', output: 'datagram', persist: false, applySampling: false, wires: [['en-enrich'], [], []] },
    {
      id: 'en-enrich', type: 'wirescope-flow-enrich', geoipFiles: `${CITY_IPV4}\n${join(dir, 'asn.mmdb')}`, watchSeconds: 0,
      networks: '10.0.0.0/8 lab internal', samplingRules: `127.0.0.1 ${RATE}`, samplingScale: true, wires: [['en-bulk'], []],
    },
  ], flow.credentials);
  await stack.nodeRed!.waitForStatus('en-collector', (s) => String(s.text).includes('listening'));
  // Let flow enrich load its databases before the first record (a record before that passes unenriched).
  await stack.nodeRed!.waitForStatus('en-enrich', (s) => String(s.text).includes('rec'), 60_000);
  await new Promise<void>((resolve, reject) => execFile('softflowd', ['-r', join(dir, 'traffic.pcap'), '-n', `127.0.0.1:${port}`, '-v', '5'], { timeout: 60000 }, (err) => (err ? reject(err) : resolve())));

  // tshark: packets per destination in the capture.
  const perDestination = new Map<string, number>();
  for (const line of execFileSync('tshark', ['-r', join(dir, 'traffic.pcap'), '-T', 'fields', '-e', 'ip.dst']).toString().trim().split('\n')) {
    perDestination.set(line, (perDestination.get(line) ?? 0) + 1);
  }
  const totalPackets = [...perDestination.values()].reduce((a, b) => a + b, 0);
  const wildcard = 'enriched-*';
  await waitUntil('every exported packet indexed', async () => {
    try {
      await stack.es!.request('POST', `/${wildcard}/_refresh`);
      const r = await stack.es!.request('POST', `/${wildcard}/_search`, { size: 0, aggs: { p: { sum: { field: 'network.packets' } } } });
      return r.aggregations.p.value >= totalPackets * RATE;
    } catch { return false; }
  }, 120_000, 500);
  const sum = (await stack.es!.request('POST', `/${wildcard}/_search`, { size: 0, aggs: { p: { sum: { field: 'network.packets' } } } })).aggregations.p.value;
  assert.equal(sum, totalPackets * RATE, 'packets scaled exactly once (flow enrich scaled, es bulk saw samplingScaled)');
  const stats = await bulkStats(stack.nodeRed!, stack.sink!, 'en');
  assert.equal(stats.failed, 0);

  // The databases' answers, from mmdblookup.
  const destinations = [...perDestination.keys()];
  const city = await mmdblookupAll(CITY_IPV4, destinations);
  const asn = await mmdblookupAll(join(dir, 'asn.mmdb'), destinations);
  const located = destinations.filter((d) => city.get(d)?.latitude !== undefined);
  assert.ok(located.length >= 4 && located.length < destinations.length, 'some destinations located, one not');

  // geo_distance around where mmdblookup puts 81.2.69.142, 50 km.
  const centre = city.get('81.2.69.142') as FlatRecord;
  const at = { lat: centre.latitude as number, lon: centre.longitude as number };
  const near = new Set(located.filter((d) => metres(at, { lat: city.get(d)!.latitude as number, lon: city.get(d)!.longitude as number }) <= 50_000));
  const geo = await stack.es!.request('POST', `/${wildcard}/_search`, {
    size: 100, _source: ['destination.ip', 'destination.geo'],
    query: { geo_distance: { distance: '50km', 'destination.geo.location': at } },
  });
  const hitDestinations = new Set(geo.hits.hits.map((h: any) => h._source.destination.ip as string));
  assert.deepEqual(hitDestinations, near);
  assert.ok(near.size >= 1);
  for (const h of geo.hits.hits) assert.equal(h._source.destination.geo.country_iso_code, city.get(h._source.destination.ip)!.country_code);

  // Terms on destination.as.number: packets per AS = capture packets of the AS's destinations x rate.
  const expected = new Map<number, number>();
  for (const d of destinations) {
    const n = asn.get(d)?.autonomous_system_number;
    if (typeof n === 'number') expected.set(n, (expected.get(n) ?? 0) + perDestination.get(d)! * RATE);
  }
  const terms = await stack.es!.request('POST', `/${wildcard}/_search`, {
    size: 0, aggs: { as: { terms: { field: 'destination.as.number', size: 50 }, aggs: { p: { sum: { field: 'network.packets' } } } } },
  });
  assert.deepEqual(new Map(terms.aggregations.as.buckets.map((b: { key: number; p: { value: number } }) => [b.key, b.p.value])), expected);

  // The mapping Kibana needs, and the other enrichment fields in ECS.
  const mapping = await stack.es!.request('GET', `/${wildcard}/_mapping/field/destination.geo.location`);
  assert.equal((Object.values(mapping)[0] as any).mappings['destination.geo.location'].mapping.location.type, 'geo_point');
  const one = (await stack.es!.request('POST', `/${wildcard}/_search`, { size: 1, query: { term: { 'destination.ip': '8.8.8.8' } } })).hits.hits[0]._source;
  assert.equal(one.network.direction, 'outbound');
  assert.equal(one.destination.as.organization.name, asn.get('8.8.8.8')!.autonomous_system_organization);
  assert.equal(one.netflow.sampling_interval, RATE);
});
