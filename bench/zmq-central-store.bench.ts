// The central-capture store: packets/s a central Node-RED (zmq in PULL → pcap file out, rotating
// gzip files) stores with no loss, beside a bare zeromq PULL process that gzips the same pcap
// records into a file (the floor: socket + gzip, no Node-RED). The edge is this process, a PUSH
// socket sending capture-protocol data messages of 64 packets; PUSH/PULL back-pressure means
// nothing is dropped, and tshark's count of the stored files proves it. The Node-RED store runs
// three times: messages without sequence numbers, numbered (the receiver's gap accounting on), and
// numbered in the packed form (a message's packet records in one frame instead of 64).
// Beside packets/s (wall clock), the CPU time the central process used (every thread: JavaScript,
// libzmq's I/O thread, zlib's pool) while storing, read from /proc: on a shared machine the wall
// clock swings with others' load, the CPU a central spends per packet much less.
// Run: npm run build && flock /tmp/wirescope-bench.lock node --import tsx bench/zmq-central-store.bench.ts
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { encodeCaptureData, encodeCaptureEvent, SequenceNumbering, type CapturedFrame } from '../nodes/common/capture-protocol';
import { MessageSink, NodeRed, freePort, repoRoot } from '../test/helpers/node-red';

const PACKETS_PER_MESSAGE = 64;
const MESSAGES = 2500;
const FRAME_BYTES = 300;
const TOTAL = PACKETS_PER_MESSAGE * MESSAGES;
const dir = mkdtempSync(join(tmpdir(), 'wirescope-central-bench-'));

function messages(numbered: boolean, packed = false): Buffer[][] {
  const frame = Buffer.alloc(FRAME_BYTES, 0x55);
  const batch: CapturedFrame[] = Array.from({ length: PACKETS_PER_MESSAGE }, (_, i) => ({ seconds: 1_700_000_000 + i, nanoseconds: i, interface: 'eth0', linkType: 1, originalLength: FRAME_BYTES, frame }));
  if (!numbered) {
    const data = encodeCaptureData('edge-1', batch);
    return Array.from({ length: MESSAGES }, () => data);
  }
  const numbering = new SequenceNumbering();
  return Array.from({ length: MESSAGES }, () => encodeCaptureData('edge-1', batch, numbering.data('edge-1', batch.length), packed));
}

async function push(endpoint: string, all: Buffer[][]): Promise<void> {
  const socket = new zmq.Push({ sendHighWaterMark: 1000, linger: 5000 });
  socket.connect(endpoint);
  for (const m of all) await socket.send(m);
  await socket.send(encodeCaptureEvent('edge-1', { type: 'end-of-run', time: Date.now() }));
  socket.close();
}

function storedPackets(folder: string): number {
  let n = 0;
  for (const f of readdirSync(folder)) {
    n += Number(execFileSync('sh', ['-c', `tshark -r '${join(folder, f)}' -T fields -e frame.number 2>/dev/null | wc -l`], { encoding: 'utf8', timeout: 300000 }).trim());
  }
  return n;
}

/** CPU seconds (user + system, all threads) process `pid` has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

interface Result {
  seconds: number;
  /** CPU seconds the central process used from the first message to the last file finished. */
  cpu: number;
  stored: number;
}

let runs = 0;

async function nodeRedCentral(all: Buffer[][], withStore: boolean): Promise<Result> {
  const sink = await MessageSink.start();
  const central = await NodeRed.start();
  const store = join(dir, `nr-${++runs}`);
  try {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    await central.deploy([
      { id: 'collect', type: 'wirescope-zmq-in', socketType: 'pull', mode: 'bind', endpoints: endpoint, format: 'capture', hwm: 1000, wires: [['route']] },
      { id: 'route', type: 'function', outputs: 2, func: "return msg.kind === 'data' ? [msg, null] : [null, msg];", wires: [withStore ? ['store'] : [], ['end-sink']] },
      { id: 'store', type: 'wirescope-pcap-file-out', filename: `${store}/cap-{source}-%Y%m%d-%H%M%S.pcap`, format: 'pcap', nanosecond: true, perSource: true, rotateSize: 20, rotateSeconds: 0, gzip: true, keepFiles: 0, keepDays: 0, wires: [[], []] },
      ...sink.sinkNodes('end-sink', 'end'),
    ]);
    await central.waitForStatus('collect', (s) => /listening/.test(s.text ?? ''));
    const cpu0 = cpuSeconds(central.pid!);
    const t0 = performance.now();
    await push(endpoint, all);
    await sink.waitFor('end', 1, 300000);
    await central.deploy([]); // closes the files: the gzip streams end and flush here
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(central.pid!) - cpu0;
    return { seconds, cpu, stored: withStore ? storedPackets(store) : TOTAL };
  } finally {
    await central.stop();
    await sink.stop();
  }
}

async function bareCentral(all: Buffer[][]): Promise<Result> {
  const store = join(dir, 'bare');
  const script = join(dir, 'bare-central.js');
  writeFileSync(script, `
const zmq = require(${JSON.stringify(join(repoRoot, 'node_modules', 'zeromq'))});
const { createWriteStream, mkdirSync } = require('node:fs');
const { createGzip } = require('node:zlib');
(async () => {
  mkdirSync(${JSON.stringify(store)}, { recursive: true });
  const gzip = createGzip();
  const done = new Promise((r) => gzip.pipe(createWriteStream(${JSON.stringify(join(store, 'bare.pcap.gz'))})).on('finish', r));
  const header = Buffer.alloc(24); header.writeUInt32LE(0xa1b23c4d, 0); header.writeUInt16LE(2, 4); header.writeUInt16LE(4, 6); header.writeUInt32LE(262144, 16); header.writeUInt32LE(1, 20);
  gzip.write(header);
  const pull = new zmq.Pull({ receiveHighWaterMark: 1000 });
  await pull.bind(process.argv[2]);
  process.send('ready');
  for await (const frames of pull) {
    if (frames[0].toString().startsWith('event/')) break;
    const records = [];
    for (let i = 2; i < frames.length; i++) {
      const f = frames[i]; const n = f[16]; const data = f.subarray(17 + n);
      const r = Buffer.allocUnsafe(16 + data.length);
      r.writeUInt32LE(f.readUIntBE(2, 6), 0); r.writeUInt32LE(f.readUInt32BE(8), 4); r.writeUInt32LE(data.length, 8); r.writeUInt32LE(f.readUInt32BE(12), 12);
      data.copy(r, 16); records.push(r);
    }
    if (!gzip.write(Buffer.concat(records))) await new Promise((r) => gzip.once('drain', r));
  }
  gzip.end(); await done; pull.close();
  // Stays until the parent has read its CPU time.
  process.once('message', () => process.exit(0)); process.send('done');
})();`);
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, [script, endpoint], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => child.once('message', r));
  const cpu0 = cpuSeconds(child.pid!);
  const t0 = performance.now();
  const finished = new Promise((r) => child.once('message', r));
  await push(endpoint, all);
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(child.pid!) - cpu0;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('exit');
  await exited;
  return { seconds, cpu, stored: storedPackets(store) };
}

(async () => {
  try {
    const plain = messages(false);
    const numbered = messages(true);
    const bare = await bareCentral(plain);
    const ingest = await nodeRedCentral(numbered, false);
    const nr = await nodeRedCentral(plain, true);
    const nrSeq = await nodeRedCentral(numbered, true);
    const nrPacked = await nodeRedCentral(messages(true, true), true);
    console.log(`central store: ${TOTAL} packets of ${FRAME_BYTES} B in ${MESSAGES} capture-protocol messages of ${PACKETS_PER_MESSAGE}, PUSH → PULL on 127.0.0.1, gzip pcap`);
    const rows = [
      ['bare zeromq PULL + zlib gzip', bare, 'stored (tshark)'],
      ['Node-RED zmq in → pcap file out', nr, 'stored (tshark)'],
      ['  same, sequence accounting on', nrSeq, 'stored (tshark)'],
      ['  same, packed (1 frame of 64)', nrPacked, 'stored (tshark)'],
      ['Node-RED zmq in only (numbered)', ingest, 'decoded'],
    ] as const;
    for (const [name, r, what] of rows) {
      console.log(`${name.padEnd(34)} ${(r.stored / r.seconds).toFixed(0).padStart(8)} packets/s  ${((r.stored * FRAME_BYTES) / 1e6 / r.seconds).toFixed(1).padStart(6)} MB/s  ${(r.cpu * 1e6 / r.stored).toFixed(2).padStart(6)} CPU µs/packet  ${what} ${r.stored}/${TOTAL}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();
