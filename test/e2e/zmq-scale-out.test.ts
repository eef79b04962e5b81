// @runtime: primary (sharding and accounting; zeromq on both runtimes: zmq-pubsub, zmq-zap)
// Scale-out that keeps templates intact, with real parts: softflowd and pmacctd (nfprobe) export
// NetFlow v9 and IPFIX for a capture of known traffic; their datagrams, replayed as eight
// exporters (four real exports × two source addresses), go from a dispatcher Node-RED to three
// worker Node-REDs running flow decode.
// 1. Round-robin PUSH (what the scale-out example used to do) loses records: a template reaches
//    one worker, the data sets that need it land on the others.
// 2. zmq out "shard by exporter" (XPUB, workers subscribe to shard/<name>/): every exporter's
//    packets and bytes are decoded exactly once, each exporter on one worker — checked against
//    the traffic the exporters read (the capture's own packet and byte counts).
// 3. A worker SIGKILLed mid-stream (a paced replay) and started again: its exporters move to the
//    others and back, the records of everyone else are decoded exactly as before, no record is
//    decoded twice, the moved exporters resume on the restarted worker, and the dispatcher counts
//    the exporters moved (what the killed worker's exporters miss is reported, not yet all counted).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort, freeUdpPort, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireReal } from '../helpers/real';
import { writeTrafficPcap, type TrafficFlow } from '../helpers/flow-traffic';
import { exportCapture } from '../helpers/flow-exports';
import { PcapWriter } from '../../nodes/common/pcap';

const WORKERS = ['w1', 'w2', 'w3'];
// 4 exports × 2 addresses: 8 exporters, not a multiple of the workers (else round robin would
// happen to send each exporter to one worker every time).
const REPLICAS = 2;
const dir = mkdtempSync(join(tmpdir(), 'wirescope-scale-'));
// Enough flows that each export spans many datagrams, with a template only in some of them (as
// exporters refresh templates every so many datagrams).
const FLOWS: TrafficFlow[] = Array.from({ length: 600 }, (_, i) => ({ src: `10.1.${i >> 8}.${i & 255}`, dst: '10.2.0.1', srcPort: 20000 + i, dstPort: 53, protocol: 17, packets: 1 + (i % 3), ipLength: 60 + (i % 50) }));
const truth = { packets: FLOWS.reduce((s, f) => s + f.packets, 0), octets: FLOWS.reduce((s, f) => s + f.packets * f.ipLength, 0) };
let dispatcher: NodeRed | undefined;
let workers: NodeRed[] = [];
let sink: MessageSink | undefined;
let feed = '';
let pacedFeed = '';
/** The paced feed lasts this long, so a worker can be killed and restarted while it plays. */
const PACED_SECONDS = 40;
let exporters: string[] = [];
let datagramsPerRun: number[] = [];
let withTemplates: number[] = [];

/** Ethernet + IPv4 + UDP around a datagram, from the exporter's address to port 2055. */
function udpFrame(source: string, datagram: Buffer): Buffer {
  const frame = Buffer.alloc(14 + 20 + 8 + datagram.length);
  frame.writeUInt16BE(0x0800, 12);
  frame[14] = 0x45;
  frame.writeUInt16BE(20 + 8 + datagram.length, 16);
  frame[22] = 64;
  frame[23] = 17;
  source.split('.').forEach((o, i) => { frame[26 + i] = Number(o); });
  [10, 0, 0, 99].forEach((o, i) => { frame[30 + i] = o; });
  frame.writeUInt16BE(50000, 34);
  frame.writeUInt16BE(2055, 36);
  frame.writeUInt16BE(8 + datagram.length, 38);
  datagram.copy(frame, 42);
  return frame;
}

before(async () => {
  if (!['softflowd', 'pmacctd'].every(hasCommand)) return;
  const traffic = join(dir, 'traffic.pcap');
  writeTrafficPcap(traffic, FLOWS);
  const runs = await exportCapture(traffic, dir);
  // Twelve exporters, their datagrams interleaved as a collector would receive them.
  const streams = runs.flatMap((datagrams, r) => Array.from({ length: REPLICAS }, (_, k) => ({ source: `192.0.2.${10 * r + k + 1}`, datagrams })));
  exporters = streams.map((s) => s.source);
  datagramsPerRun = runs.map((r) => r.length);
  // Datagrams whose sets include a template set (v9 flowset id 0, IPFIX set id 2).
  withTemplates = runs.map((r) => r.filter((d) => {
    const v9 = d.readUInt16BE(0) === 9;
    for (let at = v9 ? 20 : 16; at + 4 <= d.length;) {
      const id = d.readUInt16BE(at);
      const length = d.readUInt16BE(at + 2);
      if (id === (v9 ? 0 : 2)) return true;
      if (length < 4) break;
      at += length;
    }
    return false;
  }).length);
  const longest = Math.max(...streams.map((s) => s.datagrams.length));
  const total = streams.reduce((sum, s) => sum + s.datagrams.length, 0);
  const writeFeed = (file: string, stepNs: number) => {
    const writer = new PcapWriter({ linkType: 1, snapLength: 65535 });
    const records = [writer.header()];
    let n = 0;
    for (let i = 0; i < longest; i++) {
      for (const s of streams) {
        if (i >= s.datagrams.length) continue;
        const ns = n++ * stepNs;
        records.push(writer.packet(udpFrame(s.source, s.datagrams[i]), { seconds: 1_700_000_000 + Math.floor(ns / 1e9), nanoseconds: ns % 1e9 }));
      }
    }
    writeFileSync(file, Buffer.concat(records));
  };
  feed = join(dir, 'feed.pcap');
  writeFeed(feed, 1000);
  pacedFeed = join(dir, 'paced.pcap');
  writeFeed(pacedFeed, Math.floor((PACED_SECONDS * 1e9) / total));
  sink = await MessageSink.start();
  [dispatcher, ...workers] = await Promise.all([NodeRed.start(), ...WORKERS.map(() => NodeRed.start())]);
});

after(async () => {
  await Promise.all([dispatcher?.stop(), ...workers.map((w) => w.stop())]);
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ready(t: TestContext): boolean {
  return requireReal(t, ['softflowd', 'pmacctd'].every(hasCommand) && !!dispatcher, 'needs softflowd and pmacctd');
}

/** Packets and octets decoded per exporter, and the workers each exporter's records came from. */
function decoded(): Map<string, { packets: number; octets: number; workers: Set<string> }> {
  const totals = new Map<string, { packets: number; octets: number; workers: Set<string> }>();
  for (const worker of WORKERS) {
    for (const msg of sink!.messages(worker)) {
      const entry = totals.get(msg.exporter.address) ?? { packets: 0, octets: 0, workers: new Set<string>() };
      for (const record of msg.payload) {
        entry.packets += Number(record.packetDeltaCount ?? 0);
        entry.octets += Number(record.octetDeltaCount ?? 0);
      }
      entry.workers.add(worker);
      totals.set(msg.exporter.address, entry);
    }
  }
  return totals;
}

// (Node ids differ from every property value: Node-RED takes a value equal to a node id for a config node reference.)
const replay = (out: string, paced = false): FlowNode[] => [
  { id: 'go', type: 'inject', once: false, wires: [['replay']] },
  { id: 'replay', type: 'wirescope-pcap-file-in', filename: paced ? pacedFeed : feed, filter: '', pacing: paced ? 'original' : 'none', batchSize: 1, batchInterval: 0, dissect: false, wires: [[out], ['replayed']] },
  ...sink!.sinkNodes('replayed', 'replayed'),
];
const decode = (worker: string, input: FlowNode): FlowNode[] => [
  { ...input, wires: [['decode']] },
  { id: 'decode', type: 'wirescope-flow-decode', output: 'datagram', wires: [['sink'], [], []] },
  ...sink!.sinkNodes('sink', worker),
];
const sumAll = () => [...decoded().values()].reduce((s, e) => s + e.octets, 0);
/** Waits until the octets decoded stop changing across 3 s: whatever can be decoded is decoded within seconds. */
async function decodingSettled(): Promise<void> {
  let last = -1;
  await waitUntil('decoding to settle', () => {
    const now = sumAll();
    const settled = now === last && now > 0;
    last = now;
    return settled;
  }, 60000, 3000);
}

test('round-robin PUSH to three workers loses NetFlow v9 / IPFIX records (templates reach one worker)', async (t) => {
  if (!ready(t)) return;
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  sink!.clear();
  await dispatcher!.deploy([...replay('to-workers'), { id: 'to-workers', type: 'wirescope-zmq-out', socketType: 'push', mode: 'bind', endpoints: endpoint, format: 'capture', source: 'exports', hwm: 100000, sendTimeout: -1, wires: [] }]);
  await Promise.all(workers.map((w, i) => w.deploy(decode(WORKERS[i], { id: 'in', type: 'wirescope-zmq-in', socketType: 'pull', mode: 'connect', endpoints: endpoint, format: 'capture', perPacket: true, hwm: 100000 }))));
  await dispatcher!.waitForStatus('to-workers', (s) => /^3 peers/.test(s.text ?? ''), 30000);
  await fetch(`${dispatcher!.url}/inject/go`, { method: 'POST' });
  await waitUntil('the replay to be sent', () => /packets sent/.test(dispatcher!.lastStatus('to-workers')?.text ?? ''), 30000);
  await decodingSettled();
  const expected = truth.octets * exporters.length;
  t.diagnostic(`round robin: ${sumAll()} of ${expected} octets decoded; datagrams per export: ${datagramsPerRun.join(", ")}, with a template: ${withTemplates.join(", ")}`);
  assert.ok(sumAll() < expected, `round robin decoded ${sumAll()} of ${expected} octets: expected a loss`);
});

test('shard by exporter: every exporter\'s packets and bytes decoded exactly once, each on one worker', async (t) => {
  if (!ready(t)) return;
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  sink!.clear();
  await dispatcher!.deploy([...replay('to-workers'), { id: 'to-workers', type: 'wirescope-zmq-out', socketType: 'shard', mode: 'bind', endpoints: endpoint, format: 'capture', source: 'exports', hwm: 100000, sendTimeout: -1, wires: [] }]);
  await Promise.all(workers.map((w, i) => w.deploy(decode(WORKERS[i], { id: 'in', type: 'wirescope-zmq-in', socketType: 'sub', mode: 'connect', endpoints: endpoint, format: 'capture', perPacket: true, subscriptions: `shard/${WORKERS[i]}/`, hwm: 100000 }))));
  await dispatcher!.waitForStatus('to-workers', (s) => /3 workers/.test(s.text ?? ''), 30000);
  await fetch(`${dispatcher!.url}/inject/go`, { method: 'POST' });
  await waitUntil('every exporter decoded', () => {
    const totals = decoded();
    return exporters.every((e) => (totals.get(e)?.octets ?? 0) >= truth.octets);
  }, 60000, 500).catch((err) => { throw new Error(`${err.message}: ${JSON.stringify([...decoded()].map(([e, v]) => [e, v.packets, v.octets, [...v.workers]]))}`); });
  await new Promise((r) => setTimeout(r, 1000)); // a duplicate would arrive by now
  const totals = decoded();
  const owners = new Set<string>();
  for (const exporter of exporters) {
    const entry = totals.get(exporter)!;
    assert.deepEqual({ packets: entry.packets, octets: entry.octets }, truth, `exporter ${exporter}`);
    assert.equal(entry.workers.size, 1, `exporter ${exporter} decoded on ${[...entry.workers].join(', ')}`);
    owners.add([...entry.workers][0]);
  }
  assert.equal(owners.size, WORKERS.length, 'the exporters spread over every worker');
  assert.doesNotMatch(dispatcher!.lastStatus('to-workers')?.text ?? '', /without worker|dropped/);
});

test('a worker killed mid-stream and restarted: the others decode exactly, its exporters resume, their moves are counted', async (t) => {
  if (!ready(t)) return;
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  sink!.clear();
  const workerFlow = (i: number) => decode(WORKERS[i], { id: 'in', type: 'wirescope-zmq-in', socketType: 'sub', mode: 'connect', endpoints: endpoint, format: 'capture', perPacket: true, subscriptions: `shard/${WORKERS[i]}/`, hwm: 100000, reconnectInterval: 100, reconnectMaxInterval: 500 });
  await dispatcher!.deploy([...replay('to-workers', true), { id: 'to-workers', type: 'wirescope-zmq-out', socketType: 'shard', mode: 'bind', endpoints: endpoint, format: 'capture', source: 'exports', hwm: 100000, sendTimeout: -1, wires: [] }]);
  await Promise.all(workers.map((w, i) => w.deploy(workerFlow(i))));
  await dispatcher!.waitForStatus('to-workers', (s) => /3 workers/.test(s.text ?? ''), 30000);
  await fetch(`${dispatcher!.url}/inject/go`, { method: 'POST' });

  const victim = 1;
  const name = WORKERS[victim];
  await waitUntil('the victim to decode', () => sink!.messages(name).length >= 10, 60000);
  const { userDir } = workers[victim];
  process.kill(workers[victim].pid!, 'SIGKILL');
  await workers[victim].stop({ keepUserDir: true });
  const beforeKill = sink!.messages(name).length;
  await dispatcher!.waitForStatus('to-workers', (s) => /2 workers/.test(s.text ?? ''), 30000);
  // The same worker again (same name, same user dir and flows): its exporters come back to it.
  workers[victim] = await NodeRed.start({ userDir });
  await dispatcher!.waitForStatus('to-workers', (s) => /3 workers/.test(s.text ?? ''), 60000);
  const restartedAt = sink!.messages(name).length;
  await sink!.waitFor('replayed', 1, 120000);
  await decodingSettled();

  // Every record once: the flows are distinct per exporter (source address and port).
  const seen = new Set<string>();
  let duplicates = 0;
  for (const worker of WORKERS) {
    for (const msg of sink!.messages(worker)) {
      for (const record of msg.payload) {
        const key = `${msg.exporter.address} ${record.sourceIPv4Address}:${record.sourceTransportPort}`;
        if (seen.has(key)) duplicates += 1;
        seen.add(key);
      }
    }
  }
  const totals = decoded();
  const dispatcherStatus = dispatcher!.lastStatus('to-workers')?.text ?? '';
  const workerStatus = workers[victim].lastStatus('in')?.text ?? '';
  const lost = Number(/([\d.]+k?) lost/.exec(workerStatus)?.[1]?.replace('k', '') ?? 0);
  const resumed = new Set(sink!.messages(name).slice(restartedAt).map((m) => m.exporter.address as string));
  // The victim's exporters: those it decoded, before the kill or after the restart (the same ones, by rendezvous hashing).
  const owned = new Set(sink!.messages(name).map((m) => m.exporter.address as string));
  const short = [...owned].map((e) => `${e}: ${truth.octets - (totals.get(e)?.octets ?? 0)} octets short`);
  t.diagnostic(`victim ${name} owned ${[...owned].join(', ')}; ${beforeKill} datagrams decoded before the kill, ${sink!.messages(name).length - restartedAt} after the restart (exporters ${[...resumed].join(', ')}); ${short.join('; ')}; dispatcher: ${dispatcherStatus}; restarted worker: ${workerStatus}`);
  assert.equal(duplicates, 0, 'a record was decoded twice');
  for (const exporter of exporters.filter((e) => !owned.has(e))) {
    const entry = totals.get(exporter)!;
    assert.deepEqual({ packets: entry.packets, octets: entry.octets }, truth, `exporter ${exporter} (never on the killed worker)`);
  }
  // Its exporters resumed on the restarted worker (after the next template there).
  assert.ok([...owned].some((e) => resumed.has(e)), 'no exporter of the killed worker resumed on it');
  // They moved away and back: counted at the dispatcher.
  const moved = Number(/(\d+) exporters moved/.exec(dispatcherStatus)?.[1] ?? 0);
  assert.ok(moved >= owned.size, `dispatcher counted ${moved} exporters moved for ${owned.size} owned`);
  // What its exporters miss is not always counted at the restarted worker: packets published to its
  // shard while it was down show as its sequence gap ("lost"), but data sets its exporters sent to
  // the other workers between the move and the move back wait there for a template that never
  // comes (flow decode's pending sets), and what the killed worker had received but not passed on
  // dies with it. In one CI run 24,438 octets went missing with no gap at the worker (in others the
  // gap covered it): the accounting is only the dispatcher's "exporters moved", asserted above.
  const missing = [...owned].reduce((sum, e) => sum + truth.octets - (totals.get(e)?.octets ?? 0), 0);
  t.diagnostic(`missing for the killed worker's exporters: ${missing} octets, ${lost} packets counted lost at its restart`);
});
