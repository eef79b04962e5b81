// GeoIP/AS enrichment against libmaxminddb's mmdblookup on the same files: the GeoLite2 City
// build shipped by @ip-location-db and an AS database written by MaxMind's Perl writer, for
// thousands of IPv4 and IPv6 addresses, many of which the databases do not hold.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, mkdtempSync, rmSync, writeFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowEnricher, GeoIpStep, MmdbFile, NetworksStep, type LruCounters, type NetworkEntry } from '../../nodes/common/enrich';
import type { FlowRecord } from '../../nodes/common/flow';
import { hasCommand, requireCommands } from '../helpers/real';
import {
  CITY_IPV4, CITY_IPV6, expectedGeo, mmdblookupAll, randomIpv4, randomIpv6, seeded, writeAsnDatabase, type AsRow, type FlatRecord,
} from '../helpers/mmdb';
import { waitUntil } from '../helpers/node-red';

const dir = mkdtempSync(join(tmpdir(), 'wirescope-geoip-'));
const asnFile = join(dir, 'asn.mmdb');
const next = seeded(0x5eed13);

/** AS rows over random IPv4 /8../24 and IPv6 /16../48 networks (numbers and names invented). */
function asRows(count: number): AsRow[] {
  const rows: AsRow[] = [];
  for (let i = 0; i < count; i++) {
    const v6 = i % 3 === 0;
    const length = v6 ? 16 + (next() % 33) : 8 + (next() % 17);
    const base = v6 ? randomIpv6(next) : randomIpv4(next);
    rows.push({ network: `${base}/${length}`, number: 64_512 + (next() % 100_000), organization: `Org ${i} — Ünïcode Ltd` });
  }
  return rows;
}

let rows: AsRow[] = [];
const canRun = hasCommand('mmdblookup') && hasCommand('perl');

before(async () => {
  if (!canRun) return;
  rows = asRows(600);
  await writeAsnDatabase(asnFile, rows);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('GeoIP and AS answers equal mmdblookup for thousands of IPv4 and IPv6 addresses', { timeout: 600_000 }, async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'perl')) return;
  const v4: string[] = ['10.1.2.3', '192.168.0.1', '127.0.0.1', '0.0.0.0', '255.255.255.255', '8.8.8.8', '1.1.1.1'];
  const v6: string[] = ['::1', 'fe80::1', 'fc00::1', '2001:db8::1', '2001:4860:4860::8888', '::ffff:8.8.8.8'];
  for (let i = 0; i < 1600; i++) v4.push(randomIpv4(next));
  for (let i = 0; i < 900; i++) v6.push(randomIpv6(next));
  // Addresses inside the AS networks, so AS answers are not all "none".
  for (const row of rows.slice(0, 300)) (row.network.includes(':') ? v6 : v4).push(row.network.split('/')[0]);
  const all = [...v4, ...v6];
  const files = [CITY_IPV4, CITY_IPV6, asnFile];
  const answers: Array<Map<string, FlatRecord | null>> = [];
  for (const f of files) answers.push(await mmdblookupAll(f, all));

  const step = new GeoIpStep({ files });
  await step.open();
  t.after(() => step.close());
  let found = 0;
  let missing = 0;
  let withAs = 0;
  for (const address of all) {
    const want = expectedGeo(address, answers);
    const got = step.answer(address);
    // mmdblookup prints floats with 6 decimals.
    if (want.Location && got.Location) {
      assert.ok(Math.abs(want.Location.lat - got.Location.lat) < 1e-6 && Math.abs(want.Location.lon - got.Location.lon) < 1e-6, `${address} location ${JSON.stringify(got.Location)} vs ${JSON.stringify(want.Location)}`);
      got.Location = want.Location;
    }
    // Fields the databases do not give are undefined in an answer (every answer has one shape).
    assert.deepEqual(Object.fromEntries(Object.entries(got).filter(([, v]) => v !== undefined)), want, address);
    if (Object.keys(want).length) found++;
    else missing++;
    if (want.AsNumber !== undefined) withAs++;
  }
  // The comparison means something only if both kinds of answer occur, for both families.
  assert.ok(found > 500 && missing > 300 && withAs > 250, `found ${found}, missing ${missing}, with AS ${withAs}`);
  assert.ok(v6.some((a) => Object.keys(expectedGeo(a, answers)).length > 0), 'some IPv6 addresses are found');
  const c = step.counters() as { lookups: number; notFound: number };
  assert.equal(c.lookups, all.length);
});

test('records get source and destination fields named as the contract says', { timeout: 120_000 }, async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'perl')) return;
  const row = rows.find((r) => !r.network.includes(':'))!;
  const inside = row.network.split('/')[0];
  const [city] = [await mmdblookupAll(CITY_IPV4, ['8.8.8.8'])];
  const ref = city.get('8.8.8.8')!;
  const step = new GeoIpStep({ files: [CITY_IPV4, CITY_IPV6, asnFile] });
  await step.open();
  t.after(() => step.close());
  const record: FlowRecord = { sourceIPv4Address: '8.8.8.8', destinationIPv4Address: inside };
  step.apply(record);
  assert.equal(record.sourceCountryIsoCode, ref.country_code);
  assert.ok(Math.abs((record.sourceLocation as { lat: number }).lat - (ref.latitude as number)) < 1e-6);
  assert.equal(record.destinationAsNumber, (await mmdblookupAll(asnFile, [inside])).get(inside)!.autonomous_system_number);
  assert.equal(record.sourceCityName, undefined, 'an empty city string is no city');
});

test('FlowEnricher (cache, compiled writers) writes what the GeoIP and networks steps write alone, key order included', { timeout: 120_000 }, async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'perl')) return;
  const files = [CITY_IPV4, CITY_IPV6, asnFile];
  const networks: NetworkEntry[] = [
    { cidr: '10.0.0.0/8', name: 'campus', role: 'internal' }, { cidr: '10.1.0.0/16', name: 'lab' }, { cidr: 'fd00::/8', name: 'ula', role: 'internal' },
    ...rows.slice(0, 40).map((r, i) => ({ cidr: r.network, name: `peer${i}`, ...(i % 3 ? { role: 'external' } : {}) })),
  ];
  const geo = new GeoIpStep({ files });
  const enricher = new FlowEnricher({ geoip: { files }, networks: { networks }, cacheSize: 256 });
  await Promise.all([geo.open(), enricher.open()]);
  t.after(() => { geo.close(); enricher.close(); });
  const nets = new NetworksStep({ networks });
  const outside = [...Array.from({ length: 300 }, () => randomIpv4(next)), ...rows.slice(0, 200).map((r) => r.network.split('/')[0])];
  const outside6 = Array.from({ length: 100 }, () => randomIpv6(next));
  const records = (): FlowRecord[] => {
    const again = seeded(7);
    return Array.from({ length: 3000 }, (_, i) => {
      const v6 = i % 5 === 0;
      const inside = v6 ? `fd00::${again() % 500}` : `10.${again() % 3}.0.${again() % 200}`;
      const other = v6 ? outside6[again() % outside6.length] : outside[again() % outside.length];
      const [src, dst] = again() & 1 ? [inside, other] : [other, inside];
      if (i % 97 === 0) return v6 ? { sourceIPv6Address: src, ipVersion: 6 } : { sourceIPv4Address: src, ipVersion: 4 };
      return v6 ? { sourceIPv6Address: src, destinationIPv6Address: dst, ipVersion: 6 } : { sourceIPv4Address: src, destinationIPv4Address: dst, ipVersion: 4 };
    });
  };
  const want = records();
  for (const r of want) {
    geo.apply(r);
    nets.apply(r);
  }
  // Twice: the second pass answers mostly from the cache (256 entries: some lookups, some hits, some evictions).
  for (let pass = 0; pass < 2; pass++) {
    const got = records();
    enricher.enrich(got);
    got.forEach((r, i) => assert.deepEqual(Object.entries(r), Object.entries(want[i]), `pass ${pass}, record ${i}`));
  }
  const fields = new Set(want.flatMap((r) => Object.keys(r)));
  for (const f of ['sourceCountryIsoCode', 'sourceCityName', 'destinationAsNumber', 'sourceNetworkRole', 'destinationNetworkName', 'networkDirection']) assert.ok(fields.has(f), `${f} occurs`);
  // Directions are counted as the networks step counts them (two passes: twice as many).
  const directions = (step: { counters(): Record<string, unknown> }) => (step.counters() as { directions: Record<string, number> }).directions;
  const twice = Object.fromEntries(Object.entries(directions(nets)).map(([k, v]) => [k, 2 * v]));
  assert.deepEqual((enricher.counters() as { networks: { directions: Record<string, number> } }).networks.directions, twice);
});

test('a database replaced on disk is picked up; a corrupt one keeps the last good and says why', { timeout: 120_000 }, async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'perl')) return;
  const path = join(dir, 'live.mmdb');
  await writeAsnDatabase(join(dir, 'one.mmdb'), [{ network: '198.51.100.0/24', number: 64501, organization: 'First' }]);
  await writeAsnDatabase(join(dir, 'two.mmdb'), [{ network: '198.51.100.0/24', number: 64502, organization: 'Second' }]);
  copyFileSync(join(dir, 'one.mmdb'), path);
  const loads: Array<string | undefined> = [];
  // Through FlowEnricher, whose per-address cache must forget its answers when the file reloads.
  const enricher = new FlowEnricher({ geoip: { files: [path], watchIntervalMs: 50, onLoad: (_f, err) => loads.push(err?.message) }, cacheSize: 100 });
  await enricher.open();
  t.after(() => enricher.close());
  const as = (address: string) => {
    const record: FlowRecord = { sourceIPv4Address: address };
    enricher.enrich([record]);
    return { number: record.sourceAsNumber, organization: record.sourceAsOrganization };
  };
  assert.equal(as('198.51.100.7').number, 64501);
  assert.equal(as('198.51.100.7').number, 64501);
  const cache = () => (enricher.counters().addresses as { cache: LruCounters }).cache;
  assert.ok(cache().hits >= 1, 'the second answer came from the cache');

  // Replaced the way updaters do it: a new file renamed over the old one.
  copyFileSync(join(dir, 'two.mmdb'), `${path}.tmp`);
  renameSync(`${path}.tmp`, path);
  await waitUntil('the replaced file is loaded', () => as('198.51.100.7').number === 64502, 60_000);
  assert.equal(as('198.51.100.7').organization, 'Second');

  // Corrupt: a truncated copy, then plain text.
  const before = loads.length;
  const good = join(dir, 'two.mmdb');
  const size = statSync(good).size;
  writeFileSync(`${path}.tmp`, Buffer.concat([Buffer.alloc(64, 0x41), readFileSync(good).subarray(size - 200)]));
  renameSync(`${path}.tmp`, path);
  await waitUntil('the corrupt file is tried', () => loads.length > before, 60_000);
  const file = enricher.geoip!.files[0];
  assert.match(file.lastError?.message ?? '', /live\.mmdb is (damaged|not a MaxMind database)/);
  assert.equal(as('198.51.100.7').number, 64502, 'the last good database stays in use');
  const c = file.counters();
  assert.equal(c.loaded, true);
  assert.ok(c.loadErrors >= 1);
  writeFileSync(path, 'this is not a database');
  await waitUntil('the text file is tried', () => file.counters().loadErrors >= 2, 60_000);
  assert.equal(as('198.51.100.7').number, 64502);
  assert.equal(enricher.geoip!.answer('198.51.100.7').AsNumber, 64502, 'the step alone says the same');
});

test('a file that never opened reports the error and answers nothing', async () => {
  const file = new MmdbFile(join(dir, 'absent.mmdb'));
  await file.open();
  assert.equal(file.loaded, false);
  assert.match(file.lastError?.message ?? '', /ENOENT/);
  assert.equal(file.get('8.8.8.8', false), null);
});
