// Sharding by exporter: the exporter key of real NetFlow v9 / IPFIX datagrams (checked against
// tshark's decode of the same capture) and the rendezvous ring's moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readCaptureFile } from '../../nodes/common/pcap';
import { exporterKey, ShardRing, shardTopic, workerOfSubscription } from '../../nodes/common/zmq/shard';
import { requireCommands } from '../helpers/real';

const exports = join(__dirname, '..', '..', 'demo', 'data', 'flow-exports.pcap');

test('exporter key: source address + v9 source id / IPFIX observation domain, as tshark reads them', async (t) => {
  if (!requireCommands(t, 'tshark')) return;
  const fields = execFileSync('tshark', ['-r', exports, '-d', 'udp.port==2055,cflow', '-d', 'udp.port==4739,cflow', '-T', 'fields', '-e', 'ip.src', '-e', 'cflow.version', '-e', 'cflow.source_id', '-e', 'cflow.od_id'], { encoding: 'utf8' })
    .split('\n').filter(Boolean).map((l) => l.split('\t'));
  let i = 0;
  for await (const p of readCaptureFile(exports)) {
    const [srcs, version, sourceId, odId] = fields[i++];
    const src = srcs.split(',')[0]; // an sFlow datagram also carries its samples' headers
    const domain = version === '9' ? Number(sourceId) : version === '10' ? Number(odId) : 0;
    assert.equal(exporterKey(p.data, p.linkType), `${src}/${domain}`);
  }
  assert.equal(i, fields.length);
  assert.equal(exporterKey(Buffer.alloc(10), 1), undefined);
});

test('rendezvous ring: stable picks, ~1/N moves when a worker joins, only the leaver\'s exporters move', () => {
  const ring = new ShardRing();
  assert.equal(ring.pick('x'), undefined);
  ['w1', 'w2', 'w3'].forEach((w) => ring.add(w));
  const keys = Array.from({ length: 3000 }, (_, i) => `10.0.${i >> 8}.${i & 255}/${i % 3}`);
  const before = new Map(keys.map((k) => [k, ring.pick(k)!]));
  const share = (w: string) => [...before.values()].filter((v) => v === w).length;
  for (const w of ['w1', 'w2', 'w3']) assert.ok(share(w) > 800 && share(w) < 1200, `${w} owns ${share(w)} of 3000`);
  ring.add('w4');
  const moved = keys.filter((k) => ring.pick(k) !== before.get(k));
  assert.ok(moved.every((k) => ring.pick(k) === 'w4'), 'a joining worker only takes exporters');
  assert.ok(moved.length > 600 && moved.length < 900, `${moved.length} of 3000 moved to the 4th worker`);
  ring.remove('w4');
  ring.remove('w2');
  for (const k of keys) if (before.get(k) !== 'w2') assert.equal(ring.pick(k), before.get(k));
  assert.equal(workerOfSubscription(shardTopic('w1')), 'w1');
  assert.equal(workerOfSubscription('data/'), undefined);
});
