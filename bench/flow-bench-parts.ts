// Parts the flow collector benchmarks share: the C sender (bench/udp-blast.c), a minimal counting
// node (records counted in a closure, the count sent on a message with topic "report"), and a
// deployment of flow collector -> counter whose count reaches the bench's HTTP sink every 200 ms.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FlowNode, MessageSink, repoRoot, waitUntil } from '../test/helpers/node-red';

/** softflowd NetFlow v9 datagram (template included, as softflowd sends it) and its data records. */
export const DATAGRAM = join(repoRoot, 'demo/data/softflowd-netflow9.bin');
export const RECORDS_PER_DATAGRAM = 24;

const COUNTER_NODE_JS = `module.exports = function (RED) {
  function BenchRecordCounter(config) {
    RED.nodes.createNode(this, config);
    let records = 0;
    this.on('input', (msg, send, done) => {
      if (msg.topic === 'report') send({ payload: records });
      else records += Array.isArray(msg.payload) ? msg.payload.length : 1;
      done();
    });
  }
  RED.nodes.registerType('bench-record-counter', BenchRecordCounter);
};
`;
const COUNTER_NODE_HTML = `<script type="text/javascript">
  RED.nodes.registerType('bench-record-counter', { category: 'function', defaults: {}, inputs: 1, outputs: 1 });
</script>
`;

/** Compiles the sender and writes the counting node into `work`; returns the sender and the nodes directory. */
export function prepare(work: string): { blaster: string; nodesDir: string } {
  const blaster = join(work, 'udp-blast');
  execFileSync('gcc', ['-O2', '-o', blaster, join(__dirname, 'udp-blast.c')]);
  const nodesDir = join(work, 'nodes');
  mkdirSync(nodesDir);
  writeFileSync(join(nodesDir, 'bench-record-counter.js'), COUNTER_NODE_JS);
  writeFileSync(join(nodesDir, 'bench-record-counter.html'), COUNTER_NODE_HTML);
  return { blaster, nodesDir };
}

/**
 * Runs the sender for `seconds` at `datagramsPerSecond` from `exporters` sockets (127.0.1.x when
 * more than one), optionally through a command prefix (taskset); resolves with the datagrams sent
 * and the CPU seconds the sender used (on loopback they include the kernel's delivery).
 */
export function blast(blaster: string, port: number, datagramsPerSecond: number, seconds: number, exporters = 1, prefix: string[] = []): Promise<{ sent: number; cpuSeconds: number }> {
  const args = ['127.0.0.1', String(port), String(datagramsPerSecond), String(seconds), DATAGRAM, String(exporters)];
  const [cmd, ...rest] = [...prefix, blaster, ...args];
  return new Promise((resolve, reject) => {
    execFile(cmd, rest, (err, out) => {
      if (err) return reject(err);
      const [sent, cpuSeconds] = out.trim().split(' ').map(Number);
      resolve({ sent, cpuSeconds });
    });
  });
}

/** Flow nodes: the inject that asks `counter` for its count every 200 ms, and the sink nodes it reports to. */
export function reportNodes(sink: MessageSink, counter: string, suffix: string, tag: string): FlowNode[] {
  return [
    { id: `tick${suffix}`, type: 'inject', topic: 'report', repeat: '0.2', once: true, onceDelay: '0.1', props: [{ p: 'topic', vt: 'str' }], wires: [[counter]] },
    ...sink.sinkNodes(`sink${suffix}`, tag),
  ];
}

/** The count from a report made after this call (so it includes everything received so far). */
export async function reportedCount(sink: MessageSink, tag: string): Promise<number> {
  const seen = sink.messages(tag).length;
  // Generous: on a busy shared machine a pinned Node-RED may wait seconds for its core.
  await waitUntil('a fresh count', () => sink.messages(tag).length > seen + 1, 60_000);
  const all = sink.messages(tag);
  return Number(all[all.length - 1].payload);
}

/** Reads `count` until it stops moving (what is queued has drained). */
export async function settledCount(count: () => Promise<number>, stepMs = 500): Promise<number> {
  let last = -1;
  let now = await count();
  while (now !== last) {
    last = now;
    await new Promise((r) => setTimeout(r, stepMs));
    now = await count();
  }
  return now;
}
