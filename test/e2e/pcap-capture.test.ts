// pcap in inside a real Node-RED: capture on lo and on a veth pair to a network namespace while
// real UDP, TCP, ICMP and IPv6 traffic flows, and check the node saw exactly the frames sent
// (counts, addresses, ports, lengths), with tcpdump capturing the same traffic as the reference.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, connect } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort, waitUntil, type FlowNode } from '../helpers/node-red';
import { createVethHost, macOf, type VethHost } from '../helpers/netns';
import { requireCommands, requireRoot } from '../helpers/real';
import { parseCaptureBuffer } from '../../nodes/common/pcap';
import { dissect } from '../../nodes/common/packet';

// Each deployment gets a new node id, so a late status from the node it replaced cannot be
// mistaken for the new capture being open.
let deployment = 0;
let captureId = 'cap-0';

function captureFlow(sink: MessageSink, iface: string, filter: string, extra: object = {}): FlowNode[] {
  captureId = `cap-${++deployment}`;
  return [
    { id: captureId, type: 'wirescope-pcap-in', iface, filter, snaplen: 65535, bufferSize: 4, batchSize: 1, batchInterval: 0, dissect: true, wires: [['sink']], ...extra },
    ...sink.sinkNodes('sink', 'packets'),
  ];
}

async function sendUdp(address: string, port: number, sizes: number[]): Promise<void> {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  for (const size of sizes) await new Promise<void>((ok, fail) => socket.send(Buffer.alloc(size, 0x61), port, address, (err) => (err ? fail(err) : ok())));
  socket.close();
}

/** tcpdump on the same interface and filter, as the reference of what crossed it. */
async function tcpdump(iface: string, filter: string): Promise<{ stop: () => Promise<Array<{ length: number; summary: string }>> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-tcpdump-'));
  const file = join(dir, 'ref.pcap');
  const child = spawn('tcpdump', ['-Z', 'root', '--immediate-mode', '-i', iface, '-U', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  await waitUntil('tcpdump to listen', () => stderr.includes('listening on'));
  return {
    stop: async () => {
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      const frames = parseCaptureBuffer(readFileSync(file)).packets.map((p) => ({ length: p.originalLength, summary: summarise(dissect(p.data, p.linkType)) }));
      rmSync(dir, { recursive: true, force: true });
      return frames;
    },
  };
}

function summarise(p: any): string {
  const ip = p.ipv4 ?? p.ipv6;
  const l4 = p.tcp ?? p.udp;
  return `${p.layers.join('/')} ${ip?.source}>${ip?.destination} ${l4?.sourcePort ?? ''}>${l4?.destinationPort ?? ''}`;
}

function childParent(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1];
  } catch {
    return undefined;
  }
}

const sortedSummaries = (frames: Array<{ length: number; summary: string }>) => frames.map((f) => `${f.length} ${f.summary}`).sort();

describe('pcap in on real interfaces', () => {
  let nodeRed: NodeRed;
  let sink: MessageSink;
  let host: VethHost | undefined;

  before(async () => {
    nodeRed = await NodeRed.start();
    sink = await MessageSink.start();
  });
  after(async () => {
    await nodeRed?.stop();
    await sink?.stop();
    host?.remove();
  });

  async function deployCapture(iface: string, filter: string) {
    sink.clear();
    await nodeRed.deploy(captureFlow(sink, iface, filter));
    await nodeRed.waitForStatus(captureId, (s) => s.fill === 'green');
  }

  it('sees exactly the UDP datagrams sent over lo, with their ports and lengths', async (t) => {
    if (!requireRoot(t, 'capture on lo')) return;
    const port = await freePort();
    const receiver = createSocket('udp4');
    await new Promise<void>((r) => receiver.bind(port, '127.0.0.1', () => r()));
    await deployCapture('lo', `udp port ${port}`);
    const sizes = [1, 100, 512, 1400, 8000, 20, 333];
    await sendUdp('127.0.0.1', port, sizes);
    const messages = await sink.waitFor('packets', sizes.length);
    await new Promise((r) => setTimeout(r, 300));
    receiver.close();
    assert.equal(sink.messages('packets').length, sizes.length);
    messages.forEach((msg, i) => {
      const p = msg.payload;
      assert.equal(msg.topic, 'lo');
      assert.equal(p.interface, 'lo');
      assert.equal(p.linkType, 1);
      assert.deepEqual(p.packet.layers, ['eth', 'ipv4', 'udp']);
      assert.equal(p.packet.ipv4.source, '127.0.0.1');
      assert.equal(p.packet.udp.destinationPort, port);
      assert.equal(p.packet.udp.length, 8 + sizes[i]);
      assert.equal(p.originalLength, 14 + 20 + 8 + sizes[i]);
      assert.equal(p.frame.data.length, p.originalLength);
    });
  });

  it('sees the same TCP frames on lo as tcpdump', async (t) => {
    if (!requireRoot(t, 'capture on lo') || !requireCommands(t, 'tcpdump')) return;
    const server = createServer((s) => s.on('data', (d) => s.write(d)).on('end', () => s.end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as any).port;
    const filter = `tcp port ${port}`;
    await deployCapture('lo', filter);
    const reference = await tcpdump('lo', filter);
    await new Promise<void>((resolve, reject) => {
      const client = connect(port, '127.0.0.1', () => { client.write(Buffer.alloc(3000, 1)); client.end(Buffer.alloc(10, 2)); });
      client.on('data', () => undefined).on('close', () => resolve()).on('error', reject);
    });
    const expected = await reference.stop();
    server.close();
    assert.ok(expected.length >= 6, `tcpdump saw ${expected.length} frames`);
    await sink.waitFor('packets', expected.length);
    await new Promise((r) => setTimeout(r, 300));
    const ours = sink.messages('packets').map((m) => ({ length: m.payload.originalLength, summary: summarise(m.payload.packet) }));
    assert.deepEqual(sortedSummaries(ours), sortedSummaries(expected));
  });

  it('sees ICMP echo and IPv6 UDP on lo', async (t) => {
    if (!requireRoot(t, 'capture on lo') || !requireCommands(t, 'ping')) return;
    const port = await freePort();
    // An unusual ping size keeps other ICMP on this busy loopback out of the capture.
    await deployCapture('lo', `(icmp and len == ${14 + 20 + 8 + 173}) or (ip6 and udp port ${port})`);
    spawnSync('ping', ['-c', '3', '-i', '0.2', '-s', '173', '127.0.0.1']);
    const receiver = createSocket('udp6');
    await new Promise<void>((r) => receiver.bind(port, '::1', () => r()));
    await sendUdp('::1', port, [10, 1000]);
    const messages = await sink.waitFor('packets', 8);
    receiver.close();
    const icmp = messages.filter((m) => m.payload.packet.layers.includes('icmp'));
    assert.deepEqual(icmp.map((m) => m.payload.packet.icmp.type).sort(), [0, 0, 0, 8, 8, 8]);
    assert.ok(icmp.every((m) => m.payload.originalLength === 14 + 20 + 8 + 173));
    const udp6 = messages.filter((m) => m.payload.packet.layers.includes('ipv6'));
    assert.deepEqual(udp6.map((m) => [m.payload.packet.ipv6.source, m.payload.packet.udp.destinationPort, m.payload.originalLength]), [
      ['::1', port, 14 + 40 + 8 + 10],
      ['::1', port, 14 + 40 + 8 + 1000],
    ]);
  });

  it('captures on a veth pair to another network namespace', async (t) => {
    if (!requireRoot(t, 'network namespaces') || !requireCommands(t, 'ip', 'ping')) return;
    host = createVethHost();
    const port = await freePort();
    await deployCapture(host.localInterface, `icmp or udp port ${port}`);
    await sendUdp(host.remoteAddress, port, [64, 1200]);
    host.exec('ping', '-c', '2', '-i', '0.2', host.localAddress);
    const messages = await sink.waitFor('packets', 2 + 2 + 2);
    await new Promise((r) => setTimeout(r, 300));
    const localMac = macOf(host.localInterface);
    const remoteMac = macOf(host.remoteInterface, host.namespace);
    const udp = messages.filter((m) => m.payload.packet.udp);
    assert.deepEqual(udp.map((m) => [m.payload.packet.ethernet.source, m.payload.packet.ethernet.destination, m.payload.packet.ipv4.destination, m.payload.originalLength]), [
      [localMac, remoteMac, host.remoteAddress, 14 + 20 + 8 + 64],
      [localMac, remoteMac, host.remoteAddress, 14 + 20 + 8 + 1200],
    ]);
    // UDP to a closed port draws "port unreachable"; the pings are echo requests from the namespace and our replies.
    const icmp = sink.messages('packets').filter((m) => m.payload.packet.icmp).map((m) => `${m.payload.packet.ipv4.source}:${m.payload.packet.icmp.type}`).sort();
    assert.deepEqual(icmp, [`${host.localAddress}:0`, `${host.localAddress}:0`, `${host.remoteAddress}:3`, `${host.remoteAddress}:3`, `${host.remoteAddress}:8`, `${host.remoteAddress}:8`].sort());
    // The interface disappears under the capture: Node-RED lives on, the node says so and retries.
    host.remove();
    host = undefined;
    await nodeRed.waitForStatus(captureId, (s) => s.fill === 'red' && s.text === 'capture stopped, retrying');
    await nodeRed.waitForLog(/capture on wsa\w+ stopped/);
    assert.ok((await fetch(`${nodeRed.url}/settings`)).ok, 'Node-RED still answers');
  });

  it('releases every capture handle and descriptor across 50 deploys', async (t) => {
    if (!requireRoot(t, 'capture on lo')) return;
    const pid = nodeRed.pid!;
    // Node-RED and its capture processes (children) hold the descriptors.
    const processes = () => [pid, ...readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(childParent(p)) === pid).map(Number)];
    const descriptors = () => processes().flatMap((p) => {
      try { return readdirSync(`/proc/${p}/fd`).map((fd) => { try { return readlinkSync(`/proc/${p}/fd/${fd}`); } catch { return ''; } }); } catch { return []; }
    });
    const packetSockets = () => {
      const ours = new Set(descriptors().filter((l) => l.startsWith('socket:[')).map((l) => l.slice(8, -1)));
      return readFileSync(`/proc/${pid}/net/packet`, 'utf8').split('\n').slice(1).filter((row) => ours.has(row.trim().split(/\s+/)[8])).length;
    };
    const socketInodes = () => descriptors();
    await deployCapture('lo', 'udp port 9');
    const fdsBefore = socketInodes().length;
    for (let i = 0; i < 50; i++) await nodeRed.deploy(captureFlow(sink, 'lo', `udp port ${9 + (i % 2)}`));
    await nodeRed.waitForStatus(captureId, (s) => s.fill === 'green');
    assert.equal(packetSockets(), 1, 'one capture handle open');
    const fdsAfter = socketInodes().length;
    assert.ok(fdsAfter - fdsBefore <= 3, `descriptors grew from ${fdsBefore} to ${fdsAfter}`);
  });
});

describe('pcap in without capture privileges', () => {
  it('says capture is not permitted and names the fix', async (t) => {
    if (!requireRoot(t, 'to start Node-RED as another user')) return;
    const nodeRed = await NodeRed.start({ user: { uid: 65534, gid: 65534 } });
    try {
      await nodeRed.deploy([{ id: 'cap', type: 'wirescope-pcap-in', iface: 'lo', filter: '', snaplen: 65535, bufferSize: 2, batchSize: 1, batchInterval: 0, dissect: true, wires: [[]] }]);
      const status = await nodeRed.waitForStatus('cap', (s) => s.fill === 'red');
      assert.equal(status.text, 'not permitted');
      const log = await nodeRed.waitForLog(/not permitted/);
      assert.match(log, /setcap cap_net_raw,cap_net_admin=eip/);
    } finally {
      await nodeRed.stop();
    }
  });
});
