// @runtime: primary (this file goes through the runtimes itself)
// Every supported Node-RED / Node pair of the support matrix starts with the pack, loads every node
// set package.json declares, and captures through `cap`, the native module that is built for each
// Node against that Node's own headers. (The full end-to-end suite runs on Node-RED 5 / Node 22 and
// Node-RED 4.1 / Node 20; this covers the other two pairs, Node 24 and Node-RED 4.1 on Node 22.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeRed, repoRoot } from '../helpers/node-red';
import { requireRoot } from '../helpers/real';
import { runtime, runtimeIds } from '../helpers/runtime';

// Node-RED's own range check (semver, a dependency of node-red).
const semver: { satisfies(version: string, range: string): boolean } = require(require.resolve('semver', { paths: [require.resolve('node-red')] }));
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

describe('the support matrix', () => {
  for (const id of runtimeIds) {
    it(`${id}: the runtime, every node set, and a cap capture`, async (t) => {
      const r = runtime(id);
      t.diagnostic(`Node-RED ${r.nodeRedVersion} on Node ${r.nodeVersion}`);
      // What package.json promises is what is tested.
      assert.ok(semver.satisfies(r.nodeVersion, pkg.engines.node), `engines.node ${pkg.engines.node} admits ${r.nodeVersion}`);
      assert.ok(semver.satisfies(r.nodeRedVersion, pkg['node-red'].version), `node-red.version ${pkg['node-red'].version} admits ${r.nodeRedVersion}`);
      const nodeRed = await NodeRed.start({ runtime: id });
      try {
        // The process says which Node-RED and Node it is (not what the descriptor claims).
        assert.ok(nodeRed.logs.some((l) => l.includes(`Node-RED version: v${r.nodeRedVersion}`)), `Node-RED ${r.nodeRedVersion} in the log`);
        assert.ok(nodeRed.logs.some((l) => l.includes(`Node.js  version: ${r.nodeVersion}`)), `Node ${r.nodeVersion} in the log`);
        const sets = ((await (await fetch(`${nodeRed.url}/nodes`, { headers: { accept: 'application/json' } })).json()) as Array<{ module: string; name: string; enabled: boolean; types: string[]; err?: string }>)
          .filter((s) => s.module === pkg.name);
        assert.deepEqual(sets.map((s) => s.name).sort(), Object.keys(pkg['node-red'].nodes).sort());
        for (const set of sets) assert.ok(set.enabled && !set.err && set.types.includes(`wirescope-${set.name}`), `${set.name}: ${set.err}`);
        if (!requireRoot(t, 'to capture on lo')) return;
        await nodeRed.deploy([{ id: 'capture', type: 'wirescope-pcap-in', iface: 'lo', engine: 'cap', filter: 'udp port 9', snaplen: 65535, bufferSize: 2, batchSize: 1, batchInterval: 0, dissect: true, wires: [[]] }]);
        const status = await nodeRed.waitForStatus('capture', (s) => s.fill === 'green' || s.fill === 'red', 60000);
        assert.equal(status.fill, 'green', `cap capture: ${status.text} ${nodeRed.logs.filter((l) => l.includes('cap')).join('\n')}`);
      } finally {
        await nodeRed.stop();
      }
    });
  }
});
