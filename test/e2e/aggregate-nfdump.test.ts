// @runtime: primary (top N arithmetic against nfdump; nothing here depends on the runtime)
// nfdump as a second reference for top N: softflowd exports the same capture once to nfcapd and once
// to flow collector -> flow aggregate; `nfdump -s srcip/bytes -n 10` and `-s dstport/bytes -n 10`
// must equal the node's top 10 (key, bytes, packets, in order).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freeUdpPort, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireCommands } from '../helpers/real';
import { writeTrafficPcap } from '../helpers/flow-traffic';
import { aggregateFlows } from '../helpers/aggregate-traffic';
import { post } from '../helpers/es-flow';

const needed = ['softflowd', 'nfcapd', 'nfdump'];
let dir: string;
let red: NodeRed | undefined;
let sink: MessageSink | undefined;

before(async () => {
  if (!needed.every(hasCommand)) return;
  dir = mkdtempSync(join(tmpdir(), 'wirescope-agg-nfdump-'));
  sink = await MessageSink.start();
  red = await NodeRed.start();
});

after(async () => {
  await red?.stop();
  await sink?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const softflowd = (capture: string, port: number) => new Promise<void>((resolve, reject) =>
  execFile('softflowd', ['-r', capture, '-n', `127.0.0.1:${port}`, '-v', '9'], { timeout: 60_000 }, (err) => (err ? reject(err) : resolve())));

/** nfdump's top 10 of a statistic as [key, bytes, packets] (its CSV: val, pkt, byt columns). */
function nfdumpTop(files: string, stat: string): Array<[string, number, number]> {
  const out = execFileSync('nfdump', ['-R', files, '-s', `${stat}/bytes`, '-n', '10', '-o', 'csv', '-q']).toString();
  const lines = out.split('\n').filter((l) => /^\d{4}-/.test(l));
  return lines.map((l) => { const f = l.split(','); return [f[4], Number(f[9]), Number(f[7])]; });
}

test('flow aggregate top 10 by source host and by destination port equal nfdump -s', async (t: TestContext) => {
  if (!requireCommands(t, ...needed)) return;
  const capture = join(dir, 'traffic.pcap');
  writeTrafficPcap(capture, aggregateFlows());
  // nfcapd collects one export of the capture; stopping it writes its file.
  const nfPort = await freeUdpPort();
  const store = join(dir, 'nfcapd');
  mkdirSync(store);
  const nfcapd = spawn('nfcapd', ['-p', String(nfPort), '-b', '127.0.0.1', '-w', store], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 1000)); // nfcapd binds its socket (no readiness signal)
    await softflowd(capture, nfPort);
    await waitUntil('nfcapd to have a file', () => readdirSync(store).length > 0, 20_000);
  } finally {
    const exited = new Promise((r) => nfcapd.once('exit', r));
    nfcapd.kill('SIGTERM');
    await exited;
  }

  const port = await freeUdpPort();
  const agg = (id: string, primitives: string): FlowNode => ({
    id, type: 'wirescope-flow-aggregate', primitives, interval: 3600, lateness: 0, idle: 0, topN: 10, maxKeys: 100000, orderBy: 'bytes', wires: [[id + '-sink'], [id + '-sink']],
  });
  await red!.deploy([
    { id: 'collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', output: 'datagram', persist: false, wires: [['by-src', 'by-port'], [], []] },
    agg('by-src', 'src_host'), agg('by-port', 'dst_port'),
    ...sink!.sinkNodes('by-src-sink', 'by-src'), ...sink!.sinkNodes('by-port-sink', 'by-port'),
    { id: 'control', type: 'http in', url: '/control', method: 'post', wires: [['control-msg', 'control-ok']] },
    { id: 'control-msg', type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [['by-src', 'by-port']] },
    { id: 'control-ok', type: 'http response', statusCode: '200', wires: [] },
  ]);
  await red!.waitForStatus('collector', (s) => String(s.text).includes('listening'));
  await softflowd(capture, port);
  const total = aggregateFlows().reduce((n, f) => n + f.packets, 0);
  await waitUntil(`${total} packets in the open bin`, async () => {
    const before = sink!.messages('by-src').length;
    await post(red!, '/control', { topic: 'query' });
    await waitUntil('query answer', () => sink!.messages('by-src').length > before);
    return Number(sink!.messages('by-src').at(-1).totals?.packets ?? 0) === total;
  }, 60_000, 500);
  await post(red!, '/control', { topic: 'flush' });
  for (const [tag, stat, field] of [['by-src', 'srcip', 'src_host'], ['by-port', 'dstport', 'dst_port']] as const) {
    await waitUntil(`${tag} bin`, () => sink!.messages(tag).some((m) => m.topic === 'aggregate'));
    const bin = sink!.messages(tag).find((m) => m.topic === 'aggregate');
    const ours = bin.payload.filter((r: any) => !r.others).map((r: any) => [String(r[field]), Number(r.bytes), Number(r.packets)]);
    const reference = nfdumpTop(store, stat);
    assert.ok(reference.length >= 5, `nfdump ${stat}: a top list`);
    assert.deepEqual(ours, reference, `top 10 by ${stat}`);
  }
});
