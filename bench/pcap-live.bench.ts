// Live capture on lo: the packet rate at which pcap in (in a real Node-RED, batches of 1000 / 50 ms,
// full dissection) starts to lose packets, with each capture engine, beside `tcpdump -w /dev/null`
// capturing the same traffic at the same time.
// Traffic: 64-byte UDP datagrams from a small C sender (bench/udp-blast.c) at fixed rates, 3 s each.
// Run: node --import tsx bench/pcap-live.bench.ts   (as root; needs gcc and tcpdump)
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort } from '../test/helpers/node-red';

const RATES = [10_000, 50_000, 100_000, 200_000, 400_000];
const SECONDS = 3;

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'wirescope-bench-'));
  const blaster = join(work, 'udp-blast');
  execFileSync('gcc', ['-O2', '-o', blaster, join(__dirname, 'udp-blast.c')]);
  const port = await freePort();
  const receiver = createSocket('udp4'); // so the kernel does not answer with ICMP unreachable
  receiver.on('message', () => undefined);
  await new Promise<void>((r) => receiver.bind(port, '127.0.0.1', () => r()));

  const nodeRed = await NodeRed.start();
  const sink = await MessageSink.start();
  console.log(`live capture on lo, ${SECONDS} s per rate, 64-byte UDP payloads (106-byte frames)`);
  console.log(['engine', 'target pkt/s', 'sent', 'tcpdump captured', 'tcpdump kernel drops', 'pcap in received', 'pcap in loss'].join(' | '));
  for (const engine of ['cap', 'tcpdump']) {
    const id = `cap-${engine}`;
    await nodeRed.deploy([
      { id, type: 'wirescope-pcap-in', iface: 'lo', engine, filter: `udp dst port ${port}`, snaplen: 65535, bufferSize: 32, batchSize: 1000, batchInterval: 50, dissect: true, wires: [['count']] },
      { id: 'count', type: 'function', func: 'return { payload: msg.payload.length };', outputs: 1, wires: [['sink']] },
      ...sink.sinkNodes('sink', 'counts'),
    ]);
    await nodeRed.waitForStatus(id, (s) => s.fill === 'green');
    for (const rate of RATES) {
      sink.clear();
      const tcpdump = spawn('tcpdump', ['-i', 'lo', '-w', '/dev/null', `udp dst port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let tcpdumpErr = '';
      tcpdump.stderr.on('data', (c) => (tcpdumpErr += c));
      while (!tcpdumpErr.includes('listening on')) await new Promise((r) => setTimeout(r, 50));
      const sent = Number(execFileSync(blaster, ['127.0.0.1', String(port), String(rate), String(SECONDS), '64']).toString().split(' ')[0]);
      await new Promise((r) => setTimeout(r, 1500)); // let both drain
      const exited = new Promise((r) => tcpdump.once('exit', r));
      tcpdump.kill('SIGINT');
      await exited;
      const captured = Number(/(\d+) packets captured/.exec(tcpdumpErr)?.[1] ?? NaN);
      const kernelDrops = Number(/(\d+) packets dropped by kernel/.exec(tcpdumpErr)?.[1] ?? NaN);
      const received = sink.messages('counts').reduce((sum, m) => sum + Number(m.payload), 0);
      const loss = sent > 0 ? ((sent - received) / sent) * 100 : 0;
      console.log([engine, rate, sent, captured, kernelDrops, received, `${loss.toFixed(2)}%`].join(' | '));
    }
  }
  const rss = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(nodeRed.pid)]).toString()) / 1024;
  console.log(`Node-RED RSS after the run: ${rss.toFixed(0)} MiB`);
  receiver.close();
  await sink.stop();
  await nodeRed.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
