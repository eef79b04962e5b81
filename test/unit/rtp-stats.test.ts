// rtp stats on a generated stream with known loss, reordering, a duplicate and jitter, checked
// against the RFC 3550 formulas (§6.4.1, §A.3, §A.8) computed here from the plan, and against
// tshark's `-z rtp,streams` on the same pcap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpTracker, estimateMos, parseRtpHeader, type RtpReport } from '../../nodes/common/rtp';
import { planRtpStream, rtpFrame, rtpPcap, type RtpStreamPlan } from '../helpers/rtp-stream';
import { requireCommands } from '../helpers/real';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'wirescope-rtp-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

function run(plan: RtpStreamPlan, tracker = new RtpTracker({ reportInterval: 0 })): RtpReport {
  for (const p of plan.packets) {
    const reports = tracker.add(rtpFrame(plan, p), 1, p.seconds, p.nanoseconds);
    assert.deepEqual(reports, []);
  }
  const [end] = tracker.flush();
  return end;
}

/** §A.8 straight from the RFC text, in arrival order, with J in timestamp units. */
function rfcJitter(plan: RtpStreamPlan): { final: number; max: number; mean: number } {
  let transit: number | undefined;
  let j = 0;
  let max = 0;
  let sum = 0;
  let n = 0;
  const unwrap = (ts: number) => (ts < 0x8000_0000 ? ts + 2 ** 32 : ts); // the plan starts just below 2^32
  for (const p of plan.packets) {
    // Arrival in timestamp units from seconds and nanoseconds separately, to keep every digit.
    const arrival = (p.seconds - plan.packets[0].seconds) * 8000 + (p.nanoseconds * 8000) / 1e9;
    const t = arrival - unwrap(p.rtpTimestamp);
    if (transit !== undefined) {
      const d = t - transit;
      j += (Math.abs(d) - j) / 16;
      max = Math.max(max, j);
      sum += j;
      n += 1;
    }
    transit = t;
  }
  const ms = (units: number) => (units / 8000) * 1000;
  return { final: ms(j), max: ms(max), mean: ms(sum / n) };
}

test('sequence figures follow RFC 3550 §A.1/§A.3 across a sequence and timestamp wrap', () => {
  const plan = planRtpStream();
  const report = run(plan);
  // The plan: 600 sent, 4 lost (50, 51, 52, 300), 100/101 swapped, 200 duplicated.
  assert.equal(report.packets, 597);
  assert.equal(report.expected, 600);
  assert.equal(report.lost, 3); // §A.3: expected − received, duplicates included in received
  assert.equal(report.missing, 4);
  assert.equal(report.duplicates, 1);
  assert.equal(report.reordered, 1);
  assert.equal(report.ssrc, 0x1234abcd);
  assert.deepEqual([report.sourceAddress, report.sourcePort, report.destinationAddress, report.destinationPort], ['192.0.2.10', 40000, '198.51.100.20', 5004]);
  assert.equal(report.kind, 'end');
  assert.ok(!('payload' in report));
});

test('interarrival jitter equals §A.8 computed independently, to the nanosecond timestamps', () => {
  const plan = planRtpStream();
  const report = run(plan);
  const expected = rfcJitter(plan);
  assert.ok(Math.abs(report.jitterMs! - expected.final) < 1e-6, `${report.jitterMs} vs ${expected.final}`);
  assert.ok(Math.abs(report.maxJitterMs! - expected.max) < 1e-6);
  assert.ok(Math.abs(report.meanJitterMs! - expected.mean) < 1e-6);
});

test('packets, loss and jitter match tshark -z rtp,streams on the same pcap', (t) => {
  if (!requireCommands(t, 'tshark')) return;
  const plan = planRtpStream({ seed: 7, lose: [10, 11, 400, 401, 402, 555], swap: [20, 300], duplicate: [30, 31] });
  const file = join(dir, 'rtp.pcap');
  writeFileSync(file, rtpPcap(plan));
  const out = execFileSync('tshark', ['-r', file, '-q', '-d', `udp.port==${plan.destinationPort},rtp`, '-z', 'rtp,streams'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 });
  const line = out.split('\n').find((l) => l.includes('0x1234ABCD'));
  assert.ok(line, out);
  // ... Payload Pkts Lost (pct) MinDelta MeanDelta MaxDelta MinJitter MeanJitter MaxJitter [Problems]
  const m = /g711U\s+(\d+)\s+(-?\d+) \([^)]*\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
  assert.ok(m, line);
  const [pkts, lost, , , , , meanJitter, maxJitter] = m.slice(1).map(Number);
  const report = run(plan);
  assert.equal(report.packets, pkts);
  assert.equal(report.lost, lost);
  // tshark prints three decimals.
  assert.ok(Math.abs(report.maxJitterMs! - maxJitter) <= 0.0005 + 1e-9, `max jitter ${report.maxJitterMs} vs tshark ${maxJitter}`);
  assert.ok(Math.abs(report.meanJitterMs! - meanJitter) <= 0.0005 + 1e-9, `mean jitter ${report.meanJitterMs} vs tshark ${meanJitter}`);
});

test('periodic reports by capture time, end of stream after the idle timeout', () => {
  const plan = planRtpStream({ lose: [], swap: [], duplicate: [] });
  const tracker = new RtpTracker({ reportInterval: 2, idleTimeout: 1 });
  const reports: RtpReport[] = [];
  for (const p of plan.packets) reports.push(...tracker.add(rtpFrame(plan, p), 1, p.seconds, p.nanoseconds));
  // 600 packets × 20 ms = 12 s of capture time: reports at 2, 4, 6, 8, 10 s (+ first-packet time).
  assert.deepEqual(reports.map((r) => r.kind), ['periodic', 'periodic', 'periodic', 'periodic', 'periodic']);
  const last = plan.packets[plan.packets.length - 1];
  const ended = tracker.expire(last.seconds + 5);
  assert.equal(ended.length, 1);
  assert.equal(ended[0].kind, 'end');
  assert.equal(ended[0].packets, 600);
  assert.equal(tracker.streamCount, 0);
});

test('RTP header: version, CSRC list, extension and padding are honoured; RTCP is not RTP', () => {
  const h = Buffer.alloc(12 + 8 + 8 + 10 + 4);
  h[0] = 0x80 | 0x20 | 0x10 | 2; // V=2, P, X, CC=2
  h[1] = 0x80 | 96;
  h.writeUInt16BE(1, 12 + 8 + 2); // extension length: 1 word
  h[h.length - 1] = 4; // 4 padding octets
  const parsed = parseRtpHeader(h)!;
  assert.equal(parsed.headerLength, 12 + 8 + 4 + 4);
  assert.equal(parsed.payloadLength, h.length - 28 - 4);
  assert.equal(parsed.marker, true);
  assert.equal(parsed.payloadType, 96);
  const rtcp = Buffer.from('81c8000c' + '00'.repeat(48), 'hex'); // sender report, PT 200
  assert.equal(parseRtpHeader(rtcp), undefined);
  assert.equal(parseRtpHeader(Buffer.from('40000000' + '00'.repeat(8), 'hex')), undefined); // version 1
});

test('MOS: G.107 Annex B mapping and the E-model losses it is built on', () => {
  // No loss, d = 20 ms: R = 93.2 − 0.48 = 92.72; MOS = 1 + 0.035R + R(R−60)(100−R)·7e-6 (G.107 Annex B).
  const clean = estimateMos(0, 0, 0, 20);
  const r = 93.2 - 0.024 * 20;
  assert.equal(clean.r, Math.round(r * 10) / 10);
  assert.equal(clean.mos, Math.round((1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6) * 100) / 100);
  // 5% random loss on G.711 without PLC: Ie,eff = 95·5/(5+4.3) (G.107 §7.4, G.113 App. I Bpl = 4.3).
  assert.equal(estimateMos(0, 5, 0, 20).r, Math.round((r - (95 * 5) / 9.3) * 10) / 10);
  assert.ok(estimateMos(18, 0, 0, 20).mos < clean.mos, 'G.729 has an equipment impairment');
  assert.equal(estimateMos(0, 100, 200, 400).mos, 1);
});

test('mutated and truncated frames never throw (seeded fuzz)', () => {
  const plan = planRtpStream({ count: 50, lose: [5], swap: [10], duplicate: [20] });
  let seed = 99;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const tracker = new RtpTracker();
  for (let i = 0; i < 20000; i++) {
    const p = plan.packets[rand(plan.packets.length)];
    let frame = Buffer.from(rtpFrame(plan, p));
    for (let k = rand(4); k > 0; k--) frame[rand(frame.length)] = rand(256);
    if (rand(3) === 0) frame = frame.subarray(0, rand(frame.length));
    tracker.add(frame, 1, p.seconds, p.nanoseconds);
  }
  const c = tracker.counters;
  assert.equal(c.frames, 20000);
  assert.equal(c.rtp + c.notRtp + c.notUdp + c.portFiltered + c.tooManyStreams, c.frames, 'every frame is accounted for');
});

test('a capture-path gap is told apart from network loss: the next jump of each stream is attributed to it', () => {
  // Network loss: packets 50-52 and 300 (the plan's default). Capture-path loss: packets 400-409
  // are dropped here, after capture, and the tracker is told of a gap before the next packet.
  const plan = planRtpStream({ swap: [], duplicate: [] });
  const tracker = new RtpTracker({ reportInterval: 0 });
  const capturedLoss = new Set(Array.from({ length: 10 }, (_, i) => 400 + i));
  let gapPending = false;
  for (const p of plan.packets) {
    const index = (p.sequence - 65000 + 65536) % 65536;
    if (capturedLoss.has(index)) { gapPending = true; continue; }
    if (gapPending) { tracker.captureGap(); gapPending = false; }
    tracker.add(rtpFrame(plan, p), 1, p.seconds, p.nanoseconds);
  }
  const [end] = tracker.flush();
  assert.equal(end.missing, 14);
  assert.equal(end.captureMissing, 10);
  assert.equal(end.networkMissing, 4);
});
