// Robustness: thousands of truncated and mutated variants of real captures (seeded PRNG, so a
// failure reproduces) through the reader, the dissectors and the reassembler. Nothing may
// throw, every result must stay inside its input, and memory must not grow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CaptureFormatError, CaptureReader, PcapngWriter, parseCaptureBuffer } from '../../nodes/common/pcap';
import { IpReassembler, LinkType, MAX_TUNNEL_DEPTH, dissect, dissectL2L4 } from '../../nodes/common/packet';
import type { Packet } from '../../nodes/common/packet';
import { hasCommand } from '../helpers/real';
import { makeTempDir, text2pcap } from '../fixtures/pcap/tools';
import * as F from '../fixtures/pcap/frames';

const tmp = makeTempDir();
after(() => tmp.remove());

/** xorshift32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src);
  switch (rnd() % 5) {
    case 0: // truncate
      return b.subarray(0, rnd() % (b.length + 1));
    case 1: // flip a few bytes
      for (let i = 0, n = 1 + (rnd() % 8); i < n && b.length; i++) b[rnd() % b.length] ^= 1 + (rnd() % 255);
      return b;
    case 2: {
      // plant a large or boundary 32-bit value (lengths, counts)
      const values = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 12, 16, 28, 65535, 65536];
      if (b.length >= 4) {
        const at = rnd() % (b.length - 3);
        const v = values[rnd() % values.length];
        if (rnd() & 1) b.writeUInt32LE(v >>> 0, at);
        else b.writeUInt32BE(v >>> 0, at);
      }
      return b;
    }
    case 3: {
      // splice: repeat a random region
      const a = rnd() % (b.length + 1);
      const e = Math.min(b.length, a + (rnd() % 200));
      return Buffer.concat([b.subarray(0, e), b.subarray(a, e), b.subarray(e)]);
    }
    default: // cut and random tail
      return Buffer.concat([b.subarray(0, rnd() % (b.length + 1)), Buffer.from(Array.from({ length: rnd() % 64 }, () => rnd() & 0xff))]);
  }
}

function heapAfterGc(): number {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const HANG_GUARD_MS = 5000; // a hang detector, not a speed check (figures live in bench/)

function sources(): Buffer[] {
  const out: Buffer[] = [];
  const corpus = join(__dirname, '../../../shared/corpus/tcpdump/pcap-container-formats');
  if (existsSync(corpus)) for (const f of readdirSync(corpus)) out.push(readFileSync(join(corpus, f)));
  const w = new PcapngWriter({ interfaces: [{ linkType: 1, name: 'a' }, { linkType: 113, resolution: 'ns' }], comment: 'fuzz' });
  out.push(
    Buffer.concat([
      w.header(),
      w.packet(F.eth(0x0800, F.ipv4('1.2.3.4', '5.6.7.8', 17, F.udp(1, 4789, F.vxlan(1, F.eth(0x86dd, F.ipv6(F.V6_A, F.V6_B, 0, F.ext(6, Buffer.alloc(6)))))))), 1, { comment: 'x' }),
      w.packet(F.sll(0x0800, F.ipv4('1.2.3.4', '5.6.7.8', 47, F.gre(0x6558, F.eth(0x0800, F.ipv4('9.9.9.9', '8.8.8.8', 6, F.tcp(1, 2, 2, F.bytes(5))))))), 2, { interfaceId: 1 }),
    ]),
  );
  return out;
}

function frames(): { data: Buffer; linkType: number }[] {
  const list: { data: Buffer; linkType: number }[] = [];
  for (const s of sources()) for (const p of parseCaptureBuffer(s).packets) list.push({ data: p.data, linkType: p.linkType });
  list.push({ data: F.ipv6(F.V6_A, F.V6_B, 44, Buffer.concat([F.fragHdr(17, 0, true, 5), F.udp(1, 2, F.bytes(16))])), linkType: LinkType.IPV6 });
  list.push({ data: F.ipv4('10.0.0.1', '10.0.0.2', 17, F.udp(1, 2, F.bytes(24)), { flags: 1, id: 9 }), linkType: LinkType.IPV4 });
  list.push({ data: F.sll2(0x86dd, F.ipv6(F.V6_A, F.V6_B, 51, Buffer.concat([F.ah(58, 12), F.icmp(128, 0, F.bytes(8))]))), linkType: LinkType.LINUX_SLL2 });
  list.push({ data: Buffer.concat([Buffer.from([2, 0, 0, 0]), F.ipv4('10.0.0.1', '10.0.0.2', 1, F.icmp(8, 0, F.bytes(8)))]), linkType: LinkType.NULL });
  return list;
}

function depth(p: Packet): number {
  return p.inner ? 1 + depth(p.inner) : 0;
}

function checkPacket(p: Packet, frame: Buffer): void {
  for (const e of p.errors) assert.ok(e.offset >= 0 && e.offset <= frame.length, `error offset ${e.offset} within ${frame.length}`);
  assert.ok(p.payload.length <= frame.length);
  assert.ok(depth(p) <= MAX_TUNNEL_DEPTH);
}

describe('fuzz', () => {
  let extra: Buffer[] = [];
  before(() => {
    // A capture from text2pcap (Ethernet frames with VLANs, fragments, tunnels) when available.
    if (!hasCommand('text2pcap') || !hasCommand('editcap')) return;
    const file = tmp.path('seed.pcap');
    text2pcap([F.eth(0x0800, F.ipv4('10.0.0.1', '10.0.0.2', 47, F.gre(0x0800, F.ipv4('1.1.1.1', '2.2.2.2', 17, F.udp(1, 2, F.bytes(9))), { key: 5 })), [{ tpid: 0x8100, tci: 3 }])], 1, file);
    execFileSync('editcap', ['-F', 'pcapng', file, file + 'ng'], { stdio: 'ignore' });
    extra = [readFileSync(file), readFileSync(file + 'ng')];
  });

  test('reader: 6000 mutated captures, whole and chunked', () => {
    const rnd = prng(0xc0ffee);
    const srcs = [...sources(), ...extra];
    const heapBefore = heapAfterGc();
    let errors = 0;
    for (let i = 0; i < 6000; i++) {
      const input = mutate(srcs[i % srcs.length], rnd);
      const started = Date.now();
      const r = parseCaptureBuffer(input, { maxPacketLength: 1 << 20 });
      if (r.error) {
        errors++;
        assert.ok(r.error instanceof CaptureFormatError);
        assert.ok(r.error.offset >= 0 && r.error.offset <= input.length, `offset ${r.error.offset} of ${input.length}`);
      }
      for (const p of r.packets) {
        assert.equal(p.data.length, p.capturedLength);
        assert.ok(p.offset < input.length);
        assert.ok(Number.isInteger(p.timestamp.nanoseconds) && p.timestamp.nanoseconds >= 0 && p.timestamp.nanoseconds < 1e9);
      }
      // Chunked feeding gives the same packets and the same error offset.
      const reader = new CaptureReader({ maxPacketLength: 1 << 20 });
      let n = 0;
      for (let pos = 0; pos < input.length; ) {
        const k = 1 + (rnd() % 97);
        n += reader.feed(input.subarray(pos, pos + k)).length;
        pos += k;
      }
      const err = reader.end();
      assert.equal(n, r.packets.length, `variant ${i}: chunked packet count`);
      assert.equal(err?.offset, r.error?.offset, `variant ${i}: chunked error offset`);
      assert.ok(Date.now() - started < HANG_GUARD_MS);
    }
    assert.ok(errors > 1000, `most variants are broken (${errors})`);
    const growth = heapAfterGc() - heapBefore;
    assert.ok(growth < 32 * 1024 * 1024, `heap grew ${growth} bytes`);
  });

  test('dissectors and reassembler: 20000 mutated frames on every link type', () => {
    const rnd = prng(1234567);
    const list = frames();
    const linkTypes = [0, 1, 101, 108, 113, 228, 229, 276, 147];
    const reassembler = new IpReassembler({ maxBytes: 1 << 20, maxDatagrams: 64 });
    const heapBefore = heapAfterGc();
    let agreed = 0;
    for (let i = 0; i < 20000; i++) {
      const f = list[i % list.length];
      const data = mutate(f.data, rnd);
      const linkType = rnd() % 4 === 0 ? linkTypes[rnd() % linkTypes.length] : f.linkType;
      const p = dissect(data, linkType);
      checkPacket(p, data);
      const s = dissectL2L4(data, linkType);
      if (p.errors.length === 0 && !p.tunnel && s.ok) {
        agreed++;
        // The fast path agrees with the full walk wherever both succeed.
        const l4 = p.tcp ?? p.udp;
        assert.equal(s.protocol, p.ipv4?.protocol ?? p.ipv6?.protocol ?? -1, `variant ${i}: protocol`);
        assert.equal(s.sourcePort, l4 ? l4.sourcePort : p.icmp ? p.icmp.type : -1, `variant ${i}: source port`);
        assert.equal(s.destinationPort, l4 ? l4.destinationPort : p.icmp ? p.icmp.code : -1, `variant ${i}: destination port`);
        assert.equal(s.vlanId, p.vlans.length ? p.vlans[0].id : -1, `variant ${i}: vlan`);
        if (s.ipVersion !== 0) assert.equal(s.payloadLength, p.payload.length, `variant ${i}: payload length`);
      }
      reassembler.push(p, i);
      assert.ok(reassembler.bytesHeld <= 1 << 20);
    }
    assert.ok(agreed > 5000, `fast path compared on ${agreed} frames`);
    const growth = heapAfterGc() - heapBefore;
    assert.ok(growth < 32 * 1024 * 1024, `heap grew ${growth} bytes`);
  });

  test('tunnels nested deeper than the limit stop with an error', () => {
    let frame = F.eth(0x0800, F.ipv4('10.0.0.1', '10.0.0.2', 17, F.udp(1, 2, F.bytes(4))));
    for (let i = 0; i < 20; i++) frame = F.eth(0x0800, F.ipv4('10.0.0.1', '10.0.0.2', 17, F.udp(1000 + i, 4789, F.vxlan(i, frame))));
    const p = dissect(frame, LinkType.ETHERNET);
    assert.equal(depth(p), MAX_TUNNEL_DEPTH);
    let deepest: Packet = p;
    while (deepest.inner) deepest = deepest.inner;
    assert.equal(deepest.errors[0]?.layer, 'vxlan');
  });
});
