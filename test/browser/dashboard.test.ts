// @runtime: primary (the page is FlowFuse Dashboard's; examples.test.ts deploys flow-dashboard.json on both runtimes)
// The traffic dashboard (examples/flow-dashboard.json, FlowFuse Dashboard 2.0) in headless Chromium
// with live data: softflowd exports a capture this test writes (stamped now) to the example's flow
// collector; the page's top-talkers table must equal flow aggregate's bin, the charts must have
// points, and the topology picture from graphviz must be there. Then the demo's dashboard tab
// (demo/dashboard.json, with flow enrich): its destinations panel must show the bin's rows, our
// networks by name and the public destinations by AS and country as mmdblookup reads them from the
// same database files. Screenshots go to .cache/screenshots/ (and WIRESCOPE_SCREENSHOTS) for a
// person to look at.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BlockList } from 'node:net';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { MessageSink, NodeRed, freeUdpPort, repoRoot, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireCommands, requireReal } from '../helpers/real';
import { writeTrafficPcap } from '../helpers/flow-traffic';
import { aggregateFlows } from '../helpers/aggregate-traffic';
import { CITY_IPV4, demoAsnDatabase, mmdblookupAll } from '../helpers/mmdb';

const CHROMIUM = '/usr/bin/chromium';
const shots = process.env.WIRESCOPE_SCREENSHOTS ?? join(repoRoot, '.cache', 'screenshots');
const example = JSON.parse(readFileSync(join(repoRoot, 'examples', 'flow-dashboard.json'), 'utf8')) as FlowNode[];
const byName = (type: string, name: string) => example.find((n) => n.type === type && n.name === name)!;

let red: NodeRed | undefined;
let sink: MessageSink | undefined;
let browser: Browser | undefined;
let dir: string;

before(async () => {
  if (!existsSync(CHROMIUM) || !hasCommand('softflowd')) return;
  dir = mkdtempSync(join(tmpdir(), 'wirescope-dashboard-'));
  sink = await MessageSink.start();
  red = await NodeRed.start();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'] });
});

after(async () => {
  await browser?.close();
  await red?.stop();
  await sink?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the traffic page shows the aggregate bin, charts with points and the topology picture', async (t) => {
  if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium (npm test installs it)') || !requireCommands(t, 'softflowd')) return;
  const port = await freeUdpPort();
  const talkers = byName('wirescope-flow-aggregate', 'top talkers');
  const conversations = byName('wirescope-flow-aggregate', 'top conversations');
  const collector = example.find((n) => n.type === 'wirescope-flow-collector')!;
  // The example as a user imports it, on a free port, with the top talkers' and top conversations'
  // bins copied to the test.
  const nodes = example.filter((n) => n.type !== 'tab').map((n) => {
    if (n.id === collector.id) return { ...n, ports: String(port), bind: '127.0.0.1', persist: false };
    if (n.id === talkers.id) return { ...n, wires: [[...n.wires![0], 'bins'], []] };
    if (n.id === conversations.id) return { ...n, wires: [[...n.wires![0], 'conversations'], []] };
    return n;
  });
  await red!.deploy([...nodes.map((n) => ({ ...n, z: undefined })).map(({ z: _z, ...n }) => n as FlowNode), ...sink!.sinkNodes('bins', 'bins'), ...sink!.sinkNodes('conversations', 'conversations')]);
  await red!.waitForStatus(collector.id, (s) => String(s.text).includes('listening'));

  // Two captures stamped 50 and 25 s ago: their flows fall into recent bins, as live traffic does,
  // and the charts get points in more than one bin. The first goes out as NetFlow v9 (softflowd
  // sends sampling options data, interval 1), the second as NetFlow v5 (softflowd leaves the
  // header's sampling interval 0: every record comes without a rate).
  const now = Math.floor(Date.now() / 1000);
  for (const [ago, version] of [[50, '9'], [25, '5']] as const) {
    const capture = join(dir, `traffic-${ago}.pcap`);
    writeTrafficPcap(capture, aggregateFlows(), now - ago);
    await new Promise<void>((resolve, reject) => execFile('softflowd', ['-r', capture, '-n', `127.0.0.1:${port}`, '-v', version], { timeout: 60_000 }, (err) => (err ? reject(err) : resolve())));
  }
  // The bins close by idle time (interval + lateness = 20 s) once the flows stop.
  const total = 2 * aggregateFlows().reduce((n, f) => n + f.packets, 0);
  const packetsIn = (topic: string) => sink!.messages(topic).reduce((n, b) => n + Number(b.totals.packets), 0);
  await waitUntil(`bins with all ${total} packets`, () => packetsIn('bins') === total && packetsIn('conversations') === total, 90_000, 500);
  const last = sink!.messages('bins').at(-1);

  const page = await browser!.newPage({ viewport: { width: 1600, height: 1100 } });
  await page.goto(`${red!.url}/dashboard/traffic`);
  const talkersTable = page.locator('.nrdb-ui-table').first();
  await talkersTable.locator('tbody tr').first().waitFor({ timeout: 60_000 });
  // Table rows = the bin's rows (host, packets), others only when it has traffic.
  const expected = last.payload.filter((r: any) => !r.others || Number(r.bytes) > 0).map((r: any) => [r.others ? 'others' : r.src_host, String(r.packets)]);
  await waitUntil('the table to show the last bin', async () => {
    const rows = await talkersTable.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => (td.textContent ?? "").trim())));
    return JSON.stringify(rows.map((r) => [r[0], r[2]])) === JSON.stringify(expected);
  }, 30_000, 250);

  // Top conversations = that aggregate's last bin (who -> whom, packets), with 'others' (the
  // conversations below its top 10) when it has traffic: the shares then add up to 100 %.
  const lastConversations = sink!.messages('conversations').at(-1);
  const expectedConversations = lastConversations.payload.filter((r: any) => !r.others || Number(r.bytes) > 0)
    .map((r: any) => [r.others ? 'others' : `${r.src_host} \u2192 ${r.dst_host}`, String(r.packets)]);
  const conversationsTable = page.locator('.nrdb-ui-table', { hasText: 'Conversation' });
  await waitUntil('the conversations table to show the last bin', async () => {
    const rows = await conversationsTable.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => (td.textContent ?? '').trim())));
    return JSON.stringify(rows.map((r) => [r[0], r[3]])) === JSON.stringify(expectedConversations);
  }, 30_000, 250);
  assert.equal(expectedConversations.reduce((n: number, r: string[]) => n + Number(r[1]), 0), Number(lastConversations.totals.packets), 'the rows shown add up to the bin');

  // Exporters' health: one row per exporter (softflowd exports one record per flow of the capture);
  // the v5 export's records all lack a rate, the v9 export's have one from its options data.
  const flows = aggregateFlows().length;
  const exporters = page.locator('.nrdb-ui-table', { hasText: 'Rate missing' });
  const cells = () => exporters.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => (td.textContent ?? '').trim())));
  const expectedExporters = [
    ['127.0.0.1 v9', `0 of ${flows}`],
    ['127.0.0.1 v5', `${flows} of ${flows}`],
    ['all exporters', `${flows} of ${2 * flows}`],
  ];
  // Columns: exporter, records/s, rate missing (of the records), ...
  await waitUntil('the exporters table to show both exports', async () => {
    const rows = (await cells()).map((r) => [r[0], r[2]]);
    return JSON.stringify([...rows].sort()) === JSON.stringify([...expectedExporters].sort());
  }, 30_000, 500);

  // The charts: ECharts draws into a canvas; the points the page got are in the widget's datastore.
  const charts = example.filter((n) => n.type === 'ui-chart');
  for (const chart of charts) {
    const store = await (await fetch(`${red!.url}/dashboard/_debug/datastore/${chart.id}`)).json() as any;
    const points = (Array.isArray(store) ? store : [store]).flatMap((m: any) => (Array.isArray(m?._datapoint) ? m._datapoint : m?._datapoint ? [m._datapoint] : []));
    assert.ok(points.length > 0, `${chart.name}: points`);
    assert.ok(points.every((p: any) => typeof p.x === 'number' && p.x % 10_000 === 0 && p.y >= 0), `${chart.name}: x = bin start, y = Mbit/s`);
  }
  assert.equal(await page.locator('.nrdb-ui-chart canvas, .nrdb-ui-chart svg').count() >= 2, true, 'two charts drawn');

  // The topology picture: an <img> with the graphviz SVG, loaded.
  const img = page.locator('.ws-topology img');
  await img.waitFor({ timeout: 30_000 });
  assert.match(String(await img.getAttribute('src')), /^data:image\/svg\+xml;base64,/);
  await waitUntil('the picture to load', () => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), 20_000);

  mkdirSync(shots, { recursive: true });
  await page.waitForTimeout(1500); // let ECharts finish its entry animation before the picture
  await page.screenshot({ path: join(shots, 'dashboard-traffic.png'), fullPage: true });
  await page.close();
});

test("the demo's page shows where traffic goes: our networks by name, the rest by AS and country as mmdblookup says", async (t) => {
  if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium (npm test installs it)') || !requireCommands(t, 'softflowd', 'mmdblookup')) return;
  const port = await freeUdpPort();
  const asnFile = demoAsnDatabase();
  const text = readFileSync(join(repoRoot, 'demo', 'dashboard.json'), 'utf8')
    .replaceAll('${WIRESCOPE_DEMO_FLOW_PORT}', String(port))
    .replaceAll('${WIRESCOPE_DEMO_CITY_DIR}', dirname(CITY_IPV4))
    .replaceAll('${WIRESCOPE_DEMO_ASN_MMDB}', asnFile);
  const demo = JSON.parse(text) as FlowNode[];
  const destinations = demo.find((n) => n.type === 'wirescope-flow-aggregate' && n.primitives === 'direction, dst_net_name, dst_host_country, dst_as, dst_as_org')!;
  const enrich = demo.find((n) => n.type === 'wirescope-flow-enrich')!;
  // The tab alone: the nodes that need the demo's other tabs (its Elasticsearch, the LLDP tab's
  // topology) are left out; the destinations aggregate's bins are copied to the test.
  const elsewhere = new Set(demo.filter((n) => n.type === 'wirescope-es-bulk' || n.type === 'link in').map((n) => n.id));
  const nodes = demo.filter((n) => n.type !== 'tab' && !elsewhere.has(n.id)).map(({ z: _z, ...n }) => {
    const wires = (n.wires as string[][] | undefined)?.map((w) => w.filter((id) => !elsewhere.has(id)));
    if (n.id === destinations.id) wires![0].push('destinations');
    return { ...n, ...(wires ? { wires } : {}) } as FlowNode;
  });
  // flow enrich opens its databases behind the flow (records before that pass without answers):
  // its stats, asked every second, say when every file is loaded, and only then does traffic start.
  const askStats: FlowNode = { id: 'ask-enrich-stats', type: 'inject', name: 'stats', props: [{ p: 'topic', vt: 'str' }], topic: 'stats', repeat: '1', once: true, onceDelay: '0.1', wires: [[enrich.id]] };
  const withStats = nodes.map((n) => (n.id === enrich.id ? { ...n, wires: [n.wires![0], ['enrich-stats']] } : n));
  await red!.deploy([...withStats, askStats, ...sink!.sinkNodes('destinations', 'destinations'), ...sink!.sinkNodes('enrich-stats', 'enrich-stats')]);
  const collector = demo.find((n) => n.type === 'wirescope-flow-collector')!;
  await red!.waitForStatus(collector.id, (s) => String(s.text).includes('listening'));
  await waitUntil('flow enrich to load its three databases', () => {
    const files = sink!.messages('enrich-stats').at(-1)?.payload?.geoip?.files as Array<{ loaded: boolean }> | undefined;
    return files?.length === 3 && files.every((f) => f.loaded);
  }, 60_000, 250);

  const capture = join(dir, 'traffic-demo.pcap');
  writeTrafficPcap(capture, aggregateFlows(), Math.floor(Date.now() / 1000) - 25);
  await new Promise<void>((resolve, reject) => execFile('softflowd', ['-r', capture, '-n', `127.0.0.1:${port}`, '-v', '9'], { timeout: 60_000 }, (err) => (err ? reject(err) : resolve())));
  const total = aggregateFlows().reduce((n, f) => n + f.packets, 0);
  const packetsIn = () => sink!.messages('destinations').reduce((n, b) => n + Number(b.totals.packets), 0);
  await waitUntil(`destination bins with all ${total} packets`, () => packetsIn() === total, 90_000, 500);

  // The reference: the networks listed in the node (a BlockList), and mmdblookup on the same files
  // for the capture's destinations outside them.
  const ours = String(enrich.networks).split('\n').map((l) => l.replace(/#.*/, '').trim().split(/\s+/)).filter((w) => w.length >= 2)
    .map(([cidr, name]) => { const list = new BlockList(); const [a, p] = cidr.split('/'); list.addSubnet(a, Number(p), 'ipv4'); return { list, name }; });
  const ourName = (ip: string) => ours.find((n) => n.list.check(ip, 'ipv4'))?.name;
  const outside = [...new Set(aggregateFlows().map((f) => f.dst))].filter((ip) => !ourName(ip));
  assert.ok(outside.length > 0, 'the capture has public destinations');
  const asAnswers = await mmdblookupAll(asnFile, outside);
  const cityAnswers = await mmdblookupAll(CITY_IPV4, outside);
  const expectedAs = new Set(outside.map((ip) => {
    const as = asAnswers.get(ip);
    assert.ok(as, `the AS database built from @ip-location-db/asn knows ${ip}`);
    return `AS${as.autonomous_system_number} ${as.autonomous_system_organization}|${cityAnswers.get(ip)?.country_code ?? ''}`;
  }));

  // Every row of every bin: ours by name (internal), the others by AS and country (outbound).
  const binRows = sink!.messages('destinations').flatMap((b) => b.payload).filter((r: any) => !r.others);
  for (const r of binRows) {
    if (r.dst_net_name) assert.equal(r.direction, 'internal', JSON.stringify(r));
    else assert.ok(r.direction === 'outbound' && expectedAs.has(`AS${r.dst_as} ${r.dst_as_org}|${r.dst_host_country ?? ''}`), JSON.stringify(r));
  }
  assert.deepEqual(new Set(binRows.filter((r: any) => !r.dst_net_name).map((r: any) => `AS${r.dst_as} ${r.dst_as_org}|${r.dst_host_country ?? ''}`)), expectedAs);

  // The page: the panel shows the last bin, row for row (destination, country, direction, packets).
  const last = sink!.messages('destinations').at(-1);
  const expected = last.payload.filter((r: any) => !r.others || Number(r.bytes) > 0)
    .map((r: any) => [r.others ? 'others' : r.dst_net_name ?? `AS${r.dst_as} ${r.dst_as_org}`, r.dst_host_country ?? (r.others || r.dst_net_name ? '' : 'unknown'), r.direction ?? '', String(r.packets)]);
  const page = await browser!.newPage({ viewport: { width: 1600, height: 1100 } });
  await page.goto(`${red!.url}/dashboard/traffic`);
  const panel = page.locator('.nrdb-ui-table', { hasText: 'Direction' });
  await panel.locator('tbody tr').first().waitFor({ timeout: 60_000 });
  let shown: string[][] = [];
  await waitUntil('the destinations panel to show the last bin', async () => {
    shown = (await panel.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => (td.textContent ?? '').trim()))))
      .map((r) => [r[0], r[1], r[2], r[4]]);
    return JSON.stringify(shown) === JSON.stringify(expected);
  }, 30_000, 250);
  assert.ok(shown.some((r) => /^AS\d+ /.test(r[0]) && r[2] === 'outbound'), `an AS row: ${JSON.stringify(shown)}`);

  mkdirSync(shots, { recursive: true });
  await page.waitForTimeout(1500); // let ECharts finish its entry animation before the picture
  await page.screenshot({ path: join(shots, 'dashboard-demo.png'), fullPage: true });
  await page.close();
});
