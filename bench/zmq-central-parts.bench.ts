// The central store's own code, in one process without sockets or Node-RED: capture-protocol
// messages (numbered, 64 packets of 300 B) go through zmq in's receiver (decode, sequence
// accounting, the Node-RED message) and pcap file out's writer (pcap records, streaming gzip into
// a file), beside the floor: the same pcap records built by hand and gzipped into a file the same
// way. CPU time of this process (main thread and zlib's pool) per packet, best of three rounds,
// so that others' load on a shared machine weighs less than in bench/zmq-central-store.bench.ts.
// Run: flock /tmp/wirescope-bench.lock node --import tsx bench/zmq-central-parts.bench.ts
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import type { NodeMessage } from 'node-red';
import { encodeCaptureData, SequenceNumbering, type CapturedFrame } from '../nodes/common/capture-protocol';
import { RotatingCaptureWriter } from '../nodes/pcap-file-out/rotating-writer';
import { packetsFromPayload } from '../nodes/shared/packet-message';
import { CaptureReceiver } from '../nodes/zmq-in/capture-receiver';

const PACKETS_PER_MESSAGE = 64;
const MESSAGES = 2500;
const FRAME_BYTES = 300;
const TOTAL = PACKETS_PER_MESSAGE * MESSAGES;
const dir = mkdtempSync(join(tmpdir(), 'wirescope-central-parts-'));

/** Fresh buffers per message, as ZeroMQ hands them over. */
function messages(): Buffer[][] {
  const frame = Buffer.alloc(FRAME_BYTES, 0x55);
  const batch: CapturedFrame[] = Array.from({ length: PACKETS_PER_MESSAGE }, (_, i) => ({ seconds: 1_700_000_000 + i, nanoseconds: i, interface: 'eth0', linkType: 1, originalLength: FRAME_BYTES, frame }));
  const numbering = new SequenceNumbering();
  return Array.from({ length: MESSAGES }, () => encodeCaptureData('edge-1', batch, numbering.data('edge-1', batch.length)).map((b) => Buffer.from(b)));
}

async function cpuOf(run: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** zmq in's receiver → pcap file out's writer (gzip), or the receiver alone. */
async function ours(all: Buffer[][], store: boolean, round: number): Promise<void> {
  const writer = new RotatingCaptureWriter('edge-1', { template: join(dir, `ours-${round}-{source}.pcap`), format: 'pcap', nanosecond: true, rotateBytes: 0, rotateSeconds: 0, gzip: true, keepFiles: 0, keepDays: 0 }, () => undefined);
  let packets = 0;
  const receiver = new CaptureReceiver((msg: NodeMessage & { kind?: string }) => {
    if (msg.kind !== 'data') return;
    const list = packetsFromPayload(msg.payload)!;
    packets += list.length;
    if (!store) return;
    for (const p of list) writer.write(p);
    writer.flush();
  });
  for (const frames of all) receiver.receive(frames);
  await writer.close();
  if (packets !== TOTAL) throw new Error(`passed on ${packets} of ${TOTAL}`);
}

/** The floor: pcap records built from the packet frames by hand, gzipped into a file. */
async function floor(all: Buffer[][], round: number): Promise<void> {
  const gzip = createGzip();
  const done = new Promise((resolve) => gzip.pipe(createWriteStream(join(dir, `floor-${round}.pcap.gz`))).on('finish', () => resolve(undefined)));
  for (const frames of all) {
    const records: Buffer[] = [];
    for (let i = 2; i < frames.length; i++) {
      const f = frames[i];
      const data = f.subarray(17 + f[16]);
      const r = Buffer.allocUnsafe(16 + data.length);
      r.writeUInt32LE(f.readUIntBE(2, 6), 0);
      r.writeUInt32LE(f.readUInt32BE(8), 4);
      r.writeUInt32LE(data.length, 8);
      r.writeUInt32LE(f.readUInt32BE(12), 12);
      data.copy(r, 16);
      records.push(r);
    }
    if (!gzip.write(Buffer.concat(records))) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
}

(async () => {
  try {
    const all = messages();
    const best = { floor: Infinity, store: Infinity, receive: Infinity };
    for (let round = 0; round < 3; round++) {
      best.floor = Math.min(best.floor, await cpuOf(() => floor(all, round)));
      best.store = Math.min(best.store, await cpuOf(() => ours(all, true, round)));
      best.receive = Math.min(best.receive, await cpuOf(() => ours(all, false, round)));
    }
    const perPacket = (seconds: number) => `${((seconds * 1e6) / TOTAL).toFixed(2).padStart(6)} CPU µs/packet`;
    console.log(`central store parts, one process: ${TOTAL} packets of ${FRAME_BYTES} B in ${MESSAGES} numbered messages of ${PACKETS_PER_MESSAGE}, best of 3`);
    console.log(`floor: pcap records by hand + zlib gzip        ${perPacket(best.floor)}`);
    console.log(`zmq in receiver + pcap file out writer (gzip)  ${perPacket(best.store)}`);
    console.log(`zmq in receiver alone (decode, sequence)       ${perPacket(best.receive)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();
