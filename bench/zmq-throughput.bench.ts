// zmq out → zmq in between two Node-RED processes, beside two bare zeromq processes, same run.
// Each case sends N messages of `frames` frames of `size` bytes over PUSH/PULL on 127.0.0.1;
// rates are measured at the receiver from the first message to the last.
// Run: npm run build && node --import tsx bench/zmq-throughput.bench.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort, repoRoot } from '../test/helpers/node-red';

interface Case { label: string; size: number; frames: number; messages: number }
const cases: Case[] = [
  { label: '100 B, 1 frame/msg', size: 100, frames: 1, messages: 50000 },
  { label: '1500 B, 1 frame/msg', size: 1500, frames: 1, messages: 30000 },
  { label: '100 B, batches of 64', size: 100, frames: 64, messages: 3000 },
  { label: '1500 B, batches of 64', size: 1500, frames: 64, messages: 1500 },
];

const dir = mkdtempSync(join(tmpdir(), 'wirescope-zmq-bench-'));
const zeromqPath = join(repoRoot, 'node_modules', 'zeromq');

// The bare peers: the same socket calls our nodes make (send awaited one at a time, receive loop).
writeFileSync(join(dir, 'pull.js'), `
const zmq = require(${JSON.stringify(zeromqPath)});
(async () => {
  const [endpoint, count] = process.argv.slice(2);
  const pull = new zmq.Pull({ receiveHighWaterMark: 100000 });
  pull.connect(endpoint);
  process.send('ready');
  let n = 0, t0 = 0, bytes = 0;
  for await (const frames of pull) {
    if (n === 0) t0 = performance.now();
    for (const f of frames) bytes += f.length;
    if (++n === Number(count)) break;
  }
  process.send({ ms: performance.now() - t0, bytes, rss: process.memoryUsage().rss });
  pull.close();
})();`);
writeFileSync(join(dir, 'push.js'), `
const zmq = require(${JSON.stringify(zeromqPath)});
(async () => {
  const [endpoint, count, size, frames] = process.argv.slice(2).map((v, i) => i ? Number(v) : v);
  const push = new zmq.Push({ sendHighWaterMark: 100000, linger: 2000 });
  await push.bind(endpoint);
  await new Promise((r) => process.once('message', r));
  const message = Array.from({ length: frames }, () => Buffer.alloc(size, 1));
  for (let i = 0; i < count; i++) await push.send(message);
  process.send('sent');
  await new Promise((r) => process.once('message', r));
  push.close();
})();`);

function rssOf(pid: number | undefined): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

function child(script: string, args: Array<string | number>) {
  return spawn(process.execPath, [join(dir, script), ...args.map(String)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
const next = (p: ReturnType<typeof child>) => new Promise<any>((r) => p.once('message', r));

async function bare(c: Case): Promise<{ ms: number; bytes: number; rss: number }> {
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const push = child('push.js', [endpoint, c.messages, c.size, c.frames]);
  await new Promise((r) => setTimeout(r, 300)); // let it bind
  const pull = child('pull.js', [endpoint, c.messages]);
  await next(pull);
  push.send('go');
  const result = await next(pull);
  push.send('stop');
  await Promise.all([new Promise((r) => push.once('exit', r)), new Promise((r) => pull.once('exit', r))]);
  return result;
}

async function nodeRed(sender: NodeRed, receiver: NodeRed, sink: MessageSink, c: Case, tag: string): Promise<{ ms: number; bytes: number; rss: number }> {
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  await receiver.deploy([
    { id: 'bin', type: 'wirescope-zmq-in', socketType: 'pull', mode: 'connect', endpoints: endpoint, format: 'frames', hwm: 100000, wires: [['count']] },
    { id: 'count', type: 'function', func: `
      if (context.n === undefined) { context.n = 0; context.bytes = 0; context.t0 = Date.now(); }
      const frames = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      for (const f of frames) context.bytes += f.length;
      if (++context.n === ${c.messages}) return { payload: { ms: Date.now() - context.t0, bytes: context.bytes } };
      return null;`, wires: [['done-sink']] },
    ...sink.sinkNodes('done-sink', tag),
  ]);
  await sender.deploy([
    { id: 'go', type: 'http in', url: '/go', method: 'post', wires: [['burst']] },
    { id: 'burst', type: 'function', outputs: 2, func: `
      const frames = Array.from({ length: ${c.frames} }, () => Buffer.alloc(${c.size}, 1));
      // clone = false: the function node would otherwise deep-copy every message it sends.
      for (let i = 0; i < ${c.messages}; i++) node.send([{ payload: ${c.frames === 1 ? 'frames[0]' : 'frames'} }, null], false);
      return [null, { payload: 'ok', res: msg.res }];`, wires: [['bout'], ['ok']] },
    { id: 'ok', type: 'http response', wires: [] },
    { id: 'bout', type: 'wirescope-zmq-out', socketType: 'push', mode: 'bind', endpoints: endpoint, format: 'frames', hwm: 100000, queueLimit: c.messages, sendTimeout: -1, wires: [] },
  ]);
  await sender.waitForStatus('bout', (s) => /^1 peer/.test(s.text ?? ''));
  await fetch(`${sender.url}/go`, { method: 'POST' });
  const [done] = await sink.waitFor(tag, 1, 120000);
  return { ...done.payload, rss: rssOf(receiver.pid) };
}

(async () => {
  const sink = await MessageSink.start();
  const [sender, receiver] = await Promise.all([NodeRed.start(), NodeRed.start()]);
  try {
    console.log('zmq out → zmq in (two Node-RED 4 processes) vs two bare zeromq v6 processes, PUSH/PULL over tcp://127.0.0.1');
    console.log('case                      | bare msgs/s  MB/s  | Node-RED msgs/s  MB/s | ratio | receiver RSS (MB) bare / NR');
    for (const [i, c] of cases.entries()) {
      const b = await bare(c);
      const n = await nodeRed(sender, receiver, sink, c, `case${i}`);
      const rate = (r: { ms: number }) => c.messages / (r.ms / 1000);
      const mbs = (r: { ms: number; bytes: number }) => r.bytes / 1e6 / (r.ms / 1000);
      console.log(`${c.label.padEnd(25)} | ${rate(b).toFixed(0).padStart(10)} ${mbs(b).toFixed(1).padStart(6)} | ${rate(n).toFixed(0).padStart(14)} ${mbs(n).toFixed(1).padStart(6)} | ${(rate(n) / rate(b) * 100).toFixed(0).padStart(4)}% | ${(b.rss / 1e6).toFixed(0)} / ${(n.rss / 1e6).toFixed(0)}`);
    }
  } finally {
    await Promise.all([sender.stop(), receiver.stop()]);
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
})();
