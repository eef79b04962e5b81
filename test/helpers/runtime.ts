// Which Node-RED on which Node a test's Node-RED process runs, and the pack placed in its user dir
// as a palette install leaves it. The runtimes come from scripts/setup.d/node-runtimes.sh, which
// writes one descriptor per runtime in .cache/runtimes/<id>.json.
//
// WIRESCOPE_NODE_RED picks the default: `5` (Node-RED 5 on Node 22, the primary), `4` (Node-RED 4.1
// on the system Node 20), or a runtime id (`nr5-node24`). scripts/run-tests.mjs sets it per pass.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
const runtimesDir = join(repoRoot, '.cache', 'runtimes');

export const runtimeIds = ['nr5-node22', 'nr5-node24', 'nr4-node20', 'nr4-node22'] as const;
export type RuntimeId = typeof runtimeIds[number];

export interface Runtime {
  id: RuntimeId;
  /** The node binary. */
  node: string;
  nodeVersion: string;
  /** Node-RED's red.js. */
  nodeRed: string;
  nodeRedVersion: string;
  /** A directory whose node_modules holds the pack's dependencies built for this Node. */
  pack: string;
  /** The npm that ships with this Node. */
  npm: string;
}

const aliases: Record<string, RuntimeId> = { '5': 'nr5-node22', '4': 'nr4-node20' };

export function runtimeId(choice = process.env.WIRESCOPE_NODE_RED): RuntimeId {
  const id = aliases[choice ?? '5'] ?? choice;
  if (!id || !(runtimeIds as readonly string[]).includes(id)) throw new Error(`WIRESCOPE_NODE_RED=${choice}: use 5, 4 or one of ${runtimeIds.join(', ')}`);
  return id as RuntimeId;
}

let warned = false;

/** The runtime's descriptor. Without WIRESCOPE_NODE_RED and without the runtimes installed, Node-RED 4.1 on this Node (with a warning). */
export function runtime(choice?: string): Runtime {
  const explicit = choice ?? process.env.WIRESCOPE_NODE_RED;
  const id = runtimeId(explicit);
  const file = join(runtimesDir, `${id}.json`);
  if (existsSync(file)) {
    // Paths inside the checkout are relative to it (the descriptor survives a copy of the checkout).
    const r = JSON.parse(readFileSync(file, 'utf8')) as Runtime;
    return { ...r, node: resolve(repoRoot, r.node), nodeRed: resolve(repoRoot, r.nodeRed), pack: resolve(repoRoot, r.pack), npm: resolve(repoRoot, r.npm) };
  }
  if (explicit === undefined && process.env.CI !== 'true') {
    if (!warned) console.warn(`test runtime: ${file} missing (run bash scripts/setup.d/node-runtimes.sh); using Node-RED 4.1 on ${process.version}`);
    warned = true;
    const red = join(repoRoot, 'node_modules', 'node-red', 'red.js');
    return { id: 'nr4-node20', node: process.execPath, nodeVersion: process.version, nodeRed: red, nodeRedVersion: require(join(dirname(red), 'package.json')).version, pack: repoRoot, npm: join(dirname(process.execPath), 'npm') };
  }
  throw new Error(`test runtime ${id}: ${file} missing; run bash scripts/setup.d/node-runtimes.sh`);
}

export function describeRuntime(r: Runtime): string {
  return `Node-RED ${r.nodeRedVersion} on Node ${r.nodeVersion}`;
}

/**
 * The files of the pack that a palette install puts in node_modules/@wirescope/node-red (besides
 * node_modules): package.json and its `files` (dist/, resources/ — the editors load scripts from
 * it — examples/...).
 */
const packFiles = ['package.json', ...(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).files as string[]).map((f) => f.replace(/\/$/, ''))];

/** Copies a tree with hard links (cheap, and a module's real path is the copy), or plainly across file systems. */
function copyTree(from: string, to: string): void {
  try {
    execFileSync('cp', ['-al', from, to], { stdio: 'ignore' });
  } catch {
    rmSync(to, { recursive: true, force: true });
    execFileSync('cp', ['-a', from, to]);
  }
}

export interface PlacedRuntime {
  node: string;
  nodeRed: string;
  /** Removes what was staged for another user. */
  cleanup(): void;
}

/**
 * Installs the pack into `userDir` for `r`: node_modules/@wirescope/node-red is a directory with the
 * built pack (dist/ copied, so modules resolve from it) and a node_modules with the dependencies
 * built for r's Node. For a Node-RED run as another user (`forOtherUser`), everything that user
 * must read and that lies inside this checkout (whose parents may be mode 0700, as /root is) is
 * staged under os.tmpdir() first; the caller chowns only the user dir, which links to the stage.
 */
export function placeRuntime(r: Runtime, userDir: string, forOtherUser: boolean): PlacedRuntime {
  const moduleDir = join(userDir, 'node_modules', '@wirescope', 'node-red');
  mkdirSync(dirname(moduleDir), { recursive: true });
  rmSync(moduleDir, { recursive: true, force: true });
  let stage: string | undefined;
  let node = r.node;
  let nodeRed = r.nodeRed;
  if (!forOtherUser) {
    mkdirSync(moduleDir);
    for (const f of packFiles) copyTree(join(repoRoot, f), join(moduleDir, f));
    symlinkSync(join(r.pack, 'node_modules'), join(moduleDir, 'node_modules'), 'dir');
  } else {
    stage = mkdtempSync(join(tmpdir(), 'wirescope-rt-'));
    chmodSync(stage, 0o755);
    const packCopy = join(stage, 'pack');
    mkdirSync(packCopy);
    for (const f of packFiles) copyTree(join(repoRoot, f), join(packCopy, f));
    copyTree(join(r.pack, 'node_modules'), join(packCopy, 'node_modules'));
    const inside = (p: string) => !relative(repoRoot, p).startsWith('..');
    if (inside(r.nodeRed)) {
      // Node-RED and its dependencies: the node_modules that holds it (the pack's for Node-RED 4.1).
      const modules = r.nodeRed.slice(0, r.nodeRed.lastIndexOf('/node_modules/') + '/node_modules'.length);
      const target = modules === join(r.pack, 'node_modules') ? join(packCopy, 'node_modules') : join(stage, 'node-red', 'node_modules');
      if (target !== join(packCopy, 'node_modules')) { mkdirSync(dirname(target)); copyTree(modules, target); }
      nodeRed = join(target, relative(modules, r.nodeRed));
    }
    if (inside(r.node)) {
      node = join(stage, 'node');
      try { execFileSync('ln', [r.node, node]); } catch { copyFileSync(r.node, node); chmodSync(node, 0o755); }
    }
    symlinkSync(packCopy, moduleDir, 'dir');
  }
  return { node, nodeRed, cleanup: () => { if (stage) rmSync(stage, { recursive: true, force: true }); } };
}
