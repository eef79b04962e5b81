// Central restarts while an edge pushes: two real Node-RED processes over real ZeroMQ. The edge
// replays a capture of 6,000 numbered frames (IPv4 identification = frame number) into zmq out
// PUSH; the central (zmq in PULL → pcap file out) is stopped and started again three times
// (SIGINT, as an operator or a service manager does) while the edge keeps sending. Every frame
// must be either in the store (tshark reads the files) or counted in a capture-gap event of the
// central: stored + reported missing = sent, exactly, and no frame is stored twice.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireReal } from '../helpers/real';
import { PcapWriter } from '../../nodes/common/pcap';

const FRAMES = 6000;
const RESTARTS = 3;

let edge: NodeRed | undefined;
let central: NodeRed | undefined;
let sink: MessageSink | undefined;
const dir = mkdtempSync(join(tmpdir(), 'wirescope-restart-'));

after(async () => {
  await Promise.all([edge?.stop(), central?.stop()]);
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Ethernet + IPv4 + UDP to port 9999, the frame number in the IPv4 identification field. */
function numberedFrame(n: number): Buffer {
  const frame = Buffer.alloc(14 + 20 + 8 + 64, 0);
  frame.writeUInt16BE(0x0800, 12);
  frame.writeUInt8(0x45, 14);
  frame.writeUInt16BE(20 + 8 + 64, 16);
  frame.writeUInt16BE(n, 18);
  frame.writeUInt8(64, 22);
  frame.writeUInt8(17, 23);
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(frame, 26);
  frame.writeUInt16BE(40000, 34);
  frame.writeUInt16BE(9999, 36);
  frame.writeUInt16BE(8 + 64, 38);
  return frame;
}

test('central restarts while an edge pushes: stored + reported gaps = sent, exactly', async (t) => {
  if (!requireReal(t, hasCommand('tshark'), 'needs tshark')) return;
  // 6,000 frames in groups of 20 sharing a timestamp, groups 20 ms apart: ~6 s of paced replay.
  const capture = join(dir, 'numbered.pcap');
  const writer = new PcapWriter({ linkType: 1 });
  const records = [writer.header()];
  for (let n = 0; n < FRAMES; n++) {
    const ms = Math.floor(n / 20) * 20;
    records.push(writer.packet(numberedFrame(n), { seconds: 1_700_000_000 + Math.floor(ms / 1000), nanoseconds: (ms % 1000) * 1e6 }));
  }
  writeFileSync(capture, Buffer.concat(records));
  assert.equal(execFileSync('tshark', ['-r', capture, '-T', 'fields', '-e', 'ip.id'], { encoding: 'utf8' }).split('\n').filter(Boolean).length, FRAMES);

  const collect = `tcp://127.0.0.1:${await freePort()}`;
  const store = join(dir, 'store');
  sink = await MessageSink.start();
  const centralFlow: FlowNode[] = [
    { id: 'collect', type: 'wirescope-zmq-in', socketType: 'pull', mode: 'bind', endpoints: collect, format: 'capture', hwm: 1000, wires: [['store', 'events']] },
    { id: 'store', type: 'wirescope-pcap-file-out', filename: `${store}/cap-{source}-%Y%m%d-%H%M%S.pcap`, format: 'pcap', perSource: true, rotateSize: 0, rotateSeconds: 0, gzip: false, keepFiles: 0, keepDays: 0, wires: [[], []] },
    { id: 'events', type: 'switch', property: 'kind', propertyType: 'msg', rules: [{ t: 'eq', v: 'event', vt: 'str' }], checkall: 'true', outputs: 1, wires: [['sink']] },
    ...sink.sinkNodes('sink', 'events'),
  ];
  central = await NodeRed.start();
  const centralDir = central.userDir;
  await central.deploy(centralFlow);
  edge = await NodeRed.start();
  await edge.deploy([
    { id: 'go', type: 'inject', once: false, wires: [['replay']] },
    { id: 'replay', type: 'wirescope-pcap-file-in', filename: capture, filter: '', pacing: 'original', batchSize: 20, batchInterval: 0, dissect: false, wires: [['ship'], ['done']] },
    { id: 'ship', type: 'wirescope-zmq-out', socketType: 'push', mode: 'connect', endpoints: collect, format: 'capture', source: 'edge-1', hwm: 1000, sendTimeout: -1, queueLimit: 100000, linger: 2000, reconnectInterval: 100, reconnectMaxInterval: 500, wires: [] },
    ...sink.sinkNodes('done', 'replay-done'),
  ]);
  await edge.waitForStatus('ship', (s) => /^1 peer/.test(s.text ?? ''), 30000);
  const inject = await fetch(`${edge.url}/inject/go`, { method: 'POST' });
  assert.equal(inject.status, 200);

  try {
    for (let i = 0; i < RESTARTS; i++) {
      await new Promise((r) => setTimeout(r, 1200));
      await central.stop({ keepUserDir: true });
      central = await NodeRed.start({ userDir: centralDir });
    }
    await sink.waitFor('replay-done', 1, 120000);
    await waitUntil('the edge to send everything', () => /6\.0k packets sent|6000 packets sent/.test(edge!.lastStatus('ship')?.text ?? ''), 60000);
    assert.doesNotMatch(edge.lastStatus('ship')?.text ?? '', /dropped/);
    // Let the last packets in, then stop the central so that every file is finished.
    await new Promise((r) => setTimeout(r, 2000));
    await central.stop({ keepUserDir: true });
  } finally {
    await edge.stop();
    edge = undefined;
  }

  const stored: number[] = [];
  for (const file of readdirSync(store).filter((f) => f.endsWith('.pcap'))) {
    const out = execFileSync('tshark', ['-r', join(store, file), '-T', 'fields', '-e', 'ip.id'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 });
    stored.push(...out.split('\n').filter(Boolean).map((id) => Number.parseInt(id, 16)));
  }
  const events = sink.messages('events').map((m) => m.payload);
  // What zmq in counted missing, across every restart: its saved sequence state (the "lost" of its
  // capture-gap events; the events themselves may not all reach the HTTP sink of a stopping process).
  const state = JSON.parse(readFileSync(join(centralDir, 'wirescope', 'zmq-in-collect.sequence.json'), 'utf8'));
  const missing = state['edge-1'].missing as number;
  const gapEvents = events.filter((e) => e.type === 'capture-gap').reduce((sum, e) => sum + e.details.missing, 0);
  assert.ok(gapEvents <= missing);
  const distinct = new Set(stored);
  const absent: string[] = [];
  for (let n = 0; n < FRAMES; n++) {
    if (distinct.has(n)) continue;
    let end = n;
    while (end + 1 < FRAMES && !distinct.has(end + 1)) end++;
    absent.push(`${n}-${end}`);
    n = end;
  }
  t.diagnostic(`stored ${stored.length}, reported missing ${missing}, absent ${absent.join(' ')}, events: ${events.map((e) => `${e.type} ${JSON.stringify(e.details)}`).join(', ')}`);
  assert.equal(distinct.size, stored.length, 'a frame was stored twice');
  assert.equal(stored.length + missing, FRAMES);
  // The events say which source came and went, in the central's own words.
  assert.ok(events.some((e) => e.type === 'source-connected'));
  rmSync(centralDir, { recursive: true, force: true });
});
