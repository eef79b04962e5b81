// Real exporters end to end: softflowd and pmacctd (nfprobe / sfprobe) read a capture this test
// writes and export to a flow collector in a running Node-RED; the records must match the
// traffic in the capture (5-tuples, packet and byte totals).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freeUdpPort, repoRoot, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireCommands } from '../helpers/real';
import { SAMPLE_FLOWS, writeTrafficPcap, type TrafficFlow } from '../helpers/flow-traffic';

const needed = ['softflowd', 'pmacctd'];
let red: NodeRed | undefined;
let sink: MessageSink | undefined;
let dir: string;
let port = 0;
const capture = () => join(dir, 'traffic.pcap');


before(async () => {
  if (!needed.every(hasCommand)) return;
  dir = mkdtempSync(join(tmpdir(), 'wirescope-flow-e2e-'));
  writeTrafficPcap(capture(), SAMPLE_FLOWS);
  port = await freeUdpPort();
  sink = await MessageSink.start();
  red = await NodeRed.start();
  await red.deploy([
    { id: 'collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', output: 'datagram', persist: false, wires: [['records'], ['counters'], []] },
    ...sink.sinkNodes('records', 'records'),
    ...sink.sinkNodes('counters', 'counters'),
  ]);
  await red.waitForStatus('collector', (s) => String(s.text).includes('listening'));
});

after(async () => {
  await red?.stop();
  await sink?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs an exporter to completion (it reads the capture, exports at end of file and exits).
 * `anyExitStatus`: pmacctd may exit 1 when its core sees the plugin go first; what was exported
 * is then checked by the caller.
 */
function run(cmd: string, args: string[], anyExitStatus = false): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, _out, stderr) => {
      if (err && !(anyExitStatus && typeof err.code === 'number')) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

/**
 * Runs pmacctd on `conf` until `done()` holds. pmacctd stays up after the end of the capture
 * (pcap_savefile_wait): at exit its plugins may drop what they have not sent yet, and exit with 1.
 */
async function withPmacctd(conf: string, what: string, done: () => boolean): Promise<void> {
  const pmacctd = spawn('pmacctd', ['-f', conf], { stdio: 'ignore' });
  try {
    await waitUntil(what, done, 30_000);
  } finally {
    if (pmacctd.exitCode === null && pmacctd.signalCode === null) {
      const exited = new Promise((r) => pmacctd.once('exit', r));
      pmacctd.kill('SIGTERM');
      await exited;
    }
  }
}

type Rec = Record<string, any>;
const key = (src: string, sp: number, dst: string, dp: number, proto: number) => `${src}:${sp}>${dst}:${dp}/${proto}`;
const flowKey = (f: TrafficFlow) => key(f.src, f.srcPort, f.dst, f.dstPort, f.protocol);

/** Per-direction totals {packets, octets} from the records, folding RFC 5103 reverse counters back. */
function totals(records: Rec[]): Map<string, { packets: number; octets: number }> {
  const m = new Map<string, { packets: number; octets: number }>();
  const add = (k: string, p: number, o: number) => {
    const t = m.get(k) ?? { packets: 0, octets: 0 };
    t.packets += p;
    t.octets += o;
    m.set(k, t);
  };
  for (const r of records) {
    add(key(r.sourceIPv4Address, r.sourceTransportPort, r.destinationIPv4Address, r.destinationTransportPort, r.protocolIdentifier), Number(r.packetDeltaCount), Number(r.octetDeltaCount));
    if (Number(r.reversePacketDeltaCount) > 0) {
      add(key(r.destinationIPv4Address, r.destinationTransportPort, r.sourceIPv4Address, r.sourceTransportPort, r.protocolIdentifier), Number(r.reversePacketDeltaCount), Number(r.reverseOctetDeltaCount));
    }
  }
  return m;
}

const expectedTotals = new Map(SAMPLE_FLOWS.map((f) => [flowKey(f), { packets: f.packets, octets: f.packets * f.ipLength }]));
const totalPackets = SAMPLE_FLOWS.reduce((n, f) => n + f.packets, 0);

/** Starts the exporter with a check that holds once its records cover every packet of the capture. */
async function collect(protocol: string, exporter: (covered: () => boolean) => Promise<void>): Promise<Rec[]> {
  sink!.clear();
  let records: Rec[] = [];
  const covered = () => {
    records = sink!.messages('records').filter((m) => m.protocol === protocol).flatMap((m) => m.payload);
    return [...totals(records).values()].reduce((n, t) => n + t.packets, 0) >= totalPackets;
  };
  await exporter(covered);
  await waitUntil(`${protocol} records covering ${totalPackets} packets`, covered, 30_000);
  return records;
}

const SOFTFLOWD_CASES: Array<{ name: string; args: string[]; protocol: string; check?: (r: Rec[]) => void }> = [
  { name: 'NetFlow v5', args: ['-v', '5'], protocol: 'netflow5' },
  { name: 'NetFlow v9', args: ['-v', '9'], protocol: 'netflow9' },
  { name: 'IPFIX', args: ['-v', '10'], protocol: 'ipfix' },
  {
    name: 'IPFIX biflow (-b)', args: ['-v', '10', '-b'], protocol: 'ipfix',
    check: (r) => assert.ok(r.some((x) => Number(x.reversePacketDeltaCount) > 0), 'biflow records carry RFC 5103 reverse counters'),
  },
  {
    name: 'IPFIX nanosecond times (-A nano)', args: ['-v', '10', '-A', 'nano'], protocol: 'ipfix',
    // The capture starts at 1700000000 s (writeTrafficPcap); softflowd stamps flows with packet times.
    check: (r) => assert.ok(r.every((x) => typeof x.flowStartNanoseconds === 'string' && x.flowStartNanoseconds.startsWith('2023-11-14T22:13:2'))),
  },
  { name: 'NetFlow v9, Ethernet tracking (-T ether)', args: ['-v', '9', '-T', 'ether'], protocol: 'netflow9' },
];

for (const c of SOFTFLOWD_CASES) {
  test(`softflowd ${c.name} into flow collector matches the capture`, async (t: TestContext) => {
    if (!requireCommands(t, ...needed)) return;
    const records = await collect(c.protocol, () => run('softflowd', ['-r', capture(), '-n', `127.0.0.1:${port}`, ...c.args]));
    if (c.args.includes('ether')) {
      // -T ether aggregates by MAC pair: one flow per direction of the MAC pair, totals still exact.
      const sum = records.reduce((n, r) => n + Number(r.packetDeltaCount) + Number(r.reversePacketDeltaCount ?? 0), 0);
      assert.equal(sum, totalPackets);
      return;
    }
    assert.deepEqual(Object.fromEntries(totals(records)), Object.fromEntries(expectedTotals));
    c.check?.(records);
  });
}

for (const version of [5, 9, 10]) {
  test(`pmacctd nfprobe v${version} into flow collector matches the capture`, async (t: TestContext) => {
    if (!requireCommands(t, ...needed)) return;
    const conf = join(dir, `nfprobe${version}.conf`);
    writeFileSync(conf, [
      'daemonize: false', `pcap_savefile: ${capture()}`, 'plugins: nfprobe',
      `nfprobe_receiver: 127.0.0.1:${port}`, `nfprobe_version: ${version}`,
      'aggregate: src_host, dst_host, src_port, dst_port, proto', '',
    ].join('\n'));
    const protocol = version === 5 ? 'netflow5' : version === 9 ? 'netflow9' : 'ipfix';
    // nfprobe exports its flows when pmacctd reaches the end of the capture and exits (its
    // expiry runs on packet time, so it must exit); the exit status races its plugin shutdown.
    const records = await collect(protocol, () => run('pmacctd', ['-f', conf], true));
    assert.deepEqual(Object.fromEntries(totals(records)), Object.fromEntries(expectedTotals));
  });
}

for (const rate of [1, 4]) {
  test(`pmacctd sfprobe, sampling rate ${rate}, into flow collector`, async (t: TestContext) => {
    if (!requireCommands(t, ...needed)) return;
    const conf = join(dir, `sfprobe${rate}.conf`);
    writeFileSync(conf, [
      'daemonize: false', `pcap_savefile: ${capture()}`, 'plugins: sfprobe',
      `sfprobe_receiver: 127.0.0.1:${port}`, `sampling_rate: ${rate}`,
      // Stay up after the end of the file: at exit sfprobe may drop samples not yet sent.
      'pcap_savefile_wait: true',
      // A sub-agent id per run, so samples still in flight from another run are told apart.
      `sfprobe_agentsubid: ${rate}`, '',
    ].join('\n'));
    sink!.clear();
    // pmacctd's sfprobe does not sample every packet of a capture (it misses some while its
    // plugin starts), so wait for half of them and check what arrived against the capture.
    const wanted = Math.floor(totalPackets / rate / 2);
    let samples: Rec[] = [];
    await withPmacctd(conf, `sFlow samples (${wanted})`, () => {
      samples = sink!.messages('records').filter((m) => m.protocol === 'sflow5' && m.observationDomainId === rate).flatMap((m) => m.payload);
      return samples.length >= wanted;
    });
    const byFlow = new Map(SAMPLE_FLOWS.map((f) => [flowKey(f), f]));
    const perFlow = new Map<string, number>();
    for (const s of samples) {
      const k = key(s.sourceIPv4Address, s.sourceTransportPort, s.destinationIPv4Address, s.destinationTransportPort, s.protocolIdentifier);
      const f = byFlow.get(k);
      assert.ok(f, `sampled packet ${JSON.stringify(s).slice(0, 200)} is one of the capture's conversations`);
      perFlow.set(k, (perFlow.get(k) ?? 0) + 1);
      assert.equal(s.samplingInterval, rate);
      assert.equal(s.packetDeltaCount, 1);
      // Frame length on the wire = Ethernet header (14) + IP total length (+ 4 FCS if counted).
      assert.ok(s.dataLinkFrameSize === f!.ipLength + 14 || s.dataLinkFrameSize === f!.ipLength + 18, `frame length ${s.dataLinkFrameSize}`);
      assert.equal(s.sourceMacAddress, '02:00:00:00:00:01');
      assert.ok(Number(s.sflowSamplePool) <= totalPackets, 'the sample pool counts packets of the capture only');
    }
    for (const [k, n] of perFlow) assert.ok(n <= byFlow.get(k)!.packets, `${k}: ${n} samples`);
    // pmacct samples at random (1 in N on average), so only the direction of the bound is exact.
    if (rate > 1) assert.ok(samples.length < totalPackets, `${samples.length} samples of ${totalPackets} packets at 1/${rate}`);
  });
}

test('demo flow: pcap file in -> flow decode over the bundled exports, and a raw datagram from file in', async (t: TestContext) => {
  if (!requireCommands(t, ...needed)) return;
  const text = readFileSync(join(repoRoot, 'demo/flow.json'), 'utf8').replaceAll('${WIRESCOPE_DEMO_DATA}', join(repoRoot, 'demo/data'));
  const nodes = (JSON.parse(text) as FlowNode[]).filter((n) => n.type !== 'tab');
  const decode = nodes.find((n) => n.type === 'wirescope-flow-decode')!;
  decode.wires = [['demo-records'], [], []];
  const inject = nodes.find((n) => n.type === 'inject' && n.repeat === '20')!;
  inject.repeat = ''; // read the capture once
  sink!.clear();
  // Deploy on the test tab (the helper puts nodes without `z` there), next to the collector flow.
  const collectorFlow = [
    { id: 'collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', output: 'datagram', persist: false, wires: [['records'], ['counters'], []] },
    ...sink!.sinkNodes('records', 'records'), ...sink!.sinkNodes('counters', 'counters'),
  ];
  await red!.deploy([...collectorFlow, ...nodes.map(({ z: _z, ...n }) => n as FlowNode), ...sink!.sinkNodes('demo-records', 'demo')]);
  // tshark 4 on demo/data/flow-exports.pcap: v5 29 flows; v9 24 data records (+1 options record);
  // IPFIX 24 + 6 data records (+1 options); sFlow 6 samples. Plus the v5 datagram read by file in.
  const expected: Record<string, number> = { netflow5: 58, netflow9: 24, ipfix: 30, sflow5: 6 };
  let counts: Record<string, number> = {};
  await waitUntil('demo records', () => {
    counts = {};
    for (const m of sink!.messages('demo')) counts[m.protocol] = (counts[m.protocol] ?? 0) + m.payload.length;
    return Object.entries(expected).every(([p, n]) => (counts[p] ?? 0) >= n);
  }, 30_000);
  assert.deepEqual(counts, expected);
  const v5 = sink!.messages('demo').find((m) => m.exporter.address === '192.0.2.5');
  assert.ok(v5, 'the raw datagram from file in keeps the exporter set in the message');
});
