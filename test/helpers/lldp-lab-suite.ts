// The before/after of a node-test file (node-red-node-test-helper) over one LLDP lab.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { LldpLab, type LabOptions } from './lldp-lab';
import { startServer, stopServer } from './node-test';
import { hasCommand, isRoot, requireReal } from './real';

/** What a node-test file over one lab uses: the lab, a temp dir, and whether a test can run. */
export interface LabSuite {
  lab?: LldpLab;
  dir?: string;
  /** Root and every needed command are there. */
  readonly runnable: boolean;
  /** False (the test skipped, or failed in CI) without root or a needed command. */
  ready(t: TestContext): boolean;
}

/**
 * The set-up of a node-test file over one lab: in `before`, the lab (only as root with every
 * needed command) with its neighbours learnt, then `prepare`, a temp dir and the test helper's
 * server; in `after`, all of it released.
 */
export function labSuite(needed: string[], options: LabOptions, prepare: (lab: LldpLab) => Promise<void> = async () => {}): LabSuite {
  const runnable = isRoot && needed.every(hasCommand);
  const suite: LabSuite = {
    runnable,
    ready(t) {
      if (!requireReal(t, isRoot, 'needs root: network namespaces')) return false;
      const missing = needed.filter((c) => !hasCommand(c));
      return requireReal(t, missing.length === 0, `missing command(s): ${missing.join(', ')}`) && suite.lab !== undefined;
    },
  };
  before(async () => {
    if (!runnable) return;
    suite.lab = await LldpLab.start(options);
    await suite.lab.waitForAllNeighbors();
    await prepare(suite.lab);
    suite.dir = mkdtempSync(join(tmpdir(), 'lldp-lab-test-'));
    await startServer();
  });
  after(async () => {
    if (runnable) await stopServer();
    await suite.lab?.stop();
    if (suite.dir) rmSync(suite.dir, { recursive: true, force: true });
  });
  return suite;
}
