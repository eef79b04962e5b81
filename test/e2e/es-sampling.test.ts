// @runtime: primary (sampling arithmetic; nothing here depends on the runtime)
// Sampling scaled exactly once, end to end (issue 11, defect 2): softflowd -s 3 (IPFIX, the
// interval in its options data) and pmacctd sfprobe at rate 8 (the rate in every flow sample)
// export to a flow collector in a running Node-RED; es bulk shapes ECS with "scale counts by the
// sampling rate" on and indexes. With "Apply sampling" on the collector as well, and with it off,
// Elasticsearch must hold the exported counts x N — once, never x N x N.
// Reference: tshark's decode of the datagrams the exporter sent (a relay in front of the
// collector keeps a copy of each), and the sampling rate the exporter was told to use.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Elasticsearch, elasticsearchMissing } from '../helpers/elasticsearch';
import { MessageSink, NodeRed, waitUntil, type FlowNode } from '../helpers/node-red';
import { requireCommands, requireReal } from '../helpers/real';
import { SAMPLE_FLOWS, writeTrafficPcap } from '../helpers/flow-traffic';
import { writeUdpCapture } from '../helpers/flow-pcap';
import { tsharkNetflow, tsharkSflow } from '../helpers/flow-tshark';
import { bulkStats, esFlow } from '../helpers/es-flow';

let es: Elasticsearch | undefined;
let red: NodeRed | undefined;
let sink: MessageSink | undefined;
let dir = '';
const missing = elasticsearchMissing();

/** A UDP relay: keeps every datagram it receives and forwards it to the collector's port. */
async function relay(to: number): Promise<{ port: number; datagrams: Buffer[]; close: () => Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (m) => {
    datagrams.push(Buffer.from(m));
    socket.send(m, to, '127.0.0.1');
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, datagrams, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function run(cmd: string, args: string[], anyExitStatus = false): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, out, stderr) => {
      if (err && !(anyExitStatus && typeof err.code === 'number')) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(out);
    });
  });
}

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'wirescope-es-sampling-'));
  writeTrafficPcap(join(dir, 'traffic.pcap'), SAMPLE_FLOWS);
  es = await Elasticsearch.shared();
  sink = await MessageSink.start();
  red = await NodeRed.start();
});

after(async () => {
  await red?.stop();
  await sink?.stop();
  await es?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Exported { records: number; packets: number; bytes: number; rate: number }

/** What the exporter sent, by tshark: unscaled packet and byte sums of the flow records / samples. */
function exportedByTshark(kind: 'ipfix' | 'sflow', datagrams: Buffer[], rate: number): Exported {
  const file = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.pcap`);
  writeUdpCapture(file, datagrams, 9999);
  if (kind === 'sflow') {
    const flows = tsharkSflow(file, 9999).filter((s) => s.kind === 'flow');
    const f = (s: (typeof flows)[number], k: string) => Number(s.fields[k]?.[0]);
    assert.ok(flows.every((s) => f(s, 'sflow.flow_sample.sampling_rate') === rate), `tshark: sampling rate ${rate} in every flow sample`);
    return { records: flows.length, packets: flows.length, bytes: flows.reduce((n, s) => n + f(s, 'sflow_245.header.frame_length') - f(s, 'sflow_245.header.payload_stripped'), 0), rate };
  }
  const records = tsharkNetflow(file, 9999).filter((r) => !r.options);
  const options = tsharkNetflow(file, 9999).filter((r) => r.options);
  // softflowd -s N announces 1 packet selected, N - 1 skipped (RFC 5477 systematic count-based).
  assert.ok(options.some((o) => Number(o.fields['cflow.sampling_packet_interval']?.[0]) === 1 && Number(o.fields['cflow.sampling_packet_space']?.[0]) === rate - 1),
    'tshark: softflowd announces its sampling in options data');
  const sum = (k: string) => records.reduce((n, r) => n + Number(r.fields[k]?.[0] ?? 0), 0);
  return { records: records.length, packets: sum('cflow.packets'), bytes: sum('cflow.octets'), rate };
}

const exporters = {
  async ipfix(port: number): Promise<void> {
    await run('softflowd', ['-r', join(dir, 'traffic.pcap'), '-n', `127.0.0.1:${port}`, '-v', '10', '-s', '3']);
  },
  async sflow(port: number): Promise<void> {
    const conf = join(dir, `sfprobe-${port}.conf`);
    writeFileSync(conf, ['daemonize: false', `pcap_savefile: ${join(dir, 'traffic.pcap')}`, 'plugins: sfprobe', `sfprobe_receiver: 127.0.0.1:${port}`, 'sampling_rate: 8', ''].join('\n'));
    // pmacctd exits at the end of the file; the exit status races its plugin shutdown.
    await run('pmacctd', ['-f', conf], true);
  },
};

/**
 * Deploys exporter -> relay -> flow collector -> [`between`] -> es bulk (ECS, its own scaling on),
 * runs the exporter and returns what it sent, by tshark.
 */
async function exportToElasticsearch(kind: 'ipfix' | 'sflow', prefix: string, collectorApplies: boolean, between: FlowNode[] = []): Promise<Exported> {
  const collectorPort = await freeUdpPort();
  const flow = esFlow(sink!, { url: es!.url, prefix, bulk: { shape: 'ecs', scaleBySampling: true, index: `${prefix}-%Y.%m.%d`, idMode: 'hash', opType: 'create', installTemplate: true, replicas: '0', flushMs: 100 } });
  const next = between.length ? between[0].id : `${prefix}-bulk`;
  await red!.deploy([
    ...flow.nodes,
    ...between,
    { id: `${prefix}-collector`, type: 'wirescope-flow-collector', ports: String(collectorPort), bind: '127.0.0.1', output: 'datagram', persist: false, applySampling: collectorApplies, wires: [[next], [], []] },
  ], flow.credentials);
  await red!.waitForStatus(`${prefix}-collector`, (s) => String(s.text).includes('listening'));
  for (const node of between) await red!.waitForStatus(node.id, (s) => String(s.text).length > 0, 60_000);
  const r = await relay(collectorPort);
  try {
    await exporters[kind](r.port);
  } finally {
    await r.close();
  }
  const exported = exportedByTshark(kind, r.datagrams, kind === 'ipfix' ? 3 : 8);
  assert.ok(exported.packets > 0, 'the exporter sent sampled traffic');
  return exported;
}

/** Elasticsearch holds one document per exported record and the exported counts x `rate`, once. */
async function expectScaledOnce(prefix: string, exported: Exported, rate: number): Promise<void> {
  const sums = async () => (await es!.request('POST', `/${prefix}-*/_search`, {
    size: 0, aggs: {
      packets: { sum: { field: 'network.packets' } }, bytes: { sum: { field: 'network.bytes' } }, source: { sum: { field: 'source.bytes' } },
      intervals: { terms: { field: 'netflow.sampling_interval' } },
    },
  })).aggregations;
  const stats = () => bulkStats(red!, sink!, prefix);
  // One document per exported record (content-hash ids: a bulk retry under load cannot index one
  // twice); the sums are compared once all are indexed.
  await waitUntil(`${exported.records} documents indexed`, async () => {
    const failed = sink!.messages(`${prefix}-fail`);
    if (failed.length) throw new Error(`es bulk failures: ${failed[0].reason} ${JSON.stringify(failed[0].payload).slice(0, 300)}`);
    try {
      await es!.request('POST', `/${prefix}-*/_refresh`);
      return (await es!.count(`${prefix}-*`)) >= exported.records;
    } catch { return false; }
  }, 90_000, 500);
  assert.equal((await stats()).failed, 0);
  assert.equal(await es!.count(`${prefix}-*`), exported.records);
  const aggs = await sums();
  assert.equal(aggs.packets.value, exported.packets * rate, `network.packets = exported packets x ${rate}`);
  assert.equal(aggs.bytes.value, exported.bytes * rate, `network.bytes = exported bytes x ${rate}`);
  assert.equal(aggs.source.value, exported.bytes * rate, `source.bytes = exported bytes x ${rate}`);
  assert.deepEqual(aggs.intervals.buckets.map((b: { key: number; doc_count: number }) => [b.key, b.doc_count]), [[rate, exported.records]], 'every document carries the rate');
  const hit = (await es!.request('POST', `/${prefix}-*/_search`, { size: 1 })).hits.hits[0]._source;
  assert.equal(hit.netflow.sampling_scaled, true);
}

describe('sampling is scaled exactly once between the exporter and Elasticsearch', () => {
  for (const kind of ['ipfix', 'sflow'] as const) {
    for (const collectorApplies of [true, false]) {
      it(`${kind === 'ipfix' ? 'softflowd -v 10 -s 3' : 'pmacctd sfprobe rate 8'}, collector apply sampling ${collectorApplies ? 'on' : 'off'}, es bulk scaling on`, async (t: TestContext) => {
        if (!requireReal(t, !missing, missing ?? '') || !requireCommands(t, 'tshark', kind === 'ipfix' ? 'softflowd' : 'pmacctd')) return;
        const prefix = `${kind}${collectorApplies ? 'both' : 'es'}`;
        const exported = await exportToElasticsearch(kind, prefix, collectorApplies);
        await expectScaledOnce(prefix, exported, exported.rate);
      });
    }
  }

  // Issue 13: the export carries its own rate (softflowd's options data says 1 in 3); flow enrich's
  // override replaces it (a default for the same exporter must not apply), scales, and es bulk's
  // own scaling leaves the marked records alone.
  it('softflowd -v 10 -s 3 -> flow enrich override 10 (default 7 ignored) -> es bulk scaling on', async (t: TestContext) => {
    if (!requireReal(t, !missing, missing ?? '') || !requireCommands(t, 'tshark', 'softflowd')) return;
    const prefix = 'override';
    const enrich = {
      id: `${prefix}-enrich`, type: 'wirescope-flow-enrich', samplingRules: '127.0.0.1 7', samplingDefault: '5', samplingOverrides: '127.0.0.0/8 10',
      samplingScale: true, wires: [[`${prefix}-bulk`], []],
    };
    // exportedByTshark checks that the export announces 1 in 3.
    const exported = await exportToElasticsearch('ipfix', prefix, false, [enrich]);
    await expectScaledOnce(prefix, exported, 10);
  });
});
