// @runtime: primary (the page is FlowFuse Dashboard's; examples.test.ts deploys flow-dashboard.json on both runtimes)
// The traffic dashboard (examples/flow-dashboard.json, FlowFuse Dashboard 2.0) in headless Chromium
// with live data: softflowd exports a capture this test writes (stamped now) to the example's flow
// collector; the page's top-talkers table must equal flow aggregate's bin, the charts must have
// points, and the topology picture from graphviz must be there. Screenshots go to
// .cache/screenshots/ (and WIRESCOPE_SCREENSHOTS) for a person to look at.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { MessageSink, NodeRed, freeUdpPort, repoRoot, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireCommands, requireReal } from '../helpers/real';
import { writeTrafficPcap } from '../helpers/flow-traffic';
import { aggregateFlows } from '../helpers/aggregate-traffic';

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
