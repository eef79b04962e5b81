// Runs every test file (test/**/*.test.ts) with Node's own test runner, TypeScript through tsx.
// Files run one at a time: end-to-end tests start real servers, namespaces and Node-RED processes,
// and this machine has two cores. Arguments narrow the run: `npm test -- test/unit`.
//
// Two passes: every file with Node-RED 5 on Node 22 (the primary runtime), then the cross-version
// files again with Node-RED 4.1 on Node 20. Cross-version files are those under test/e2e and
// test/browser (they start real Node-RED processes) unless a file has a line `// @runtime: primary`.
// WIRESCOPE_NODE_RED set by the caller (5, 4, nr5-node24...) runs one pass on that runtime only.
// After each pass, scripts/file-times-reporter.mjs prints the time of each file, slowest first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
let status = 0;
for (const [n, pass] of passes.entries()) {
  const label = describe(pass.id);
  if (pass.files.length === 0) {
    console.log(`run-tests: pass ${n + 1}/${passes.length} (${label}): no cross-version file in this selection`);
    continue;
  }
  console.log(`run-tests: pass ${n + 1}/${passes.length}: ${pass.files.length} file(s), Node-RED processes run ${label}`);
  const result = spawnSync(
    process.execPath,
    [
      '--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=900000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts', 'file-times-reporter.mjs')}`, '--test-reporter-destination=stdout',
      ...extra, ...pass.files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, WIRESCOPE_NODE_RED: pass.id, WIRESCOPE_PASS_STARTED: String(Date.now()) } },
  );
  console.log(`run-tests: pass ${n + 1}/${passes.length} (${label}): ${result.status === 0 ? 'passed' : 'FAILED'}`);
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
