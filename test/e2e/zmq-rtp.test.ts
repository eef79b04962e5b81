// @runtime: primary (RTP arithmetic against tshark; zeromq on both runtimes: zmq-pubsub)
// Side channel to RTP analysis across two Node-RED processes: pcap file in → zmq out (PUSH,
// capture protocol) → zmq in (PULL) → rtp stats. The end-of-file summary travels as a capture
// event and ends the streams. The end report must match tshark on the same pcap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort } from '../helpers/node-red';
import { requireCommands } from '../helpers/real';
import { planRtpStream, rtpPcap } from '../helpers/rtp-stream';

let edge: NodeRed | undefined;
let consumer: NodeRed | undefined;
let sink: MessageSink;

before(async () => {
  sink = await MessageSink.start();
  [edge, consumer] = await Promise.all([NodeRed.start(), NodeRed.start()]);
});
after(async () => {
  await Promise.all([edge?.stop(), consumer?.stop()]);
  await sink?.stop();
});

test('rtp stats behind zmq in reports what tshark reports for the captured stream', async (t) => {
  if (!requireCommands(t, 'tshark')) return;
  const plan = planRtpStream({ seed: 3, lose: [7, 8, 9, 250], swap: [40], duplicate: [60] });
  const file = join(edge!.userDir, 'rtp.pcap');
  writeFileSync(file, rtpPcap(plan));
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  await consumer!.deploy([
    { id: 'zin', type: 'wirescope-zmq-in', socketType: 'pull', mode: 'connect', endpoints: endpoint, format: 'capture', wires: [['route']] },
    { id: 'route', type: 'function', func: "if (msg.kind === 'event') return msg.payload.type === 'end-of-file' ? { flush: true } : null;\nreturn msg;", wires: [['rtp']] },
    { id: 'rtp', type: 'wirescope-rtp-stats', ports: '5004', reportInterval: 0, idleTimeout: 60, wires: [['rtp-sink']] },
    ...sink.sinkNodes('rtp-sink', 'reports'),
  ]);
  await edge!.deploy([
    { id: 'go', type: 'http in', url: '/replay', method: 'post', wires: [['start']] },
    { id: 'start', type: 'function', outputs: 2, func: "return [{}, { payload: 'ok', res: msg.res }];", wires: [['file'], ['ok']] },
    { id: 'ok', type: 'http response', wires: [] },
    { id: 'file', type: 'wirescope-pcap-file-in', filename: file, pacing: 'none', batchSize: 64, batchInterval: 0, dissect: false, wires: [['zout'], ['eof']] },
    { id: 'eof', type: 'function', func: "return { event: { type: 'end-of-file', details: { file: msg.filename } } };", wires: [['zout']] },
    { id: 'zout', type: 'wirescope-zmq-out', socketType: 'push', mode: 'bind', endpoints: endpoint, format: 'capture', source: 'edge-1', hwm: 100000, wires: [] },
  ]);
  await edge!.waitForStatus('zout', (s) => /^1 peer/.test(s.text ?? ''));
  const response = await fetch(`${edge!.url}/replay`, { method: 'POST' });
  assert.equal(response.status, 200);
  const [report] = await sink.waitFor('reports', 1);
  assert.equal(report.payload.kind, 'end');

  const out = execFileSync('tshark', ['-r', file, '-q', '-d', 'udp.port==5004,rtp', '-z', 'rtp,streams'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 });
  const line = out.split('\n').find((l) => l.includes('0x1234ABCD'))!;
  const m = /g711U\s+(\d+)\s+(-?\d+) \([^)]*\)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)/.exec(line);
  assert.ok(m, out);
  const [pkts, lost, meanJitter, maxJitter] = m.slice(1).map(Number);
  assert.equal(report.payload.packets, pkts);
  assert.equal(report.payload.lost, lost);
  assert.ok(Math.abs(report.payload.meanJitterMs - meanJitter) <= 0.0005 + 1e-9, `${report.payload.meanJitterMs} vs ${meanJitter}`);
  assert.ok(Math.abs(report.payload.maxJitterMs - maxJitter) <= 0.0005 + 1e-9, `${report.payload.maxJitterMs} vs ${maxJitter}`);
  assert.equal(report.payload.duplicates, 1);
  assert.equal(report.payload.reordered, 1);
  assert.equal(report.topic, 'rtp/1234abcd');
});
