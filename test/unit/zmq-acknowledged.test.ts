// The acknowledged mode's two halves in one process, over a channel that loses, repeats and
// reorders messages and acknowledgements (seeded): zmq out's resend window and zmq in's capture
// receiver must still pass every packet on exactly once, in order, and count nothing lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCaptureData, SequenceNumbering, type CapturedFrame } from '../../nodes/common/capture-protocol';
import { CaptureReceiver } from '../../nodes/zmq-in/capture-receiver';
import { ResendWindow, type WindowItem } from '../../nodes/zmq-out/resend-window';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function packet(n: number): CapturedFrame {
  const frame = Buffer.alloc(8);
  frame.writeUInt32BE(n, 0);
  return { linkType: 1, seconds: 1_700_000_000, nanoseconds: n, originalLength: 8, interface: 'eth0', frame };
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`lossy, repeating, reordering channel (seed ${seed}): every packet passed on once, in order`, () => {
    const rand = random(seed);
    const numbering = new SequenceNumbering();
    const window = new ResendWindow(numbering.session, 1000);
    const delivered: number[] = [];
    const receiver = new CaptureReceiver((msg: any) => {
      if (msg.kind === 'data') for (const p of msg.payload) delivered.push(p.frame.readUInt32BE(0));
    }, undefined, false, 100, { gapWaitMs: Number.MAX_SAFE_INTEGER });
    let total = 0;
    for (let m = 0; m < 200; m++) {
      const count = 1 + Math.floor(rand() * 5);
      const packets = Array.from({ length: count }, (_, i) => packet(total + i));
      const frames = encodeCaptureData('edge-1', packets, numbering.data('edge-1', count));
      window.push({ frames, count, source: 'edge-1', seq: total, sentAt: 0 } satisfies WindowItem);
      total += count;
    }
    let now = 0;
    for (let round = 0; round < 1000 && window.unacknowledged() > 0; round++) {
      now += 100;
      // The sender hands over what the window says; the channel loses 20 %, repeats 10 %, swaps neighbours 10 %.
      const wire: Buffer[][] = [];
      for (let item = window.next(); item; item = window.next()) {
        window.sent(item, now);
        if (rand() < 0.2) continue;
        wire.push(item.frames);
        if (rand() < 0.1) wire.push(item.frames);
        if (wire.length > 1 && rand() < 0.1) wire.push(wire.splice(wire.length - 2, 1)[0]);
      }
      let resend = false;
      for (const frames of wire) {
        const reply = receiver.receive(frames, now);
        if (!reply || rand() < 0.2) continue; // acknowledgements get lost too
        if (reply.kind === 'ack') window.ack(reply.position.session, reply.position.source, reply.position.next, now);
        else resend = true;
      }
      // A resend request, or (all answers lost) the acknowledgement timeout: go back to the oldest.
      if (resend || window.stalled(now + 2000, 2000)) window.rewind(now);
    }
    assert.equal(window.unacknowledged(), 0, 'the window never emptied');
    assert.deepEqual(delivered, Array.from({ length: total }, (_, i) => i));
    assert.equal(receiver.lost, 0);
    assert.ok(receiver.duplicates > 0 && window.resent > 0, 'the channel repeated and lost nothing: the test proves nothing');
  });
}

test('a receiver that lost its position (crash) is told where the sender resumes: the gap is counted once', () => {
  const numbering = new SequenceNumbering();
  const delivered: number[] = [];
  const receiver = new CaptureReceiver((msg: any) => {
    if (msg.kind === 'data') for (const p of msg.payload) delivered.push(p.frame.readUInt32BE(0));
  }, undefined, false, 100, { gapWaitMs: 60000 });
  const send = (from: number, count: number) => receiver.receive(encodeCaptureData('edge-1', Array.from({ length: count }, (_, i) => packet(from + i)), numbering.data('edge-1', count)));
  assert.equal(send(0, 10)?.kind, 'ack');
  numbering.data('edge-1', 10); // packets 10..19 were passed on and acknowledged, but the receiver's saved position predates them
  const refused = send(20, 5);
  assert.deepEqual(refused, { kind: 'resend', position: { source: 'edge-1', session: numbering.session, next: 10 } });
  // The sender holds nothing below 20: its resend-unavailable event settles the account.
  receiver.receive([Buffer.from('event/edge-1/'), Buffer.from(JSON.stringify({ v: 1, kind: 'event', source: 'edge-1', session: numbering.session, seq: 20, type: 'resend-unavailable', time: 1, details: { from: 10, resume: 20 } }))]);
  assert.equal(receiver.lost, 10);
  const numberingAgain = { session: numbering.session };
  const frames = encodeCaptureData('edge-1', Array.from({ length: 5 }, (_, i) => packet(20 + i)), { ...numberingAgain, seq: 20 });
  assert.equal(receiver.receive(frames)?.kind, 'ack');
  assert.deepEqual(delivered, [...Array.from({ length: 10 }, (_, i) => i), 20, 21, 22, 23, 24]);
});

// Many edges into one central: two senders (two sessions) that both call their source "site",
// interleaved through one receiver over the same lossy channel. With one position per source the
// receiver would take each switch of session for a new sender and pass repeats on twice.
for (const seed of [6, 7, 8]) {
  test(`two senders sharing a source name, lossy channel (seed ${seed}): each one's packets passed on once, in order`, () => {
    const rand = random(seed);
    const senders = [0, 1].map((id) => {
      const numbering = new SequenceNumbering();
      return { id, numbering, window: new ResendWindow(numbering.session, 1000), total: 0 };
    });
    const delivered = new Map<string, number[]>(senders.map((s) => [s.numbering.session, []]));
    const receiver = new CaptureReceiver((msg: any) => {
      if (msg.kind === 'data') for (const p of msg.payload) delivered.get(p.interface)!.push(p.frame.readUInt32BE(0));
    }, undefined, false, 100, { gapWaitMs: Number.MAX_SAFE_INTEGER });
    for (const sender of senders) {
      for (let m = 0; m < 150; m++) {
        const count = 1 + Math.floor(rand() * 5);
        // The interface name says which sender a packet came from (both number theirs from 0).
        const packets = Array.from({ length: count }, (_, i) => ({ ...packet(sender.total + i), interface: sender.numbering.session }));
        const frames = encodeCaptureData('site', packets, sender.numbering.data('site', count));
        sender.window.push({ frames, count, source: 'site', seq: sender.total, sentAt: 0 } satisfies WindowItem);
        sender.total += count;
      }
    }
    let now = 0;
    const busy = () => senders.some((s) => s.window.unacknowledged() > 0);
    for (let round = 0; round < 2000 && busy(); round++) {
      now += 100;
      // Both senders' messages meet on the receiver's one socket, interleaved at random.
      const wire: Array<{ sender: (typeof senders)[number]; frames: Buffer[] }> = [];
      for (const sender of senders) {
        for (let item = sender.window.next(); item; item = sender.window.next()) {
          sender.window.sent(item, now);
          if (rand() < 0.2) continue;
          wire.splice(Math.floor(rand() * (wire.length + 1)), 0, { sender, frames: item.frames });
          if (rand() < 0.1) wire.push({ sender, frames: item.frames });
        }
      }
      const resend = new Set<number>();
      for (const { sender, frames } of wire) {
        const reply = receiver.receive(frames, now);
        if (!reply || rand() < 0.2) continue;
        // Replies go back to the sender of the message (the ROUTER identity), which checks the session.
        if (reply.kind === 'ack') sender.window.ack(reply.position.session, reply.position.source, reply.position.next, now);
        else resend.add(sender.id);
      }
      for (const sender of senders) if (resend.has(sender.id) || sender.window.stalled(now + 2000, 2000)) sender.window.rewind(now);
    }
    for (const sender of senders) {
      assert.equal(sender.window.unacknowledged(), 0, `sender ${sender.id}'s window never emptied`);
      assert.deepEqual(delivered.get(sender.numbering.session), Array.from({ length: sender.total }, (_, i) => i), `sender ${sender.id}`);
    }
    assert.equal(receiver.lost, 0);
    assert.ok(receiver.duplicates > 0, 'the channel repeated nothing: the test proves nothing');
  });
}
