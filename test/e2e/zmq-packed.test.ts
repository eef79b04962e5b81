// @runtime: primary (packing and sequence numbering are the pack's own code; zmq-pubsub.test.ts runs zmq out and zmq in on both runtimes)
// zmq out's packed mode over a real socket: a Node-RED replays a capture of 3,000 numbered frames
// (pcap file in, 20 packets per message) into zmq out PUSH, packed; this test's own PULL socket
// (the zeromq module) reads what went on the wire. Reference: the capture as tshark reads it.
// Every message is a packed data message (3 frames) of at most 64 packets, packed across input
// messages; the sequence numbers run from 0 without a gap or a repeat; the packets are the
// capture's, in order, bytes and nanosecond times exact.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { decodeCaptureMessage } from '../../nodes/common/capture-protocol';
import { PcapWriter } from '../../nodes/common/pcap';
import { NodeRed, freePort, type FlowNode } from '../helpers/node-red';
import { numberedFrame } from '../helpers/numbered-frame';
import { hasCommand, requireReal } from '../helpers/real';

const FRAMES = 3000;
const BATCH = 20;
const PACK = 64;

let edge: NodeRed | undefined;
let pull: zmq.Pull | undefined;
const dir = mkdtempSync(join(tmpdir(), 'wirescope-packed-'));

after(async () => {
  await edge?.stop();
  pull?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('zmq out packed: packed data messages of at most N packets, sequence numbers exact, packets exactly the capture', async (t) => {
  if (!requireReal(t, hasCommand('tshark'), 'needs tshark')) return;
  const capture = join(dir, 'numbered.pcap');
  const writer = new PcapWriter({ linkType: 1, nanosecond: true });
  const records = [writer.header()];
  for (let n = 0; n < FRAMES; n++) records.push(writer.packet(numberedFrame(n), { seconds: 1_700_000_000 + Math.floor(n / 1000), nanoseconds: (n % 1000) * 1_000_000 + n }));
  writeFileSync(capture, Buffer.concat(records));
  // Per frame: ip.id, the capture time in ns and the bytes, as tshark reads them.
  const reference = execFileSync('tshark', ['-r', capture, '-t', 'e', '-T', 'fields', '-e', 'ip.id', '-e', 'frame.time_epoch', '-e', 'frame.len'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n').filter(Boolean).map((line) => line.split('\t'));
  assert.equal(reference.length, FRAMES);

  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  pull = new zmq.Pull();
  await pull.bind(endpoint);
  edge = await NodeRed.start();
  await edge.deploy([
    { id: 'go', type: 'inject', once: false, wires: [['replay']] },
    { id: 'replay', type: 'wirescope-pcap-file-in', filename: capture, filter: '', pacing: 'none', batchSize: BATCH, batchInterval: 0, dissect: false, wires: [['ship'], []] },
    { id: 'ship', type: 'wirescope-zmq-out', socketType: 'push', mode: 'connect', endpoints: endpoint, format: 'capture', source: 'edge-1', packed: true, packPackets: PACK, hwm: 1000, sendTimeout: -1, wires: [] },
  ] satisfies FlowNode[]);
  await edge.waitForStatus('ship', (s) => /^1 peer/.test(s.text ?? ''), 30000);
  assert.equal((await fetch(`${edge.url}/inject/go`, { method: 'POST' })).status, 200);

  const received: Array<{ frame: Buffer; seconds: number; nanoseconds: number }> = [];
  const counts: number[] = [];
  let session: string | undefined;
  while (received.length < FRAMES) {
    const frames = await pull.receive();
    const m = decodeCaptureMessage(frames);
    assert.equal(m.kind, 'data', 'only data before the end of the replay');
    if (m.kind !== 'data') break;
    assert.equal(frames.length, 3, 'a packed message is topic, header and one frame of records');
    assert.equal(JSON.parse(frames[1].toString()).packed, true);
    assert.ok(m.packets.length >= 1 && m.packets.length <= PACK, `${m.packets.length} packets in one message`);
    session ??= m.sequence?.session;
    assert.equal(m.sequence?.session, session, 'one sender session');
    assert.equal(m.sequence?.seq, received.length, 'sequence number = packets sent before it: no gap, no repeat');
    counts.push(m.packets.length);
    received.push(...m.packets);
  }
  assert.equal(received.length, FRAMES);
  // Packed across input messages: the replay sends 20 per message.
  assert.ok(Math.max(...counts) > BATCH, `message sizes ${counts.slice(0, 20).join(',')}…`);
  received.forEach((p, n) => {
    const [id, time, length] = reference[n];
    assert.equal(p.frame.readUInt16BE(18), Number.parseInt(id, 16), `packet ${n} in order`);
    assert.ok(p.frame.equals(numberedFrame(n)), `packet ${n} bytes`);
    assert.equal(p.frame.length, Number(length));
    const [s, frac] = time.split('.');
    assert.equal(p.seconds, Number(s), `packet ${n} seconds`);
    assert.equal(p.nanoseconds, Number(frac.padEnd(9, '0')), `packet ${n} nanoseconds`);
  });
  await edge.waitForStatus('ship', (s) => /(3\.0k|3000) packets sent/.test(s.text ?? ''), 30000);
});

test('zmq out packed refuses the frames format, the shard socket and a bad size with a clear error', async () => {
  edge ??= await NodeRed.start();
  const endpoint = async () => `tcp://127.0.0.1:${await freePort()}`;
  // Node ids unlike any property value: Node-RED takes a value equal to a node id for a reference.
  await edge.deploy([
    { id: 'plain-out', type: 'wirescope-zmq-out', socketType: 'push', mode: 'bind', endpoints: await endpoint(), format: 'frames', packed: true, wires: [] },
    { id: 'shard-out', type: 'wirescope-zmq-out', socketType: 'shard', mode: 'bind', endpoints: await endpoint(), format: 'capture', packed: true, wires: [] },
    { id: 'size-out', type: 'wirescope-zmq-out', socketType: 'push', mode: 'bind', endpoints: await endpoint(), format: 'capture', packed: true, packPackets: 0, wires: [] },
  ] satisfies FlowNode[]);
  await edge.waitForLog(/\[wirescope-zmq-out:plain-out\] Packed needs the capture protocol format/);
  await edge.waitForLog(/\[wirescope-zmq-out:shard-out\] Packed needs the capture protocol format, and not XPUB: shard by exporter/);
  await edge.waitForLog(/\[wirescope-zmq-out:size-out\] packets per message must be a whole number from 1 to 65535: 0/);
  for (const id of ['plain-out', 'shard-out', 'size-out']) assert.equal((await edge.waitForStatus(id, (s) => s.fill === 'red')).text, 'error');
});
