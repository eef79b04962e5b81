// lldp poll over SSH against a real OpenSSH server (Debian openssh-server) on a free localhost port,
// whose ForceCommand answers "show lldp neighbors detail" with real NX-OS output, the way a switch
// would, and anything else with the IOS "% Invalid input" error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import type { Topology } from '../../nodes/common/topology';
import { freePort } from '../helpers/node-red';
import { hasCommand, isRoot, requireReal } from '../helpers/real';

helper.init(require.resolve('node-red'));
/* eslint-disable @typescript-eslint/no-require-imports */
const pollNode = require('../../nodes/lldp-poll/lldp-poll');
const credentialsNode = require('../../nodes/lldp-credentials/lldp-credentials');
/* eslint-enable @typescript-eslint/no-require-imports */

const SSHD = '/usr/sbin/sshd';
const ready = isRoot && existsSync(SSHD) && hasCommand('ssh-keygen');
const fixture = join(__dirname, '../fixtures/lldp/cli/nxos_detail.txt');
let dir: string | undefined;
let sshd: ChildProcess | undefined;
let port = 0;
let clientKey = '';

async function waitForPort(p: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(p, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd did not listen on ${p}`);
}

before(async () => {
  if (!ready) return;
  dir = mkdtempSync(join(tmpdir(), 'lldp-sshd-'));
  chmodSync(dir, 0o755);
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  clientKey = readFileSync(join(dir, 'client_key'), 'utf8');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const cli = join(dir, 'cli.sh');
  writeFileSync(cli, `#!/bin/sh\ncase "$SSH_ORIGINAL_COMMAND" in\n  "show lldp neighbors detail") cat '${fixture}' ;;\n  *) echo "% Invalid input detected at '^' marker."; exit 1 ;;\nesac\n`);
  chmodSync(cli, 0o755);
  port = await freePort();
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'UsePAM no', 'PermitRootLogin prohibit-password', 'StrictModes no', `ForceCommand ${cli}`, '',
  ].join('\n'));
  sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  await waitForPort(port);
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
});

after(async () => {
  if (ready) {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  }
  if (sshd && sshd.exitCode === null) {
    await new Promise<void>((resolve) => { sshd!.once('exit', () => resolve()); sshd!.kill('SIGTERM'); });
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Out = { payload: Topology; errors: { device: string; error: string }[] };

async function poll(devices: string): Promise<Out> {
  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'login', type: 'wirescope-lldp-credentials', snmpVersion: '2c', sshUsername: userInfo().username },
    { id: 'poll', z: 'tab', type: 'wirescope-lldp-poll', source: 'ssh', login: 'login', devices, timeout: 10, concurrency: 2, wires: [['topo'], []] },
    { id: 'topo', z: 'tab', type: 'helper' },
  ];
  await helper.unload();
  await helper.load([credentialsNode, pollNode], flow, { login: { sshPrivateKey: clientKey } });
  const node = (id: string) => helper.getNode(id) as unknown as NodeJS.EventEmitter & { receive(msg: unknown): void };
  const out = new Promise<Out>((resolve) => node('topo').once('input', resolve));
  node('poll').receive({ payload: 'poll' });
  return out;
}

test('lldp poll over SSH parses NX-OS output from a real sshd', async (t) => {
  if (!requireReal(t, ready, 'needs root and openssh-server (sshd, ssh-keygen)')) return;
  const out = await poll(`127.0.0.1:${port} nxos n7k-lab`);
  assert.deepEqual(out.errors, []);
  // nxos_detail.txt: mgmt0 → Switch (management link, excluded); Eth1/1, Eth1/2 → n9k2; Eth2/2 → N3K.
  assert.equal(out.payload.excludedManagementLinks, 1);
  assert.deepEqual(out.payload.links.map((l) => [l.a.device, l.a.port, l.b.device, l.b.port].join(' ')).sort(), [
    'n3k Eth1/49 n7k-lab Eth2/2',
    'n7k-lab Eth1/1 n9k2 Eth1/1',
    'n7k-lab Eth1/2 n9k2 Eth1/2',
  ]);
});

test('a CLI error over SSH is a poll error, not an empty neighbour table', async (t) => {
  if (!requireReal(t, ready, 'needs root and openssh-server (sshd, ssh-keygen)')) return;
  const out = await poll(`127.0.0.1:${port} junos mx1`); // Junos asks "show lldp neighbors": the fake CLI refuses
  assert.equal(out.errors.length, 1);
  assert.match(out.errors[0].error, /no "Local Interface \.\.\." table header: % Invalid input detected/);
});
