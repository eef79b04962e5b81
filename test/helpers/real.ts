// Real components: a test that needs one asks here. Outside CI a missing component skips the
// test with the reason; with CI=true it fails, because a skipped real-part test hides a gap.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';

export const inCI = process.env.CI === 'true';

export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Returns true when `available`; otherwise skips (outside CI) or fails (in CI) with `why`. */
export function requireReal(t: TestContext, available: boolean, why: string): boolean {
  if (available) return true;
  if (inCI) assert.fail(`real component missing in CI: ${why}`);
  t.skip(why);
  return false;
}

export function requireCommands(t: TestContext, ...commands: string[]): boolean {
  const missing = commands.filter((c) => !hasCommand(c));
  return requireReal(t, missing.length === 0, `missing command(s): ${missing.join(', ')} (npm test installs them)`);
}

export function requireRoot(t: TestContext, why: string): boolean {
  return requireReal(t, isRoot, `needs root: ${why}`);
}

/** ../shared/corpus: real vendor captures with golden decodes from other projects. */
export const CORPUS = join(__dirname, '../../../shared/corpus');

/**
 * The `skip` option of a test that reads the corpus: users without it skip with the reason; CI
 * (which has ../shared beside the clone) never skips, so a missing corpus fails there.
 */
export const corpusSkip: string | false = !inCI && !existsSync(CORPUS) && 'shared corpus not present';
