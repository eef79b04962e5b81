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
// 3. A worker SIGKILLed between two bursts (the second one paced) and started again: its exporters
//    move to the others and back, the records of everyone else are decoded exactly as before, no
//    record is decoded twice, the moved exporters resume on the restarted worker after their next
//    template there (every one whose template reached it), the dispatcher
//    counts the exporters moved, and every exporter's data sets are accounted for exactly against
//    tshark's reading of the feed: decoded (their records reached the sink) + counted by flow
//    decode as held or dropped without their template = sent. The kill falls between the bursts
//    because what a SIGKILLed process held in memory (received, not yet passed on) cannot be told
//    apart from what it passed on: zmq in's saved position is up to a second old (docs/zmq.md).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort, freeUdpPort, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireReal } from '../helpers/real';
import { writeTrafficPcap, type TrafficFlow } from '../helpers/flow-traffic';
import { tsharkDataSets } from '../helpers/flow-tshark';
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
/** The worker-kill test's two bursts: the first third of every export unpaced, the rest paced. */
let firstBurst = '';
let pacedBurst = '';
/** The paced burst lasts this long, so the killed worker starts again while it plays. */
const PACED_SECONDS = 36;
/** flow decode's pending TTL in the worker-kill test: sets left without their template are counted dropped soon. */
const PENDING_TTL_S = 2;
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
  // Each export's first third goes in the first burst, so every exporter sends in both bursts.
  const cut = (length: number) => Math.ceil(length / 3);
  const pacedTotal = streams.reduce((sum, s) => sum + s.datagrams.length - cut(s.datagrams.length), 0);
  const writeFeed = (file: string, stepNs: number, part: 'all' | 'first' | 'rest' = 'all') => {
    const writer = new PcapWriter({ linkType: 1, snapLength: 65535 });
    const records = [writer.header()];
    let n = 0;
    for (let i = 0; i < longest; i++) {
      for (const s of streams) {
        if (i >= s.datagrams.length) continue;
        if ((part === 'first' && i >= cut(s.datagrams.length)) || (part === 'rest' && i < cut(s.datagrams.length))) continue;
        const ns = n++ * stepNs;
        records.push(writer.packet(udpFrame(s.source, s.datagrams[i]), { seconds: 1_700_000_000 + Math.floor(ns / 1e9), nanoseconds: ns % 1e9 }));
      }
    }
    writeFileSync(file, Buffer.concat(records));
  };
  feed = join(dir, 'feed.pcap');
  writeFeed(feed, 1000);
  firstBurst = join(dir, 'first.pcap');
  writeFeed(firstBurst, 1000, 'first');
  pacedBurst = join(dir, 'paced.pcap');
  writeFeed(pacedBurst, Math.floor((PACED_SECONDS * 1e9) / pacedTotal), 'rest');
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
/** A replay of `file` into `out`, started by POST /inject/go<suffix>; its end-of-file event goes to the sink as replayed<suffix>. */
const replay = (out: string, file = feed, paced = false, suffix = ''): FlowNode[] => [
  { id: `go${suffix}`, type: 'inject', once: false, wires: [[`replay${suffix}`]] },
  { id: `replay${suffix}`, type: 'wirescope-pcap-file-in', filename: file, filter: '', pacing: paced ? 'original' : 'none', batchSize: 1, batchInterval: 0, dissect: false, wires: [[out], [`replayed${suffix}`]] },
  ...sink!.sinkNodes(`replayed${suffix}`, `replayed${suffix}`),
];
/**
 * A worker: `input` → flow decode → records to the sink under the worker's name. With
 * `pendingTtl`, decode's events (options data, stats on POST /inject/ask) go to "events-<worker>".
 */
const decode = (worker: string, input: FlowNode, pendingTtl?: number): FlowNode[] => [
  { ...input, wires: [['decode']] },
  { id: 'decode', type: 'wirescope-flow-decode', output: 'datagram', ...(pendingTtl ? { pendingTtl } : {}), wires: [['sink'], [], pendingTtl ? ['events'] : []] },
  ...sink!.sinkNodes('sink', worker),
  ...(pendingTtl ? [{ id: 'ask', type: 'inject', topic: 'stats', payload: '', payloadType: 'str', once: false, wires: [['decode']] }, ...sink!.sinkNodes('events', `events-${worker}`)] : []),
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
  // A duplicate would show as more octets: none may arrive once decoding has settled.
  await decodingSettled();
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

/** Per exporter address, flow decode's held and dropped data sets in a stats message (its `sequences`, keyed protocol:address/domain). */
function pendingByExporter(stats: any): Map<string, { held: number; dropped: number }> {
  const out = new Map<string, { held: number; dropped: number }>();
  for (const [key, track] of Object.entries<any>(stats.payload.decoder.sequences)) {
    const address = key.slice(key.indexOf(':') + 1, key.lastIndexOf('/'));
    const entry = out.get(address) ?? { held: 0, dropped: 0 };
    entry.held += track.pendingSets;
    entry.dropped += track.pendingDropped;
    out.set(address, entry);
  }
  return out;
}

/** Asks a worker's flow decode for its stats (POST /inject/ask) and returns them. */
async function statsOf(node: NodeRed, worker: string): Promise<any> {
  const tag = `events-${worker}`;
  const stats = () => sink!.messages(tag).filter((m) => m.topic === 'stats');
  // The new one by identity: a restarted worker's sink numbering starts again, so its messages sort among the old ones.
  const before = new Set(stats());
  await fetch(`${node.url}/inject/ask`, { method: 'POST' });
  await waitUntil(`stats of ${worker}`, () => stats().some((m) => !before.has(m)), 30000);
  return stats().find((m) => !before.has(m));
}

test('a worker killed between two bursts and restarted: the others decode exactly, its exporters resume, every data set decoded or counted', async (t) => {
  if (!ready(t)) return;
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  sink!.clear();
  const workerFlow = (i: number) => decode(WORKERS[i], { id: 'in', type: 'wirescope-zmq-in', socketType: 'sub', mode: 'connect', endpoints: endpoint, format: 'capture', perPacket: true, subscriptions: `shard/${WORKERS[i]}/`, hwm: 100000, reconnectInterval: 100, reconnectMaxInterval: 500 }, PENDING_TTL_S);
  await dispatcher!.deploy([...replay('to-workers', firstBurst, false, '1'), ...replay('to-workers', pacedBurst, true, '2'), { id: 'to-workers', type: 'wirescope-zmq-out', socketType: 'shard', mode: 'bind', endpoints: endpoint, format: 'capture', source: 'exports', hwm: 100000, sendTimeout: -1, wires: [] }]);
  await Promise.all(workers.map((w, i) => w.deploy(workerFlow(i))));
  await dispatcher!.waitForStatus('to-workers', (s) => /3 workers/.test(s.text ?? ''), 30000);
  // The reference: every data set of every exporter, with the records tshark reads in it.
  const sets = tsharkDataSets(feed, 2055);
  const unread = sets.filter((set) => set.records.length === 0).length;
  assert.equal(unread, 0, 'tshark read every data set of the feed (knew its template)');

  // First burst; once decoded (and zmq in's position saved, within a second), the victim holds nothing in flight.
  await fetch(`${dispatcher!.url}/inject/go1`, { method: 'POST' });
  await sink!.waitFor('replayed1', 1, 60000);
  await decodingSettled();
  const victim = 1;
  const name = WORKERS[victim];
  const beforeKill = sink!.messages(name).length;
  assert.ok(beforeKill > 0, 'the victim decoded part of the first burst');
  const ownedBeforeKill = new Set(sink!.messages(name).map((m) => m.exporter.address as string));
  // What the victim's decoder still holds dies with it: nothing, after the first burst (every template known).
  const victimBefore = pendingByExporter(await statsOf(workers[victim], name));
  assert.deepEqual([...victimBefore.values()].filter((p) => p.held || p.dropped), [], 'the victim held or dropped no set before the kill');
  const { userDir } = workers[victim];
  process.kill(workers[victim].pid!, 'SIGKILL');
  await workers[victim].stop({ keepUserDir: true });
  await dispatcher!.waitForStatus('to-workers', (s) => /2 workers/.test(s.text ?? ''), 30000);
  // Second burst, paced: the victim's exporters go to the others until it is back.
  await fetch(`${dispatcher!.url}/inject/go2`, { method: 'POST' });
  // Restart once every exporter of the victim has sent to another worker (the dispatcher counts each
  // move), while the paced burst still plays.
  const movedCount = () => Number(/(\d+) exporters moved/.exec(dispatcher!.lastStatus('to-workers')?.text ?? '')?.[1] ?? 0);
  await waitUntil(`the victim's ${ownedBeforeKill.size} exporters moved to the others`, () => movedCount() >= ownedBeforeKill.size, 30000);
  // The restarted worker's messages, by identity (its sink numbering starts again: they sort among
  // the old ones); taken while it is down, so all that follow are the restarted worker's.
  const beforeRestart = new Set(sink!.messages(name));
  const eventsBeforeRestart = new Set(sink!.messages(`events-${name}`));
  // The same worker again (same name, same user dir and flows): its exporters come back to it.
  workers[victim] = await NodeRed.start({ userDir });
  await dispatcher!.waitForStatus('to-workers', (s) => /3 workers/.test(s.text ?? ''), 60000);
  await sink!.waitFor('replayed2', 1, 120000);
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
  const afterRestart = sink!.messages(name).filter((m) => !beforeRestart.has(m));
  const resumed = new Set(afterRestart.map((m) => m.exporter.address as string));
  // The victim's exporters whose template reached the restarted worker (flow decode's template events: it starts with none).
  const templated = new Set(sink!.messages(`events-${name}`).filter((m) => !eventsBeforeRestart.has(m) && m.topic === 'templates').map((m) => m.exporter.address as string));
  // The victim's exporters: those it decoded, before the kill or after the restart (the same ones, by rendezvous hashing).
  const owned = new Set(sink!.messages(name).map((m) => m.exporter.address as string));

  // What flow decode counts per exporter on the live workers: sets held for a template, sets dropped without one.
  const counted = new Map<string, { held: number; dropped: number }>();
  const perWorker: string[] = [];
  for (const [i, worker] of WORKERS.entries()) {
    const stats = await statsOf(workers[i], worker);
    perWorker.push(`${worker}: ${JSON.stringify(stats.payload.decoder.sequenceTotals)}, zmq in: ${workers[i].lastStatus('in')?.text}`);
    for (const [address, p] of pendingByExporter(stats)) {
      const entry = counted.get(address) ?? { held: 0, dropped: 0 };
      entry.held += p.held;
      entry.dropped += p.dropped;
      counted.set(address, entry);
    }
  }
  // Options records (output 3) per exporter, over every worker's events, the victim's before the kill included.
  const optionRecords = new Map<string, number>();
  for (const worker of WORKERS) {
    for (const msg of sink!.messages(`events-${worker}`).filter((m) => m.topic === 'options')) {
      optionRecords.set(msg.exporter.address, (optionRecords.get(msg.exporter.address) ?? 0) + msg.payload.length);
    }
  }
  // Per exporter: data sets sent (tshark) = decoded + held + dropped. A flow data set is decoded
  // when its records reached the sink (all of them: a set is decoded whole or not at all); an
  // options set's records are alike, so those decoded are the options records over the set size.
  const accounts: string[] = [];
  const unbalanced: string[] = [];
  let countedForVictim = 0;
  let unaccounted = 0;
  for (const exporter of exporters) {
    const mine = sets.filter((set) => set.exporter === exporter);
    let flowDecoded = 0;
    for (const set of mine.filter((x) => !x.options)) {
      const found = set.records.filter((r) => seen.has(`${exporter} ${r['cflow.srcaddr']?.[0]}:${r['cflow.srcport']?.[0]}`)).length;
      assert.ok(found === 0 || found === set.records.length, `exporter ${exporter}: a data set partly decoded (${found} of ${set.records.length} records)`);
      if (found) flowDecoded += 1;
    }
    const optionSets = mine.filter((x) => x.options);
    const perSet = new Set(optionSets.map((x) => x.records.length));
    assert.ok(perSet.size <= 1, `exporter ${exporter}: options sets of different sizes (${[...perSet].join(', ')})`);
    const optionsDecoded = optionSets.length ? (optionRecords.get(exporter) ?? 0) / [...perSet][0] : 0;
    const c = counted.get(exporter) ?? { held: 0, dropped: 0 };
    if (owned.has(exporter)) countedForVictim += c.held + c.dropped;
    accounts.push(`${exporter}${owned.has(exporter) ? ' (victim\'s)' : ''}: ${mine.length} sent = ${flowDecoded} + ${optionsDecoded} options decoded + ${c.held} held + ${c.dropped} dropped`);
    const accounted = flowDecoded + optionsDecoded + c.held + c.dropped;
    if (accounted !== mine.length) unbalanced.push(accounts.at(-1)!);
    if (owned.has(exporter)) unaccounted += mine.length - accounted;
  }
  t.diagnostic(`victim ${name} owned ${[...owned].join(', ')}; ${beforeKill} datagrams decoded before the kill, ${afterRestart.length} after the restart (exporters ${[...resumed].join(', ')}; templates from ${[...templated].join(', ')}); dispatcher: ${dispatcherStatus}; restarted worker: ${workerStatus}`);
  t.diagnostic(`data sets: ${accounts.join('; ')}; held or dropped for the victim's exporters: ${countedForVictim}, neither decoded nor counted: ${unaccounted}; ${perWorker.join('; ')}`);
  // Per exporter: data sets sent = decoded + held + dropped.
  assert.deepEqual(unbalanced, [], 'data sets neither decoded nor counted, or counted twice');
  assert.equal(duplicates, 0, 'a record was decoded twice');
  for (const exporter of exporters.filter((e) => !owned.has(e))) {
    const entry = totals.get(exporter)!;
    assert.deepEqual({ packets: entry.packets, octets: entry.octets }, truth, `exporter ${exporter} (never on the killed worker)`);
  }
  // Its exporters resume on the restarted worker after their next template: every one whose template
  // reached it decoded there. (An export whose last template came before the restart has none after
  // it: softflowd's here send two, the second early in the paced burst, so it may or may not; their
  // sets that reached the restarted worker without a template are counted dropped, in the accounts above.)
  assert.ok([...owned].some((e) => templated.has(e)), `no template of the killed worker's exporters (${[...owned].join(', ')}) reached it after its restart`);
  assert.deepEqual([...owned].filter((e) => templated.has(e) && !resumed.has(e)), [], 'exporters of the killed worker that sent it a template after its restart but were not decoded there');
  // They moved away and back: counted at the dispatcher.
  const moved = Number(/(\d+) exporters moved/.exec(dispatcherStatus)?.[1] ?? 0);
  assert.ok(moved >= owned.size, `dispatcher counted ${moved} exporters moved for ${owned.size} owned`);
  // Nothing was published to the victim's shard while it was down (it left between the bursts):
  // its zmq in, resuming from its saved position, counts no packet lost.
  assert.doesNotMatch(workerStatus, /lost/, 'the restarted worker counted packets lost');
});
