import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureProtocolError, captureTopic, decodeCaptureMessage, encodeCaptureData, encodeCaptureEvent } from '../../nodes/common/capture-protocol';

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
