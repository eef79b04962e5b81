// IpReassembler against tshark's own reassembly (ip.defragment / ipv6.defragment) on crafted
// fragment trains: in order, out of order, interleaved, duplicated, overlapping, incomplete.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { IpReassembler, LinkType, dissect } from '../../nodes/common/packet';
import type { ReassembledDatagram } from '../../nodes/common/packet';
import { parseCaptureBuffer } from '../../nodes/common/pcap';
import { requireCommands } from '../helpers/real';
import { makeTempDir, text2pcap, tsharkFields } from '../fixtures/pcap/tools';
import * as F from '../fixtures/pcap/frames';

const tmp = makeTempDir();
after(() => tmp.remove());

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Splits an upper-layer segment into IPv4 fragments of `size` bytes (a multiple of 8). */
function v4Fragments(id: number, segment: Buffer, size: number, proto = 17): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < segment.length; off += size) {
    const more = off + size < segment.length;
    out.push(F.eth(0x0800, F.ipv4('192.0.2.1', '192.0.2.2', proto, segment.subarray(off, off + size), { id, flags: more ? 1 : 0, fragOffset8: off / 8 })));
  }
  return out;
}

function v6Fragments(id: number, segment: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < segment.length; off += size) {
    const more = off + size < segment.length;
    out.push(F.eth(0x86dd, F.ipv6(F.V6_A, F.V6_B, 44, Buffer.concat([F.fragHdr(17, off, more, id), segment.subarray(off, off + size)]))));
  }
  return out;
}

function runOurs(file: string, r: IpReassembler): (ReassembledDatagram | undefined)[] {
  const cap = parseCaptureBuffer(readFileSync(file));
  return cap.packets.map((p) => r.push(dissect(p.data, p.linkType), p.timestamp.ms));
}

describe('IpReassembler vs tshark', () => {
  test('IPv4: in order, reversed, interleaved, duplicate, conflicting overlap, incomplete', (t) => {
    if (!requireCommands(t, 'text2pcap', 'tshark')) return;
    const a = v4Fragments(0x1001, F.udp(1111, 2222, pattern(3000, 1)), 1480);
    const b = v4Fragments(0x1002, F.udp(3333, 4444, pattern(2000, 2)), 1000).reverse();
    const c = v4Fragments(0x1003, F.tcp(80, 8080, 0x18, pattern(1500, 3)), 504, 6);
    const dup = v4Fragments(0x1004, F.udp(5, 6, pattern(1200, 4)), 800);
    const conflict = v4Fragments(0x1005, F.udp(7, 8, pattern(1600, 5)), 808);
    // same offset and length as the first fragment but different bytes
    const bad = Buffer.from(conflict[0]);
    bad[bad.length - 1] ^= 0xff;
    const incomplete = v4Fragments(0x1006, F.udp(9, 10, pattern(3000, 6)), 1000).slice(0, 2);
    const frames = [a[0], b[0], c[0], a[1], c[1], dup[0], dup[0], b[1], c[2], incomplete[0], a[2], conflict[0], bad, conflict[1], dup[1], incomplete[1], b[2], c[3]];
    const file = tmp.path('v4frag.pcap');
    text2pcap(frames, LinkType.ETHERNET, file);
    const rows = tsharkFields(file, ['ip.reassembled.length', 'ip.reassembled.data', 'ip.fragment.count', 'udp.srcport', 'tcp.srcport', 'ip.fragment.overlap.conflict'], {
      occurrence: 'f',
      prefs: ['ip.defragment:TRUE'],
    });
    const r = new IpReassembler();
    const ours = runOurs(file, r);
    const conflicted = new Set<number>();
    rows.forEach((row, i) => {
      if (row[5] !== '') conflicted.add(i);
    });
    assert.ok(conflicted.size > 0, 'tshark sees the conflicting overlap');
    rows.forEach((row, i) => {
      const d = ours[i];
      if (row[0] === '' || conflicted.has(i)) {
        assert.equal(d, undefined, `frame ${i + 1}: nothing completes here`);
        return;
      }
      assert.ok(d, `frame ${i + 1}: tshark reassembled ${row[0]} bytes here`);
      assert.equal(d.payload.length, Number(row[0]));
      assert.equal(d.payload.toString('hex'), row[1].replace(/:/g, ''));
      // tshark counts the repeated fragment of datagram 0x1004 too; we count distinct fragments.
      assert.equal(d.fragmentCount, Number(row[2]) - (d.identification === 0x1004 ? 1 : 0));
      const l4 = d.packet.udp ?? d.packet.tcp;
      assert.equal(String(l4?.sourcePort), row[3] || row[4]);
      assert.deepEqual(d.packet.errors, []);
    });
    // Our policy for conflicting overlaps is to drop the datagram (RFC 5722's rule, applied to IPv4 too).
    assert.equal(r.counters.reassembled, 4);
    assert.equal(r.counters.droppedOverlap, 1);
    assert.equal(r.counters.duplicates, 1);
    assert.equal(r.inProgress, 2); // the incomplete one, and the conflict's second fragment restarted it
  });

  test('IPv6: fragment header after the fixed header, out of order', (t) => {
    if (!requireCommands(t, 'text2pcap', 'tshark')) return;
    const a = v6Fragments(0xabcdef01, F.udp(5353, 5353, pattern(4000, 7)), 1232);
    const b = v6Fragments(0x00000002, F.udp(1, 2, pattern(100, 8)), 56).reverse();
    const frames = [a[1], b[0], a[0], a[3], b[1], a[2]];
    const file = tmp.path('v6frag.pcap');
    text2pcap(frames, LinkType.ETHERNET, file);
    const rows = tsharkFields(file, ['ipv6.reassembled.length', 'ipv6.reassembled.data', 'ipv6.fragment.count', 'udp.srcport', 'udp.length'], {
      occurrence: 'f',
      prefs: ['ipv6.defragment:TRUE'],
    });
    const r = new IpReassembler();
    const ours = runOurs(file, r);
    let completed = 0;
    rows.forEach((row, i) => {
      const d = ours[i];
      if (row[0] === '') {
        assert.equal(d, undefined, `frame ${i + 1}`);
        return;
      }
      completed++;
      assert.ok(d, `frame ${i + 1}: tshark reassembled here`);
      assert.equal(d.family, 6);
      assert.equal(d.payload.toString('hex'), row[1].replace(/:/g, ''));
      assert.equal(d.fragmentCount, Number(row[2]));
      assert.equal(String(d.packet.udp?.sourcePort), row[3]);
      assert.equal(String(d.packet.udp?.length), row[4]);
      assert.equal(d.packet.ipv6?.source, '2001:db8::1');
    });
    assert.equal(completed, 2);
    assert.equal(r.counters.reassembled, 2);
  });
});

test('IPv6: extension headers before the Fragment header stay in the rebuilt packet (RFC 8200 4.5)', (t) => {
  if (!requireCommands(t, 'text2pcap', 'tshark')) return;
  // The original packet: fixed header, Hop-by-Hop (0), Destination Options (60), UDP.
  const segment = F.udp(4000, 4001, pattern(2500, 9));
  const dstOpts = F.ext(17, Buffer.alloc(6));
  const hopByHop = F.ext(60, Buffer.from([1, 4, 0, 0, 0, 0])); // PadN
  const original = F.ipv6(F.V6_A, F.V6_B, 0, Buffer.concat([hopByHop, dstOpts, segment]));
  // Fragmented as RFC 8200 4.5 says: the unfragmentable part (fixed header, Hop-by-Hop) leads every
  // fragment, then the Fragment header; with no Routing header, Destination Options belongs to the
  // fragmentable part.
  const fragmentable = Buffer.concat([dstOpts, segment]);
  const frames: Buffer[] = [];
  for (let off = 0; off < fragmentable.length; off += 1232) {
    const more = off + 1232 < fragmentable.length;
    const hop = F.ext(44, Buffer.from([1, 4, 0, 0, 0, 0]));
    frames.push(F.eth(0x86dd, F.ipv6(F.V6_A, F.V6_B, 0, Buffer.concat([hop, F.fragHdr(60, off, more, 0x5a5a), fragmentable.subarray(off, off + 1232)]))));
  }
  const file = tmp.path('v6frag-ext.pcap');
  text2pcap(frames.reverse(), LinkType.ETHERNET, file);
  const rows = tsharkFields(file, ['ipv6.reassembled.data', 'udp.srcport'], { occurrence: 'f', prefs: ['ipv6.defragment:TRUE'] });
  const r = new IpReassembler();
  const ours = runOurs(file, r);
  const done = ours.findIndex((d) => d !== undefined);
  assert.ok(done >= 0, 'the datagram completes');
  const d = ours[done]!;
  assert.equal(d.payload.toString('hex'), rows[done][0].replace(/:/g, ''), 'fragmentable part as tshark reassembles it');
  assert.equal(String(d.packet.udp?.sourcePort), rows[done][1]);
  // Reassembly gives back the original packet, byte for byte: Hop-by-Hop kept, naming Destination Options.
  assert.equal(d.datagram.toString('hex'), original.toString('hex'));
  assert.deepEqual(d.packet.ipv6?.extensions.map((e) => e.type), [0, 60]);
  assert.deepEqual(d.packet.errors, []);
});

describe('IpReassembler limits (counters as documented)', () => {
  const frag = (id: number, off: number, more: boolean, len = 64) =>
    dissect(F.ipv4('10.0.0.1', '10.0.0.2', 17, F.bytes(len), { id, flags: more ? 1 : 0, fragOffset8: off / 8 }), LinkType.IPV4);

  test('maxDatagrams drops the oldest datagram', () => {
    const r = new IpReassembler({ maxDatagrams: 2 });
    r.push(frag(1, 0, true), 0);
    r.push(frag(2, 0, true), 1);
    r.push(frag(3, 0, true), 2);
    assert.equal(r.counters.droppedDatagramLimit, 1);
    assert.equal(r.inProgress, 2);
    assert.equal(r.push(frag(1, 64, false), 3), undefined, 'datagram 1 was dropped');
    assert.ok(r.push(frag(3, 64, false), 4), 'datagram 3 completes');
  });

  test('maxBytes bounds what is held', () => {
    const r = new IpReassembler({ maxBytes: 200 });
    r.push(frag(1, 0, true, 96), 0);
    r.push(frag(2, 0, true, 96), 0);
    assert.equal(r.bytesHeld, 192);
    r.push(frag(3, 0, true, 96), 0);
    assert.ok(r.bytesHeld <= 200);
    assert.equal(r.counters.droppedByteLimit, 1);
  });

  test('timeout expires datagrams', () => {
    const r = new IpReassembler({ timeoutMs: 1000 });
    r.push(frag(1, 0, true), 0);
    r.push(frag(2, 0, true), 500);
    assert.equal(r.expire(1200), 1);
    assert.equal(r.counters.expired, 1);
    assert.equal(r.push(frag(1, 64, false), 1300), undefined);
    assert.ok(r.push(frag(2, 64, false), 1300));
    assert.equal(r.inProgress, 1); // the lone last fragment of datagram 1 waits for its first
  });

  test('invalid fragments are counted, not thrown', () => {
    const r = new IpReassembler();
    r.push(frag(1, 0, true, 60), 0); // not a multiple of 8 while more fragments follow
    r.push(frag(2, 65528, false, 64), 0); // past 65535
    assert.equal(r.counters.invalid, 2);
    assert.equal(r.inProgress, 0);
    assert.equal(r.push(dissect(F.ipv4('10.0.0.1', '10.0.0.2', 17, F.udp(1, 2, F.bytes(3))), LinkType.IPV4)), undefined);
  });
});
