// Flow collector with decode workers, with real exporters: softflowd and pmacctd (nfprobe) export
// NetFlow v9 and IPFIX for a capture of known traffic; their datagrams go over UDP, from sixteen
// loopback source addresses (sixteen exporters), to three collectors in one Node-RED: one worker
// (the default, decoding on the main thread), two workers as the runtime spreads them (SO_REUSEPORT
// on Node >= 22.12, else dispatch by exporter), two workers dispatched by exporter, and two workers
// that only receive (SO_REUSEPORT; the main thread decodes; dispatch and decode elsewhere). Each must
// decode every exporter's packets and bytes exactly once, equal to the capture's own totals.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freeUdpPort, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireReal } from '../helpers/real';
import { writeTrafficPcap, type TrafficFlow } from '../helpers/flow-traffic';
import { exportCapture } from '../helpers/flow-exports';
import { hasReusePort } from '../../nodes/flow-collector/udp-listen';

const ADDRESSES = 4;
const dir = mkdtempSync(join(tmpdir(), 'wirescope-workers-'));
// Enough flows that each export spans many datagrams, with a template only in some of them.
const FLOWS: TrafficFlow[] = Array.from({ length: 600 }, (_, i) => ({ src: `10.1.${i >> 8}.${i & 255}`, dst: '10.2.0.1', srcPort: 20000 + i, dstPort: 53, protocol: 17, packets: 1 + (i % 3), ipLength: 60 + (i % 50) }));
const truth = { records: FLOWS.length, packets: FLOWS.reduce((s, f) => s + f.packets, 0), octets: FLOWS.reduce((s, f) => s + f.packets * f.ipLength, 0) };
const COLLECTORS = [
  { id: 'one', workers: 1, spread: 'auto' } as { id: string; workers: number; spread: string; workerRole?: string },
  { id: 'two', workers: 2, spread: 'auto' },
  { id: 'two-dispatch', workers: 2, spread: 'exporter' },
  { id: 'two-receive', workers: 2, spread: 'auto', workerRole: 'receive' },
];
let red: NodeRed | undefined;
let sink: MessageSink | undefined;
let runs: Buffer[][] = [];
const ports: Record<string, number> = {};

before(async () => {
  if (!['softflowd', 'pmacctd'].every(hasCommand)) return;
  const traffic = join(dir, 'traffic.pcap');
  writeTrafficPcap(traffic, FLOWS);
  runs = await exportCapture(traffic, dir);
  sink = await MessageSink.start();
  red = await NodeRed.start();
  for (const c of COLLECTORS) ports[c.id] = await freeUdpPort();
  await red.deploy(COLLECTORS.flatMap((c): FlowNode[] => [
    {
      id: c.id, type: 'wirescope-flow-collector', ports: String(ports[c.id]), bind: '127.0.0.1', rcvbuf: '8388608', output: 'datagram', persist: false,
      workers: String(c.workers), spread: c.spread, workerRole: c.workerRole ?? 'decode', wires: [[`${c.id}-count`], [], [`${c.id}-stats`]],
    },
    // Packets, octets and records per exporter, kept in the node and reported on request.
    {
      id: `${c.id}-count`, type: 'function', outputs: 1, wires: [[`${c.id}-sink`]],
      func: "const t = context.totals || (context.totals = {});\n" +
        "if (msg.topic === 'report') return { payload: t };\n" +
        "const e = t[msg.exporter.address] || (t[msg.exporter.address] = { records: 0, packets: 0, octets: 0 });\n" +
        "for (const r of msg.payload) { e.records++; e.packets += Number(r.packetDeltaCount || 0); e.octets += Number(r.octetDeltaCount || 0); }\n" +
        'return null;',
    },
    { id: `${c.id}-report`, type: 'inject', topic: 'report', props: [{ p: 'topic', vt: 'str' }], wires: [[`${c.id}-count`]] },
    { id: `${c.id}-ask`, type: 'inject', topic: 'stats', props: [{ p: 'topic', vt: 'str' }], wires: [[c.id]] },
    { id: `${c.id}-stats`, type: 'switch', property: 'topic', rules: [{ t: 'eq', v: 'stats', vt: 'str' }], outputs: 1, wires: [[`${c.id}-stats-sink`]] },
    ...sink!.sinkNodes(`${c.id}-sink`, `${c.id}-totals`),
    ...sink!.sinkNodes(`${c.id}-stats-sink`, `${c.id}-stats`),
  ]));
  for (const c of COLLECTORS) await red.waitForStatus(c.id, (s) => String(s.text).includes('listening'), 30_000);
});

after(async () => {
  await red?.stop();
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ready(t: TestContext): boolean {
  return requireReal(t, ['softflowd', 'pmacctd'].every(hasCommand) && !!red, 'needs softflowd and pmacctd');
}

/** Each export replayed from ADDRESSES loopback addresses (127.0.1.x): 16 exporters, interleaved, in order per exporter. */
async function replay(port: number): Promise<string[]> {
  const senders: Array<{ socket: Socket; address: string; datagrams: Buffer[] }> = [];
  for (const [r, datagrams] of runs.entries()) {
    for (let k = 0; k < ADDRESSES; k++) {
      const address = `127.0.1.${10 * r + k + 1}`;
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
      senders.push({ socket, address, datagrams });
    }
  }
  const longest = Math.max(...runs.map((r) => r.length));
  for (let i = 0; i < longest; i++) {
    for (const s of senders) {
      if (i < s.datagrams.length) await new Promise<void>((resolve, reject) => s.socket.send(s.datagrams[i], port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    }
    // A pause per round keeps the receive buffer from overflowing on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  for (const s of senders) s.socket.close();
  return senders.map((s) => s.address);
}

async function ask(injectId: string, tag: string): Promise<any> {
  const before = sink!.messages(tag).length;
  await fetch(`${red!.url}/inject/${injectId}`, { method: 'POST' });
  const all = await sink!.waitFor(tag, before + 1, 30_000);
  return all[all.length - 1].payload;
}

test('one worker, two workers (SO_REUSEPORT or dispatch), two dispatched and two receiving workers decode every exporter\'s records exactly once', async (t) => {
  if (!ready(t)) return;
  const exporters: string[] = [];
  for (const c of COLLECTORS) exporters.splice(0, exporters.length, ...await replay(ports[c.id]));
  const totals: Record<string, Record<string, { records: number; packets: number; octets: number }>> = {};
  for (const c of COLLECTORS) {
    // Settled when every exporter's octets are in; a duplicate would show as more.
    await waitUntil(`${c.id}: every exporter decoded`, async () => {
      totals[c.id] = await ask(`${c.id}-report`, `${c.id}-totals`);
      return exporters.every((e) => (totals[c.id][e]?.octets ?? 0) >= truth.octets);
    }, 60_000, 500).catch((err) => { throw new Error(`${err.message}: ${JSON.stringify(totals[c.id])}`); });
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const c of COLLECTORS) {
    totals[c.id] = await ask(`${c.id}-report`, `${c.id}-totals`);
    assert.deepEqual(Object.keys(totals[c.id]).sort(), [...exporters].sort(), `${c.id}: the exporters`);
    for (const e of exporters) assert.deepEqual(totals[c.id][e], truth, `${c.id}, exporter ${e}`);
  }
  assert.deepEqual(totals.two, totals.one);
  assert.deepEqual(totals['two-dispatch'], totals.one);
  assert.deepEqual(totals['two-receive'], totals.one);

  // Stats: the decoders' counters summed over the workers, and the exporters spread over both.
  // SO_REUSEPORT where Node-RED's Node has it (>= 22.12), the dispatch fallback elsewhere (Node 20).
  const auto = hasReusePort(red!.runtime.nodeVersion.replace(/^v/, '')) ? 'reuseport' : 'exporter';
  const runtimeNode = (await ask('one-ask', 'one-stats')).decoder;
  for (const c of COLLECTORS.slice(1)) {
    const stats = await ask(`${c.id}-ask`, `${c.id}-stats`);
    t.diagnostic(`${c.id}: ${JSON.stringify(stats.workers)}`);
    assert.equal(stats.workers.count, 2);
    assert.equal(stats.workers.restarts, 0);
    const receiving = c.workerRole === 'receive' && auto === 'reuseport';
    assert.equal(stats.workers.role, receiving ? 'receive' : 'decode');
    // Receiving workers decode nothing: what their sockets received is spread instead.
    const spread = receiving ? stats.workers.datagrams : stats.workers.records;
    assert.equal(spread.length, 2);
    assert.ok(spread.every((n: number) => n > 0), `${c.id}: both workers took a share (${spread})`);
    if (receiving) assert.equal(spread[0] + spread[1], runtimeNode.datagrams);
    else assert.equal(spread[0] + spread[1], truth.records * exporters.length);
    assert.equal(stats.decoder.records, runtimeNode.records);
    assert.equal(stats.decoder.datagrams, runtimeNode.datagrams);
    assert.deepEqual(stats.decoder.sequenceTotals, runtimeNode.sequenceTotals);
    assert.equal(stats.datagrams, runtimeNode.datagrams);
    assert.equal(stats.workers.spread, c.spread === 'exporter' ? 'exporter' : auto, `${c.id} on Node ${red!.runtime.nodeVersion}`);
  }
});
