// The README's demo command starts Node-RED with every demo flow deployed and doing real work on
// the bundled data. (npm test has already installed and built, so this runs scripts/demo.mjs, the
// part of `npm run demo` after setup and build.)
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot, waitUntil } from '../helpers/node-red';
import { parseCaptureBuffer } from '../../nodes/common/pcap';

describe('npm run demo', () => {
  let child: ChildProcess | undefined;
  const userDir = mkdtempSync(join(tmpdir(), 'wirescope-demo-'));
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(userDir, { recursive: true, force: true });
  });

  it('deploys every demo tab and stores the replayed capture', async () => {
    const port = await freePort();
    let log = '';
    child = spawn(process.execPath, [join(repoRoot, 'scripts', 'demo.mjs')], {
      env: { ...process.env, WIRESCOPE_DEMO_PORT: String(port), WIRESCOPE_DEMO_USERDIR: userDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c) => (log += c));
    child.stderr!.on('data', (c) => (log += c));
    await waitUntil('the demo Node-RED', () => log.includes('Server now running'), 60000);
    const flows = (await (await fetch(`http://127.0.0.1:${port}/flows`)).json()) as Array<{ type: string; label?: string }>;
    const demoFiles = readdirSync(join(repoRoot, 'demo')).filter((f) => f.endsWith('.json'));
    const expectedTabs = demoFiles.flatMap((f) => JSON.parse(readFileSync(join(repoRoot, 'demo', f), 'utf8')).filter((n: any) => n.type === 'tab').map((n: any) => n.label));
    assert.deepEqual(flows.filter((n) => n.type === 'tab').map((n) => n.label).sort(), expectedTabs.sort());
    assert.doesNotMatch(log, /\[error\].*(Unknown|missing) (node )?type/i);

    // The capture tab replays demo/data/sample.pcapng into pcap file out: its packets land in a file.
    const sample = parseCaptureBuffer(readFileSync(join(repoRoot, 'demo', 'data', 'sample.pcapng'))).packets.length;
    const output = join(userDir, 'output');
    await waitUntil('a stored replay with every packet', () => {
      const files = readdirSync(output).filter((f) => f.startsWith('replay-') && f.endsWith('.pcapng'));
      return files.some((f) => parseCaptureBuffer(readFileSync(join(output, f))).packets.length >= sample);
    }, 30000, 500);
  });
});
