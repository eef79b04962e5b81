// @runtime: primary (store and gap accounting; zmq-pubsub.test.ts covers restart and redeploy on both runtimes)
// Central restarts while an edge pushes: two real Node-RED processes over real ZeroMQ. The edge
// replays a capture of 6,000 numbered frames (IPv4 identification = frame number) into zmq out;
// the central (zmq in → pcap file out) is stopped and started again (SIGINT, as an operator or a
// service manager does) while the edge keeps sending.
// - PUSH → PULL, three restarts: every frame is either in the store (tshark reads the files) or
//   counted in a capture-gap event of the central: stored + reported missing = sent, exactly.
// - DEALER → ROUTER (acknowledged), five restarts: the store holds every frame of the source
//   capture exactly once, with its timestamp and bytes (tshark on both), and nothing is missing.
// No frame is stored twice in either mode. Both runs again with zmq out packed (64 per message).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireReal } from '../helpers/real';
import { numberedFrame } from '../helpers/numbered-frame';
import { PcapWriter } from '../../nodes/common/pcap';

const FRAMES = 6000;

let edge: NodeRed | undefined;
let central: NodeRed | undefined;
let sink: MessageSink | undefined;
const dir = mkdtempSync(join(tmpdir(), 'wirescope-restart-'));

after(async () => {
  await Promise.all([edge?.stop(), central?.stop()]);
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  /** tshark's fields of every stored frame, per frame number (ip.id). */
  stored: Map<number, string[]>;
  duplicates: number;
  missing: number;
  absent: string;
  edgeStatus: string;
}

/** Source capture: 6,000 frames in groups of 20 sharing a timestamp, groups 20 ms apart (~6 s of paced replay). */
function writeCapture(): string {
  const capture = join(dir, 'numbered.pcap');
  const writer = new PcapWriter({ linkType: 1 });
  const records = [writer.header()];
  for (let n = 0; n < FRAMES; n++) {
    const ms = Math.floor(n / 20) * 20;
    records.push(writer.packet(numberedFrame(n), { seconds: 1_700_000_000 + Math.floor(ms / 1000), nanoseconds: (ms % 1000) * 1e6 }));
  }
  writeFileSync(capture, Buffer.concat(records));
  return capture;
}

/** ip.id (hex), capture time, length and UDP payload of every frame of a pcap file, by tshark. */
function tsharkFrames(file: string): string[][] {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.id', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'data.data'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000, maxBuffer: 64 << 20 });
  // The time as tshark prints it for the file's precision (µs or ns): compared without trailing zeros.
  return out.split('\n').filter(Boolean).map((line) => line.split('\t').map((field, i) => (i === 1 ? field.replace(/\.?0+$/, '') : field)));
}

async function restartsWhilePushing(mode: { send: 'push' | 'dealer'; receive: 'pull' | 'router'; restarts: number; packed?: boolean }, capture: string): Promise<Run> {
  const collect = `tcp://127.0.0.1:${await freePort()}`;
  const store = join(dir, `store-${mode.receive}${mode.packed ? '-packed' : ''}`);
  sink = await MessageSink.start();
  const centralFlow: FlowNode[] = [
    { id: 'collect', type: 'wirescope-zmq-in', socketType: mode.receive, mode: 'bind', endpoints: collect, format: 'capture', hwm: 1000, wires: [['store', 'events']] },
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
    { id: 'ship', type: 'wirescope-zmq-out', socketType: mode.send, mode: 'connect', endpoints: collect, format: 'capture', source: 'edge-1', hwm: 1000, sendTimeout: -1, queueLimit: 100000, linger: 2000, reconnectInterval: 100, reconnectMaxInterval: 500, ...(mode.packed ? { packed: true, packPackets: 64 } : {}), wires: [] },
    ...sink.sinkNodes('done', 'replay-done'),
  ]);
  await edge.waitForStatus('ship', (s) => /^1 peer/.test(s.text ?? ''), 30000);
  const inject = await fetch(`${edge.url}/inject/go`, { method: 'POST' });
  assert.equal(inject.status, 200);

  // Packets the running central's zmq in took (its status: "1 peer · 1234 packets, …"; exact below 10k).
  const centralPackets = () => Number(/· (\d+) packets/.exec(central!.lastStatus('collect')?.text ?? '')?.[1] ?? 0);
  const replayDone = () => sink!.messages('replay-done').length > 0;
  // The sequence state zmq in saves every second: the next packet number it expects of the edge.
  const sequenceFile = join(centralDir, 'wirescope', 'zmq-in-collect.sequence.json');
  const nextExpected = () => {
    try {
      return Number(JSON.parse(readFileSync(sequenceFile, 'utf8'))['edge-1']?.next ?? 0);
    } catch {
      return 0; // not saved yet, or being replaced
    }
  };

  let edgeStatus = '';
  let restartsWhileSending = 0;
  try {
    for (let i = 0; i < mode.restarts; i++) {
      // Each central takes a tenth of the capture before it is stopped (or the replay ends first).
      await waitUntil(`central ${i + 1} to take packets`, () => centralPackets() >= FRAMES / 10 || replayDone(), 60000);
      if (!replayDone()) restartsWhileSending += 1;
      await central.stop({ keepUserDir: true });
      central = await NodeRed.start({ userDir: centralDir });
    }
    await sink.waitFor('replay-done', 1, 120000);
    assert.ok(restartsWhileSending > 0, 'the central restarted only after the edge had read the whole capture');
    await waitUntil('the edge to send everything', () => /6\.0k packets sent|6000 packets sent/.test(edge!.lastStatus('ship')?.text ?? ''), 60000);
    if (mode.send === 'dealer') await waitUntil('the central to acknowledge everything', () => / 0 unacked/.test(edge!.lastStatus('ship')?.text ?? ''), 120000);
    // PULL: the central has seen the edge's last packet (what was lost is counted by then).
    else await waitUntil('the central to reach the last packet', () => nextExpected() >= FRAMES, 60000);
    edgeStatus = edge.lastStatus('ship')?.text ?? '';
    assert.doesNotMatch(edgeStatus, /dropped/);
    // Stop the central so that every file is finished.
    await central.stop({ keepUserDir: true });
  } finally {
    await edge.stop();
    edge = undefined;
    await sink.stop();
    sink = undefined;
  }

  const stored = new Map<number, string[]>();
  let duplicates = 0;
  for (const file of readdirSync(store).filter((f) => f.endsWith('.pcap'))) {
    for (const fields of tsharkFrames(join(store, file))) {
      const n = Number.parseInt(fields[0], 16);
      if (stored.has(n)) duplicates += 1;
      stored.set(n, fields);
    }
  }
  // What zmq in counted missing, across every restart: its saved sequence state (the "lost" of its
  // capture-gap events; the events themselves may not all reach the HTTP sink of a stopping process).
  const state = JSON.parse(readFileSync(join(centralDir, 'wirescope', 'zmq-in-collect.sequence.json'), 'utf8'));
  // PULL keys it by source, the acknowledged mode by source and session ("edge-1/<session>").
  const missing = Object.entries(state as Record<string, { missing: number }>).filter(([key]) => key === 'edge-1' || key.startsWith('edge-1/')).reduce((sum, [, s]) => sum + s.missing, 0);
  const absent: string[] = [];
  for (let n = 0; n < FRAMES; n++) {
    if (stored.has(n)) continue;
    let end = n;
    while (end + 1 < FRAMES && !stored.has(end + 1)) end++;
    absent.push(`${n}-${end}`);
    n = end;
  }
  rmSync(centralDir, { recursive: true, force: true });
  return { stored, duplicates, missing, absent: absent.join(' '), edgeStatus };
}

test('central restarts while an edge pushes: stored + reported gaps = sent, exactly', async (t) => {
  if (!requireReal(t, hasCommand('tshark'), 'needs tshark')) return;
  const capture = writeCapture();
  assert.equal(tsharkFrames(capture).length, FRAMES);
  const run = await restartsWhilePushing({ send: 'push', receive: 'pull', restarts: 3 }, capture);
  t.diagnostic(`stored ${run.stored.size}, reported missing ${run.missing}, absent ${run.absent}`);
  assert.equal(run.duplicates, 0, 'a frame was stored twice');
  assert.equal(run.stored.size + run.missing, FRAMES);
});

test('acknowledged mode: five graceful central restarts lose nothing, store nothing twice', async (t) => {
  if (!requireReal(t, hasCommand('tshark'), 'needs tshark')) return;
  const capture = writeCapture();
  const source = tsharkFrames(capture);
  assert.equal(source.length, FRAMES);
  const run = await restartsWhilePushing({ send: 'dealer', receive: 'router', restarts: 5 }, capture);
  t.diagnostic(`stored ${run.stored.size}, reported missing ${run.missing}, absent ${run.absent}, edge: ${run.edgeStatus}`);
  assert.equal(run.duplicates, 0, 'a frame was stored twice');
  assert.equal(run.missing, 0);
  assert.equal(run.stored.size, FRAMES);
  // Every stored frame is the source's: same number, nanosecond time, length and bytes.
  for (const fields of source) assert.deepEqual(run.stored.get(Number.parseInt(fields[0], 16)), fields);
});

// The same two runs with zmq out packing (up to 64 packets per message): a packed message lost in a
// restart is counted as all its packets, and the acknowledged window holds, acknowledges and
// resends packets, not messages.
test('packed: central restarts while an edge pushes: stored + reported gaps = sent, exactly', async (t) => {
  if (!requireReal(t, hasCommand('tshark'), 'needs tshark')) return;
  const capture = writeCapture();
  const run = await restartsWhilePushing({ send: 'push', receive: 'pull', restarts: 3, packed: true }, capture);
  t.diagnostic(`stored ${run.stored.size}, reported missing ${run.missing}, absent ${run.absent}, edge: ${run.edgeStatus}`);
  assert.equal(run.duplicates, 0, 'a frame was stored twice');
  assert.equal(run.stored.size + run.missing, FRAMES);
});

test('packed, acknowledged mode: graceful central restarts lose nothing, store nothing twice', async (t) => {
  if (!requireReal(t, hasCommand('tshark'), 'needs tshark')) return;
  const capture = writeCapture();
  const source = tsharkFrames(capture);
  const run = await restartsWhilePushing({ send: 'dealer', receive: 'router', restarts: 3, packed: true }, capture);
  t.diagnostic(`stored ${run.stored.size}, reported missing ${run.missing}, absent ${run.absent}, edge: ${run.edgeStatus}`);
  assert.equal(run.duplicates, 0, 'a frame was stored twice');
  assert.equal(run.missing, 0);
  assert.equal(run.stored.size, FRAMES);
  for (const fields of source) assert.deepEqual(run.stored.get(Number.parseInt(fields[0], 16)), fields);
});
