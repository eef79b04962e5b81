// End to end: UDP datagrams (softflowd NetFlow v9, 24 records each, template included as softflowd
// sends it) into flow collector in a running Node-RED, to a node that counts records. Steps up the
// offered rate and reports where loss starts. Needs `npm run build` first.
//   node --import tsx bench/flow-collector.bench.ts [seconds-per-step]
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageSink, NodeRed, freeUdpPort, repoRoot, waitUntil } from '../test/helpers/node-red';

const SECONDS = Number(process.argv[2] ?? 2);
const datagram = readFileSync(join(repoRoot, 'demo/data/softflowd-netflow9.bin'));
const RECORDS_PER_DATAGRAM = 24;
const STEPS = [50_000, 100_000, 200_000, 400_000, 800_000, 1_200_000];


async function main(): Promise<void> {
  const port = await freeUdpPort();
  const red = await NodeRed.start();
  const sink = await MessageSink.start();
  try {
    await red.deploy([
      { id: 'c', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: '33554432', output: 'datagram', persist: false, wires: [['count'], [], []] },
      { id: 'count', type: 'function', func: "global.set('n', (global.get('n') || 0) + msg.payload.length); return null;", outputs: 1, wires: [[]] },
      // The count is reported every 200 ms to the test's HTTP sink.
      { id: 'tick', type: 'inject', repeat: '0.2', once: true, onceDelay: '0.1', props: [{ p: 'payload' }], payloadType: 'date', wires: [['read']] },
      { id: 'read', type: 'function', func: "msg.payload = global.get('n') || 0; return msg;", outputs: 1, wires: [['sink']] },
      ...sink.sinkNodes('sink', 'count'),
    ]);
    await red.waitForStatus('c', (s) => String(s.text).includes('listening'));
    /** The count from a report made after this call (so it includes everything received so far). */
    const count = async () => {
      const seen = sink.messages('count').length;
      await waitUntil('a fresh count', () => sink.messages('count').length > seen + 1, 10_000);
      const all = sink.messages('count');
      return Number(all[all.length - 1].payload);
    };
    const sock = dgram.createSocket('udp4');
    console.log(`flow collector end to end, NetFlow v9 ${RECORDS_PER_DATAGRAM} rec/datagram, ${SECONDS}s per step, node ${process.version}`);
    console.log(`${'offered rec/s'.padStart(14)} ${'sent rec/s'.padStart(12)} ${'received rec/s'.padStart(15)} ${'loss'.padStart(7)}`);
    let lossFree = 0;
    for (const rate of STEPS) {
      const before = await count();
      const perMs = rate / RECORDS_PER_DATAGRAM / 1000;
      let sent = 0, owed = 0;
      const start = Date.now();
      while (Date.now() - start < SECONDS * 1000) {
        owed += perMs;
        const burst = Math.floor(owed);
        owed -= burst;
        for (let i = 0; i < burst; i++) sock.send(datagram, port, '127.0.0.1');
        sent += burst;
        await new Promise((r) => setTimeout(r, 1));
      }
      const elapsed = (Date.now() - start) / 1000;
      // Let the collector drain what is queued before reading the count.
      let last = -1, now = await count();
      while (now !== last) { last = now; await new Promise((r) => setTimeout(r, 500)); now = await count(); }
      const received = now - before;
      const offered = sent * RECORDS_PER_DATAGRAM;
      const loss = 1 - received / offered;
      // Highest step of the unbroken run of loss-free steps from the start.
      if (loss <= 0.0001 && lossFree === (STEPS[STEPS.indexOf(rate) - 1] ?? 0)) lossFree = rate;
      console.log(`${String(rate).padStart(14)} ${String(Math.round(offered / elapsed)).padStart(12)} ${String(Math.round(received / elapsed)).padStart(15)} ${(loss * 100).toFixed(2).padStart(6)}%`);
    }
    sock.close();
    console.log(`highest offered rate without loss: ${lossFree} records/s`);
  } finally {
    await red.stop();
    await sink.stop();
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
