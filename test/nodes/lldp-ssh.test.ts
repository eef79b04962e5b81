// lldp poll over SSH against a real OpenSSH server (Debian openssh-server) on a free localhost port,
// whose ForceCommand answers "show lldp neighbors detail" with real NX-OS output, the way a switch
// would, and anything else with the IOS "% Invalid input" error. The ForceCommand first touches a
// marker file, so a test can prove that no command ran. Host keys: the reference fingerprint is
// `ssh-keygen -lf` on the server's host key.
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
let marker = '';

/** What sshd logged since `from` (characters). */
function sshdLog(from = 0): string {
  const path = join(dir!, 'sshd.log');
  return existsSync(path) ? readFileSync(path, 'utf8').slice(from) : '';
}

function referenceFingerprint(): string {
  // "256 SHA256:... comment (ED25519)"
  const line = execFileSync('ssh-keygen', ['-lf', join(dir!, 'host_key.pub')], { encoding: 'utf8' });
  const fingerprint = line.split(/\s+/)[1];
  assert.match(fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  return fingerprint;
}

function startSshd(): ChildProcess {
  return spawn(SSHD, ['-D', '-E', join(dir!, 'sshd.log'), '-f', join(dir!, 'sshd_config')], { stdio: 'ignore' });
}

async function stopSshd(): Promise<void> {
  if (sshd && sshd.exitCode === null && sshd.signalCode === null) {
    await new Promise<void>((resolve) => { sshd!.once('exit', () => resolve()); sshd!.kill('SIGTERM'); });
  }
}

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
  marker = join(dir, 'command-ran');
  writeFileSync(cli, `#!/bin/sh\ntouch '${marker}'\ncase "$SSH_ORIGINAL_COMMAND" in\n  "show lldp neighbors detail") cat '${fixture}' ;;\n  *) echo "% Invalid input detected at '^' marker."; exit 1 ;;\nesac\n`);
  chmodSync(cli, 0o755);
  port = await freePort();
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'UsePAM no', 'LogLevel VERBOSE', 'PermitRootLogin prohibit-password', 'StrictModes no', `ForceCommand ${cli}`, '',
  ].join('\n'));
  sshd = startSshd();
  await waitForPort(port);
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
});

after(async () => {
  if (ready) {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  }
  await stopSshd();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Out = { payload: Topology; errors: { device: string; error: string }[] };
type HostKeyConfig = { hostKeyMode?: string; hostKeys?: string };
type Reply = { topic: string; payload: unknown };
type Loaded = { pollAgain(): Promise<Out>; ask(topic: string, payload: unknown): Promise<Reply>; node(id: string): NodeJS.EventEmitter & { receive(msg: unknown): void; context(): { get(k: string): unknown } } };

async function load(devices: string, hostKey: HostKeyConfig = {}, pollId = 'poll'): Promise<Loaded> {
  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'login', type: 'wirescope-lldp-credentials', snmpVersion: '2c', sshUsername: userInfo().username, ...hostKey },
    { id: pollId, z: 'tab', type: 'wirescope-lldp-poll', source: 'ssh', login: 'login', devices, timeout: 10, concurrency: 2, wires: [['topo'], ['events']] },
    { id: 'topo', z: 'tab', type: 'helper' },
    { id: 'events', z: 'tab', type: 'helper' },
  ];
  await helper.unload();
  await helper.load([credentialsNode, pollNode], flow, { login: { sshPrivateKey: clientKey } });
  const node = (id: string) => helper.getNode(id) as unknown as ReturnType<Loaded['node']>;
  return {
    node,
    pollAgain() {
      const out = new Promise<Out>((resolve) => node('topo').once('input', resolve));
      node(pollId).receive({ payload: 'poll' });
      return out;
    },
    ask(topic, payload) {
      // The answer leaves on output 2 (events), or the message fails with done(err): the test
      // helper reports that as a call of the node's error().
      const answer = new Promise<Reply>((resolve, reject) => {
        node('events').once('input', resolve);
        node(pollId).once('call:error', (call: { args: unknown[] }) => reject(new Error(String(call.args[0]))));
      });
      node(pollId).receive({ topic, payload });
      return answer;
    },
  };
}

async function poll(devices: string, hostKey: HostKeyConfig = {}): Promise<Out> {
  return (await load(devices, hostKey)).pollAgain();
}

const LINKS = [
  'n3k Eth1/49 n7k-lab Eth2/2',
  'n7k-lab Eth1/1 n9k2 Eth1/1',
  'n7k-lab Eth1/2 n9k2 Eth1/2',
];
const links = (out: Out) => out.payload.links.map((l) => [l.a.device, l.a.port, l.b.device, l.b.port].join(' ')).sort();

test('lldp poll over SSH parses NX-OS output from a real sshd', async (t) => {
  if (!requireReal(t, ready, 'needs root and openssh-server (sshd, ssh-keygen)')) return;
  const out = await poll(`127.0.0.1:${port} nxos n7k-lab`);
  assert.deepEqual(out.errors, []);
  // nxos_detail.txt: mgmt0 → Switch (management link, excluded); Eth1/1, Eth1/2 → n9k2; Eth2/2 → N3K.
  assert.equal(out.payload.excludedManagementLinks, 1);
  assert.deepEqual(links(out), LINKS);
});

test('a CLI error over SSH is a poll error, not an empty neighbour table', async (t) => {
  if (!requireReal(t, ready, 'needs root and openssh-server (sshd, ssh-keygen)')) return;
  const out = await poll(`127.0.0.1:${port} junos mx1`); // Junos asks "show lldp neighbors": the fake CLI refuses
  assert.equal(out.errors.length, 1);
  assert.match(out.errors[0].error, /no "Local Interface \.\.\." table header.*: % Invalid input detected/);
});

test('pinned host key: the fingerprint ssh-keygen -lf reads from the server key polls', async (t) => {
  if (!requireReal(t, ready, 'needs root and openssh-server (sshd, ssh-keygen)')) return;
  const fingerprint = referenceFingerprint();
  rmSync(marker, { force: true });
  // Per device (host:port) and as ssh-keygen's own output line for every device.
  const perDevice = await poll(`127.0.0.1:${port} nxos n7k-lab`, { hostKeyMode: 'pinned', hostKeys: `# lab\n127.0.0.1:${port} ${fingerprint}\n` });
  assert.deepEqual(perDevice.errors, []);
  assert.deepEqual(links(perDevice), LINKS);
  assert.equal(existsSync(marker), true, 'the marker shows that the ForceCommand ran');
  assert.match(sshdLog(), /Accepted publickey for /, 'sshd logs a login (positive control for the refused case)');
  const keygenLine = execFileSync('ssh-keygen', ['-lf', join(dir!, 'host_key.pub')], { encoding: 'utf8' });
  const anyDevice = await poll(`127.0.0.1:${port} nxos n7k-lab`, { hostKeyMode: 'pinned', hostKeys: keygenLine });
  assert.deepEqual(anyDevice.errors, []);
});

test('wrong pinned host key: refused with both fingerprints, and no command runs', async (t) => {
  if (!requireReal(t, ready, 'needs root and openssh-server (sshd, ssh-keygen)')) return;
  const fingerprint = referenceFingerprint();
  // The fingerprint of another real key (a fresh one) stands for an impostor's expectation mismatch.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir!, 'other_key')]);
  const wrong = execFileSync('ssh-keygen', ['-lf', join(dir!, 'other_key.pub')], { encoding: 'utf8' }).split(/\s+/)[1];
  rmSync(marker, { force: true });
  const logStart = sshdLog().length;
  const out = await poll(`127.0.0.1:${port} nxos n7k-lab`, { hostKeyMode: 'pinned', hostKeys: `127.0.0.1 ${wrong}` });
  assert.equal(out.errors.length, 1);
  assert.equal(out.errors[0].error, `host key of 127.0.0.1:${port} refused: it presented ${fingerprint}, pinned ${wrong}`);
  assert.deepEqual(out.payload.links, []);
  assert.equal(existsSync(marker), false, 'the ForceCommand ran although the host key was refused');
  assert.doesNotMatch(sshdLog(logStart), /Accepted publickey|Postponed publickey|Failed publickey/, 'the client authenticated although the host key was refused');
  // A device with nothing pinned is refused too.
  const none = await poll(`127.0.0.1:${port} nxos n7k-lab`, { hostKeyMode: 'pinned', hostKeys: `10.9.9.9 ${fingerprint}` });
  assert.match(none.errors[0].error, /no fingerprint pinned for this device/);
  assert.equal(existsSync(marker), false);
});

test('accept any key: polls, with a warning in the status and the log', async (t) => {
  if (!requireReal(t, ready, 'needs root and openssh-server (sshd, ssh-keygen)')) return;
  const loaded = await load(`127.0.0.1:${port} nxos n7k-lab`, { hostKeyMode: 'any' });
  const statuses: { text?: string; fill?: string }[] = [];
  loaded.node('poll').on('call:status', (call: { args: [{ text?: string; fill?: string }] }) => statuses.push(call.args[0]));
  const out = await loaded.pollAgain();
  assert.deepEqual(out.errors, []);
  assert.deepEqual(links(out), LINKS);
  const last = statuses.at(-1)!;
  assert.equal(last.fill, 'yellow');
  // The helper has no message catalog for nodes loaded from source: RED._ answers the message id.
  assert.match(last.text ?? '', /NOT verified|lldp-poll\.status\.anyHostKey/);
  const warnings = (helper.log().args as unknown[][]).map((a) => a[0] as { level: number; msg: string; type?: string })
    .filter((e) => e.type === 'wirescope-lldp-poll' && e.level === 30);
  assert.ok(warnings.some((w) => /host-key checking is off|lldp-poll\.errors\.anyHostKey/.test(String(w.msg))), 'no log warning about host keys');
});

// Last: it replaces the server's host key.
test('trust on first use: first key accepted and remembered, a regenerated host key refused until forgotten', { timeout: 120_000 }, async (t) => {
  if (!requireReal(t, ready, 'needs root and openssh-server (sshd, ssh-keygen)')) return;
  const before = referenceFingerprint();
  const loaded = await load(`127.0.0.1:${port} nxos n7k-lab`, {}, 'poll-tofu'); // default mode
  const first = await loaded.pollAgain();
  assert.deepEqual(first.errors, []);
  assert.deepEqual(links(first), LINKS);
  assert.deepEqual(loaded.node('poll-tofu').context().get('sshHostKeys'), { [`127.0.0.1:${port}`]: before });
  const again = await loaded.pollAgain();
  assert.deepEqual(again.errors, []);

  // The server gets a new host key (as an impostor, or a replaced device, would present).
  await stopSshd();
  rmSync(join(dir!, 'host_key'), { force: true });
  rmSync(join(dir!, 'host_key.pub'), { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir!, 'host_key')]);
  const after = referenceFingerprint();
  assert.notEqual(after, before);
  sshd = startSshd();
  await waitForPort(port);
  rmSync(marker, { force: true });

  const changed = await loaded.pollAgain();
  assert.equal(changed.errors.length, 1);
  const error = changed.errors[0].error;
  assert.ok(error.startsWith(`host key of 127.0.0.1:${port} CHANGED: first seen ${before}, now ${after}`), error);
  assert.equal(existsSync(marker), false, 'the ForceCommand ran although the host key changed');
  assert.deepEqual(loaded.node('poll-tofu').context().get('sshHostKeys'), { [`127.0.0.1:${port}`]: before });
  assert.match(error, new RegExp(`send msg\\.topic "forget-host-key" with msg\\.payload "127\\.0\\.0\\.1:${port}"`));

  // The replaced key is forgotten on request; an unknown device is reported as not known.
  const device = `127.0.0.1:${port}`;
  const stored = await loaded.ask('host-keys', undefined);
  assert.equal(stored.topic, 'host-keys');
  assert.deepEqual(stored.payload, { [device]: before });
  const statuses: { text?: string }[] = [];
  loaded.node('poll-tofu').on('call:status', (call: { args: [{ text?: string }] }) => statuses.push(call.args[0]));
  const forgot = await loaded.ask('forget-host-key', [device, '10.9.9.9']);
  // The helper has no message catalog for nodes loaded from source: RED._ answers the message id.
  assert.match(statuses.at(-1)?.text ?? '', /forgotten: 1, not known: 1|lldp-poll\.status\.hostKeysForgotten/);
  assert.equal(forgot.topic, 'forget-host-key');
  assert.deepEqual(forgot.payload, { forgotten: [{ device, fingerprint: before }], notKnown: ['10.9.9.9:22'] });
  assert.deepEqual(loaded.node('poll-tofu').context().get('sshHostKeys'), {});
  const unknown = await loaded.ask('forget-host-key', 'sw9.example.net:2222');
  assert.deepEqual(unknown.payload, { forgotten: [], notKnown: ['sw9.example.net:2222'] });
  // Names as written in the device list: port 22 by default, IPv6 bracketed, hosts without case.
  const spelled = await loaded.ask('forget-host-key', ['SW1', '[2001:db8::1]:830', 'FE80::1']);
  assert.deepEqual(spelled.payload, { forgotten: [], notKnown: ['sw1:22', '[2001:db8::1]:830', '[fe80::1]:22'] });

  // The next poll trusts the key it now sees: the new one, as ssh-keygen -lf reads it.
  const accepted = await loaded.pollAgain();
  assert.deepEqual(accepted.errors, []);
  assert.deepEqual(links(accepted), LINKS);
  assert.equal(existsSync(marker), true, 'the ForceCommand ran after the key was forgotten');
  assert.deepEqual(loaded.node('poll-tofu').context().get('sshHostKeys'), { [device]: after });
  assert.deepEqual((await loaded.ask('host-keys', undefined)).payload, { [device]: after });
  const logged = (helper.log().args as unknown[][]).map((a) => a[0] as { msg: string; type?: string })
    .filter((e) => e.type === 'wirescope-lldp-poll').map((e) => String(e.msg));
  assert.ok(logged.includes(`trusting the host key of ${device} on first use: ${after}`), 'the new fingerprint is not logged');

  // "*" forgets every device.
  const all = await loaded.ask('forget-host-key', '*');
  assert.deepEqual(all.payload, { forgotten: [{ device, fingerprint: after }], notKnown: [] });
  assert.deepEqual(loaded.node('poll-tofu').context().get('sshHostKeys'), {});

  // A malformed payload fails the message (done(err)) and changes nothing.
  await loaded.pollAgain();
  await assert.rejects(loaded.ask('forget-host-key', 22), /forget-host-key: bad device 22 in msg\.payload/);
  await assert.rejects(loaded.ask('forget-host-key', ['sw1', 'bad host']), /bad device "bad host"/);
  await assert.rejects(loaded.ask('forget-host-key', []), /empty array/);
  assert.deepEqual(loaded.node('poll-tofu').context().get('sshHostKeys'), { [device]: after });
});
