// @runtime: primary (decode and ECS arithmetic; es-tls and es-edges cover es bulk on both runtimes)
// Real exporters into Elasticsearch: softflowd reads a capture this test writes and exports
// NetFlow v5 / IPFIX to a flow collector in a running Node-RED, es bulk shapes the records as ECS
// and indexes them; what Elasticsearch answers must equal what tshark reads in the capture:
// packet and byte sums, and per destination port (terms aggregation) the packets sent to it.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elasticsearchMissing } from '../helpers/elasticsearch';
import { waitUntil } from '../helpers/node-red';
import { requireCommands, requireReal } from '../helpers/real';
import { SAMPLE_FLOWS, writeTrafficPcap } from '../helpers/flow-traffic';
import { bulkStats, esFlow, esStack, freeUdpPort } from '../helpers/es-flow';

let dir = '';
let port = 0;
const missing = elasticsearchMissing();

const stack = esStack(missing);

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'wirescope-es-exporters-'));
  writeTrafficPcap(join(dir, 'traffic.pcap'), SAMPLE_FLOWS);
  port = await freeUdpPort();
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** tshark's view of the capture: packets, IP bytes, and packets per destination port. */
function captureTruth(): { packets: number; bytes: number; perPort: Map<number, number> } {
  const lines = execFileSync('tshark', ['-r', join(dir, 'traffic.pcap'), '-T', 'fields', '-e', 'ip.len', '-e', 'tcp.dstport', '-e', 'udp.dstport'])
    .toString().trim().split('\n');
  const perPort = new Map<number, number>();
  let bytes = 0;
  for (const line of lines) {
    const [len, tcp, udp] = line.split('\t');
    bytes += Number(len);
    const dport = Number(tcp || udp);
    perPort.set(dport, (perPort.get(dport) ?? 0) + 1);
  }
  return { packets: lines.length, bytes, perPort };
}

for (const [name, version] of [['NetFlow v5', '5'], ['IPFIX', '10']] as const) {
  test(`softflowd ${name} -> flow collector -> es bulk: Elasticsearch holds what the capture holds`, async (t: TestContext) => {
    if (!requireReal(t, !missing, missing ?? '') || !requireCommands(t, 'softflowd', 'tshark')) return;
    const prefix = `v${version}`;
    const index = `exported-v${version}-%Y.%m.%d`;
    const flow = esFlow(stack.sink!, { url: stack.es!.url, prefix, bulk: { shape: 'ecs', index, idMode: 'hash', opType: 'create', installTemplate: true, replicas: '0', flushMs: 100 } });
    await stack.nodeRed!.deploy([
      ...flow.nodes,
      { id: `${prefix}-collector`, type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', output: 'datagram', persist: false, wires: [[`${prefix}-bulk`], [], []] },
    ], flow.credentials);
    await stack.nodeRed!.waitForStatus(`${prefix}-collector`, (s) => String(s.text).includes('listening'));
    await new Promise<void>((resolve, reject) => execFile('softflowd', ['-r', join(dir, 'traffic.pcap'), '-n', `127.0.0.1:${port}`, '-v', version], { timeout: 60000 }, (err) => (err ? reject(err) : resolve())));

    const truth = captureTruth();
    const wildcard = `exported-v${version}-*`;
    const sums = async () => (await stack.es!.request('POST', `/${wildcard}/_search`, {
      size: 0,
      aggs: {
        packets: { sum: { field: 'network.packets' } },
        bytes: { sum: { field: 'network.bytes' } },
        ports: { terms: { field: 'destination.port', size: 50 }, aggs: { packets: { sum: { field: 'network.packets' } } } },
      },
    })).aggregations;
    await waitUntil('every exported packet indexed', async () => {
      try {
        await stack.es!.request('POST', `/${wildcard}/_refresh`);
        return (await sums()).packets.value >= truth.packets;
      } catch { return false; }
    }, 60000, 500);
    const aggs = await sums();
    assert.equal(aggs.packets.value, truth.packets);
    assert.equal(aggs.bytes.value, truth.bytes);
    assert.deepEqual(new Map(aggs.ports.buckets.map((b: { key: number; packets: { value: number } }) => [b.key, b.packets.value])), truth.perPort);
    // Each exported record is one document: as many as the collector decoded.
    const stats = await bulkStats(stack.nodeRed!, stack.sink!, prefix);
    assert.equal(stats.failed, 0);
    assert.equal(await stack.es!.count(wildcard), stats.indexed);
    const found = (await stack.es!.request('POST', `/${wildcard}/_search`, { size: 1, query: { term: { 'destination.port': 53 } } })).hits.hits[0];
    const hit = found._source;
    assert.equal(hit.observer.ip, '127.0.0.1');
    assert.equal(hit.network.transport, 'udp');
    assert.equal(hit.source.ip, '10.0.0.2');
    assert.equal(hit.destination.ip, '10.0.2.2');
    // The index is the UTC day of the document's own @timestamp (the flow end the exporter reported).
    assert.equal(found._index, `exported-v${version}-${hit['@timestamp'].slice(0, 10).replace(/-/g, '.')}`);
    assert.equal(hit.event.end, hit['@timestamp']);
  });
}
