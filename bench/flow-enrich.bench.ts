// Enrichment throughput on one core: records per CPU-second through FlowEnricher with GeoIP
// (GeoLite2 City from @ip-location-db, IPv4 and IPv6 halves) + AS (a database written by
// MaxMind's Perl writer) + networks, beside the raw `maxmind` reader's lookups per CPU-second on
// the same address stream in the same run. Realistic traffic: addresses repeat (Zipf-like), so the
// per-address cache answers most lookups; the uncached figure is printed too.
//   node --import tsx bench/flow-enrich.bench.ts [seconds-per-case]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from 'maxmind';
import { FlowEnricher, type FlowRecord, type NetworkEntry } from '../nodes/common';
import { CITY_IPV4, CITY_IPV6, randomIpv4, randomIpv6, seeded, writeAsnDatabase, type AsRow } from '../test/helpers/mmdb';

const SECONDS = Number(process.argv[2] ?? 3);
const RECORDS = 200_000;
const EXTERNAL = 50_000;
const INTERNAL = 5_000;

const next = seeded(2026);
/** Index in [0, n) with a heavy head, as talkers are in real traffic (about 1/rank). */
const zipf = (n: number) => Math.min(n - 1, Math.floor(Math.exp(Math.log(n + 1) * ((next() % 1_000_000) / 1_000_000))) - 1);

const externals = Array.from({ length: EXTERNAL }, (_, i) => (i % 10 === 0 ? randomIpv6(next) : randomIpv4(next)));
const internals = Array.from({ length: INTERNAL }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${1 + (next() % 250)}`);
const records: FlowRecord[] = Array.from({ length: RECORDS }, () => {
  const inside = internals[zipf(INTERNAL)];
  const outside = externals[zipf(EXTERNAL)];
  const v6 = outside.includes(':');
  const out = next() & 1;
  const [src, dst] = out ? [inside, outside] : [outside, inside];
  // An internal IPv4 address beside an IPv6 one would be no real flow: map it into fd00::/8.
  const fix = (a: string) => (v6 && !a.includes(':') ? `fd00::${a.split('.').join(':')}` : a);
  const source = fix(src), destination = fix(dst);
  return v6 ? { sourceIPv6Address: source, destinationIPv6Address: destination, octetDeltaCount: 1500, packetDeltaCount: 1 }
    : { sourceIPv4Address: source, destinationIPv4Address: destination, octetDeltaCount: 1500, packetDeltaCount: 1 };
});

const networks: NetworkEntry[] = [
  { cidr: '10.0.0.0/8', name: 'campus', role: 'internal' },
  { cidr: '10.1.0.0/16', name: 'lab', role: 'internal' },
  { cidr: 'fd00::/8', name: 'ula', role: 'internal' },
  ...Array.from({ length: 40 }, (_, i) => ({ cidr: `${randomIpv4(next)}/${12 + (i % 12)}`, name: `peer${i}`, role: 'external' })),
];

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Runs `work` (which handles `unit` items) for SECONDS of CPU time; items per CPU-second. */
function measure(unit: number, work: () => void): number {
  work(); // warm up
  let items = 0;
  const start = cpu();
  let now = start;
  while (now - start < SECONDS) {
    work();
    items += unit;
    now = cpu();
  }
  return items / (now - start);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-bench-enrich-'));
  try {
    const rows: AsRow[] = Array.from({ length: 5000 }, (_, i) => ({
      network: i % 5 === 0 ? `${randomIpv6(next)}/${20 + (i % 20)}` : `${randomIpv4(next)}/${12 + (i % 13)}`, number: 64_512 + i, organization: `AS ${i}`,
    }));
    const asn = join(dir, 'asn.mmdb');
    await writeAsnDatabase(asn, rows);
    const files = [CITY_IPV4, CITY_IPV6, asn];

    const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);
    console.log(`flow enrich, ${RECORDS} records over ${EXTERNAL} external + ${INTERNAL} internal addresses (Zipf-like), ${SECONDS} CPU-s per case, node ${process.version}`);

    // The peer: MaxMind's reader alone, every address of the stream looked up in the file for its family.
    const readers = files.map((f) => new Reader(readFileSync(f)));
    const addresses = records.flatMap((r) => [String(r.sourceIPv4Address ?? r.sourceIPv6Address), String(r.destinationIPv4Address ?? r.destinationIPv6Address)]);
    const raw = measure(addresses.length, () => {
      for (const a of addresses) (a.includes(':') ? readers[1] : readers[0]).get(a);
    });
    const rawAll = measure(addresses.length, () => {
      for (const a of addresses) for (const r of a.includes(':') ? [readers[1], readers[2]] : readers) r.get(a);
    });

    const run = async (cacheSize: number) => {
      const enricher = new FlowEnricher({ geoip: { files, cacheSize }, networks: { networks, cacheSize } });
      await enricher.open();
      const rps = measure(RECORDS, () => enricher.enrich(records));
      const c = enricher.counters() as { geoip: { cache: { hits: number; misses: number } } };
      enricher.close();
      return { rps, hitRate: c.geoip.cache.hits / Math.max(1, c.geoip.cache.hits + c.geoip.cache.misses) };
    };
    const cached = await run(100_000);
    const uncached = await run(0);
    console.log(`${'case'.padEnd(58)} ${'rate'.padStart(10)}`);
    console.log(`${'maxmind reader: lookups/s (one file per address)'.padEnd(58)} ${fmt(raw).padStart(10)}`);
    console.log(`${'maxmind reader: address/s in all 3 files (city + AS)'.padEnd(58)} ${fmt(rawAll).padStart(10)}`);
    console.log(`${`ours: records/s, GeoIP+AS+networks, cache 100k (hits ${(cached.hitRate * 100).toFixed(1)}%)`.padEnd(58)} ${fmt(cached.rps).padStart(10)}`);
    console.log(`${'ours: records/s, GeoIP+AS+networks, no cache'.padEnd(58)} ${fmt(uncached.rps).padStart(10)}`);
    console.log(`(one record = 2 addresses: source and destination) peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
