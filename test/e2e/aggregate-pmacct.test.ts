// @runtime: primary (aggregation arithmetic against pmacct; nothing here depends on the runtime)
// flow aggregate against pmacct: a capture this test writes is aggregated by pmacctd (the
// reference; test/helpers/pmacct-reference.ts says which plugin and why) and, exported by
// softflowd and by pmacct nfprobe (NetFlow v9 and IPFIX), by flow collector -> flow aggregate.
// Per key, packets and bytes must equal pmacct's, for five primitive sets with filters, whichever
// output mode the collector sends records in.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freeUdpPort, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireCommands } from '../helpers/real';
import { writeTrafficPcap } from '../helpers/flow-traffic';
import { aggregateFlows } from '../helpers/aggregate-traffic';
import { pmacctTable, pmacctValue, tcpdumpCount, type PmacctSet } from '../helpers/pmacct-reference';
import { post } from '../helpers/es-flow';

const needed = ['pmacctd', 'softflowd', 'tcpdump'];
const SETS: Array<PmacctSet & { name: string }> = [
  { name: 'tuple', primitives: 'src_host, dst_host, src_port, dst_port, proto' },
  { name: 'srcnet', primitives: 'src_net, src_mask, proto', netMask: 16, filter: 'dst portrange 0-1023' },
  { name: 'dstnet', primitives: 'dst_net, dst_mask, dst_port', netMask: 24, filter: 'src portrange 1024-65535 and not port 53' },
  { name: 'hostport', primitives: 'src_host, dst_port', filter: 'udp or dst portrange 400-500' },
  { name: 'nets', primitives: 'src_net, src_mask, dst_net, dst_mask, proto', netMask: 16, filter: 'net 10.0.0.0/8 and not dst port 443' },
];

let dir: string;
let capture: string;
let red: NodeRed | undefined;
let sink: MessageSink | undefined;
let port: number;
/** Per set: pmacct's table as key -> {packets, bytes}, and the packets its filter passes. */
const reference = new Map<string, { table: Map<string, { packets: number; bytes: number }>; packets: number }>();

const keyOf = (primitives: string, value: (p: string) => unknown) => primitives.split(/,\s*/).map((p) => String(value(p))).join('|');

before(async () => {
  if (!needed.every(hasCommand)) return;
  dir = mkdtempSync(join(tmpdir(), 'wirescope-agg-pmacct-'));
  capture = join(dir, 'traffic.pcap');
  writeTrafficPcap(capture, aggregateFlows());
  await Promise.all(SETS.map(async (set) => {
    const rows = await pmacctTable(capture, dir, set.name, set);
    const table = new Map<string, { packets: number; bytes: number }>();
    for (const r of rows) table.set(keyOf(set.primitives, (p) => pmacctValue(r, p)), { packets: Number(r.packets), bytes: Number(r.bytes) });
    reference.set(set.name, { table, packets: tcpdumpCount(capture, set.filter) });
  }));
  port = await freeUdpPort();
  sink = await MessageSink.start();
  red = await NodeRed.start();
});

after(async () => {
  await red?.stop();
  await sink?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): Promise<void> {
  // pmacctd may exit 1 when its core sees the nfprobe plugin go first; what arrived is checked.
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, _out, stderr) => (err && typeof err.code !== 'number' ? reject(new Error(`${cmd}: ${err.message}\n${stderr}`)) : resolve()));
  });
}

type OutputMode = 'datagram' | 'record' | 'batch';

/**
 * collector (in the given output mode) -> one flow aggregate per set (fresh node ids per run, so
 * no bin state carries over).
 */
function flow(run: string, output: OutputMode): FlowNode[] {
  const aggregates = SETS.map((s) => `agg-${run}-${s.name}`);
  return [
    { id: `collector-${run}`, type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', output, batchSize: 100, batchMs: 200, persist: false, wires: [aggregates, [], []] },
    ...SETS.flatMap((s): FlowNode[] => [
      {
        id: `agg-${run}-${s.name}`, type: 'wirescope-flow-aggregate', primitives: s.primitives, filter: s.filter ?? '',
        netMask: s.netMask ?? '', interval: 3600, lateness: 0, idle: 0, topN: 0, maxKeys: 100000, orderBy: 'bytes', wires: [[`sink-${run}-${s.name}`], [`sink-${run}-${s.name}`]],
      },
      ...sink!.sinkNodes(`sink-${run}-${s.name}`, `${run}-${s.name}`),
    ]),
    { id: `control-${run}`, type: 'http in', url: '/agg/control', method: 'post', wires: [[`control-msg-${run}`, `control-ok-${run}`]] },
    { id: `control-msg-${run}`, type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [aggregates] },
    { id: `control-ok-${run}`, type: 'http response', statusCode: '200', wires: [] },
  ];
}

const rowsOf = (messages: any[]) => messages.filter((m) => m.topic === 'aggregate').flatMap((m) => m.payload);
const packetsOf = (rows: any[]) => rows.reduce((n, r) => n + Number(r.packets), 0);

// Each run takes the collector's output modes in turn: one message per datagram, per record, or
// batches of records from several datagrams; the tables must not depend on it.
const EXPORTERS: Array<{ name: string; output: OutputMode; export: (conf: string) => Promise<void> }> = [
  { name: 'softflowd-v9', output: 'datagram', export: async () => run('softflowd', ['-r', capture, '-n', `127.0.0.1:${port}`, '-v', '9']) },
  { name: 'softflowd-ipfix', output: 'record', export: async () => run('softflowd', ['-r', capture, '-n', `127.0.0.1:${port}`, '-v', '10']) },
  ...([[9, 'batch'], [10, 'datagram']] as const).map(([version, output]) => ({
    name: `nfprobe-v${version}`, output,
    export: async (conf: string) => {
      writeFileSync(conf, [
        'daemonize: false', `pcap_savefile: ${capture}`, 'plugins: nfprobe', `nfprobe_receiver: 127.0.0.1:${port}`,
        `nfprobe_version: ${version}`, 'aggregate: src_host, dst_host, src_port, dst_port, proto', '',
      ].join('\n'));
      await run('pmacctd', ['-f', conf]);
    },
  })),
];

describe('flow aggregate equals pmacct tables', () => {
  for (const exporter of EXPORTERS) {
    test(`${exporter.name} -> flow collector (${exporter.output} output) -> flow aggregate: per key packets and bytes equal pmacct's`, async (t: TestContext) => {
      if (!requireCommands(t, ...needed)) return;
      const runId = exporter.name;
      await red!.deploy(flow(runId, exporter.output));
      await red!.waitForStatus(`collector-${runId}`, (s) => String(s.text).includes('listening'));
      await exporter.export(join(dir, `${runId}.conf`));
      // The unfiltered set has every packet of the capture once all flows are in: ask its open bin.
      const total = reference.get('tuple')!.packets;
      await waitUntil(`${runId}: ${total} packets in the open bin`, async () => {
        const before = sink!.messages(`${runId}-tuple`).length;
        await post(red!, '/agg/control', { topic: 'query' });
        await waitUntil('query answer', () => sink!.messages(`${runId}-tuple`).length > before);
        const last = sink!.messages(`${runId}-tuple`).at(-1);
        return Number(last.totals?.packets ?? 0) === total;
      }, 60_000, 500);
      await post(red!, '/agg/control', { topic: 'flush' });
      for (const set of SETS) {
        const ref = reference.get(set.name)!;
        await waitUntil(`${runId} ${set.name}: bins with ${ref.packets} packets`,
          () => packetsOf(rowsOf(sink!.messages(`${runId}-${set.name}`))) === ref.packets);
        const ours = new Map<string, { packets: number; bytes: number }>();
        for (const row of rowsOf(sink!.messages(`${runId}-${set.name}`))) {
          if (row.others) {
            assert.equal(Number(row.packets), 0, 'top N 0: every key is a row, others is empty');
            continue;
          }
          const key = keyOf(set.primitives, (p) => row[p]);
          const have = ours.get(key) ?? { packets: 0, bytes: 0 };
          ours.set(key, { packets: have.packets + Number(row.packets), bytes: have.bytes + Number(row.bytes) });
        }
        assert.ok(ref.table.size > 1, `${set.name}: pmacct has several keys`);
        assert.deepEqual(Object.fromEntries([...ours].sort()), Object.fromEntries([...ref.table].sort()), `${runId}, ${set.name} (${set.primitives}${set.filter ? `; ${set.filter}` : ''})`);
      }
    });
  }
});
