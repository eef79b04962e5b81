import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureProtocolError, captureTopic, decodeCaptureMessage, encodeCaptureData, encodeCaptureEvent, SequenceNumbering, SequenceTracker } from '../../nodes/common/capture-protocol';

const frame = Buffer.from('ffffffffffff0200000000010800450000', 'hex');

test('data message frames follow the layout documented in docs/zmq.md, byte for byte', () => {
  const frames = encodeCaptureData('edge-1', [{ seconds: 0x0102_0304_0506, nanoseconds: 999_999_999, interface: 'eth0', linkType: 1, originalLength: 1514, frame }]);
  assert.equal(frames.length, 3);
  assert.equal(frames[0].toString(), 'data/edge-1/');
  assert.deepEqual(JSON.parse(frames[1].toString()), { v: 1, kind: 'data', source: 'edge-1', count: 1 });
  // Written out by hand from the table in docs/zmq.md: u16 linktype, u48 seconds, u32 ns, u32 orig, u8 len, name, frame.
  const expected = Buffer.concat([
    Buffer.from('0001', 'hex'), Buffer.from('010203040506', 'hex'), Buffer.from('3b9ac9ff', 'hex'),
    Buffer.from('000005ea', 'hex'), Buffer.from([4]), Buffer.from('eth0'), frame,
  ]);
  assert.deepEqual(frames[2], expected);
});

test('data round-trips, several packets, frames are views of the record', () => {
  const packets = [
    { seconds: 1_700_000_000, nanoseconds: 1, interface: 'veth-a', linkType: 1, originalLength: frame.length, frame },
    { seconds: 1_700_000_001, nanoseconds: 500_000_000, interface: '', linkType: 101, originalLength: 9000, frame: Buffer.alloc(0) },
  ];
  const decoded = decodeCaptureMessage(encodeCaptureData('s', packets));
  assert.equal(decoded.kind, 'data');
  assert.equal(decoded.source, 's');
  assert.deepEqual(decoded.kind === 'data' && decoded.packets, packets);
});

test('packed data: one frame of length-prefixed records (docs/zmq.md), decoded like the frame-per-packet form', () => {
  const packets = [
    { seconds: 0x0102_0304_0506, nanoseconds: 999_999_999, interface: 'eth0', linkType: 1, originalLength: 1514, frame },
    { seconds: 1_700_000_001, nanoseconds: 5, interface: '', linkType: 101, originalLength: 9000, frame: Buffer.alloc(0) },
  ];
  const sequence = { session: 'abc', seq: 7 };
  const frames = encodeCaptureData('edge-1', packets, sequence, true);
  assert.equal(frames.length, 3);
  assert.deepEqual(JSON.parse(frames[1].toString()), { v: 1, kind: 'data', source: 'edge-1', session: 'abc', seq: 7, count: 2, packed: true });
  // By hand from docs/zmq.md: u32 record length, then the record as in the frame-per-packet form.
  const first = Buffer.concat([Buffer.from('0001010203040506' + '3b9ac9ff' + '000005ea', 'hex'), Buffer.from([4]), Buffer.from('eth0'), frame]);
  const second = Buffer.concat([Buffer.from('0065' + '00006553f101' + '00000005' + '00002328', 'hex'), Buffer.from([0])]);
  const length = (b: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return l; };
  assert.deepEqual(frames[2], Buffer.concat([length(first), first, length(second), second]));
  assert.deepEqual(decodeCaptureMessage(frames), decodeCaptureMessage(encodeCaptureData('edge-1', packets, sequence)));
  assert.deepEqual(decodeCaptureMessage(frames), { kind: 'data', source: 'edge-1', packets, sequence });
  const empty = encodeCaptureData('edge-1', [], undefined, true);
  assert.deepEqual(decodeCaptureMessage(empty), { kind: 'data', source: 'edge-1', packets: [] });
  // Wrong counts, a record past the end, bytes left over, an extra frame: protocol errors.
  const header = (count: unknown) => Buffer.from(JSON.stringify({ v: 1, kind: 'data', source: 'edge-1', count, packed: true }));
  for (const bad of [
    [frames[0], header(3), frames[2]], [frames[0], header(1), frames[2]], [frames[0], header(1e9), frames[2]], [frames[0], header(-1), frames[2]],
    [frames[0], frames[1], frames[2].subarray(0, frames[2].length - 1)], [frames[0], frames[1], Buffer.concat([frames[2], Buffer.alloc(1)])],
    [frames[0], frames[1], frames[2], frames[2]], [frames[0], frames[1]],
  ]) assert.throws(() => decodeCaptureMessage(bad), CaptureProtocolError);
});

test('event round-trips; topics filter by kind and source prefix', () => {
  const frames = encodeCaptureEvent('edge-1', { type: 'file-rotated', time: 1234, details: { file: 'a.pcap.gz' } });
  assert.equal(frames.length, 2);
  assert.deepEqual(decodeCaptureMessage(frames), { kind: 'event', source: 'edge-1', event: { type: 'file-rotated', time: 1234, details: { file: 'a.pcap.gz' } } });
  assert.ok(frames[0].toString().startsWith(captureTopic('event')));
  assert.ok(frames[0].toString().startsWith(captureTopic('event', 'edge-1')));
  // "edge-1" must not select "edge-10": the trailing separator is part of the prefix.
  assert.ok(!encodeCaptureEvent('edge-10', { type: 'x', time: 0 })[0].toString().startsWith(captureTopic('event', 'edge-1')));
  assert.throws(() => captureTopic('data', 'a/b'), CaptureProtocolError);
});

test('malformed messages give CaptureProtocolError, never another exception (seeded fuzz)', () => {
  let seed = 0x5eed;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const good = encodeCaptureData('edge-1', [{ seconds: 1, nanoseconds: 2, interface: 'eth0', linkType: 1, originalLength: 17, frame }]);
  let errors = 0;
  for (let i = 0; i < 5000; i++) {
    const frames = good.map((f) => Buffer.from(f));
    const which = rand(frames.length);
    const action = rand(4);
    if (action === 0) frames[which] = frames[which].subarray(0, rand(frames[which].length + 1));
    else if (action === 1 && frames[which].length) frames[which][rand(frames[which].length)] = rand(256);
    else if (action === 2) frames.splice(which, 1);
    else frames.push(Buffer.from([rand(256)]));
    try {
      decodeCaptureMessage(frames);
    } catch (err) {
      assert.ok(err instanceof CaptureProtocolError, String(err));
      errors++;
    }
  }
  assert.ok(errors > 1000, `only ${errors} mutations were rejected`);
});

test('sequence numbers: written into the header, optional on decode (old senders), checked when present', () => {
  const packet = { seconds: 1, nanoseconds: 2, interface: 'eth0', linkType: 1, originalLength: frame.length, frame };
  const frames = encodeCaptureData('edge-1', [packet, packet], { session: 'abc', seq: 7 });
  assert.deepEqual(JSON.parse(frames[1].toString()), { v: 1, kind: 'data', source: 'edge-1', session: 'abc', seq: 7, count: 2 });
  const decoded = decodeCaptureMessage(frames);
  assert.deepEqual(decoded.sequence, { session: 'abc', seq: 7 });
  // A message of a sender without sequence numbers (the header as version 1 wrote it) still decodes.
  const old = [Buffer.from('data/edge-1/'), Buffer.from('{"v":1,"kind":"data","source":"edge-1","count":1}'), frames[2]];
  const oldDecoded = decodeCaptureMessage(old);
  assert.equal(oldDecoded.sequence, undefined);
  assert.equal(oldDecoded.kind === 'data' && oldDecoded.packets.length, 1);
  const event = encodeCaptureEvent('edge-1', { type: 'x', time: 5 }, { session: 'abc', seq: 9 });
  assert.deepEqual(JSON.parse(event[1].toString()), { v: 1, kind: 'event', source: 'edge-1', session: 'abc', seq: 9, type: 'x', time: 5 });
  for (const bad of ['{"v":1,"kind":"data","source":"edge-1","count":1,"seq":3}', '{"v":1,"kind":"data","source":"edge-1","count":1,"session":"a","seq":-1}', '{"v":1,"kind":"data","source":"edge-1","count":1,"session":"a","seq":1.5}']) {
    assert.throws(() => decodeCaptureMessage([old[0], Buffer.from(bad), old[2]]), CaptureProtocolError);
  }
});

test('sequence tracker counts exactly the packets that never arrived, tail included, and survives a restart', () => {
  const numbering = new SequenceNumbering();
  const tracker = new SequenceTracker();
  const sizes = [3, 1, 4, 1, 5, 9, 2, 6];
  const dropped = new Set([2, 5]); // messages lost on the way: 4 + 9 packets
  let missing = 0;
  let delivered = 0;
  for (const [i, n] of sizes.entries()) {
    const sequence = numbering.data('edge-1', n);
    if (dropped.has(i)) continue;
    const observed = tracker.data('edge-1', sequence, n);
    assert.equal(observed.newSession, i === 0);
    missing += observed.missing;
    delivered += n;
  }
  assert.equal(missing, 13);
  assert.equal(delivered + missing, sizes.reduce((a, b) => a + b));
  // The last data message is lost: the closing event's number tells.
  numbering.data('edge-1', 7);
  assert.equal(tracker.event('edge-1', numbering.event('edge-1')).missing, 7);
  assert.equal(tracker.missingOf('edge-1'), 20);
  // A restarted receiver with the saved state counts what arrived while it was away.
  const restarted = new SequenceTracker(10, JSON.parse(JSON.stringify(tracker.state())));
  numbering.data('edge-1', 10);
  assert.equal(restarted.data('edge-1', numbering.data('edge-1', 2), 2).missing, 10);
  // A repeated message is counted as repeated, not as progress; a new session starts afresh.
  assert.equal(restarted.data('edge-1', { session: numbering.session, seq: 0 }, 3).repeated, 3);
  assert.deepEqual(restarted.data('edge-1', { session: 'other', seq: 500 }, 1), { newSession: true, missing: 0, repeated: 0 });
  // Events of a session the tracker has no data of say nothing about loss.
  assert.equal(new SequenceTracker().event('edge-2', { session: 's', seq: 99 }).missing, 0);
});

test('sequence tracker is bounded by its number of sources', () => {
  const tracker = new SequenceTracker(3);
  for (let i = 0; i < 10; i++) tracker.data(`s${i}`, { session: 'x', seq: 0 }, 1);
  assert.equal(Object.keys(tracker.state()).length, 3);
  assert.equal(tracker.evicted, 7);
});
