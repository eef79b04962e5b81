// @runtime: primary (one copy of the checkout is enough; the staging it checks is the same code for every runtime)
// A checkout in a directory that only root can enter (cloned as root into /root, mode 0700 on
// Debian): the unprivileged-capture test of pcap-capture.test.ts must still start Node-RED as
// `nobody`. The checkout is copied (hard links, cheap) under a mode-0700 directory and that test
// runs from the copy, with the runtime of this pass.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/node-red';
import { requireCommands, requireRoot } from '../helpers/real';

/**
 * What the test run needs from the checkout: sources, tests, the dependencies, the runtimes, and what the
 * package ships (package.json `files`: the build, the generated editor resources, README...), which the
 * test helper installs into each Node-RED.
 */
const shipped = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { files: string[] }).files.map((f) => f.replace(/\/$/, ''));
const parts = [...new Set(['package.json', 'tsconfig.json', 'nodes', 'test', 'node_modules', '.cache/runtimes', ...shipped])];

describe('a checkout in a mode-0700 directory', () => {
  const locked = mkdtempSync(join(tmpdir(), 'wirescope-0700-'));
  after(() => rmSync(locked, { recursive: true, force: true }));

  it('runs the unprivileged-capture test (Node-RED as nobody)', (t) => {
    if (!requireRoot(t, 'to start Node-RED as another user') || !requireCommands(t, 'tcpdump')) return;
    assert.equal(statSync(locked).mode & 0o777, 0o700);
    const checkout = join(locked, 'wirescope');
    for (const part of parts) {
      mkdirSync(dirname(join(checkout, part)), { recursive: true });
      try {
        execFileSync('cp', ['-al', join(repoRoot, part), join(checkout, part)], { stdio: 'ignore' });
      } catch {
        execFileSync('cp', ['-a', join(repoRoot, part), join(checkout, part)]);
      }
    }
    // nobody cannot even look into the locked directory: the test below must not need to.
    assert.notEqual(spawnSync('ls', [checkout], { uid: 65534, gid: 65534 }).status, 0);
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-name-pattern=without capture privileges', 'test/e2e/pcap-capture.test.ts'], {
      // A test run of its own (NODE_TEST_CONTEXT would make it a subtest of this one); CI=true: no skipping.
      cwd: checkout, encoding: 'utf8', env: { ...process.env, NODE_TEST_CONTEXT: undefined, CI: 'true' },
    });
    const report = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, report);
    // Both engines' tests ran and passed.
    assert.match(report, /^# pass 2$/m, report);
  });
});
