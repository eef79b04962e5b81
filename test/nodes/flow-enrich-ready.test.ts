// flow enrich right after a deploy, while its .mmdb files are still loading: records that arrive
// then wait (in order, up to the node's limit) and are enriched once the files are loaded, as
// mmdblookup says; past the limit the oldest waiting message fails with done(err) and is counted;
// a file that fails to load lets the waiting messages go on with what loaded; a close during the
// load ends every waiting message. To hold a load open for as long as a test needs, a database is
// served through a named pipe (mkfifo): the node's read of it ends when the test writes the file in.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertGeoEqual, CITY_IPV4, CITY_IPV6, demoAsnDatabase, expectedGeo, mmdblookupAll, randomIpv4, randomIpv6, recordGeo, seeded, type FlatRecord,
} from '../helpers/mmdb';
import { waitUntil } from '../helpers/node-red';
import { requireCommands } from '../helpers/real';
import { collect, helper, loadFlow, startServer, stopServer, testNode } from '../helpers/node-test';

/* eslint-disable @typescript-eslint/no-require-imports */
const enrichNode = require('../../nodes/flow-enrich/flow-enrich.ts');
/* eslint-enable @typescript-eslint/no-require-imports */

const dir = mkdtempSync(join(tmpdir(), 'wirescope-enrich-ready-'));
/** Pipes a test may leave unread-to-the-end; `after` writes an empty file into each so no read stays blocked. */
const openPipes = new Set<string>();

before(startServer);
after(async () => {
  await stopServer();
  for (const pipe of openPipes) await writeFile(pipe, '');
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => helper.unload());

/** A named pipe that stands in for a database file until `fill` writes the real file into it. */
function pipe(name: string): { path: string; fill: (file: string) => Promise<void> } {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  openPipes.add(path);
  return {
    path,
    fill: async (file) => {
      openPipes.delete(path);
      await writeFile(path, readFileSync(file));
    },
  };
}

const addressField = (address: string, side: 'source' | 'destination') => `${side}${address.includes(':') ? 'IPv6' : 'IPv4'}Address`;

/** Sends a message of one record from `source` to `destination` (a record object of its own each time). */
function flowMessage(seq: number, source: string, destination: string): object {
  return { seq, exporter: { address: '192.0.2.1', port: 2055 }, payload: [{ [addressField(source, 'source')]: source, [addressField(destination, 'destination')]: destination, octetDeltaCount: 100 }] };
}

test('records sent right after a deploy wait for the databases and are all enriched, in order, as mmdblookup says', { timeout: 300_000 }, async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'perl')) return;
  const files = [CITY_IPV4, CITY_IPV6, demoAsnDatabase()];
  const next = seeded(0x13ead);
  const addresses = ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '10.1.2.3',
    ...Array.from({ length: 300 }, () => randomIpv4(next)), ...Array.from({ length: 150 }, () => randomIpv6(next))];
  const answers: Array<Map<string, FlatRecord | null>> = [];
  for (const file of files) answers.push(await mmdblookupAll(file, addresses));
  // Messages of 5 records, each address once as a source and once as a destination.
  const messages = Array.from({ length: Math.ceil(addresses.length / 5) }, (_, m) => {
    const slice = addresses.slice(m * 5, m * 5 + 5);
    return { seq: m, payload: slice.map((a, i) => {
      const b = slice[(i + 1) % slice.length];
      return { [addressField(a, 'source')]: a, [addressField(b, 'destination')]: b, octetDeltaCount: 100 };
    }) };
  });

  await loadFlow([enrichNode], [
    { id: 'e', type: 'wirescope-flow-enrich', geoipFiles: files.join('\n'), watchSeconds: 0, wires: [['out'], ['stats']] },
    { id: 'out', type: 'helper' }, { id: 'stats', type: 'helper' },
  ]);
  const out = collect('out');
  const enrich = testNode('e');
  // Straight after the deploy, before the files (57 MB) can have been read.
  for (const m of messages) enrich.receive(m);
  await waitUntil('every message to come out', () => out.length === messages.length || enrich.error.callCount > 0, 120_000);
  assert.equal(enrich.error.callCount, 0, 'no message failed');
  assert.deepEqual(out.map((m) => m.seq), messages.map((m) => m.seq), 'in the order they arrived');
  let held = 0;
  for (const m of out) {
    for (const r of m.payload) {
      for (const side of ['source', 'destination'] as const) {
        const address = (r[`${side}IPv4Address`] ?? r[`${side}IPv6Address`]) as string;
        const want = expectedGeo(address, answers);
        assertGeoEqual(recordGeo(r, side), want, `message ${m.seq}: ${side} ${address}`);
        if (want.CountryIsoCode !== undefined || want.AsNumber !== undefined) held++;
      }
    }
  }
  // The comparison proves something only if most records had answers to miss.
  assert.ok(held > 500, `${held} of ${addresses.length * 2} sides had answers`);
  assert.ok(enrich.status.getCalls().some((c: any) => c.args[0].text === 'flow-enrich.status.loading'), 'the status said the databases were loading');
  const stats = collect('stats');
  enrich.receive({ topic: 'stats' });
  await waitUntil('stats', () => stats.length === 1);
  assert.equal(stats[0].payload.waiting, 0);
  assert.equal(stats[0].payload.overLimit, 0);
});

test('past the limit the oldest waiting message fails with done(err) and is counted; the rest are enriched in order', { timeout: 120_000 }, async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'mkfifo')) return;
  const city = pipe('limit.mmdb');
  const want = expectedGeo('8.8.8.8', [await mmdblookupAll(CITY_IPV4, ['8.8.8.8'])]);
  await loadFlow([enrichNode], [
    { id: 'e', type: 'wirescope-flow-enrich', geoipFiles: city.path, watchSeconds: 0, waitLimit: 3, wires: [['out'], ['stats']] },
    { id: 'out', type: 'helper' }, { id: 'stats', type: 'helper' },
  ]);
  const out = collect('out');
  const stats = collect('stats');
  const enrich = testNode('e');
  for (let seq = 0; seq < 5; seq++) enrich.receive(flowMessage(seq, '8.8.8.8', '10.1.2.3'));
  await waitUntil('two messages to fail', () => enrich.error.callCount === 2);
  // done(err) reaches node.error with the message, as Catch nodes see it.
  assert.deepEqual(enrich.error.getCalls().map((c: any) => c.args[1].seq), [0, 1], 'the oldest ones');
  for (const c of enrich.error.getCalls()) assert.match(String(c.args[0]), /over-limit|more than 3/);
  enrich.receive({ topic: 'stats' });
  await waitUntil('stats', () => stats.length === 1);
  assert.equal(stats[0].payload.waiting, 3);
  assert.equal(stats[0].payload.overLimit, 2);
  assert.equal(out.length, 0, 'nothing passes before the database is loaded');

  await city.fill(CITY_IPV4);
  await waitUntil('the waiting messages to come out', () => out.length === 3, 60_000);
  assert.deepEqual(out.map((m) => m.seq), [2, 3, 4]);
  for (const m of out) assertGeoEqual(recordGeo(m.payload[0], 'source'), want, `message ${m.seq}`);
  assert.equal(enrich.error.callCount, 2);
});

test('a file that fails to load is named, and the waiting messages go on with the files that loaded', { timeout: 120_000 }, async (t) => {
  if (!requireCommands(t, 'mmdblookup', 'mkfifo')) return;
  const city = pipe('good.mmdb');
  const bad = join(dir, 'bad.mmdb');
  writeFileSync(bad, 'not a database\n');
  const want = expectedGeo('8.8.8.8', [await mmdblookupAll(CITY_IPV4, ['8.8.8.8'])]);
  await loadFlow([enrichNode], [
    { id: 'e', type: 'wirescope-flow-enrich', geoipFiles: `${city.path}\n${bad}`, watchSeconds: 0, wires: [['out'], []] },
    { id: 'out', type: 'helper' },
  ]);
  const out = collect('out');
  const enrich = testNode('e');
  for (let seq = 0; seq < 2; seq++) enrich.receive(flowMessage(seq, '8.8.8.8', '10.1.2.3'));
  await waitUntil('the bad file to be reported', () => enrich.error.getCalls().some((c: any) => String(c.args[0]).includes(bad)), 30_000);
  assert.equal(out.length, 0, 'the messages wait for the file still loading');
  await city.fill(CITY_IPV4);
  await waitUntil('the waiting messages to come out', () => out.length === 2, 60_000);
  assert.deepEqual(out.map((m) => m.seq), [0, 1]);
  for (const m of out) assertGeoEqual(recordGeo(m.payload[0], 'source'), want, `message ${m.seq}`);
  assert.equal(enrich.error.callCount, 1, 'only the file is reported: no message failed');
  await waitUntil('a red status', () => enrich.status.getCalls().some((c: any) => c.args[0].text === 'flow-enrich.status.mmdb-error'));
});

test('a close while the databases load ends every waiting message with done(err)', { timeout: 120_000 }, async (t) => {
  if (!requireCommands(t, 'mkfifo')) return;
  const city = pipe('closed.mmdb');
  await loadFlow([enrichNode], [
    { id: 'e', type: 'wirescope-flow-enrich', geoipFiles: city.path, watchSeconds: 0, wires: [['out'], []] },
    { id: 'out', type: 'helper' },
  ]);
  const out = collect('out');
  const enrich = testNode('e');
  for (let seq = 0; seq < 3; seq++) enrich.receive(flowMessage(seq, '8.8.8.8', '10.1.2.3'));
  // The runtime stops the flows, as a redeploy does (helper.unload would take the spies off first).
  await helper.clearFlows();
  assert.deepEqual(enrich.error.getCalls().map((c: any) => c.args[1]?.seq), [0, 1, 2]);
  for (const c of enrich.error.getCalls()) assert.match(String(c.args[0]), /closed-loading|closed/);
  assert.equal(out.length, 0);
});
