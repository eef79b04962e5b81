// @runtime: primary
// Many edges into one central, acknowledged: two edge Node-REDs replay their own capture (4,000
// numbered frames each) through zmq out DEALER into one central zmq in ROUTER → pcap file out,
// and the central is stopped and started again (SIGINT) three times while they send. Both edges
// call their source "site" (as two edges left at the same name would): the central keeps their
// order, acknowledgements and resends apart by the sender's session, not by the source name.
// The first edge sends packed messages (zmq out Packed), the second one frame per packet.
// Reference: what tshark reads from each edge's capture. The store must hold every frame of every
// edge exactly once, with its timestamp and bytes, and count nothing missing.
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

const FRAMES = 4000;
const RESTARTS = 3;
/** Each edge's frames come from its own address, so a stored frame says which edge sent it. */
const EDGES = [{ name: 'edge-a', address: [10, 0, 1, 1] }, { name: 'edge-b', address: [10, 0, 2, 1] }];

const edges: NodeRed[] = [];
let central: NodeRed | undefined;
let sink: MessageSink | undefined;
const dir = mkdtempSync(join(tmpdir(), 'wirescope-ack-edges-'));

after(async () => {
  await Promise.all([...edges.map((e) => e.stop()), central?.stop()]);
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** An edge's capture: frames in groups of 20 sharing a timestamp, groups 20 ms apart (~4 s of paced replay). */
function writeCapture(edge: (typeof EDGES)[number], offsetNs: number): string {
  const capture = join(dir, `${edge.name}.pcap`);
  const writer = new PcapWriter({ linkType: 1, nanosecond: true });
  const records = [writer.header()];
  for (let n = 0; n < FRAMES; n++) {
    const ms = Math.floor(n / 20) * 20;
    records.push(writer.packet(numberedFrame(n, edge.address), { seconds: 1_700_000_000 + Math.floor(ms / 1000), nanoseconds: (ms % 1000) * 1e6 + offsetNs }));
  }
  writeFileSync(capture, Buffer.concat(records));
  return capture;
}

/** Per frame, keyed "ip.src ip.id": capture time, length and bytes, as tshark reads them. */
function tsharkFrames(file: string): Array<[string, string[]]> {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.id', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'data.data'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000, maxBuffer: 64 << 20 });
  return out.split('\n').filter(Boolean).map((line) => {
    const [src, id, ...rest] = line.split('\t');
    return [`${src} ${Number.parseInt(id, 16)}`, rest];
  });
}

test('acknowledged mode, two edges into one central restarted three times: every frame of every edge stored exactly once', async (t) => {
  if (!requireReal(t, hasCommand('tshark'), 'needs tshark')) return;
  const captures = EDGES.map((edge, i) => writeCapture(edge, i * 1000));
  const reference = new Map<string, string[]>();
  for (const capture of captures) for (const [key, fields] of tsharkFrames(capture)) reference.set(key, fields);
  assert.equal(reference.size, FRAMES * EDGES.length, 'the reference captures');

  const collect = `tcp://127.0.0.1:${await freePort()}`;
  const store = join(dir, 'store');
  sink = await MessageSink.start();
  central = await NodeRed.start();
  const centralDir = central.userDir;
  await central.deploy([
    { id: 'collect', type: 'wirescope-zmq-in', socketType: 'router', mode: 'bind', endpoints: collect, format: 'capture', hwm: 1000, wires: [['store']] },
    { id: 'store', type: 'wirescope-pcap-file-out', filename: `${store}/cap-{source}-%Y%m%d-%H%M%S.pcap`, format: 'pcap', perSource: true, rotateSize: 0, rotateSeconds: 0, gzip: false, keepFiles: 0, keepDays: 0, wires: [[], []] },
  ] satisfies FlowNode[]);
  for (const [i, capture] of captures.entries()) {
    const edge = await NodeRed.start();
    edges.push(edge);
    await edge.deploy([
      { id: 'go', type: 'inject', once: false, wires: [['replay']] },
      { id: 'replay', type: 'wirescope-pcap-file-in', filename: capture, filter: '', pacing: 'original', batchSize: 20, batchInterval: 0, dissect: false, wires: [['ship'], ['done']] },
      { id: 'ship', type: 'wirescope-zmq-out', socketType: 'dealer', mode: 'connect', endpoints: collect, format: 'capture', source: 'site', hwm: 1000, sendTimeout: -1, queueLimit: 100000, linger: 2000, reconnectInterval: 100, reconnectMaxInterval: 500, ...(i === 0 ? { packed: true } : {}), wires: [] },
      ...sink.sinkNodes('done', `replay-done-${i}`),
    ]);
    await edge.waitForStatus('ship', (s) => /^1 peer/.test(s.text ?? ''), 30000);
  }
  for (const edge of edges) assert.equal((await fetch(`${edge.url}/inject/go`, { method: 'POST' })).status, 200);

  for (let i = 0; i < RESTARTS; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    await central.stop({ keepUserDir: true });
    central = await NodeRed.start({ userDir: centralDir });
  }
  for (const i of EDGES.keys()) await sink.waitFor(`replay-done-${i}`, 1, 120000);
  for (const edge of edges) {
    await waitUntil('an edge to have everything acknowledged', () => /(4\.0k|4000) packets sent, 0 unacked/.test(edge.lastStatus('ship')?.text ?? ''), 120000)
      .catch((err) => { throw new Error(`${err.message}: ${edge.lastStatus('ship')?.text}`); });
  }
  const edgeStatuses = edges.map((e) => e.lastStatus('ship')?.text ?? '');
  const centralStatus = central.lastStatus('collect')?.text ?? '';
  // Stop the central first (every file finished), then the edges.
  await central.stop({ keepUserDir: true });
  await Promise.all(edges.map((e) => e.stop()));

  const stored = new Map<string, string[]>();
  let duplicates = 0;
  for (const file of readdirSync(store).filter((f) => f.endsWith('.pcap'))) {
    for (const [key, fields] of tsharkFrames(join(store, file))) {
      if (stored.has(key)) duplicates += 1;
      stored.set(key, fields);
    }
  }
  // What the central counted missing, per sender session, across every restart (its saved state).
  const state = JSON.parse(readFileSync(join(centralDir, 'wirescope', 'zmq-in-collect.sequence.json'), 'utf8')) as Record<string, { missing: number }>;
  rmSync(centralDir, { recursive: true, force: true });
  const absent = [...reference.keys()].filter((key) => !stored.has(key));
  t.diagnostic(`stored ${stored.size} of ${reference.size}, ${duplicates} twice, absent ${absent.slice(0, 10).join(', ')}; edges: ${edgeStatuses.join(' | ')}; central: ${centralStatus}; sessions: ${JSON.stringify(state)}`);
  edgeStatuses.forEach((status) => assert.doesNotMatch(status, /dropped/));
  assert.equal(duplicates, 0, 'a frame was stored twice');
  assert.deepEqual(absent, [], 'frames missing from the store');
  assert.equal(stored.size, reference.size, 'the store holds frames that no edge sent');
  for (const [key, fields] of reference) assert.deepEqual(stored.get(key), fields, `frame ${key}`);
  // One position per sender session, nothing counted missing in either.
  const sessions = Object.entries(state).filter(([key]) => key.startsWith('site/'));
  assert.equal(sessions.length, EDGES.length, 'one sequence position per edge session');
  for (const [key, s] of sessions) assert.equal(s.missing, 0, `missing in ${key}`);
});
