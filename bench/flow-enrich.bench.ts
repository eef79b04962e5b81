// Enrichment throughput on one core: records per CPU-second through FlowEnricher with GeoIP
// (GeoLite2 City from @ip-location-db, IPv4 and IPv6 halves) + AS (a database written by
// MaxMind's Perl writer) + networks, beside the raw `maxmind` reader's lookups per CPU-second on
// the same address stream in the same run. Realistic traffic: addresses repeat (Zipf-like: the
// n-th most frequent address is seen about 1/n as often), so the per-address cache answers most
// lookups; the uncached figure is printed too. Each pass enriches fresh records shaped as the
// decoder makes them (a softflowd v9 record's fields) whose address strings are shared between
// records, as the decoder's address text cache makes them), in messages of 1,000 records (the flow
// collector's default batch); building them is not timed.
//   node --import tsx bench/flow-enrich.bench.ts [seconds-per-case]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from 'maxmind';
import { FlowEnricher, type FlowRecord, type LruCounters, type NetworkEntry } from '../nodes/common';
import { CITY_IPV4, CITY_IPV6, randomIpv4, randomIpv6, seeded, writeAsnDatabase, type AsRow } from '../test/helpers/mmdb';

const SECONDS = Number(process.argv[2] ?? 3);
const RECORDS = 200_000;
/** Records per message: the flow collector's default batch. */
const BATCH = 1000;
const EXTERNAL = 50_000;
const INTERNAL = 5_000;

const next = seeded(2026);
/** Index in [0, n) with a heavy head, as talkers are in real traffic (about 1/rank). */
const zipf = (n: number) => Math.min(n - 1, Math.floor(Math.exp(Math.log(n + 1) * ((next() % 1_000_000) / 1_000_000))) - 1);

const externals = Array.from({ length: EXTERNAL }, (_, i) => (i % 10 === 0 ? randomIpv6(next) : randomIpv4(next)));
const internals = Array.from({ length: INTERNAL }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${1 + (next() % 250)}`);
// An internal IPv4 address beside an IPv6 one would be no real flow: its IPv6 twin is in fd00::/8.
const internals6 = internals.map((a) => `fd00::${a.split('.').join(':')}`);
/** Who talks to whom: [source, destination, IPv6?] per record. */
const conversations: Array<[string, string, boolean]> = Array.from({ length: RECORDS }, () => {
  const i = zipf(INTERNAL);
  const outside = externals[zipf(EXTERNAL)];
  const v6 = outside.includes(':');
  const inside = v6 ? internals6[i] : internals[i];
  return next() & 1 ? [inside, outside, v6] : [outside, inside, v6];
});

/** Fresh records for one message, with the fields (and so the object shape) a softflowd v9 record has. */
let offset = 0;
function freshRecords(count: number): FlowRecord[] {
  const now = Date.now();
  offset = (offset + count) % RECORDS;
  return conversations.slice(offset, offset + count).map(([src, dst, v6], i) => (v6
    ? {
      sourceIPv6Address: src, destinationIPv6Address: dst, sourceTransportPort: 1024 + (i & 4095), destinationTransportPort: 443,
      protocolIdentifier: 6, tcpControlBits: 27, ipClassOfService: 0, ipVersion: 6, ingressInterface: 1, egressInterface: 2,
      octetDeltaCount: 1500, packetDeltaCount: 3, flowStartMilliseconds: now - 1000, flowEndMilliseconds: now,
    }
    : {
      sourceIPv4Address: src, destinationIPv4Address: dst, sourceTransportPort: 1024 + (i & 4095), destinationTransportPort: 443,
      protocolIdentifier: 6, tcpControlBits: 27, ipClassOfService: 0, ipVersion: 4, ingressInterface: 1, egressInterface: 2,
      octetDeltaCount: 1500, packetDeltaCount: 3, flowStartMilliseconds: now - 1000, flowEndMilliseconds: now,
    }));
}

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

/**
 * Runs `work` (which handles `unit` items) on what `prepare` makes, until it has used SECONDS of
 * CPU time; items per CPU-second. Only `work` is timed.
 */
function measure<T>(unit: number, prepare: () => T, work: (input: T) => void): number {
  work(prepare()); // warm up
  let items = 0;
  let spent = 0;
  while (spent < SECONDS) {
    const input = prepare();
    const start = cpu();
    work(input);
    spent += cpu() - start;
    items += unit;
  }
  return items / spent;
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
    console.log(`flow enrich, ${RECORDS} records over ${EXTERNAL} external + ${INTERNAL} internal addresses (Zipf-like) in messages of ${BATCH}, ${SECONDS} CPU-s per case, node ${process.version}`);

    // The peer: MaxMind's reader alone, every address of the stream looked up in the file for its family.
    const readers = files.map((f) => new Reader(readFileSync(f)));
    const addresses = conversations.flatMap(([src, dst]) => [src, dst]);
    const raw = measure(addresses.length, () => addresses, (list) => {
      for (const a of list) (a.includes(':') ? readers[1] : readers[0]).get(a);
    });
    const rawAll = measure(addresses.length, () => addresses, (list) => {
      for (const a of list) for (const r of a.includes(':') ? [readers[1], readers[2]] : readers) r.get(a);
    });

    const run = async (cacheSize: number) => {
      const enricher = new FlowEnricher({ geoip: { files }, networks: { networks }, cacheSize });
      await enricher.open();
      const cache = () => (enricher.counters() as { addresses: { cache: LruCounters } }).addresses.cache;
      // One pass over the stream first, not timed: a collector that has run a while has seen its
      // usual talkers (the figure is its steady state; the hit rate is that of the timed runs).
      for (let i = 0; i < RECORDS / BATCH; i++) enricher.enrich(freshRecords(BATCH));
      const before = cache();
      const rps = measure(BATCH, () => freshRecords(BATCH), (records) => enricher.enrich(records));
      const after = cache();
      enricher.close();
      return { rps, hitRate: (after.hits - before.hits) / Math.max(1, after.hits - before.hits + after.misses - before.misses) };
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
