// Writer round trips: what PcapWriter / PcapngWriter produce is read back by tshark, capinfos
// and editcap with the same frames, bytes, lengths, timestamps, interfaces and comments.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { PcapWriter, PcapngWriter, parseCaptureBuffer } from '../../nodes/common/pcap';
import { requireCommands } from '../helpers/real';
import { capinfosCount, makeTempDir, tsharkFields } from '../fixtures/pcap/tools';
import * as F from '../fixtures/pcap/frames';

const tmp = makeTempDir();
after(() => tmp.remove());

interface Input {
  data: Buffer;
  seconds: number;
  nanoseconds: number;
}

function inputs(): Input[] {
  const frames = [
    F.eth(0x0800, F.ipv4('10.0.0.1', '10.0.0.2', 17, F.udp(1000, 53, F.bytes(30)))),
    F.eth(0x86dd, F.ipv6(F.V6_A, F.V6_B, 6, F.tcp(1, 2, 0x18, F.bytes(1)))),
    F.eth(0x0800, F.ipv4('10.0.0.3', '10.0.0.4', 1, F.icmp(8, 0, F.bytes(1000, 0x5a)))),
    F.eth(0x0806, F.bytes(28, 1)),
  ];
  // Times chosen to hit a 9-digit fraction, a value past 2038 and the epoch itself.
  const times: [number, number][] = [
    [1700000000, 123456789],
    [1700000001, 999999999],
    [4102444800, 1000],
    [0, 0],
  ];
  return frames.map((data, i) => ({ data, seconds: times[i][0], nanoseconds: times[i][1] }));
}

/** tshark's view of each frame: raw bytes (from -T json -x) plus a few frame fields. */
function tsharkFrames(file: string): { raw: string; len: number; capLen: number; epoch: string; iface: string; comment: string }[] {
  const json = JSON.parse(execFileSync('tshark', ['-r', file, '-T', 'json', '-x'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 })) as {
    _source: { layers: { frame_raw: [string, ...unknown[]] } };
  }[];
  const rows = tsharkFields(file, ['frame.len', 'frame.cap_len', 'frame.time_epoch', 'frame.interface_name', 'frame.comment']);
  return json.map((j, i) => ({
    raw: j._source.layers.frame_raw[0],
    len: Number(rows[i][0]),
    capLen: Number(rows[i][1]),
    epoch: rows[i][2],
    iface: rows[i][3],
    comment: rows[i][4],
  }));
}

const epoch = (s: number, ns: number, digits: number) => `${s}.${String(Math.floor(ns / 10 ** (9 - digits))).padStart(digits, '0').padEnd(9, '0')}`;

describe('PcapWriter', () => {
  for (const nanosecond of [false, true]) {
    for (const bigEndian of [false, true]) {
      test(`${nanosecond ? 'nanosecond' : 'microsecond'} ${bigEndian ? 'big' : 'little'}-endian`, (t) => {
        if (!requireCommands(t, 'tshark', 'capinfos', 'editcap')) return;
        const w = new PcapWriter({ linkType: 1, nanosecond, bigEndian, snapLength: 512 });
        const file = tmp.path(`w-${nanosecond}-${bigEndian}.pcap`);
        const ins = inputs();
        writeFileSync(file, Buffer.concat([w.header(), ...ins.map((x) => w.packet(x.data, { seconds: x.seconds, nanoseconds: x.nanoseconds }))]));
        assert.equal(capinfosCount(file), ins.length);
        const got = tsharkFrames(file);
        ins.forEach((x, i) => {
          const cut = x.data.subarray(0, 512);
          assert.equal(got[i].raw, cut.toString('hex'), `frame ${i + 1} bytes`);
          assert.equal(got[i].len, x.data.length);
          assert.equal(got[i].capLen, cut.length);
          assert.equal(got[i].epoch, epoch(x.seconds, x.nanoseconds, nanosecond ? 9 : 6));
        });
        // editcap rewrites it as pcapng; both files hold the same frames.
        const ng = tmp.path(`w-${nanosecond}-${bigEndian}.pcapng`);
        execFileSync('editcap', ['-F', 'pcapng', file, ng], { stdio: 'ignore' });
        assert.deepEqual(
          parseCaptureBuffer(readFileSync(ng)).packets.map((p) => p.data.toString('hex')),
          got.map((g) => g.raw),
        );
      });
    }
  }
});

describe('PcapngWriter', () => {
  for (const bigEndian of [false, true]) {
    test(`two interfaces (us + ns), names, comments, flags, snap length, ${bigEndian ? 'big' : 'little'}-endian`, (t) => {
      if (!requireCommands(t, 'tshark', 'capinfos')) return;
      const w = new PcapngWriter({
        bigEndian,
        userApplication: 'wirescope test',
        comment: 'written by PcapngWriter',
        interfaces: [
          { linkType: 1, name: 'eth0' },
          { linkType: 101, name: 'tun0', resolution: 'ns', snapLength: 40 },
        ],
      });
      const ins = inputs();
      const file = tmp.path(`w-${bigEndian}.pcapng`);
      const records: Buffer[] = [w.header()];
      ins.forEach((x, i) => {
        const ts = { seconds: x.seconds, nanoseconds: x.nanoseconds };
        records.push(w.packet(x.data, ts, { interfaceId: 0, comment: i === 0 ? 'first' : undefined, flags: i === 1 ? 2 : undefined }));
        records.push(w.packet(x.data.subarray(14), ts, { interfaceId: 1 }));
      });
      writeFileSync(file, Buffer.concat(records));
      assert.equal(capinfosCount(file), ins.length * 2);
      const got = tsharkFrames(file);
      ins.forEach((x, i) => {
        const eth = got[2 * i];
        const raw = got[2 * i + 1];
        assert.equal(eth.raw, x.data.toString('hex'));
        assert.equal(eth.iface, 'eth0');
        assert.equal(eth.epoch, epoch(x.seconds, x.nanoseconds, 6));
        assert.equal(eth.comment, i === 0 ? 'first' : '');
        assert.equal(raw.raw, x.data.subarray(14, 14 + 40).toString('hex'));
        assert.equal(raw.len, x.data.length - 14);
        assert.equal(raw.iface, 'tun0');
        assert.equal(raw.epoch, epoch(x.seconds, x.nanoseconds, 9));
      });
      const flags = tsharkFields(file, ['frame.packet_flags_direction'], { filter: 'frame.number == 3' });
      assert.equal(Number(flags[0][0]), 2); // epb_flags bits 0-1: 2 = outbound
    });
  }

  test('Date and millisecond timestamps', (t) => {
    if (!requireCommands(t, 'tshark')) return;
    const w = new PcapWriter();
    const file = tmp.path('dates.pcap');
    const d = new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 250));
    writeFileSync(file, Buffer.concat([w.header(), w.packet(F.bytes(60), d), w.packet(F.bytes(60), 1700000000123.5)]));
    const rows = tsharkFields(file, ['frame.time_epoch']);
    assert.deepEqual(
      rows.map((r) => r[0]),
      [`${d.getTime() / 1000}`.replace(/\.(\d+)$/, (_, f: string) => '.' + f.padEnd(9, '0')), '1700000000.123500000'],
    );
  });
});
