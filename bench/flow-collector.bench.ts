// End to end: UDP datagrams (softflowd NetFlow v9, 24 records each, template included as softflowd
// sends it) into flow collector in a running Node-RED, to a node that counts records. Steps up the
// offered rate and reports where loss starts, with one message per datagram (the default) and
// with batches of 1000 records (the output mode meant for high rates), each into two counting
// nodes: a function node (what a user wires; Node-RED runs its code in a vm sandbox per message)
// and a minimal counting node loaded from a nodes directory (what the collector itself sustains
// with Node-RED's messaging). The datagrams come from a small C sender
// (bench/udp-blast.c, sendmmsg) so that the sender is not what limits the rate. Needs
// `npm run build` and gcc.
//   node --import tsx bench/flow-collector.bench.ts [seconds-per-step] [datagram|batch] [function|counter]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freeUdpPort } from '../test/helpers/node-red';
import { RECORDS_PER_DATAGRAM, blast, prepare, reportNodes, reportedCount, settledCount } from './flow-bench-parts';

const SECONDS = Number(process.argv[2] ?? 2);
const MODES = process.argv[3] ? [process.argv[3]] : ['datagram', 'batch'];
const COUNTERS = process.argv[4] ? [process.argv[4]] : ['function', 'counter'];

const STEPS = [200_000, 400_000, 800_000, 1_000_000, 1_200_000, 1_500_000, 2_000_000];

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'wirescope-flow-bench-'));
  const { blaster, nodesDir } = prepare(work);
  const red = await NodeRed.start({ settings: { nodesDir } });
  const sink = await MessageSink.start();
  try {
    for (const mode of MODES) for (const counter of COUNTERS) await run(red, sink, blaster, mode, counter);
  } finally {
    await red.stop();
    await sink.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function run(red: NodeRed, sink: MessageSink, blaster: string, mode: string, counter: string): Promise<void> {
  const port = await freeUdpPort();
  const suffix = `-${mode}-${counter}`; // new node ids per deployment (statuses are keyed per deployment)
  const tag = suffix.slice(1);
  await red.deploy([
    {
      id: `c${suffix}`, type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: '33554432',
      output: mode, batchSize: '1000', batchMs: '100', persist: false, wires: [[`count${suffix}`], [], []],
    },
    counter === 'function'
      // Counts in a plain property of the function node's `context` object, which lives as long
      // as the node (context.get/set per message would cost more than the collector itself).
      ? { id: `count${suffix}`, type: 'function', func: "if (msg.topic === 'report') { msg.payload = context.records || 0; return msg; } context.records = (context.records || 0) + msg.payload.length; return null;", outputs: 1, wires: [[`sink${suffix}`]] }
      : { id: `count${suffix}`, type: 'bench-record-counter', wires: [[`sink${suffix}`]] },
    // Every 200 ms the count goes to the bench's HTTP sink.
    ...reportNodes(sink, `count${suffix}`, suffix, tag),
  ]);
  await red.waitForStatus(`c${suffix}`, (s) => String(s.text).includes('listening'));
  const count = () => reportedCount(sink, tag);
  console.log(`flow collector end to end, output "${mode}" into a ${counter === 'function' ? 'function node' : 'minimal counting node'}, NetFlow v9 ${RECORDS_PER_DATAGRAM} rec/datagram, ${SECONDS}s per step, node ${process.version}`);
  console.log(`${'offered rec/s'.padStart(14)} ${'sent rec/s'.padStart(12)} ${'received rec/s'.padStart(15)} ${'loss'.padStart(7)}`);
  let lossFree = 0;
  for (const rate of STEPS) {
    const before = await count();
    const start = Date.now();
    const { sent } = await blast(blaster, port, Math.round(rate / RECORDS_PER_DATAGRAM), SECONDS);
    const elapsed = (Date.now() - start) / 1000;
    // Let the collector drain what is queued before reading the count.
    const now = await settledCount(count);
    const received = now - before;
    const offered = sent * RECORDS_PER_DATAGRAM;
    const loss = 1 - received / offered;
    // Highest step of the unbroken run of loss-free steps from the start.
    if (loss <= 0.0001 && lossFree === (STEPS[STEPS.indexOf(rate) - 1] ?? 0)) lossFree = rate;
    console.log(`${String(rate).padStart(14)} ${String(Math.round(offered / elapsed)).padStart(12)} ${String(Math.round(received / elapsed)).padStart(15)} ${(loss * 100).toFixed(2).padStart(6)}%`);
  }
  console.log(`output "${mode}", ${counter}: highest offered rate without loss: ${lossFree} records/s\n`);
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
