// zmq in's output is zmq out's input, for every kind of capture message; CURVE key checks; binding
// an address a closed socket still holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { decodeCaptureMessage, encodeCaptureData, encodeCaptureEvent, SequenceNumbering } from '../../nodes/common/capture-protocol';
import { join } from 'node:path';
import { FlowDecoder } from '../../nodes/common';
import { readCaptureFile } from '../../nodes/common/pcap';
import { datagramOf } from '../../nodes/shared/flow-output';
import { captureFrames, messageOfCapture, packetMessages } from '../../nodes/shared/zmq-messages';
import { bindWhenFree, curvePublicOf, socketOptions } from '../../nodes/shared/zmq-socket';
import { createServer } from 'node:net';

const frame = Buffer.from('ffffffffffff0200000000010800450000', 'hex');

test('every message zmq in emits is taken back by zmq out unchanged (events and data)', () => {
  const numbering = new SequenceNumbering();
  const originals = [
    encodeCaptureEvent('edge-1', { type: 'end-of-file', time: 1234, details: { file: 'a.pcap' } }),
    encodeCaptureEvent('edge-1', { type: 'source-connected', time: 99 }),
    encodeCaptureData('edge-1', [{ seconds: 5, nanoseconds: 6, interface: 'eth0', linkType: 1, originalLength: 40, frame }]),
  ];
  for (const original of originals) {
    const decoded = decodeCaptureMessage(original);
    const republished = decodeCaptureMessage(captureFrames(messageOfCapture(decoded), 'central', numbering));
    assert.equal(republished.kind, decoded.kind);
    assert.equal(republished.source, 'edge-1');
    if (decoded.kind === 'event' && republished.kind === 'event') assert.deepEqual(republished.event, decoded.event);
    // messageOfCapture takes the decoded packets over (adds their time in ms): compare with a fresh decode.
    const reference = decodeCaptureMessage(original);
    if (reference.kind === 'data' && republished.kind === 'data') assert.deepEqual(republished.packets, reference.packets);
    assert.equal(republished.sequence?.session, numbering.session);
  }
});

test('CURVE: the public key of a secret key is the one libzmq generated with it; a mismatch and an empty key are refused', () => {
  for (let i = 0; i < 5; i++) {
    const pair = zmq.curveKeyPair();
    assert.equal(curvePublicOf(pair.secretKey), pair.publicKey);
  }
  const a = zmq.curveKeyPair();
  const b = zmq.curveKeyPair();
  const config = { mode: 'bind' as const, endpoints: 'tcp://127.0.0.1:1', curve: 'server' as const };
  assert.throws(() => socketOptions(config, { secretKey: a.secretKey, publicKey: b.publicKey }, 'receive', zmq), /does not belong to the secret key/);
  assert.doesNotThrow(() => socketOptions(config, { secretKey: a.secretKey, publicKey: a.publicKey }, 'receive', zmq));
  assert.throws(() => socketOptions(config, {}, 'receive', zmq), /no key set: generate a key pair/);
  assert.throws(() => socketOptions({ ...config, curve: 'client' }, {}, 'send', zmq), /no key set: generate a key pair/);
});

test('per-packet messages are what flow decode takes: real NetFlow v9 / IPFIX exports through the capture protocol', async () => {
  const decoder = new FlowDecoder();
  const protocols = new Set<string>();
  let records = 0;
  for await (const p of readCaptureFile(join(__dirname, '..', '..', 'demo', 'data', 'flow-exports.pcap'))) {
    const frames = encodeCaptureData('edge-1', [{ seconds: p.timestamp.seconds, nanoseconds: p.timestamp.nanoseconds, interface: 'eth0', linkType: p.linkType, originalLength: p.originalLength, frame: p.data }]);
    const decoded = decodeCaptureMessage(frames);
    assert.equal(decoded.kind, 'data');
    for (const msg of packetMessages(decoded as Extract<typeof decoded, { kind: 'data' }>)) {
      const input = datagramOf(msg as unknown as Record<string, unknown>);
      assert.notEqual(typeof input, 'string', String(input));
      if (typeof input === 'string') continue;
      assert.equal(input.exporter.address, '192.0.2.1');
      const result = decoder.decode(input.datagram, input.exporter);
      protocols.add(result.protocol);
      records += result.records.length;
    }
  }
  assert.ok(protocols.has('netflow9') && protocols.has('ipfix'), [...protocols].join(', '));
  assert.ok(records > 0);
});

test('a bind right after a close waits for libzmq to free the address; an address another socket holds still fails', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => { const p = (probe.address() as { port: number }).port; probe.close(() => resolve(p)); });
  });
  const endpoint = `tcp://127.0.0.1:${port}`;
  // A redeploy in miniature: close the publisher a peer is connected to, bind a new one at once.
  // Without the wait, about 1 round in 10 fails with EADDRINUSE (libzmq closes the old listener
  // on its I/O thread after zmq_close returns).
  for (let round = 0; round < 100; round++) {
    const publisher = new zmq.Publisher({ linger: 0 });
    await bindWhenFree(publisher, endpoint);
    const subscriber = new zmq.Subscriber({ linger: 0 });
    subscriber.connect(endpoint);
    await new Promise((r) => setImmediate(r));
    subscriber.close();
    publisher.close();
  }
  const holder = new zmq.Publisher({ linger: 0 });
  const second = new zmq.Publisher({ linger: 0 });
  try {
    await bindWhenFree(holder, endpoint);
    await assert.rejects(bindWhenFree(second, endpoint, 200), (err: { code?: string }) => err.code === 'EADDRINUSE');
  } finally {
    holder.close();
    second.close();
  }
});
