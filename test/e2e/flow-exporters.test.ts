// @runtime: primary (decoding against tshark; flow-restart and flow-workers cover flow collector on both runtimes)
// Real exporters end to end: softflowd and pmacctd (nfprobe / sfprobe) read a capture this test
// writes and export to a flow collector in a running Node-RED; the records must match the
// traffic in the capture (5-tuples, packet and byte totals) and tshark's decode of the very
// datagrams the exporter sent (tcpdump on loopback records them while the collector decodes them).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freeUdpPort, repoRoot, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireCommands, requireRoot } from '../helpers/real';
import { SAMPLE_FLOWS, writeTrafficPcap, type TrafficFlow } from '../helpers/flow-traffic';
import { LoopbackCapture } from '../helpers/flow-capture';
import { expectedFlowRecord, expectedOptionsRecord, expectedSflowSample, exporterOptions, tsharkNetflow, tsharkSflow, type Expected } from '../helpers/flow-tshark';

const needed = ['softflowd', 'pmacctd', 'tcpdump', 'tshark'];
let red: NodeRed | undefined;
let sink: MessageSink | undefined;
let dir: string;
/** The collector as deployed by default, and one with Apply sampling; sink tags for their outputs. */
interface Collector { port: number; records: string; counters: string; events: string }
const plain: Collector = { port: 0, records: 'records', counters: 'counters', events: 'events' };
const sampled: Collector = { port: 0, records: 'sampled', counters: 'sampled-counters', events: 'sampled-events' };
const capture = () => join(dir, 'traffic.pcap');
const collectorNodes = (): FlowNode[] => [
  { id: 'collector', type: 'wirescope-flow-collector', ports: String(plain.port), bind: '127.0.0.1', output: 'datagram', persist: false, wires: [['records'], ['counters'], ['events']] },
  { id: 'sampled-collector', type: 'wirescope-flow-collector', ports: String(sampled.port), bind: '127.0.0.1', output: 'datagram', persist: false, applySampling: true, wires: [['sampled'], ['sampled-counters'], ['sampled-events']] },
  ...sink!.sinkNodes('records', plain.records), ...sink!.sinkNodes('counters', plain.counters), ...sink!.sinkNodes('events', plain.events),
  ...sink!.sinkNodes('sampled', sampled.records), ...sink!.sinkNodes('sampled-counters', sampled.counters), ...sink!.sinkNodes('sampled-events', sampled.events),
];


before(async () => {
  if (!['softflowd', 'pmacctd'].every(hasCommand)) return;
  dir = mkdtempSync(join(tmpdir(), 'wirescope-flow-e2e-'));
  writeTrafficPcap(capture(), SAMPLE_FLOWS);
  plain.port = await freeUdpPort();
  sampled.port = await freeUdpPort();
  sink = await MessageSink.start();
  red = await NodeRed.start();
  await red.deploy(collectorNodes());
  await red.waitForStatus('collector', (s) => String(s.text).includes('listening'));
  await red.waitForStatus('sampled-collector', (s) => String(s.text).includes('listening'));
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
function run(cmd: string, args: string[], anyExitStatus = false): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, out, stderr) => {
      if (err && !(anyExitStatus && typeof err.code === 'number')) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(out);
    });
  });
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
const sum = (values: Array<number | string | undefined>) => values.reduce<number>((n, v) => n + Number(v ?? 0), 0);

/** What tshark decoded from a capture: its records, the exporter's source ports, how many records and options records. */
interface Reference<T> { decoded: T; sourcePorts: Set<number>; count: number; optionsCount: number }

/**
 * One export: tcpdump records what goes to the collector while `exporter` runs (it returns once
 * the exporter has sent everything); then tshark decodes the capture with `reference`. Resolves
 * once the collector has sent as many records and options records from the exporter's source
 * ports as tshark decoded, with the messages of the run.
 */
async function exportRun<T>(name: string, to: Collector, exporter: () => Promise<void>, reference: (file: string) => Reference<T>): Promise<{ decoded: T; messages: Rec[]; counters: Rec[]; options: Rec[] }> {
  sink!.clear();
  const cap = await LoopbackCapture.start(join(dir, `${name}.pcap`), to.port);
  try {
    await exporter();
    await cap.finish();
  } finally {
    await cap.stop();
  }
  const { decoded, sourcePorts, count, optionsCount } = reference(cap.file);
  assert.ok(count > 0, `${name}: tshark decoded no records in ${cap.file}`);
  const fromExporter = (tag: string) => sink!.messages(tag).filter((m) => sourcePorts.has(m.exporter?.port));
  const options = () => fromExporter(to.events).filter((m) => m.topic === 'options').flatMap((m) => m.payload);
  await waitUntil(`${name}: ${count} records and ${optionsCount} options records (tshark's counts) at the collector`,
    () => sum(fromExporter(to.records).map((m) => m.payload.length)) >= count && options().length >= optionsCount, 30_000);
  return { decoded, messages: fromExporter(to.records), counters: fromExporter(to.counters), options: options() };
}

/** NetFlow / IPFIX reference: what each of our records and options records must carry, by tshark. */
function netflowReference(to: Collector, walkAllV9Sets: boolean) {
  return (file: string): Reference<{ records: Expected[]; options: Expected[] }> => {
    const all = tsharkNetflow(file, to.port, { walkAllV9Sets });
    const data = all.filter((r) => !r.options);
    const options = all.filter((r) => r.options).map(expectedOptionsRecord);
    const records = data.map((r) => expectedFlowRecord(r, exporterOptions(all, r.datagram.sourcePort)));
    return { decoded: { records, options }, sourcePorts: new Set(all.map((r) => r.datagram.sourcePort)), count: data.length, optionsCount: options.length };
  };
}

/**
 * Our records equal tshark's, as multisets: as many, and each tshark record has one of ours with
 * every value tshark gives (compared under our IANA names).
 */
function assertSameAsTshark(ours: Rec[], expected: Expected[], what: string): void {
  assert.equal(ours.length, expected.length, `${what}: ${ours.length} records, tshark decoded ${expected.length}`);
  const left = [...ours];
  const mismatches: string[] = [];
  for (const e of expected) {
    const i = left.findIndex((r) => Object.entries(e).every(([k, v]) => r[k] === v));
    if (i >= 0) {
      left.splice(i, 1);
      continue;
    }
    const near = left.find((r) => r.sourceIPv4Address === e.sourceIPv4Address && r.destinationIPv4Address === e.destinationIPv4Address
      && r.sourceTransportPort === e.sourceTransportPort && r.destinationTransportPort === e.destinationTransportPort) ?? left[0];
    mismatches.push(`${e.sourceIPv4Address}:${e.sourceTransportPort} > ${e.destinationIPv4Address}:${e.destinationTransportPort}: `
      + Object.entries(e).filter(([k, v]) => near?.[k] !== v).map(([k, v]) => `${k} = ${String(near?.[k])}, tshark ${v}`).join('; '));
  }
  assert.deepEqual(mismatches, [], `${what}: records that differ from tshark's decode`);
}

/** tshark's values with Apply sampling: counters scaled by the record's sampling interval. */
const scaled = (e: Expected): Expected => {
  const n = Number(e.samplingInterval);
  return { ...e, packetDeltaCount: Number(e.packetDeltaCount) * n, octetDeltaCount: Number(e.octetDeltaCount) * n };
};

const needsTools = (t: TestContext) => requireCommands(t, ...needed) && requireRoot(t, 'tcpdump records the exported datagrams on lo');

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
  {
    name: 'NetFlow v9, Ethernet tracking (-T ether)', args: ['-v', '9', '-T', 'ether'], protocol: 'netflow9',
    // The capture's frames all go from 02:00:00:00:00:01 to 02:00:00:00:00:02 (writeTrafficPcap).
    check: (r) => assert.ok(r.every((x) => x.sourceMacAddress === '02:00:00:00:00:01' && x.postDestinationMacAddress === '02:00:00:00:00:02')),
  },
];

for (const c of SOFTFLOWD_CASES) {
  test(`softflowd ${c.name} into flow collector matches the capture and tshark`, async (t: TestContext) => {
    if (!needsTools(t)) return;
    // softflowd 1.1.0's v9 header count leaves out its template records, so tshark would stop
    // before the data sets: tshark reads a copy with the count opened (flow-tshark.ts).
    const v9 = c.args.includes('9');
    const run_ = await exportRun(`softflowd${c.args.join('')}`, plain, async () => { await run('softflowd', ['-r', capture(), '-n', `127.0.0.1:${plain.port}`, ...c.args]); }, netflowReference(plain, v9));
    const records = run_.messages.filter((m) => m.protocol === c.protocol).flatMap((m) => m.payload);
    assert.equal(records.length, sum(run_.messages.map((m) => m.payload.length)), `every record is ${c.protocol}`);
    assertSameAsTshark(records, run_.decoded.records, `softflowd ${c.name}`);
    assertSameAsTshark(run_.options, run_.decoded.options, `softflowd ${c.name} options data`);
    if (c.protocol !== 'netflow5') assert.ok(records.every((r) => r.samplingInterval === 1), 'softflowd announces 1-in-1 sampling in its options data');
    assert.deepEqual(Object.fromEntries(totals(records)), Object.fromEntries(expectedTotals));
    c.check?.(records);
  });
}

// softflowd -s N: "periodical sampling" — it accounts one packet in N and exports the counts of
// those packets unscaled; the interval goes out as options data: v9 SAMPLING_INTERVAL (34) with
// SAMPLING_ALGORITHM 1 (deterministic) scoped to the interface, IPFIX samplingPacketInterval (305)
// = 1 and samplingPacketSpace (306) = N - 1 with selectorAlgorithm 1 (systematic count-based,
// RFC 5477 8.2.2) scoped to the metering process. Exported to the collector with Apply sampling.
for (const c of [{ version: 9, rate: 4, protocol: 'netflow9' }, { version: 10, rate: 3, protocol: 'ipfix' }]) {
  test(`softflowd -v ${c.version} -s ${c.rate}: records carry the sampling interval and, applied, the scaled counts`, async (t: TestContext) => {
    if (!needsTools(t)) return;
    let stdout = '';
    const run_ = await exportRun(`softflowd-v${c.version}-s${c.rate}`, sampled, async () => {
      stdout = await run('softflowd', ['-r', capture(), '-n', `127.0.0.1:${sampled.port}`, '-v', String(c.version), '-s', String(c.rate)]);
    }, netflowReference(sampled, c.version === 9));
    const expected = run_.decoded.records;
    const records = run_.messages.filter((m) => m.protocol === c.protocol).flatMap((m) => m.payload);
    assertSameAsTshark(run_.options, run_.decoded.options, `softflowd -v ${c.version} -s ${c.rate} options data`);
    // What softflowd announces for -s N, as tshark decodes it (see above).
    const announced: Expected = c.version === 9 ? { samplingInterval: c.rate, samplingAlgorithm: 1 } : { samplingPacketInterval: 1, samplingPacketSpace: c.rate - 1, selectorAlgorithm: 1 };
    assert.ok(run_.decoded.options.some((o) => Object.entries(announced).every(([k, v]) => o[k] === v)), `options data ${JSON.stringify(run_.decoded.options)}`);
    // tshark's options data gives the interval; it is the -s argument.
    assert.ok(expected.every((e) => e.samplingInterval === c.rate), `tshark: sampling interval ${c.rate} in the options data`);
    // softflowd's own count of the packets it sampled ("Packets processed") is what it exported.
    const processed = Number(/Packets processed: (\d+)/.exec(stdout)?.[1]);
    assert.equal(sum(expected.map((e) => e.packetDeltaCount)), processed, 'exported packets = softflowd\'s sampled packets');
    assert.ok(processed < totalPackets, `1 in ${c.rate}: ${processed} of ${totalPackets} packets`);
    assertSameAsTshark(records, expected.map(scaled), `softflowd -v ${c.version} -s ${c.rate}, sampling applied`);
  });
}

for (const version of [5, 9, 10]) {
  test(`pmacctd nfprobe v${version} into flow collector matches the capture and tshark`, async (t: TestContext) => {
    if (!needsTools(t)) return;
    const conf = join(dir, `nfprobe${version}.conf`);
    writeFileSync(conf, [
      'daemonize: false', `pcap_savefile: ${capture()}`, 'plugins: nfprobe',
      `nfprobe_receiver: 127.0.0.1:${plain.port}`, `nfprobe_version: ${version}`,
      'aggregate: src_host, dst_host, src_port, dst_port, proto', '',
    ].join('\n'));
    const protocol = version === 5 ? 'netflow5' : version === 9 ? 'netflow9' : 'ipfix';
    // nfprobe exports its flows when pmacctd reaches the end of the capture and exits (its
    // expiry runs on packet time, so it must exit); the exit status races its plugin shutdown.
    const run_ = await exportRun(`nfprobe${version}`, plain, async () => { await run('pmacctd', ['-f', conf], true); }, netflowReference(plain, false));
    const records = run_.messages.filter((m) => m.protocol === protocol).flatMap((m) => m.payload);
    assertSameAsTshark(records, run_.decoded.records, `pmacctd nfprobe v${version}`);
    assertSameAsTshark(run_.options, run_.decoded.options, `pmacctd nfprobe v${version} options data`);
    assert.deepEqual(Object.fromEntries(totals(records)), Object.fromEntries(expectedTotals));
  });
}

// nfprobe with sampling_rate: pmacctd samples at random (1 in N on average) and sends a sampler
// options record (FLOW_SAMPLER_ID, FLOW_SAMPLER_MODE, FLOW_SAMPLER_RANDOM_INTERVAL = N); every
// record carries FLOW_SAMPLER_ID. Exported to the collector with Apply sampling.
for (const version of [9, 10]) {
  test(`pmacctd nfprobe v${version}, sampling rate 4: records carry the sampler's interval and, applied, the scaled counts`, async (t: TestContext) => {
    if (!needsTools(t)) return;
    const conf = join(dir, `nfprobe${version}-sampled.conf`);
    writeFileSync(conf, [
      'daemonize: false', `pcap_savefile: ${capture()}`, 'plugins: nfprobe', 'sampling_rate: 4',
      `nfprobe_receiver: 127.0.0.1:${sampled.port}`, `nfprobe_version: ${version}`,
      'aggregate: src_host, dst_host, src_port, dst_port, proto', '',
    ].join('\n'));
    const protocol = version === 9 ? 'netflow9' : 'ipfix';
    const run_ = await exportRun(`nfprobe${version}-sampled`, sampled, async () => { await run('pmacctd', ['-f', conf], true); }, netflowReference(sampled, false));
    const expected = run_.decoded.records;
    assert.ok(expected.every((e) => e.samplingInterval === 4), 'tshark: the sampler options give interval 4 to every record');
    assertSameAsTshark(run_.options, run_.decoded.options, `pmacctd nfprobe v${version} sampling 4 options data`);
    const records = run_.messages.filter((m) => m.protocol === protocol).flatMap((m) => m.payload);
    assertSameAsTshark(records, expected.map(scaled), `pmacctd nfprobe v${version} sampling 4, applied`);
    assert.ok(sum(expected.map((e) => e.packetDeltaCount)) < totalPackets, 'fewer packets exported than in the capture');
  });
}

for (const { rate, to } of [{ rate: 1, to: plain }, { rate: 4, to: plain }, { rate: 8, to: sampled }]) {
  const applied = to === sampled;
  test(`pmacctd sfprobe, sampling rate ${rate}${applied ? ', applied' : ''}, into flow collector matches the capture and tshark`, async (t: TestContext) => {
    if (!needsTools(t)) return;
    const conf = join(dir, `sfprobe${rate}.conf`);
    writeFileSync(conf, [
      'daemonize: false', `pcap_savefile: ${capture()}`, 'plugins: sfprobe',
      `sfprobe_receiver: 127.0.0.1:${to.port}`, `sampling_rate: ${rate}`, `sfprobe_agentsubid: ${rate}`, '',
    ].join('\n'));
    // pmacctd exits at the end of the file; its sfprobe plugin may not have sampled or sent the
    // last packets by then (tshark's decode of what it did send is the reference). Not
    // pcap_savefile_wait: waiting at the end of the file, pmacctd 1.7.7 hands part of the capture
    // to sfprobe a second time (sample pools past the capture's packet count, in tshark too).
    const run_ = await exportRun(`sfprobe${rate}`, to, async () => { await run('pmacctd', ['-f', conf], true); }, (file) => {
      const all = tsharkSflow(file, to.port);
      const flows = all.filter((s) => s.kind === 'flow');
      return { decoded: all, sourcePorts: new Set(all.map((s) => s.datagram.sourcePort)), count: flows.length, optionsCount: 0 };
    });
    const samples = run_.messages.filter((m) => m.protocol === 'sflow5').flatMap((m) => m.payload);
    assert.ok(run_.messages.every((m) => m.observationDomainId === rate), 'the sub-agent id of this run');
    // Against tshark: every sample's sequence, source, sampling rate, sample pool, drops,
    // interfaces, frame length, and the sampled header's MACs, addresses, protocol and ports.
    const expected = run_.decoded.filter((s) => s.kind === 'flow').map(expectedSflowSample);
    assert.ok(expected.every((e) => e.samplingInterval === rate), `tshark: sampling rate ${rate} in every flow sample`);
    assertSameAsTshark(samples, applied ? expected.map((e) => ({ ...scaled(e), packetDeltaCount: rate })) : expected, `pmacctd sfprobe 1/${rate}`);
    const counterSamples = sum(run_.counters.map((m) => m.payload.length));
    assert.equal(counterSamples, run_.decoded.filter((s) => s.kind === 'counters').length, 'counter samples: as many as tshark decoded');
    // Against the capture.
    const byFlow = new Map(SAMPLE_FLOWS.map((f) => [flowKey(f), f]));
    const perFlow = new Map<string, number>();
    for (const s of samples) {
      const k = key(s.sourceIPv4Address, s.sourceTransportPort, s.destinationIPv4Address, s.destinationTransportPort, s.protocolIdentifier);
      const f = byFlow.get(k);
      assert.ok(f, `sampled packet ${JSON.stringify(s).slice(0, 200)} is one of the capture's conversations`);
      perFlow.set(k, (perFlow.get(k) ?? 0) + 1);
      assert.equal(s.samplingInterval, rate);
      assert.equal(s.packetDeltaCount, applied ? rate : 1);
      // Frame length on the wire = Ethernet header (14) + IP total length (+ 4 FCS if counted).
      assert.ok(s.dataLinkFrameSize === f!.ipLength + 14 || s.dataLinkFrameSize === f!.ipLength + 18, `frame length ${s.dataLinkFrameSize}`);
      assert.equal(s.sourceMacAddress, '02:00:00:00:00:01');
      assert.ok(Number(s.sflowSamplePool) <= totalPackets, `the sample pool (${s.sflowSamplePool}) counts packets of the capture only`);
    }
    for (const [k, n] of perFlow) assert.ok(n <= byFlow.get(k)!.packets, `${k}: ${n} samples`);
    // pmacct samples at random (1 in N on average), so only the direction of the bound is exact.
    if (rate > 1) assert.ok(samples.length < totalPackets, `${samples.length} samples of ${totalPackets} packets at 1/${rate}`);
  });
}

test('demo flow: pcap file in -> flow decode over the bundled exports, and a raw datagram from file in', async (t: TestContext) => {
  if (!requireCommands(t, 'softflowd', 'pmacctd')) return;
  const text = readFileSync(join(repoRoot, 'demo/flow.json'), 'utf8').replaceAll('${WIRESCOPE_DEMO_DATA}', join(repoRoot, 'demo/data'));
  const nodes = (JSON.parse(text) as FlowNode[]).filter((n) => n.type !== 'tab');
  const decode = nodes.find((n) => n.type === 'wirescope-flow-decode')!;
  decode.wires = [['demo-records'], [], []];
  const inject = nodes.find((n) => n.type === 'inject' && n.repeat === '20')!;
  inject.repeat = ''; // read the capture once
  sink!.clear();
  // Deploy on the test tab (the helper puts nodes without `z` there), next to the collector flow.
  await red!.deploy([...collectorNodes(), ...nodes.map(({ z: _z, ...n }) => n as FlowNode), ...sink!.sinkNodes('demo-records', 'demo')]);
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
