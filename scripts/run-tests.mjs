// Runs every test file (test/**/*.test.ts) with Node's own test runner, TypeScript through tsx.
// Files run one at a time: end-to-end tests start real servers, namespaces and Node-RED processes,
// and this machine has two cores. Arguments narrow the run: `npm test -- test/unit`.
//
// Two passes: every file with Node-RED 5 on Node 22 (the primary runtime), then the cross-version
// files again with Node-RED 4.1 on Node 20. Cross-version files are those under test/e2e and
// test/browser (they start real Node-RED processes) unless a file has a line `// @runtime: primary`.
// WIRESCOPE_NODE_RED set by the caller (5, 4, nr5-node24...) runs one pass on that runtime only.
// After each pass, scripts/file-times-reporter.mjs prints the time of each file, slowest first.
// The files share one Elasticsearch per version (test/helpers/elasticsearch.ts `Elasticsearch.shared`):
// the first file that needs it starts it under WIRESCOPE_SHARED_ES, this script stops it at the end.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = (roots.length ? roots : ['test'])
  .flatMap((r) => (statSync(join(root, r)).isDirectory() ? findTests(join(root, r)) : [join(root, r)]))
  .sort()
  .map((f) => relative(root, f));
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

const crossVersion = (file) => /^test\/(e2e|browser)\//.test(file) && !/^\/\/ @runtime: primary\b/m.test(readFileSync(join(root, file), 'utf8'));

function describe(id) {
  const file = join(root, '.cache', 'runtimes', `${id}.json`);
  if (!existsSync(file)) {
    console.error(`run-tests: runtime ${id} is not installed (${file}); run bash scripts/setup.d/node-runtimes.sh`);
    process.exit(1);
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return `Node-RED ${r.nodeRedVersion} on Node ${r.nodeVersion} (${id})`;
}

const runtimeIds = { 5: 'nr5-node22', 4: 'nr4-node20' };
const chosen = process.env.WIRESCOPE_NODE_RED;
const passes = chosen
  ? [{ id: runtimeIds[chosen] ?? chosen, files }]
  : [{ id: 'nr5-node22', files }, { id: 'nr4-node20', files: files.filter(crossVersion) }];
// World-searchable: as root, Elasticsearch runs as its own user and keeps its data dir in here.
const sharedEs = mkdtempSync(join(tmpdir(), 'wirescope-shared-es-'));
chmodSync(sharedEs, 0o755);
process.env.WIRESCOPE_SHARED_ES = sharedEs;

/** Stops every Elasticsearch started under the shared directory (each leads its own process group), then removes it. */
function stopSharedElasticsearch() {
  const launchers = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`-Epath.data=${sharedEs}/`); } catch { return false; }
  }).map(Number);
  const signal = (name) => { for (const pid of launchers) { try { process.kill(-pid, name); } catch { /* gone */ } } };
  const alive = () => launchers.some((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } });
  signal('SIGCONT'); // a test may have left it frozen (SIGSTOP)
  signal('SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive() && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  signal('SIGKILL'); // what is left of each group (the server JVM, should the launcher have gone first)
  rmSync(sharedEs, { recursive: true, force: true });
}
process.on('exit', stopSharedElasticsearch);
// Interrupted (Ctrl-C, a CI timeout): the running pass is told too, and no further pass starts.
let interrupted;
let running;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = signal;
    running?.kill(signal);
  });
}

let status = 0;
for (const [n, pass] of passes.entries()) {
  const label = describe(pass.id);
  if (pass.files.length === 0) {
    console.log(`run-tests: pass ${n + 1}/${passes.length} (${label}): no cross-version file in this selection`);
    continue;
  }
  console.log(`run-tests: pass ${n + 1}/${passes.length}: ${pass.files.length} file(s), Node-RED processes run ${label}`);
  running = spawn(
    process.execPath,
    [
      '--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=900000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts', 'file-times-reporter.mjs')}`, '--test-reporter-destination=stdout',
      ...extra, ...pass.files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, WIRESCOPE_NODE_RED: pass.id, WIRESCOPE_PASS_STARTED: String(Date.now()) } },
  );
  const code = await new Promise((resolve) => running.once('exit', (c) => resolve(c ?? 1)));
  console.log(`run-tests: pass ${n + 1}/${passes.length} (${label}): ${code === 0 && !interrupted ? 'passed' : 'FAILED'}`);
  if (code !== 0) status = code;
  if (interrupted) {
    console.log(`run-tests: ${interrupted}, no further pass`);
    process.exit(130);
  }
}
process.exit(status);
