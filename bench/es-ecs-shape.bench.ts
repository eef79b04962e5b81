// es bulk's per-record work on Node-RED's thread for flow records (shape: ecs, daily index by
// @timestamp, no ids): the object path (flowRecordToEcs, documentTime, the index name, then
// serializeDocument's JSON.stringify) against the direct JSON writer (EcsJsonWriter + nameAt).
// The records are the end-to-end bench's: softflowd NetFlow v9 datagrams (24 records each),
// each datagram one message with its own receive time.
//   node --import tsx bench/es-ecs-shape.bench.ts [object|direct|both] [datagrams]
// Instruction counts (the machine's load does not change them): build this file with tsc, then
// run cachegrind twice with different datagram counts and take the difference per record, e.g.
//   npx tsc bench/es-ecs-shape.bench.ts --outDir /tmp/ecs-bench --rootDir . --module commonjs --target ES2022 --esModuleInterop --skipLibCheck --resolveJsonModule
//   valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file node --predictable /tmp/ecs-bench/bench/es-ecs-shape.bench.js direct 2000
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder } from '../nodes/common';
import { EcsJsonWriter, flowRecordToEcs, type FlowContext } from '../nodes/common/ecs';
import { documentTime, IndexNamer, serializeDocument, type BulkEntry } from '../nodes/common/es';

const mode = process.argv[2] ?? 'both';
const datagrams = Number(process.argv[3] ?? 20000);
const datagram = readFileSync(join(__dirname, '../demo/data/softflowd-netflow9.bin'));
const exporter = { address: '127.0.0.1', port: 40000 };
const result = new FlowDecoder().decode(datagram, exporter);
const records = result.records;
const receivedBase = Date.parse('2026-12-02T12:00:00Z');
const context = (i: number): FlowContext => ({ exporter, receivedAt: new Date(receivedBase + i), observationDomainId: result.observationDomainId, protocol: result.protocol });

function objectPath(n: number): number {
  const namer = new IndexNamer('flows-%Y.%m.%d');
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const ctx = context(i);
    const entries: BulkEntry[] = [];
    for (const record of records) {
      const doc = flowRecordToEcs(record, ctx, { scaleBySampling: false });
      entries.push({ index: namer.name(documentTime(doc, '@timestamp')!), op: 'index', source: serializeDocument(doc) });
    }
    for (const e of entries) bytes += e.source.length + e.index.length;
  }
  return bytes;
}

function directPath(n: number): number {
  const namer = new IndexNamer('flows-%Y.%m.%d');
  const writer = new EcsJsonWriter({ scaleBySampling: false });
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const prepared = writer.prepare(context(i));
    const entries: BulkEntry[] = [];
    for (const record of records) {
      const source = writer.write(record, prepared)!;
      entries.push({ index: namer.nameAt(writer.timeMs), op: 'index', source });
    }
    for (const e of entries) bytes += e.source.length + e.index.length;
  }
  return bytes;
}

const paths: Array<[string, (n: number) => number]> = [['object', objectPath], ['direct', directPath]];
for (const [name, run] of paths) {
  if (mode !== 'both' && mode !== name) continue;
  run(Math.min(200, datagrams)); // warm-up: the optimising compiler has seen both paths
  const t0 = process.hrtime.bigint();
  const bytes = run(datagrams);
  const ns = Number(process.hrtime.bigint() - t0) / (datagrams * records.length);
  console.log(`${name}: ${ns.toFixed(0)} ns/record, ${bytes} octets of JSON and index names`);
}
