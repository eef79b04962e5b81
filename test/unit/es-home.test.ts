// A checkout anywhere: as root the test Elasticsearch runs as the user `wirescope-es`, which cannot
// execute anything under a private directory (/root is 0700). The helper then runs a copy under
// /var/tmp/wirescope-es/<version>. The operating system's own permission check (`test -x` run as
// that user) is the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canExecuteAs, ensureUser, reachableHome, sharedEsRoot } from '../helpers/elasticsearch';
import { isRoot, requireRoot } from '../helpers/real';

test('a distribution under a 0700 directory is copied where the es user can execute it', (t) => {
  if (!requireRoot(t, 'runs a command as the wirescope-es user')) return;
  assert.ok(isRoot);
  const { uid, gid } = ensureUser();
  const privateDir = mkdtempSync(join(tmpdir(), 'wirescope-private-'));
  const version = `0.0.0-test-${process.pid}`;
  try {
    chmodSync(privateDir, 0o700);
    const home = join(privateDir, 'checkout', '.cache', 'elasticsearch', version);
    mkdirSync(join(home, 'bin'), { recursive: true });
    mkdirSync(join(home, 'lib'));
    writeFileSync(join(home, 'bin', 'elasticsearch'), '#!/bin/sh\necho ok\n', { mode: 0o755 });
    assert.equal(canExecuteAs(join(home, 'bin', 'elasticsearch'), uid, gid), false, 'the private checkout is out of reach');
    const reachable = reachableHome(home, version, uid, gid);
    assert.equal(reachable, join(sharedEsRoot, version));
    assert.equal(canExecuteAs(join(reachable, 'bin', 'elasticsearch'), uid, gid), true);
    assert.equal(reachableHome(home, version, uid, gid), reachable, 'made once, then reused');
    // A reachable checkout is used where it is.
    chmodSync(privateDir, 0o755);
    assert.equal(reachableHome(home, version, uid, gid), home);
  } finally {
    rmSync(privateDir, { recursive: true, force: true });
    rmSync(join(sharedEsRoot, version), { recursive: true, force: true });
  }
});
