// The demo's AS database, built from the npm package @ip-location-db/asn by
// scripts/build-asn-mmdb.pl (scripts/asn-mmdb.mjs): each row's range must answer the package's
// own AS number and organisation (read by mmdblookup), and flow enrich's reader must answer what
// mmdblookup answers on the file, for random IPv4 and IPv6 addresses, held or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GeoIpStep } from '../../nodes/common/enrich';
import { requireCommands } from '../helpers/real';
import { demoAsnDatabase, mmdblookupAll, randomIpv4, randomIpv6, seeded } from '../helpers/mmdb';

const csvDir = dirname(require.resolve('@ip-location-db/asn/package.json'));

/** `first,last,asn,organization` rows (the organization quoted when it holds a comma, quotes doubled). */
function csvRows(file: string): Array<{ first: string; last: string; asn: number; organization: string }> {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const m = /^([^,]+),([^,]+),(\d+),(?:"((?:[^"]|"")*)"|(.*))$/.exec(line);
    assert.ok(m, line);
    return { first: m[1], last: m[2], asn: Number(m[3]), organization: m[4] !== undefined ? m[4].replaceAll('""', '"') : m[5] };
  });
}

test('the AS database built from @ip-location-db/asn answers the package\'s rows, and flow enrich reads it as mmdblookup does', { timeout: 300_000 }, async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'perl')) return;
  const file = demoAsnDatabase();
  const next = seeded(0xa5a5);

  // Rows spread over the whole file: the first and the last address of each range.
  const rows = [...csvRows(join(csvDir, 'asn-ipv4.csv')), ...csvRows(join(csvDir, 'asn-ipv6.csv'))];
  const sample = Array.from({ length: 400 }, () => rows[next() % rows.length]);
  const ends = sample.flatMap((r) => [r.first, r.last]);
  const fromFile = await mmdblookupAll(file, ends);
  for (const r of sample) {
    for (const address of [r.first, r.last]) {
      assert.deepEqual(fromFile.get(address), { autonomous_system_number: r.asn, autonomous_system_organization: r.organization }, `${address} (${r.first}-${r.last})`);
    }
  }

  // flow enrich's reader against mmdblookup: random addresses (most IPv4 ones are held, many
  // IPv6 ones are not), the rows' ends, and addresses no public database holds.
  const addresses = [
    '10.1.2.3', '192.168.0.1', '127.0.0.1', '::1', 'fe80::1', '2001:db8::1',
    ...Array.from({ length: 1200 }, () => randomIpv4(next)), ...Array.from({ length: 600 }, () => randomIpv6(next)), ...ends,
  ];
  const want = await mmdblookupAll(file, addresses);
  const step = new GeoIpStep({ files: [file] });
  await step.open();
  t.after(() => step.close());
  let held = 0;
  let v6Held = 0;
  for (const address of addresses) {
    const w = want.get(address);
    const got = step.answer(address);
    assert.deepEqual({ number: got.AsNumber, organization: got.AsOrganization }, { number: w?.autonomous_system_number, organization: w?.autonomous_system_organization }, address);
    if (w) {
      held++;
      if (address.includes(':')) v6Held++;
    }
  }
  // The comparison means something only if both kinds of answer occur, for both families.
  assert.ok(held > 1000 && addresses.length - held > 300 && v6Held > 100, `held ${held} of ${addresses.length}, IPv6 ${v6Held}`);
});
