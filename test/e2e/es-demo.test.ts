// @runtime: primary (the demo flows use the nodes examples.test.ts deploys on both runtimes)
// The demo with WIRESCOPE_ES_URL set indexes what it decodes: every IP packet of the bundled
// capture becomes one ECS flow document. Expected count and byte sum from tshark.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Elasticsearch, elasticsearchMissing } from '../helpers/elasticsearch';
import { freePort, repoRoot, waitUntil } from '../helpers/node-red';
import { hasCommand, requireReal } from '../helpers/real';

let es: Elasticsearch | undefined;
let child: ChildProcess | undefined;
const userDir = mkdtempSync(join(tmpdir(), 'wirescope-es-demo-'));

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
  rmSync(userDir, { recursive: true, force: true });
  await es?.stop();
});

test('npm run demo with WIRESCOPE_ES_URL indexes the decoded capture', async (t) => {
  const missing = elasticsearchMissing() ?? (hasCommand('tshark') ? undefined : 'tshark missing');
  if (!requireReal(t, !missing, missing ?? '')) return;
  const sample = join(repoRoot, 'demo', 'data', 'sample.pcapng');
  const tshark = (field: string) => execFileSync('tshark', ['-r', sample, '-Y', 'ip or ipv6', '-T', 'fields', '-e', field]).toString().trim().split('\n');
  const lengths = tshark('frame.len').map(Number);
  es = await Elasticsearch.shared();
  const port = await freePort();
  let log = '';
  child = spawn(process.execPath, [join(repoRoot, 'scripts', 'demo.mjs')], {
    env: { ...process.env, WIRESCOPE_DEMO_PORT: String(port), WIRESCOPE_DEMO_USERDIR: userDir, WIRESCOPE_ES_URL: es.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c) => (log += c));
  child.stderr!.on('data', (c) => (log += c));
  await waitUntil('the demo Node-RED', () => log.includes('Server now running'), 60000);
  await waitUntil('every IP packet indexed', async () => {
    try { return (await es!.count('wirescope-demo-flows-*')) >= lengths.length; } catch { return false; }
  }, 60000, 500);
  assert.equal(await es.count('wirescope-demo-flows-*'), lengths.length);
  const agg = await es.request('POST', '/wirescope-demo-flows-*/_search', { size: 0, aggs: { bytes: { sum: { field: 'network.bytes' } } } });
  assert.equal(agg.aggregations.bytes.value, lengths.reduce((a, b) => a + b, 0));
});
