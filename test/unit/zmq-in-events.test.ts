// The events zmq in adds of its own (docs/zmq.md, "Events zmq in adds"): source-connected,
// capture-gap and source-disconnected (closed, peer-disconnected, silent-after-disconnect), from a
// sender's real capture-protocol messages, some of them dropped on the way. The expected counts
// come from which messages the test dropped, not from the receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { encodeCaptureData, encodeCaptureEvent, SequenceNumbering, type CapturedFrame } from '../../nodes/common/capture-protocol';
import { CaptureReceiver } from '../../nodes/zmq-in/capture-receiver';

type Out = NodeMessage & { kind?: string; source?: string; gap?: number; payload: any };

function packets(n: number): CapturedFrame[] {
  return Array.from({ length: n }, (_, i) => ({ linkType: 1, seconds: 1_700_000_000, nanoseconds: i, originalLength: 60, interface: 'eth0', frame: Buffer.alloc(60, i) }));
}

const events = (out: Out[], type: string) => out.filter((m) => m.kind === 'event' && m.payload.type === type);

test('zmq in reports sources connecting, gaps and sources leaving as events, in the shape zmq out republishes', async () => {
  const out: Out[] = [];
  const receiver = new CaptureReceiver((m) => out.push(m as Out));
  const edge1 = new SequenceNumbering();
  const edge2 = new SequenceNumbering();
  const send = (source: string, numbering: SequenceNumbering, n: number, dropped = false) => {
    const frames = encodeCaptureData(source, packets(n), numbering.data(source, n));
    if (!dropped) receiver.receive(frames, 1000);
  };

  send('edge-1', edge1, 3);
  assert.deepEqual(events(out, 'source-connected').map((m) => [m.source, m.payload.details]), [['edge-1', { session: edge1.session, seq: 0 }]]);
  send('edge-1', edge1, 2, true); // lost on the way: packets 3 and 4
  send('edge-1', edge1, 4);
  const [gap] = events(out, 'capture-gap');
  assert.equal(gap.source, 'edge-1');
  assert.deepEqual(gap.payload.details, { missing: 2, expected: 3, received: 5, lost: 2, lostTotal: 2 });
  // The data message right after the gap says how many packets are missing before it (rtp stats reads it).
  const data = out.filter((m) => m.kind === 'data');
  assert.deepEqual(data.map((m) => [m.payload.length, m.gap]), [[3, undefined], [4, 2]]);

  send('edge-2', edge2, 1);
  assert.deepEqual(events(out, 'source-connected').map((m) => m.source), ['edge-1', 'edge-2']);

  // edge-1's last data message is lost too; its closing event (zmq out's last word) carries the
  // number of the next packet, so the tail is counted, and the source is reported gone.
  send('edge-1', edge1, 6, true);
  const closing = edge1.event('edge-1');
  receiver.receive(encodeCaptureEvent('edge-1', { type: 'source-closing', time: 1, details: { packetsSent: closing.seq } }, closing), 1000);
  assert.deepEqual(events(out, 'capture-gap').map((m) => m.payload.details.missing), [2, 6]);
  assert.deepEqual(events(out, 'source-disconnected').map((m) => [m.source, m.payload.details]), [['edge-1', { reason: 'closed', packetsSent: 15, lost: 8 }]]);
  assert.equal(events(out, 'source-closing').length, 0, 'the closing event itself becomes source-disconnected');
  assert.equal(receiver.lost, 8);

  // The socket lost its last peer: every source still connected is gone, none reported twice.
  receiver.peerDisconnected(0, 5000);
  assert.deepEqual(events(out, 'source-disconnected').map((m) => [m.source, m.payload.details]), [
    ['edge-1', { reason: 'closed', packetsSent: 15, lost: 8 }],
    ['edge-2', { reason: 'peer-disconnected', lost: 0 }],
  ]);

  // A new run of each sender (a new session): connected again. Then one of two peers goes: the
  // source that stays silent after it is declared gone, the one still sending is not.
  const edge1Again = new SequenceNumbering();
  const edge2Again = new SequenceNumbering();
  send('edge-1', edge1Again, 1);
  send('edge-2', edge2Again, 1);
  assert.deepEqual(events(out, 'source-connected').map((m) => m.source), ['edge-1', 'edge-2', 'edge-1', 'edge-2']);
  const timer = receiver.peerDisconnected(1, 10, 2000);
  assert.ok(timer);
  receiver.receive(encodeCaptureData('edge-2', packets(1), edge2Again.data('edge-2', 1)), 3000);
  await new Promise<void>((resolve) => {
    const check = () => (events(out, 'source-disconnected').length > 2 ? resolve() : setTimeout(check, 5));
    check();
  });
  assert.deepEqual(events(out, 'source-disconnected').slice(2).map((m) => [m.source, m.payload.details]), [['edge-1', { reason: 'silent-after-disconnect', lost: 0 }]]);
  // Every event is what zmq out's capture format takes back (msg.kind 'event', the event in msg.payload).
  for (const m of out.filter((x) => x.kind === 'event')) {
    assert.equal(m.topic, m.source);
    assert.equal(typeof m.payload.time, 'number');
  }
});
