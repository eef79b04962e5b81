// The decode workers' per-record work in one process, so it can be counted in instructions (which
// the machine's load does not change) and profiled: softflowd NetFlow v9 datagrams (24 records
// each) from 16 exporters, decoded as a worker does and then, by mode:
//   plain   delivered in batches of 1000 records (the one-core path: decode and deliver)
//   decode  decoded only
//   pack    decoded as a worker does (records column readers can read written straight into the
//           message's arrays, the others packed) into results messages of 256 datagrams
//           (result-transfer.ts), arrays recycled
//   worker  packed, moved through a structured clone with the arrays transferred (as postMessage
//           does), rebuilt (ResultUnpacker), delivered in batches of 1000, arrays transferred back
// Differences per record: pack = the worker's side; worker - pack = the clone, the rebuild and the
// batching on Node-RED's thread.
// With `distinct`, every record's source address is one no other record has (the datagram's own
// repeat 24 addresses, which the decoder's text cache and the message's string table make cheap).
//   node --import tsx bench/flow-worker-path.bench.ts [plain|decode|pack|worker] [datagrams] [distinct]
// Instruction counts: build it with tsc, run cachegrind at two datagram counts past the JIT's
// warm-up and take the difference per record, e.g.
//   npx tsc bench/flow-worker-path.bench.ts --outDir .cache/worker-path --rootDir . --module commonjs --target ES2022 --esModuleInterop --skipLibCheck --resolveJsonModule
//   valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file node --predictable .cache/worker-path/bench/flow-worker-path.bench.js worker 4000
//   (and 12000, from the repository's directory; --predictable keeps the garbage collector on the counted thread)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder, type DecodeResult, type FlowRecord } from '../nodes/common';
import { messageArrays, ResultPacker, ResultUnpacker, transferList } from '../nodes/flow-collector/result-transfer';

const mode = process.argv[2] ?? 'worker';
const datagrams = Number(process.argv[3] ?? 100_000);
const distinct = process.argv[4] === 'distinct';
if (!['plain', 'decode', 'pack', 'worker'].includes(mode)) throw new Error(`unknown mode "${mode}" (plain, decode, pack, worker)`);
// Beside the sources, or (built elsewhere, as for cachegrind) under the directory it is run from.
const DATA = 'demo/data/softflowd-netflow9.bin';
const datagram = readFileSync(existsSync(join(__dirname, '..', DATA)) ? join(__dirname, '..', DATA) : DATA);
/** Where the softflowd datagram's 24 data records (42 octets each) hold their source address. */
const SOURCE_AT = 351;
const RECORD_OCTETS = 42;
/** The datagram with source addresses 10.<record>.<n high>.<n low>: distinct for every record of 65,536 datagrams. */
function withSources(n: number): Buffer {
  const d = Buffer.from(datagram);
  for (let k = 0; k < 24; k++) {
    const at = SOURCE_AT + RECORD_OCTETS * k;
    d[at + 1] = k;
    d[at + 2] = (n >> 8) & 255;
    d[at + 3] = n & 255;
  }
  return d;
}
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
    packer.recycle(packed);
    return;
  }
  const arrived = structuredClone(packed, { transfer: transferList(packed) });
  for (const r of unpacker.unpack(arrived)) deliver(r);
  const back = structuredClone(messageArrays(arrived), { transfer: transferList(arrived) });
  packer.recycle(back);
}

const started = process.cpuUsage();
let decoded = 0;
for (let i = 0; i < datagrams; i++) {
  // As a worker decodes (pack, worker): what column readers can read straight into the message's arrays.
  const sink = mode === 'pack' || mode === 'worker' ? packer.sink() : undefined;
  const r = decoder.decode(distinct ? withSources(i) : datagram, exporters[i & 15], new Date(), sink);
  decoded += r.records.length;
  for (const c of decoder.lastColumnRuns()) decoded += c.count;
  if (mode === 'plain') deliver(r);
  else if (mode !== 'decode') {
    packer.add(r, decoder.lastRuns(), decoder.lastColumnRuns());
    if (packer.pending >= RESULTS_PER_MESSAGE) send();
  }
}
const used = process.cpuUsage(started);
// CPU time of the whole process (the garbage collector's helper threads too): a rough figure on a busy machine.
console.log(`${mode}: ${datagrams} datagrams, ${decoded} records decoded, ${delivered} delivered, ${((used.user + used.system) * 1000 / decoded).toFixed(0)} ns CPU per record`);
