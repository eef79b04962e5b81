// pcap file in and pcap file out in Node-RED, checked against tshark/capinfos on the same files.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { collect, helper, loadFlow, startServer, stopServer, testNode } from '../helpers/node-test';
import { waitUntil } from '../helpers/node-red';
import { requireCommands } from '../helpers/real';
import { PcapWriter } from '../../nodes/common/pcap';
import { numberedFrame } from '../helpers/numbered-frame';

const pcapFileIn = require('../../nodes/pcap-file-in/pcap-file-in.ts');
const pcapFileOut = require('../../nodes/pcap-file-out/pcap-file-out.ts');
const sample = join(__dirname, '..', '..', 'demo', 'data', 'sample.pcapng');

/** tshark's field output; it exits 2 on a cut file after printing the frames it could read. */
function tshark(file: string, ...fields: string[]): string[] {
  return spawnSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { stdio: ['ignore', 'pipe', 'ignore'] })
    .stdout.toString()
    .split('\n')
    .filter(Boolean);
}

function fileIn(extra: object = {}) {
  return [
    { id: 'in', type: 'wirescope-pcap-file-in', filename: sample, filter: '', pacing: 'none', batchSize: 1, batchInterval: 0, dissect: true, wires: [['packets'], ['end']], ...extra },
    { id: 'packets', type: 'helper' },
    { id: 'end', type: 'helper' },
  ];
}

describe('pcap file in', () => {
  let dir: string;
  before(startServer);
  after(stopServer);
  beforeEach(async () => {
    await helper.unload();
    dir = mkdtempSync(join(tmpdir(), 'wirescope-files-'));
  });

  it('sends every packet of a pcapng file with tshark\'s lengths and timestamps', async (t) => {
    if (!requireCommands(t, 'tshark')) return;
    await loadFlow([pcapFileIn], fileIn());
    const packets = collect('packets');
    const end = collect('end');
    testNode('in').receive({});
    await waitUntil('end of file', () => end.length === 1);
    const expected = tshark(sample, 'frame.time_epoch', 'frame.len', 'frame.cap_len');
    assert.equal(packets.length, expected.length);
    packets.forEach((msg, i) => {
      const [epoch, len, capLen] = expected[i].split('\t');
      const p = msg.payload;
      assert.equal(`${p.seconds}.${String(p.nanoseconds).padStart(9, '0')}`, epoch, `frame ${i + 1} time`);
      assert.equal(p.originalLength, Number(len));
      assert.equal(p.frame.length, Number(capLen));
      assert.equal(p.linkType, 1);
      assert.ok(Array.isArray(p.packet.layers) && p.packet.layers[0] === 'eth');
    });
    assert.deepEqual({ packets: end[0].payload.packets, sent: end[0].payload.sent }, { packets: expected.length, sent: expected.length });
    rmSync(dir, { recursive: true, force: true });
  });

  it('filters like libpcap and batches', async (t) => {
    if (!requireCommands(t, 'tcpdump')) return;
    await loadFlow([pcapFileIn], fileIn({ filter: 'tcp port 18080', batchSize: 10 }));
    const packets = collect('packets');
    const end = collect('end');
    testNode('in').receive({});
    await waitUntil('end of file', () => end.length === 1);
    const expected = execFileSync('tcpdump', ['-n', '-r', sample, 'tcp port 18080'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n').filter(Boolean).length;
    const sent = packets.flatMap((m) => m.payload);
    assert.equal(sent.length, expected);
    assert.ok(packets.every((m) => Array.isArray(m.payload) && m.payload.length <= 10));
    assert.equal(end[0].payload.sent, expected);
  });

  it('batches a paced replay: the packets due in one tick go together, none before its time', async (t) => {
    if (!requireCommands(t, 'tshark')) return;
    // 300 packets 1 ms apart: one packet per message before; now one message per ~10 ms tick.
    const file = join(dir, 'paced.pcap');
    const writer = new PcapWriter({ linkType: 1 });
    const frame = Buffer.alloc(60);
    frame.writeUInt16BE(0x0800, 12);
    writeFileSync(file, Buffer.concat([writer.header(), ...Array.from({ length: 300 }, (_, i) => writer.packet(frame, { seconds: 1_700_000_000, nanoseconds: i * 1_000_000 }))]));
    await loadFlow([pcapFileIn], fileIn({ filename: file, pacing: 'original', batchSize: 50, dissect: false }));
    const arrivals: Array<{ at: number; payload: any[] }> = [];
    helper.getNode('packets').on('input', (msg: any) => arrivals.push({ at: Date.now(), payload: msg.payload }));
    const end = collect('end');
    const started = Date.now();
    testNode('in').receive({});
    await waitUntil('end of file', () => end.length === 1, 60000);
    const expected = tshark(file, 'frame.time_epoch');
    const sent = arrivals.flatMap((a) => a.payload.map((p: any) => `${p.seconds}.${String(p.nanoseconds).padStart(9, '0')}`));
    assert.deepEqual(sent, expected);
    assert.ok(arrivals.length > 1 && arrivals.length <= 300 / 5, `${arrivals.length} messages for 300 packets`);
    assert.ok(arrivals.every((a) => a.payload.length <= 50));
    // Never early (a loaded machine can only make it late): each message leaves when its last packet is due.
    for (const { at, payload } of arrivals) {
      const dueMs = payload[payload.length - 1].nanoseconds / 1e6;
      assert.ok(at - started >= dueMs - 2, `a batch due at ${dueMs} ms left at ${at - started} ms`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a capture held in msg.payload', async () => {
    await loadFlow([pcapFileIn], fileIn({ filename: '' }));
    const packets = collect('packets');
    const end = collect('end');
    testNode('in').receive({ payload: readFileSync(sample) });
    await waitUntil('end of file', () => end.length === 1);
    assert.equal(packets.length, end[0].payload.packets);
    assert.equal(end[0].payload.source, 'buffer');
  });

  it('reports a truncated file with the byte offset after sending what came before', async (t) => {
    if (!requireCommands(t, 'tshark', 'editcap')) return;
    const pcap = join(dir, 'cut.pcap');
    execFileSync('editcap', ['-F', 'pcap', sample, pcap]);
    const size = readFileSync(pcap).length;
    truncateSync(pcap, size - 40); // in the middle of the last record
    // tshark reads the complete records and complains about the cut one.
    const complete = tshark(pcap, 'frame.number').length;
    await loadFlow([pcapFileIn], fileIn({ filename: pcap }));
    const packets = collect('packets');
    const end = collect('end');
    const errors: any[] = [];
    testNode('in').on('call:error', (call: any) => errors.push(call.firstArg));
    testNode('in').receive({});
    await waitUntil('end of file', () => end.length === 1 && errors.length === 1);
    assert.equal(packets.length, complete);
    const offset = end[0].payload.error.offset;
    // The cut record starts after the 24-byte header and every complete record (16-byte header + data).
    const expectedOffset = 24 + packets.reduce((sum, m) => sum + 16 + m.payload.frame.length, 0);
    assert.equal(offset, expectedOffset);
    assert.match(String(errors[0]?.message ?? errors[0]), new RegExp(`offset ${expectedOffset}`));
  });

  it('reports a missing file through done(err)', async () => {
    await loadFlow([pcapFileIn], fileIn({ filename: join(dir, 'nope.pcap') }));
    const errors: any[] = [];
    testNode('in').on('call:error', (call: any) => errors.push(call.firstArg));
    testNode('in').receive({});
    await waitUntil('error', () => errors.length === 1);
    assert.match(String(errors[0]?.message ?? errors[0]), /ENOENT/);
  });

  it('rejects a bad filter at deploy time with a status', async () => {
    await loadFlow([pcapFileIn], fileIn({ filter: 'tcp port http' }));
    const node = testNode('in');
    assert.ok(node.status.calledWithMatch({ fill: 'red' }));
    assert.ok(node.error.calledWithMatch(/position/));
  });
});

describe('pcap file out', () => {
  let dir: string;
  before(startServer);
  after(stopServer);
  beforeEach(async () => {
    await helper.unload();
    dir = mkdtempSync(join(tmpdir(), 'wirescope-out-'));
  });

  async function store(out: object): Promise<any[]> {
    await loadFlow([pcapFileIn, pcapFileOut], [
      { id: 'in', type: 'wirescope-pcap-file-in', filename: sample, filter: '', pacing: 'none', batchSize: 7, batchInterval: 0, dissect: false, wires: [['out'], ['end']] },
      { id: 'out', type: 'wirescope-pcap-file-out', filename: join(dir, 'store-{source}-%Y%m%d%H%M%S.pcapng'), format: 'pcapng', perSource: false, rotateSize: 0, rotateSeconds: 0, gzip: false, keepFiles: 0, keepDays: 0, wires: [[], ['events']], ...out },
      { id: 'end', type: 'helper' },
      { id: 'events', type: 'helper' },
    ]);
    const events = collect('events');
    const end = collect('end');
    testNode('in').receive({});
    await waitUntil('end of file', () => end.length === 1);
    // Rotated files are compressed (and retention applied) in the background: wait for that to
    // finish, as events sent while the flow stops may not reach the helper node, which stops too.
    const count = (what: string) => events.filter((e) => e.payload.event === what).length;
    await waitUntil('rotations finished', () => count('rotated') === count('opened') - 1 && (!(out as any).keepFiles || count('opened') - count('deleted') <= (out as any).keepFiles));
    await helper.unload(); // close: files are closed and compressed before close completes
    return events;
  }

  function hexDump(file: string): string {
    return execFileSync('tshark', ['-r', file, '-x'], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).toString();
  }

  it('writes files tshark reads back with the same frames, rotating by size and gzipping', async (t) => {
    if (!requireCommands(t, 'tshark', 'mergecap')) return;
    const events = await store({ rotateSize: 0.008, gzip: true });
    const files = readdirSync(dir).sort();
    assert.ok(files.length >= 3, `expected several rotated files, got ${files.join(', ')}`);
    assert.ok(files.every((f) => f.endsWith('.pcapng.gz')), files.join(', '));
    const opened = events.filter((e) => e.payload.event === 'opened').length;
    assert.equal(opened, files.length);
    // Every file but the last was rotated; the last is closed on shutdown, when the flow is stopping.
    assert.equal(events.filter((e) => e.payload.event === 'rotated').length, files.length - 1);
    // Concatenate in order and compare every byte of every frame, and every timestamp.
    const inOrder = events.filter((e) => e.payload.event === 'opened').map((e) => e.payload.file);
    const merged = join(dir, 'merged.pcapng');
    execFileSync('mergecap', ['-a', '-w', merged, ...inOrder]);
    assert.equal(hexDump(merged), hexDump(sample));
    assert.deepEqual(tshark(merged, 'frame.time_epoch', 'frame.len'), tshark(sample, 'frame.time_epoch', 'frame.len'));
  });

  it('writes classic pcap with nanosecond timestamps', async (t) => {
    if (!requireCommands(t, 'tshark', 'capinfos')) return;
    await store({ filename: join(dir, 'one.pcap'), format: 'pcap', nanosecond: true });
    const info = execFileSync('capinfos', ['-t', '-c', '-i', join(dir, 'one.pcap')]).toString();
    assert.match(info, /nanosecond (libpcap|pcap)/);
    assert.match(info, new RegExp(`Number of packets:\\s+${tshark(sample, 'frame.number').length}`));
    assert.equal(hexDump(join(dir, 'one.pcap')), hexDump(sample));
  });

  it('keeps only the newest N files', async () => {
    const events = await store({ rotateSize: 0.008, keepFiles: 2 });
    const files = readdirSync(dir);
    assert.equal(files.length, 2, files.join(', '));
    const deleted = events.filter((e) => e.payload.event === 'deleted').length;
    const opened = events.filter((e) => e.payload.event === 'opened').length;
    assert.equal(opened - deleted, 2);
  });

  it('rejects a payload that is not a packet', async () => {
    await loadFlow([pcapFileOut], [{ id: 'out', type: 'wirescope-pcap-file-out', filename: join(dir, 'x.pcap'), format: 'pcap', wires: [[], []] }]);
    const errors: any[] = [];
    testNode('out').on('call:error', (call: any) => errors.push(call.firstArg));
    testNode('out').receive({ payload: { hello: 'world' } });
    await waitUntil('error', () => errors.length === 1);
    // Under the test helper no message catalogue is loaded, so the error carries its i18n key.
    assert.match(String(errors[0]?.message ?? errors[0]), /notPackets|not a packet/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('repairs a gzip file a crash cut short: everything up to the last sync is kept', async (t) => {
    if (!requireCommands(t, 'tshark')) return;
    // What a crash leaves of a streaming gzip file: a synced deflate stream without its end.
    const pcap = join(dir, 'whole.pcap');
    execFileSync('tshark', ['-r', sample, '-F', 'pcap', '-w', pcap], { stdio: 'ignore' });
    const left = join(dir, 'left-capture-20260101000000.pcap.gz');
    const gzip = createGzip();
    const chunks: Buffer[] = [];
    gzip.on('data', (c: Buffer) => chunks.push(c));
    gzip.write(readFileSync(pcap));
    await new Promise<void>((r) => gzip.flush(zlibConstants.Z_SYNC_FLUSH, () => r()));
    writeFileSync(left, Buffer.concat(chunks));
    writeFileSync(`${left}.open`, '');
    rmSync(pcap);
    await loadFlow([pcapFileOut], [
      { id: 'out', type: 'wirescope-pcap-file-out', filename: join(dir, 'left-{source}-%Y%m%d%H%M%S.pcap'), format: 'pcap', gzip: true, wires: [[], ['events']] },
      { id: 'events', type: 'helper' },
    ]);
    const events = collect('events');
    await waitUntil('recovered event', () => events.some((e) => e.payload.event === 'recovered'));
    assert.deepEqual(readdirSync(dir).sort(), ['left-capture-20260101000000.pcap.gz']);
    assert.deepEqual(tshark(left, 'frame.time_epoch', 'frame.len'), tshark(sample, 'frame.time_epoch', 'frame.len'));
    // A complete gzip file now: gunzip accepts it to the end.
    assert.equal(spawnSync('gzip', ['-t', left]).status, 0);
  });

  it('writes packets that arrive while it closes into files it finishes: nothing lost, no file left open', async (t) => {
    if (!requireCommands(t, 'tshark')) return;
    // Node-RED delivers a message a tick after it was sent, so a redeploy's close overlaps the last
    // packets of the flow: before, they went into a file that was never closed or compressed.
    await loadFlow([pcapFileOut], [
      { id: 'out', type: 'wirescope-pcap-file-out', filename: join(dir, 'late-{source}-%Y%m%d%H%M%S.pcap'), format: 'pcap', perSource: true, rotateSize: 0, rotateSeconds: 0, gzip: true, keepFiles: 0, keepDays: 0, wires: [[], []] },
    ]);
    const out = testNode('out');
    const batch = (first: number) => ({ topic: 'edge-1', payload: Array.from({ length: 10 }, (_, i) => ({ frame: numberedFrame(first + i), linkType: 1, interface: 'eth0', seconds: 1_700_000_000, nanoseconds: first + i, originalLength: 106, timestamp: 1_700_000_000_000 })) });
    for (let n = 0; n < 50; n += 10) out.receive(batch(n));
    const closing = out.close(false);
    // More batches while the close runs, one per event-loop turn, as Node-RED delivers them.
    for (let n = 50; n < 100; n += 10) {
      await new Promise((r) => setImmediate(r));
      out.receive(batch(n));
    }
    await closing;
    const files = readdirSync(dir).sort();
    // The close finished the first file at once: the late packets went into a second one.
    assert.ok(files.length >= 2, `the late packets in a file of their own: ${files.join(', ')}`);
    assert.ok(files.every((f) => f.endsWith('.pcap.gz')), `every file finished and compressed, no marker left: ${files.join(', ')}`);
    const stored = files.flatMap((f) => tshark(join(dir, f), 'ip.id')).map((id) => Number.parseInt(id, 16)).sort((a, b) => a - b);
    assert.deepEqual(stored, Array.from({ length: 100 }, (_, i) => i));
    for (const f of files) assert.equal(spawnSync('gzip', ['-t', join(dir, f)]).status, 0, `${f} is a complete gzip file`);
  });

  it('passes capture events by, fails closed without a file name, and finishes files a crash left open', async (t) => {
    if (!requireCommands(t, 'tshark')) return;
    // A file a crashed run left open: its marker is still beside it.
    const left = join(dir, 'left-capture-20260101000000.pcap');
    execFileSync('tshark', ['-r', sample, '-F', 'pcap', '-w', left], { stdio: 'ignore' });
    writeFileSync(`${left}.open`, '');
    await loadFlow([pcapFileOut], [
      { id: 'out', type: 'wirescope-pcap-file-out', filename: join(dir, 'left-{source}-%Y%m%d%H%M%S.pcap'), format: 'pcap', gzip: true, wires: [[], ['events']] },
      { id: 'bad', type: 'wirescope-pcap-file-out', filename: '', format: 'pcap', wires: [[], []] },
      { id: 'events', type: 'helper' },
    ]);
    const events = collect('events');
    await waitUntil('recovered event', () => events.some((e) => e.payload.event === 'recovered'));
    assert.deepEqual(readdirSync(dir).sort(), ['left-capture-20260101000000.pcap.gz']);
    assert.equal(events.find((e) => e.payload.event === 'recovered').payload.file, `${left}.gz`);
    assert.equal(tshark(`${left}.gz`, 'frame.number').length, tshark(sample, 'frame.number').length);
    const errors: any[] = [];
    testNode('out').on('call:error', (call: any) => errors.push(call.firstArg));
    testNode('bad').on('call:error', (call: any) => errors.push(call.firstArg));
    // What zmq in emits for an event is not an error and writes nothing.
    testNode('out').receive({ topic: 'edge-1', kind: 'event', source: 'edge-1', payload: { type: 'source-connected', time: 1 } });
    testNode('bad').receive({ payload: Buffer.alloc(60) });
    await waitUntil('the bad node fails the message', () => errors.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]?.message ?? errors[0]), /noFile|no file name/);
    assert.deepEqual(readdirSync(dir).sort(), ['left-capture-20260101000000.pcap.gz']);
  });
});
