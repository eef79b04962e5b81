// The decode workers' per-record work in one process, so it can be counted in instructions (which
// the machine's load does not change) and profiled: softflowd NetFlow v9 datagrams (24 records
// each) from 16 exporters, decoded as a worker does and then, by mode:
//   plain   delivered in batches of 1000 records (the one-core path: decode and deliver)
//   decode  decoded only
//   pack    packed into results messages of 256 datagrams (result-transfer.ts), arrays recycled
//   worker  packed, moved through a structured clone with the arrays transferred (as postMessage
//           does), rebuilt (ResultUnpacker), delivered in batches of 1000, arrays transferred back
// Differences per record: pack - decode = packing; worker - pack = the clone, the rebuild and the
// batching on Node-RED's thread.
//   node --import tsx bench/flow-worker-path.bench.ts [plain|decode|pack|worker] [datagrams]
// Instruction counts: build it with tsc, run cachegrind at two datagram counts past the JIT's
// warm-up and take the difference per record, e.g.
//   npx tsc bench/flow-worker-path.bench.ts --outDir .cache/worker-path --rootDir . --module commonjs --target ES2022 --esModuleInterop --skipLibCheck --resolveJsonModule
//   valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file node --predictable .cache/worker-path/bench/flow-worker-path.bench.js worker 4000
//   (and 12000, from the repository's directory; --predictable keeps the garbage collector on the counted thread)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder, type DecodeResult, type FlowRecord } from '../nodes/common';
import { ResultPacker, ResultUnpacker, transferList } from '../nodes/flow-collector/result-transfer';

const mode = process.argv[2] ?? 'worker';
const datagrams = Number(process.argv[3] ?? 100_000);
if (!['plain', 'decode', 'pack', 'worker'].includes(mode)) throw new Error(`unknown mode "${mode}" (plain, decode, pack, worker)`);
// Beside the sources, or (built elsewhere, as for cachegrind) under the directory it is run from.
const DATA = 'demo/data/softflowd-netflow9.bin';
const datagram = readFileSync(existsSync(join(__dirname, '..', DATA)) ? join(__dirname, '..', DATA) : DATA);
const exporters = Array.from({ length: 16 }, (_, i) => ({ address: `127.0.1.${i + 1}`, port: 40000 + i }));
/** As a worker sends them. */
const RESULTS_PER_MESSAGE = 256;

const decoder = new FlowDecoder();
const packer = new ResultPacker();
const unpacker = new ResultUnpacker();
let batch: FlowRecord[] = [];
let delivered = 0;
const deliver = (r: DecodeResult) => {
  for (const rec of r.records) {
    batch.push(rec);
    if (batch.length >= 1000) {
      delivered += batch.length;
      batch = [];
    }
  }
};

function send(): void {
  const packed = packer.take();
  if (mode === 'pack') {
    packer.recycle(packed.ints, packed.floats);
    return;
  }
  const arrived = structuredClone(packed, { transfer: transferList(packed) });
  for (const r of unpacker.unpack(arrived)) deliver(r);
  const back = structuredClone({ ints: arrived.ints, floats: arrived.floats }, { transfer: transferList(arrived) });
  packer.recycle(back.ints, back.floats);
}

const started = process.cpuUsage();
let decoded = 0;
for (let i = 0; i < datagrams; i++) {
  const r = decoder.decode(datagram, exporters[i & 15], new Date());
  decoded += r.records.length;
  if (mode === 'plain') deliver(r);
  else if (mode !== 'decode') {
    packer.add(r);
    if (packer.pending >= RESULTS_PER_MESSAGE) send();
  }
}
const used = process.cpuUsage(started);
// CPU time of the whole process (the garbage collector's helper threads too): a rough figure on a busy machine.
console.log(`${mode}: ${datagrams} datagrams, ${decoded} records decoded, ${delivered} delivered, ${((used.user + used.system) * 1000 / decoded).toFixed(0)} ns CPU per record`);
