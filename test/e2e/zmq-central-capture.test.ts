// @runtime: primary (cap and zeromq on both runtimes: pcap-capture and zmq-pubsub)
// The central-capture scenario end to end, with real parts only: traffic crosses a veth pair
// (one end in its own network namespace), an edge Node-RED captures it with pcap in and PUSHes
// it over ZeroMQ to a central Node-RED, which stores rotated gzip pcap files per source and
// republishes data and file events on a PUB side channel. tshark must read back every frame
// sent, and a side-channel subscriber must see the same frames and the events: the file events,
// the central's own source-connected, and an event the edge sent (zmq in's output is zmq out's
// input: the central republishes it, and neither it nor pcap file out logs an error).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { NodeRed, freePort, waitUntil, type FlowNode } from '../helpers/node-red';
import { hasCommand, isRoot, requireReal } from '../helpers/real';
import { decodeCaptureMessage } from '../../nodes/common/capture-protocol';
import { dissectL2L4 } from '../../nodes/common/packet';

const suffix = Math.random().toString(36).slice(2, 8);
const ns = `wsz-${suffix}`;
const hostSide = `wszh${suffix}`;
const nsSide = `wszn${suffix}`;
const octet = 16 + Math.floor(Math.random() * 200);
const hostAddress = `10.231.${octet}.1`;
const nsAddress = `10.231.${octet}.2`;
const FRAMES = 400;

let edge: NodeRed | undefined;
let central: NodeRed | undefined;
let dir: string;
let netReady = false;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe', timeout: 10000 });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wirescope-central-'));
  if (!isRoot || !hasCommand('ip')) return;
  ip('netns', 'add', ns);
  ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
  ip('link', 'set', nsSide, 'netns', ns);
  ip('addr', 'add', `${hostAddress}/30`, 'dev', hostSide);
  ip('link', 'set', hostSide, 'up');
  ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsSide);
  ip('netns', 'exec', ns, 'ip', 'link', 'set', nsSide, 'up');
  netReady = true;
});

after(async () => {
  await Promise.all([edge?.stop(), central?.stop()]);
  try { ip('link', 'del', hostSide); } catch { /* gone with the namespace */ }
  try { ip('netns', 'del', ns); } catch { /* never created */ }
  rmSync(dir, { recursive: true, force: true });
});

test('edge capture → central rotated gzip store + side channel; tshark reads back every frame', async (t) => {
  if (!requireReal(t, isRoot && netReady, 'needs root and iproute2 for a veth pair in a network namespace')) return;
  if (!requireReal(t, hasCommand('tshark'), 'needs tshark')) return;
  const collect = `tcp://127.0.0.1:${await freePort()}`;
  const side = `tcp://127.0.0.1:${await freePort()}`;
  const store = join(dir, 'store');
  [edge, central] = await Promise.all([NodeRed.start(), NodeRed.start()]);
  const serverKeys = zmq.curveKeyPair();

  await central.deploy([
    { id: 'collect', type: 'wirescope-zmq-in', socketType: 'pull', mode: 'bind', endpoints: collect, format: 'capture', hwm: 100000, curve: 'server', wires: [['store', 'side']] },
    { id: 'store', type: 'wirescope-pcap-file-out', filename: `${store}/cap-{source}-%Y%m%d-%H%M%S.pcap`, format: 'pcap', nanosecond: true, perSource: true, rotateSize: 0.05, rotateSeconds: 0, gzip: true, keepFiles: 0, keepDays: 0, wires: [[], ['side']] },
    { id: 'side', type: 'wirescope-zmq-out', socketType: 'pub', mode: 'bind', endpoints: side, format: 'capture', source: 'central', hwm: 100000, wires: [] },
  ], { collect: { secretKey: serverKeys.secretKey } });
  const edgeFlow: FlowNode[] = [
    { id: 'cap', type: 'wirescope-pcap-in', iface: hostSide, filter: 'udp and (dst port 9999 or dst port 9998)', snaplen: 65535, bufferSize: 10, batchSize: 20, batchInterval: 50, maxPending: 100000, dissect: false, wires: [['ship']] },
    // linger: its goodbye (source-closing) leaves before the socket closes at the redeploy below.
    { id: 'ship', type: 'wirescope-zmq-out', socketType: 'push', mode: 'connect', endpoints: collect, format: 'capture', source: 'edge-1', hwm: 100000, linger: 1000, curve: 'client', wires: [] },
    // An event of the edge's own (POST /inject/hello), as a flow sends one with msg.event.
    { id: 'hello', type: 'inject', props: [{ p: 'event', v: '{"type":"edge-hello","details":{"n":1}}', vt: 'json' }], wires: [['ship']] },
  ];
  await edge.deploy(edgeFlow, { ship: { serverKey: serverKeys.publicKey } });
  const centralLogStart = central.logs.length;

  // A side-channel consumer: only edge-1's data and all events.
  const consumer = new zmq.Subscriber();
  consumer.subscribe('data/edge-1/', 'event/');
  consumer.connect(side);
  let sideFrames = 0;
  let probes = 0;
  const eventTypes: string[] = [];
  const consumerErrors: string[] = [];
  const consuming = (async () => {
    for await (const frames of consumer) {
      let message;
      try {
        message = decodeCaptureMessage(frames);
      } catch (err) {
        consumerErrors.push(`${(err as Error).message}: ${frames.slice(0, 2).map(String).join(' | ')}`);
        continue;
      }
      if (message.kind === 'data') {
        for (const p of message.packets) {
          if (dissectL2L4(p.frame, p.linkType).destinationPort === 9999) sideFrames += 1;
          else probes += 1;
        }
      }
      else eventTypes.push(`${message.source}:${message.event.type}`);
    }
  })();
  try {
    await edge.waitForStatus('cap', (s) => /capturing/.test(s.text ?? ''));
    await edge.waitForStatus('ship', (s) => /^1 peer/.test(s.text ?? ''));
    await central.waitForStatus('side', (s) => /^1 peer/.test(s.text ?? ''));
    // Probes on port 9998 until one has made the whole trip: the link, the capture, both sockets
    // and the consumer's subscription are all up. They are not counted below.
    await waitUntil('a probe to cross edge, central and side channel', () => {
      execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', `const s = require('dgram').createSocket('udp4'); s.send(Buffer.from('probe'), 9998, '${hostAddress}', () => s.close());`], { timeout: 10000 });
      return probes > 0;
    }, 30000, 300);

    // 400 UDP datagrams of 500 bytes from inside the namespace, across the veth, to the captured end,
    // paced (1 ms apart) so a busy machine's receive backlog does not drop them before capture.
    execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', `
      const s = require('dgram').createSocket('udp4');
      let i = 0;
      const next = () => { if (i === ${FRAMES}) return s.close(); const b = Buffer.alloc(500, i & 255); b.writeUInt32BE(i++, 0); s.send(b, 9999, '${hostAddress}', () => setTimeout(next, 1)); };
      next();`], { timeout: 30000 });

    await waitUntil(`${FRAMES} frames on the side channel`, () => sideFrames >= FRAMES, 30000).catch((err) => {
      throw new Error(`${err.message}; got ${sideFrames}; consumer errors: ${consumerErrors.join('; ')}; statuses: ${JSON.stringify(['cap', 'ship'].map((id) => edge!.lastStatus(id)))} ${JSON.stringify(['collect', 'store', 'side'].map((id) => central!.lastStatus(id)))}`);
    });
    assert.equal(sideFrames, FRAMES);
    // The edge redeploys: its zmq out says goodbye and the central reports the source gone; the
    // new run is a new session, whose first message (an event of the edge's own) brings the
    // central's source-connected, then the edge's event itself, republished as it came.
    const mark = eventTypes.length;
    await edge.deploy(edgeFlow, { ship: { serverKey: serverKeys.publicKey } });
    await edge.waitForStatus('ship', (s) => /^1 peer/.test(s.text ?? ''));
    const hello = await fetch(`${edge.url}/inject/hello`, { method: 'POST' });
    assert.equal(hello.status, 200);
    await waitUntil('the edge\'s event on the side channel', () => eventTypes.includes('edge-1:edge-hello'), 30000);
    const lifecycle = eventTypes.slice(mark).filter((e) => /source-(dis)?connected|edge-hello/.test(e));
    assert.deepEqual(lifecycle, ['edge-1:source-disconnected', 'edge-1:source-connected', 'edge-1:edge-hello'], `events seen: ${eventTypes.join(', ')}`);
    const errors = central.logs.slice(centralLogStart).filter((l) => /\[error\]/.test(l));
    assert.deepEqual(errors, [], 'the central logged errors');
    // Close the store (a redeploy closes every file and finishes its gzip stream).
    await central.deploy([]);
    const files = readdirSync(store).filter((f) => f.endsWith('.pcap.gz'));
    assert.ok(files.length >= 2, `rotation should have made several files: ${files.join(', ')}`);
    assert.ok(files.every((f) => f.startsWith('cap-edge-1-')), files.join(', '));
    let stored = 0;
    for (const f of files) {
      const out = execFileSync('tshark', ['-r', join(store, f), '-Y', 'udp.dstport == 9999', '-T', 'fields', '-e', 'udp.dstport'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 });
      const lines = out.split('\n').filter(Boolean);
      assert.ok(lines.every((l) => l === '9999'));
      stored += lines.length;
    }
    assert.equal(stored, FRAMES);
    assert.ok(eventTypes.includes('edge-1:file-opened') && eventTypes.includes('edge-1:file-rotated'), `events seen: ${eventTypes.join(', ')}`);
  } finally {
    consumer.close();
    await consuming.catch(() => undefined);
  }
});
