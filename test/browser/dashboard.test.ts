// @runtime: primary (the page is FlowFuse Dashboard's; examples.test.ts deploys flow-dashboard.json on both runtimes)
// The traffic dashboard (examples/flow-dashboard.json, FlowFuse Dashboard 2.0) in headless Chromium
// with live data: softflowd exports a capture this test writes (stamped now) to the example's flow
// collector; the page's top-talkers table must equal flow aggregate's bin, the traffic-by-network
// table must show the bin as tshark and the example's networks list say, the charts' lines must add
// up to each bin's bytes as tshark counts them (top 8 in distinct colours, a port keeping its colour,
// plus 'others'), their time labels must sit at regular bin boundaries, and the topology picture from
// graphviz must be there. Then the demo's dashboard tab
// (demo/dashboard.json, with flow enrich): its destinations panel must show the bin's rows, our
// networks by name and the public destinations by AS and country as mmdblookup reads them from the
// same database files. Screenshots go to .cache/screenshots/ (and WIRESCOPE_SCREENSHOTS) for a
// person to look at.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BlockList } from 'node:net';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { MessageSink, NodeRed, freeUdpPort, repoRoot, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireCommands, requireReal } from '../helpers/real';
import { writeTrafficPcap, type TrafficFlow } from '../helpers/flow-traffic';
import { aggregateFlows } from '../helpers/aggregate-traffic';
import { CITY_IPV4, demoAsnDatabase, mmdblookupAll } from '../helpers/mmdb';

const CHROMIUM = '/usr/bin/chromium';
const shots = process.env.WIRESCOPE_SCREENSHOTS ?? join(repoRoot, '.cache', 'screenshots');
const example = JSON.parse(readFileSync(join(repoRoot, 'examples', 'flow-dashboard.json'), 'utf8')) as FlowNode[];
const byName = (type: string, name: string) => example.find((n) => n.type === type && n.name === name)!;

const BIN = 10_000;

/** The reference: tshark's reading of a capture, per flow (5-tuple): bin of its last packet, IP bytes, packets. */
function tsharkFlows(capture: string): Array<{ src: string; dst: string; dstPort: number; bin: number; bytes: number; packets: number }> {
  const out = execFileSync('tshark', ['-r', capture, '-n', '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst',
    '-e', 'ip.proto', '-e', 'tcp.srcport', '-e', 'udp.srcport', '-e', 'tcp.dstport', '-e', 'udp.dstport', '-e', 'ip.len'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const flows = new Map<string, { src: string; dst: string; dstPort: number; bin: number; bytes: number; packets: number }>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [time, src, dst, proto, tcpSrc, udpSrc, tcpDst, udpDst, len] = line.split('\t');
    const [sec, frac = ''] = time.split('.');
    const ms = Number(sec) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3));
    const dstPort = Number(tcpDst || udpDst);
    const key = [src, dst, proto, tcpSrc || udpSrc, dstPort].join(' ');
    const f = flows.get(key) ?? { src, dst, dstPort, bin: 0, bytes: 0, packets: 0 };
    f.bin = Math.max(f.bin, Math.floor(ms / BIN) * BIN);
    f.bytes += Number(len);
    f.packets++;
    flows.set(key, f);
  }
  return [...flows.values()];
}

/** What each ui-chart on the page draws: its ECharts instance (found through the Vue tree), the series, each series' colour and the time labels on the canvas. */
const readCharts = `(() => {
  const found = [];
  const walk = (v, depth) => {
    if (!v || depth > 300) return;
    if (v.component) { if (v.component.type && v.component.type.name === 'DBUIChart') found.push(v.component.proxy); walk(v.component.subTree, depth + 1); }
    if (Array.isArray(v.children)) v.children.forEach((c) => walk(c, depth + 1));
    if (v.suspense) walk(v.suspense.activeBranch, depth + 1);
  };
  walk(document.querySelector('#app')._vnode, 0);
  return found.map((p) => {
    const chart = p.chart;
    const option = chart.getOption();
    const model = chart.getModel();
    return {
      id: p.id,
      series: option.series.map((s) => s.name),
      colors: option.series.map((s, i) => {
        const style = model.getSeriesByIndex(i).getData().getVisual('style') || {};
        return String(style.stroke || style.fill || chart.getVisual({ seriesIndex: i }, 'color'));
      }),
      labels: chart.getZr().storage.getDisplayList(true).map((e) => e.style && e.style.text).filter((t) => typeof t === 'string' && /^\\d\\d:\\d\\d:\\d\\d$/.test(t)),
    };
  });
})()`;

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

test("the traffic page shows the aggregate bins, traffic by network, charts that add up to tshark's bytes, and the topology picture", async (t) => {
  if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium (npm test installs it)') || !requireCommands(t, 'softflowd')) return;
  const port = await freeUdpPort();
  const talkers = byName('wirescope-flow-aggregate', 'top talkers');
  const conversations = byName('wirescope-flow-aggregate', 'top conversations');
  const networks = byName('wirescope-flow-aggregate', 'by network');
  const ports = byName('wirescope-flow-aggregate', 'by destination port');
  const collector = example.find((n) => n.type === 'wirescope-flow-collector')!;
  // The example as a user imports it, on a free port, with the top talkers' and top conversations'
  // bins copied to the test.
  const nodes = example.filter((n) => n.type !== 'tab').map((n) => {
    if (n.id === collector.id) return { ...n, ports: String(port), bind: '127.0.0.1', persist: false };
    if (n.id === talkers.id) return { ...n, wires: [[...n.wires![0], 'bins'], []] };
    if (n.id === conversations.id) return { ...n, wires: [[...n.wires![0], 'conversations'], []] };
    if (n.id === networks.id) return { ...n, wires: [[...n.wires![0], 'networks'], []] };
    if (n.id === ports.id) return { ...n, wires: [[...n.wires![0], 'ports'], []] };
    return n;
  });
  await red!.deploy([...nodes.map((n) => ({ ...n, z: undefined })).map(({ z: _z, ...n }) => n as FlowNode), ...sink!.sinkNodes('bins', 'bins'), ...sink!.sinkNodes('conversations', 'conversations'), ...sink!.sinkNodes('networks', 'networks'), ...sink!.sinkNodes('ports', 'ports')]);
  await red!.waitForStatus(collector.id, (s) => String(s.text).includes('listening'));

  // Two captures, each 7.2 s long and stamped 1 s into a bin about 50 and 25 s ago: their flows fall
  // into recent bins, as live traffic does, the charts get points in more than one bin, and no
  // flow's end lies near a bin boundary (NetFlow v9's export header has whole seconds). The first
  // goes out as NetFlow v9 (softflowd sends sampling options data, interval 1), the second as
  // NetFlow v5 (softflowd leaves the header's sampling interval 0: every record comes without a
  // rate). In the second, HTTPS and HTTP go to other ports (8443, 8000): two ports leave the port
  // chart's top 8 and two come in.
  const now = Math.floor(Date.now() / 1000);
  const moved: Record<number, number> = { 443: 8443, 80: 8000 };
  const captures: string[] = [];
  for (const [ago, version] of [[50, '9'], [25, '5']] as const) {
    const capture = join(dir, `traffic-${ago}.pcap`);
    const flows: TrafficFlow[] = version === '9' ? aggregateFlows() : aggregateFlows().map((f) => ({ ...f, dstPort: moved[f.dstPort] ?? f.dstPort }));
    writeTrafficPcap(capture, flows, Math.floor((now - ago) / 10) * 10 + 1);
    captures.push(capture);
    await new Promise<void>((resolve, reject) => execFile('softflowd', ['-r', capture, '-n', `127.0.0.1:${port}`, '-v', version], { timeout: 60_000 }, (err) => (err ? reject(err) : resolve())));
  }
  // The bins close by idle time (interval + lateness = 20 s) once the flows stop.
  const total = 2 * aggregateFlows().reduce((n, f) => n + f.packets, 0);
  const packetsIn = (topic: string) => sink!.messages(topic).reduce((n, b) => n + Number(b.totals.packets), 0);
  await waitUntil(`bins with all ${total} packets`, () => ['bins', 'conversations', 'networks', 'ports'].every((topic) => packetsIn(topic) === total), 90_000, 500);
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

  // Traffic by network: the last bin as the example's networks list (a BlockList per line) names
  // the addresses tshark reads from the capture; ours -> ours internal, ours -> elsewhere outbound
  // (docs/enrich.md); top 10 by bytes, then 'others'.
  const reference = captures.flatMap((c) => tsharkFlows(c));
  const enrich = example.find((n) => n.type === 'wirescope-flow-enrich')!;
  const ours = String(enrich.networks).split('\n').map((l) => l.replace(/#.*/, '').trim().split(/\s+/)).filter((w) => w.length >= 2)
    .map(([cidr, name]) => { const list = new BlockList(); const [a, p] = cidr.split('/'); list.addSubnet(a, Number(p), 'ipv4'); return { list, name }; });
  const ourName = (ip: string) => ours.find((n) => n.list.check(ip, 'ipv4'))?.name;
  const lastNetworks = sink!.messages('networks').at(-1);
  const pairs = new Map<string, { row: string[]; bytes: number; packets: number }>();
  for (const f of reference.filter((r) => r.bin === lastNetworks.binStart)) {
    const [from, to] = [ourName(f.src), ourName(f.dst)];
    const direction = from && to ? 'internal' : from ? 'outbound' : to ? 'inbound' : 'external';
    const row = [from ?? 'elsewhere', to ?? 'elsewhere', direction];
    const p = pairs.get(row.join('|')) ?? { row, bytes: 0, packets: 0 };
    p.bytes += f.bytes; p.packets += f.packets;
    pairs.set(row.join('|'), p);
  }
  const ranked = [...pairs.values()].sort((a, b) => b.bytes - a.bytes);
  const rest = ranked.slice(10).reduce((n, p) => n + p.packets, 0);
  const expectedNetworks = [...ranked.slice(0, 10).map((p) => [...p.row, String(p.packets)]), ...(rest ? [['others', '', '', String(rest)]] : [])];
  assert.ok(expectedNetworks.some((r) => r[2] === 'outbound') && expectedNetworks.some((r) => r[2] === 'internal'), JSON.stringify(expectedNetworks));
  const networksTable = page.locator('.nrdb-ui-table', { hasText: 'Direction' });
  let shownNetworks: string[][] = [];
  await waitUntil('the networks table to show the last bin as tshark reads it', async () => {
    shownNetworks = (await networksTable.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => (td.textContent ?? '').trim()))))
      .map((r) => [r[0], r[1], r[2], r[4]]);
    return JSON.stringify(shownNetworks) === JSON.stringify(expectedNetworks);
  }, 30_000, 250).catch((err) => { throw new Error(`${err.message}: shown ${JSON.stringify(shownNetworks)}, expected ${JSON.stringify(expectedNetworks)}`); });

  // The charts: the points the page got are in each widget's datastore. At every bin the lines
  // (the top 8 and 'others') add up to the bytes tshark counts in the flows that end in that bin.
  const perBin = new Map<number, number>();
  for (const f of reference) perBin.set(f.bin, (perBin.get(f.bin) ?? 0) + f.bytes);
  assert.equal(perBin.size, 2, 'each capture in a bin of its own');
  const charts = example.filter((n) => n.type === 'ui-chart');
  const stores = new Map<string, any[]>();
  for (const chart of charts) {
    const store = await (await fetch(`${red!.url}/dashboard/_debug/datastore/${chart.id}`)).json() as any;
    const points = (Array.isArray(store) ? store : [store]).map((m: any) => m?.payload).filter(Boolean);
    stores.set(chart.id, points);
    const colors = chart.colors as string[];
    assert.ok(new Set(colors).size === colors.length && colors.length === 9, `${chart.name}: 9 distinct colours`);
    const series = [...new Set(points.map((p: any) => p.series))];
    assert.ok(series.length <= colors.length && series[0] === 'others', `${chart.name}: at most one line per colour, 'others' first: ${series}`);
    const sums = new Map<number, number>();
    for (const p of points) {
      assert.ok(p.start % BIN === 0, `${chart.name}: a point at a bin start`);
      if (p.bytes !== null) sums.set(p.start, (sums.get(p.start) ?? 0) + p.bytes);
    }
    for (const [bin, bytes] of perBin) assert.equal(sums.get(bin), bytes, `${chart.name}: the lines at ${new Date(bin).toISOString()} add up to tshark's bytes`);
    for (const [bin, bytes] of sums) assert.equal(bytes, perBin.get(bin) ?? 0, `${chart.name}: no traffic at ${new Date(bin).toISOString()}`);
  }

  // The port chart's lines: 'others' and the second bin's top 8 ports by tshark's bytes; the ports
  // that stayed in the top 8 kept the place (so the colour) they had after the first bin.
  const [firstBin, secondBin] = [...perBin.keys()].sort((a, b) => a - b);
  const topPorts = (bin: number) => {
    const bytes = new Map<string, number>();
    for (const f of reference.filter((r) => r.bin === bin)) bytes.set(String(f.dstPort), (bytes.get(String(f.dstPort)) ?? 0) + f.bytes);
    return [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([p]) => p);
  };
  const portChart = byName('ui-chart', 'by destination port');
  const portSeries = [...new Set(stores.get(portChart.id)!.map((p: any) => p.series))];
  assert.deepEqual(new Set(portSeries), new Set(['others', ...topPorts(secondBin)]));
  assert.ok(!portSeries.includes('443') && portSeries.includes('8443'), `HTTPS moved to 8443: ${portSeries}`);
  for (const [i, p] of topPorts(firstBin).entries()) if (portSeries.includes(p)) assert.equal(portSeries.indexOf(p), i + 1, `port ${p} keeps its line's place`);

  // What the browser draws: per chart its series with distinct colours, and time labels HH:MM:SS
  // at bin boundaries, evenly spaced.
  let drawn: Array<{ id: string; series: string[]; colors: string[]; labels: string[] }> = [];
  await waitUntil('both charts drawn with the last bin', async () => {
    drawn = await page.evaluate(readCharts) as typeof drawn;
    return charts.every((c) => drawn.find((d) => d.id === c.id)?.series.length === new Set(stores.get(c.id)!.map((p: any) => p.series)).size);
  }, 30_000, 250);
  for (const chart of charts) {
    const d = drawn.find((x) => x.id === chart.id)!;
    assert.deepEqual(d.series, [...new Set(stores.get(chart.id)!.map((p: any) => p.series))], `${chart.name}: the lines drawn`);
    assert.equal(new Set(d.colors).size, d.series.length, `${chart.name}: every line in its own colour: ${d.colors}`);
    const seconds = d.labels.map((l) => { const [h, m, s] = l.split(':').map(Number); return h * 3600 + m * 60 + s; }).sort((a, b) => a - b);
    assert.ok(seconds.length >= 2, `${chart.name}: time labels ${d.labels}`);
    assert.ok(seconds.every((s) => s % (BIN / 1000) === 0), `${chart.name}: labels at bin boundaries: ${d.labels}`);
    const gaps = new Set(seconds.slice(1).map((s, i) => s - seconds[i]));
    assert.equal(gaps.size, 1, `${chart.name}: labels evenly spaced: ${d.labels}`);
    assert.ok([...gaps][0] > 0 && [...gaps][0] % (BIN / 1000) === 0, `${chart.name}: a label every whole number of bins: ${d.labels}`);
  }

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
