// The streaming pcap/pcapng reader against tshark: real loopback captures (tcpdump, dumpcap),
// editcap conversions between every format variant, the tcpdump container-format corpus,
// hand-built pcapng blocks, truncation, and chunked feeding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CaptureFormatError, CaptureReader, PcapWriter, parseCaptureBuffer, readCaptureBatches, readCaptureFile, readCaptureStream } from '../../nodes/common/pcap';
import type { CapturePacket } from '../../nodes/common/pcap';
import { dissect } from '../../nodes/common/packet';
import { hasCommand, isRoot, requireCommands, requireRoot } from '../helpers/real';
import { captureWhile, makeTempDir, tsharkFields } from '../fixtures/pcap/tools';
import { loopbackTraffic } from '../fixtures/pcap/traffic';
import { assertMatchesTshark } from '../fixtures/pcap/compare';
import { PACKET_RECORDS, assertReaderMatchesTshark, feedInChunks } from '../fixtures/pcap/reader-compare';

const tmp = makeTempDir();
after(() => tmp.remove());

// The shared corpus sits beside the repository (../shared), when it is there.
const CORPUS = join(__dirname, '../../../shared/corpus/tcpdump/pcap-container-formats');

function checkFile(file: string): CapturePacket[] {
  const buf = readFileSync(file);
  const whole = parseCaptureBuffer(buf);
  assert.equal(whole.error, undefined, `${file}: ${whole.error?.message}`);
  assertReaderMatchesTshark(file, whole.packets, whole.format!);
  assertMatchesTshark(file, whole.packets, whole.packets.map((p) => dissect(p.data, p.linkType)));
  // Same packets whatever the chunking.
  for (const seed of [1, 7, 42]) {
    const { packets, reader } = feedInChunks(buf, seed, seed === 1 ? 3 : 2000);
    assert.equal(reader.error, undefined);
    assert.deepEqual(
      packets.map((p) => [p.offset, p.capturedLength, p.timestamp.seconds, p.timestamp.nanoseconds, p.data.toString('hex')]),
      whole.packets.map((p) => [p.offset, p.capturedLength, p.timestamp.seconds, p.timestamp.nanoseconds, p.data.toString('hex')]),
    );
  }
  return whole.packets;
}

describe('real loopback captures', () => {
  let tcpdumpFile = '';
  let dumpcapFile = '';
  let dumpcapReport = '';
  before(async () => {
    if (!isRoot || !hasCommand('tcpdump') || !hasCommand('dumpcap')) return;
    const traffic = await loopbackTraffic();
    try {
      tcpdumpFile = tmp.path('lo-tcpdump.pcap');
      await captureWhile('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-w', tcpdumpFile, traffic.filter], traffic.run);
      // dumpcap on two interfaces: a pcapng with two IDBs of different link types
      // (lo is Ethernet, "any" is Linux cooked v2), if_name set on each.
      dumpcapFile = tmp.path('lo-any-dumpcap.pcapng');
      dumpcapReport = await captureWhile('dumpcap', ['-q', '-i', 'lo', '-f', traffic.filter, '-i', 'any', '-f', traffic.filter, '-w', dumpcapFile], traffic.run);
    } finally {
      traffic.close();
    }
  });

  test('tcpdump pcap on lo', (t) => {
    if (!requireRoot(t, 'captures on lo') || !requireCommands(t, 'tcpdump', 'tshark')) return;
    const packets = checkFile(tcpdumpFile);
    const kinds = new Set(packets.map((p) => dissect(p.data, p.linkType).layers.slice(1).join('/')));
    for (const k of ['ipv4/udp', 'ipv6/udp', 'ipv4/tcp', 'ipv6/tcp', 'ipv4/icmp', 'ipv6/icmpv6']) assert.ok(kinds.has(k), `capture holds ${k}: ${[...kinds]}`);
  });

  test('dumpcap pcapng with two interfaces (EN10MB + Linux cooked)', (t) => {
    if (!requireRoot(t, 'captures on lo') || !requireCommands(t, 'dumpcap', 'tshark')) return;
    const packets = checkFile(dumpcapFile);
    const linkTypes = [...new Set(packets.map((p) => p.linkType))].sort((a, b) => a - b);
    assert.ok(linkTypes.length === 2 && linkTypes[0] === 1 && (linkTypes[1] === 113 || linkTypes[1] === 276), String(linkTypes));
    assert.deepEqual(new Set(packets.map((p) => p.interfaceName)), new Set(['lo', 'any']));
    // The Interface Statistics Blocks carry what dumpcap reports on exit:
    //   Packets received/dropped on interface 'Loopback: lo': 34/0 (...)
    const reported = [...dumpcapReport.matchAll(/Packets received\/dropped on interface '[^']*': (\d+)\/(\d+)/g)].map((m) => ({
      received: Number(m[1]),
      interfaceDropped: Number(m[2]),
    }));
    assert.equal(reported.length, 2, dumpcapReport);
    assert.deepEqual(
      parseCaptureBuffer(readFileSync(dumpcapFile)).interfaces.map((i) => i.statistics),
      reported,
    );
  });

  test('editcap conversions: pcap <-> pcapng, microsecond <-> nanosecond, comments', (t) => {
    if (!requireRoot(t, 'captures on lo') || !requireCommands(t, 'editcap', 'tshark')) return;
    const variants: [string, string[]][] = [
      ['ns.pcap', ['-F', 'nsecpcap']],
      ['us.pcapng', ['-F', 'pcapng']],
      ['commented.pcapng', ['-F', 'pcapng', '-a', '1:first packet', '-a', '3:third, with a comma? no']],
      ['snap64.pcap', ['-F', 'pcap', '-s', '64']],
      ['modified.pcap', ['-F', 'modpcap']],
      ['from-ns.pcapng', ['-F', 'pcapng']],
    ];
    for (const [name, args] of variants) {
      const out = tmp.path(name);
      const input = name === 'from-ns.pcapng' ? tmp.path('ns.pcap') : tcpdumpFile;
      execFileSync('editcap', [...args.map((a) => a.replace(', with a comma? no', '')), input, out], { stdio: 'ignore' });
      const packets = checkFile(out);
      if (name === 'commented.pcapng') assert.deepEqual(packets[0].comments, ['first packet']);
    }
    // The dumpcap file split per interface and merged back keeps both link types.
    const merged = tmp.path('merged.pcapng');
    execFileSync('mergecap', ['-w', merged, dumpcapFile, tmp.path('ns.pcap')], { stdio: 'ignore' });
    checkFile(merged);
  });

  test('readCaptureFile streams the same packets', async (t) => {
    if (!requireRoot(t, 'captures on lo') || !requireCommands(t, 'tshark')) return;
    const whole = parseCaptureBuffer(readFileSync(dumpcapFile)).packets;
    const streamed: CapturePacket[] = [];
    for await (const p of readCaptureFile(dumpcapFile, { highWaterMark: 100 })) streamed.push(p);
    assert.deepEqual(
      streamed.map((p) => p.data.toString('hex')),
      whole.map((p) => p.data.toString('hex')),
    );
    assert.equal(streamed[0].date.getTime(), Math.floor(streamed[0].timestamp.ms));
  });
});

describe('tcpdump container-format corpus', () => {
  const files = existsSync(CORPUS) ? readdirSync(CORPUS).sort() : [];
  test('corpus folder present', (t) => {
    if (files.length === 0) t.skip(`${CORPUS} not present`);
  });
  for (const name of files) {
    test(name, (t) => {
      if (!requireCommands(t, 'tshark')) return;
      checkFile(join(CORPUS, name));
    });
  }
});

/** Blocks written by hand from draft-ietf-opsawg-pcapng, to reach what the tools do not write. */
function block(type: number, body: Buffer, le = true): Buffer {
  const b = Buffer.alloc(12 + body.length);
  const w = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w(type, 0);
  w(b.length, 4);
  body.copy(b, 8);
  w(b.length, b.length - 4);
  return b;
}
function opt(code: number, value: Buffer, le = true): Buffer {
  const b = Buffer.alloc(4 + ((value.length + 3) & ~3));
  if (le) {
    b.writeUInt16LE(code, 0);
    b.writeUInt16LE(value.length, 2);
  } else {
    b.writeUInt16BE(code, 0);
    b.writeUInt16BE(value.length, 2);
  }
  value.copy(b, 4);
  return b;
}
function u32s(le: boolean, ...v: number[]): Buffer {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => (le ? b.writeUInt32LE(x >>> 0, i * 4) : b.writeUInt32BE(x >>> 0, i * 4)));
  return b;
}
function shb(le: boolean): Buffer {
  const body = Buffer.alloc(16);
  if (le) {
    body.writeUInt32LE(0x1a2b3c4d, 0);
    body.writeUInt16LE(1, 4);
  } else {
    body.writeUInt32BE(0x1a2b3c4d, 0);
    body.writeUInt16BE(1, 4);
  }
  body.fill(0xff, 8, 16);
  return block(0x0a0d0d0a, Buffer.concat([body, opt(1, Buffer.from('section comment'), le), Buffer.alloc(4)]), le);
}
function idb(le: boolean, linkType: number, snap: number, opts: Buffer[]): Buffer {
  const fixed = Buffer.alloc(8);
  if (le) {
    fixed.writeUInt16LE(linkType, 0);
    fixed.writeUInt32LE(snap, 4);
  } else {
    fixed.writeUInt16BE(linkType, 0);
    fixed.writeUInt32BE(snap, 4);
  }
  return block(1, Buffer.concat([fixed, ...opts, opts.length ? Buffer.alloc(4) : Buffer.alloc(0)]), le);
}
function epb(le: boolean, iface: number, high: number, low: number, data: Buffer, orig = data.length, opts: Buffer[] = []): Buffer {
  const padded = Buffer.alloc((data.length + 3) & ~3);
  data.copy(padded);
  return block(6, Buffer.concat([u32s(le, iface, high, low, data.length, orig), padded, ...opts, opts.length ? Buffer.alloc(4) : Buffer.alloc(0)]), le);
}

const FRAME = Buffer.from('020000000001020000000002080045000020000100004011000001020304050607080035003500083f4e41424344', 'hex');

/**
 * Sections with SPB, obsolete PB, unknown and custom blocks; one section per entry of
 * `layouts`: its byte order and whether its interfaces are listed in reverse order.
 */
function handBuiltPcapng(layouts: { le: boolean; reversed?: boolean }[] = [{ le: true }, { le: false }]): Buffer {
  const parts: Buffer[] = [];
  for (const { le, reversed } of layouts) {
    parts.push(shb(le));
    const off = Buffer.alloc(8);
    if (le) off.writeBigInt64LE(1000n);
    else off.writeBigInt64BE(1000n);
    const idbs = [
      idb(le, 1, 0, [opt(2, Buffer.from('eth'), le)]),
      // nanosecond resolution with an if_tsoffset of 1000 s
      idb(le, 101, 0, [opt(2, Buffer.from('raw-ns'), le), opt(9, Buffer.from([9]), le), opt(14, off, le)]),
      // binary resolution 2^-20 s
      idb(le, 1, 0, [opt(9, Buffer.from([0x80 | 20]), le)]),
    ];
    parts.push(...(reversed ? idbs.reverse() : idbs));
    parts.push(epb(le, 0, 0x0005f2b7, 0x4b2f1a35, FRAME, FRAME.length, [opt(1, Buffer.from('epb comment'), le), opt(2, u32s(le, 1), le)]));
    // Unknown block type: must be skipped (draft section 3.1)
    parts.push(block(0x00000bad, Buffer.from('unknown block body..'), le));
    // Custom block (0x00000BAD is "custom, may copy"; 0x40000BAD "do not copy")
    parts.push(block(0x40000bad, Buffer.concat([u32s(le, 32473), Buffer.from('abcd')]), le));
    parts.push(epb(le, 1, 0x17a2b3c4, 0xd5e6f701, FRAME.subarray(14)));
    parts.push(epb(le, 2, 0x00000170, 0x12345678, FRAME));
    // Interface Statistics Block (4.6) for interface 0: isb_ifrecv 1000, isb_ifdrop 7
    const isbOpt = (code: number, v: bigint) => {
      const b = Buffer.alloc(8);
      if (le) b.writeBigUInt64LE(v);
      else b.writeBigUInt64BE(v);
      return opt(code, b, le);
    };
    parts.push(block(5, Buffer.concat([u32s(le, 0, 0x0005f2b7, 0x4b2f1a35), isbOpt(4, 1000n), isbOpt(5, 7n), Buffer.alloc(4)]), le));
    // Simple Packet Block: interface 0, original length only
    const spbData = Buffer.alloc((FRAME.length + 3) & ~3);
    FRAME.copy(spbData);
    parts.push(block(3, Buffer.concat([u32s(le, FRAME.length), spbData]), le));
    // Obsolete Packet Block (Appendix A): 16-bit interface id and drops count
    const pb = Buffer.alloc(20);
    if (le) {
      pb.writeUInt16LE(2, 0);
      pb.writeUInt32LE(0x170, 4);
      pb.writeUInt32LE(0x9abc, 8);
      pb.writeUInt32LE(FRAME.length, 12);
      pb.writeUInt32LE(FRAME.length, 16);
    } else {
      pb.writeUInt16BE(2, 0);
      pb.writeUInt32BE(0x170, 4);
      pb.writeUInt32BE(0x9abc, 8);
      pb.writeUInt32BE(FRAME.length, 12);
      pb.writeUInt32BE(FRAME.length, 16);
    }
    parts.push(block(2, Buffer.concat([pb, spbData]), le));
  }
  return Buffer.concat(parts);
}

describe('hand-built pcapng', () => {
  test('two sections (LE + BE), SPB, obsolete PB, unknown blocks, tsresol/tsoffset', (t) => {
    if (!requireCommands(t, 'tshark')) return;
    const file = tmp.path('handmade.pcapng');
    writeFileSync(file, handBuiltPcapng());
    const packets = checkFile(file);
    assert.equal(packets.length, 10);
    const r = parseCaptureBuffer(readFileSync(file));
    assert.equal(r.sections.length, 2);
    assert.deepEqual(r.sections.map((s) => s.littleEndian), [true, false]);
    assert.equal(r.interfaces.length, 6);
    assert.deepEqual(packets[0].comments, ['epb comment']);
    assert.equal(packets[0].flags, 1);
    assert.deepEqual(r.interfaces[0].statistics, { received: 1000, interfaceDropped: 7 });
    assert.equal(r.skippedBlocks, 4); // the unknown and the custom block of each section
  });

  test('interface ids are per section (draft 4.2: numbered within the section)', () => {
    // tshark 4.0 confuses interfaces of later sections when their IDBs differ, so the
    // expectation here is read off the draft: section 2 lists its IDBs in reverse order.
    const r = parseCaptureBuffer(handBuiltPcapng([{ le: true }, { le: false, reversed: true }]));
    assert.equal(r.error, undefined);
    const second = r.packets.slice(5);
    // EPB on interface 0 of section 2 = the binary-resolution Ethernet IDB (no name)
    assert.deepEqual(
      second.map((p) => [p.interfaceId, p.linkType, p.interfaceName]),
      [
        [0, 1, undefined],
        [1, 101, 'raw-ns'],
        [2, 1, 'eth'],
        [0, 1, undefined],
        [2, 1, 'eth'],
      ],
    );
    // 2^-20 s units: 0x0005f2b7_4b2f1a35 / 2^20 s
    const units = (0x0005f2b7n << 32n) | 0x4b2f1a35n;
    assert.equal(BigInt(second[0].timestamp.seconds), units >> 20n);
    assert.equal(BigInt(second[0].timestamp.nanoseconds), ((units & 0xfffffn) * 1_000_000_000n) >> 20n);
  });
});

describe('truncated and corrupt input', () => {
  test('cut anywhere: error offset at the cut record, earlier packets delivered (tshark agrees on the count)', (t) => {
    if (!requireCommands(t, 'tshark')) return;
    const file = tmp.path('handmade.pcapng');
    writeFileSync(file, handBuiltPcapng());
    const sources = [file, ...(existsSync(CORPUS) ? [join(CORPUS, 'tcp-handshake-nano.pcap'), join(CORPUS, 'bgp-role.pcapng')] : [])];
    for (const src of sources) {
      const buf = readFileSync(src);
      const full = parseCaptureBuffer(buf).packets;
      const starts = full.map((p) => p.offset);
      for (const cut of [30, 60, 100, 170, 200, 250, 333, 500, 777, 1000].filter((c) => c < buf.length)) {
        const part = buf.subarray(0, cut);
        const r = parseCaptureBuffer(part);
        assert.ok(r.error instanceof CaptureFormatError, `${src} cut at ${cut}: error`);
        // every packet whose record ends before the cut is delivered, nothing after
        assert.ok(r.packets.length <= full.length);
        for (const [i, p] of r.packets.entries()) assert.equal(p.offset, full[i].offset);
        const nextStart = starts[r.packets.length];
        if (r.error!.message.startsWith('truncated')) {
          // The error names where the incomplete structure begins: the next record, or a
          // non-packet block between packets.
          assert.ok(r.error!.offset <= cut && (nextStart === undefined || r.error!.offset <= nextStart), `${src} cut ${cut}: offset ${r.error!.offset}`);
          assert.ok(r.error!.offset >= (r.packets.length ? r.packets[r.packets.length - 1].offset : 0));
        }
        writeFileSync(tmp.path('cut'), part);
        let tsharkCount: number;
        try {
          tsharkCount = tsharkFields(tmp.path('cut'), ['frame.number'], { filter: PACKET_RECORDS }).length;
        } catch (e) {
          const out = (e as { stdout?: string }).stdout ?? '';
          tsharkCount = out.split('\n').filter((l) => l.length > 0).length;
        }
        assert.equal(r.packets.length, tsharkCount, `${src} cut at ${cut}: packets before the cut (tshark)`);
      }
    }
  });

  test('corrupt fields name their offset', () => {
    const good = handBuiltPcapng();
    // EPB refers to an interface that does not exist (interface id at block + 8)
    const firstEpb = good.indexOf(Buffer.from([6, 0, 0, 0]), 28);
    const badIface = Buffer.from(good);
    badIface.writeUInt32LE(99, firstEpb + 8);
    let r = parseCaptureBuffer(badIface);
    assert.equal(r.error?.offset, firstEpb + 8);
    assert.equal(r.packets.length, 0);
    // Trailing length differs from the leading one
    const badTrailer = Buffer.from(good);
    const len = badTrailer.readUInt32LE(firstEpb + 4);
    badTrailer.writeUInt32LE(len + 4, firstEpb + len - 4);
    r = parseCaptureBuffer(badTrailer);
    assert.equal(r.error?.offset, firstEpb + len - 4);
    // Classic pcap record larger than the limit
    const pcap = Buffer.alloc(24 + 16 + 4);
    pcap.writeUInt32LE(0xa1b2c3d4, 0);
    pcap.writeUInt16LE(2, 4);
    pcap.writeUInt16LE(4, 6);
    pcap.writeUInt32LE(65535, 16);
    pcap.writeUInt32LE(1, 20);
    pcap.writeUInt32LE(0xfffffff0, 24 + 8);
    r = parseCaptureBuffer(pcap);
    assert.equal(r.error?.offset, 24 + 8);
    // Not a capture at all
    r = parseCaptureBuffer(Buffer.from('GET / HTTP/1.1\r\n'));
    assert.equal(r.error?.offset, 0);
    assert.equal(parseCaptureBuffer(Buffer.alloc(0)).error?.offset, 0);
  });

  test('async iteration throws after yielding the packets before the damage', async () => {
    const good = handBuiltPcapng();
    const full = parseCaptureBuffer(good).packets;
    const cut = full[3].offset + 10;
    const seen: CapturePacket[] = [];
    await assert.rejects(async () => {
      for await (const p of readCaptureStream(Readable.from([good.subarray(0, 100), good.subarray(100, cut)]))) seen.push(p);
    }, (e: unknown) => e instanceof CaptureFormatError && e.offset === full[3].offset);
    assert.equal(seen.length, 3);
  });

  test('memory stays bounded while 100 MB stream through', async () => {
    const w = new PcapWriter({ linkType: 1 });
    const frame = Buffer.alloc(493, 0x55); // odd size: records straddle every chunk boundary
    const perChunk = 130;
    const chunks = 1600; // ~ 100 MB in total
    async function* source(): AsyncGenerator<Buffer> {
      yield w.header();
      const record = w.packet(frame, { seconds: 1, nanoseconds: 2 });
      const block = Buffer.concat(Array.from({ length: perChunk }, () => record));
      for (let i = 0; i < chunks; i++) {
        // hand out the block in uneven pieces, as a socket or file stream would
        yield block.subarray(0, 1000);
        yield block.subarray(1000, 40000);
        yield block.subarray(40000);
      }
    }
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let packets = 0;
    let peak = 0;
    for await (const batch of readCaptureBatches(source())) {
      packets += batch.length;
      if (packets % 50000 < batch.length) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    assert.equal(packets, perChunk * chunks);
    assert.ok(peak < 16 * 1024 * 1024, `heap grew by ${peak} bytes while streaming`);
  });

  test('a partial record does not get copied again and again (bounded, linear buffering)', () => {
    const reader = new CaptureReader();
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt32LE(1 << 22, 16);
    header.writeUInt32LE(1, 20);
    reader.feed(header);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(4 << 20, 8);
    rec.writeUInt32LE(4 << 20, 12);
    reader.feed(rec);
    let got = 0;
    for (let i = 0; i < 1024; i++) got += reader.feed(Buffer.alloc(4096)).length;
    assert.equal(got, 1);
    assert.equal(reader.end(), undefined);
  });
});
