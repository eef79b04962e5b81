// The spool on disk: order across a reopen, exactly what was acknowledged, and damage — a record
// cut at every byte offset (a kill or power cut during an append) or corrupted in place — cut off,
// counted and reported, while every whole record is still delivered, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool, type SpoolEntry } from '../../nodes/common/es';

const entries = (from: number, n: number): SpoolEntry[] =>
  Array.from({ length: n }, (_, i) => ({ index: 'i', op: 'create', id: `id${from + i}`, source: `{"n":${from + i},"s":"é\\"x"}` }));

function drain(spool: Spool, batch = 7): string[] {
  const seen: string[] = [];
  for (let guard = 0; spool.docs > 0 && guard < 10_000; guard++) {
    const got = spool.peek(batch, 1 << 20);
    if (!got.length) break;
    seen.push(...got.map((e) => e.source));
    spool.ack(got.length);
  }
  return seen;
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-spool-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

const segments = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();

test('the spool keeps order across reopen and acknowledges exactly what was sent', () => withDir((dir) => {
  const spool = new Spool(dir, 1 << 20, { segmentBytes: 400 });
  for (let i = 0; i < 10; i++) assert.equal(spool.append(entries(i * 5, 5)), true);
  assert.equal(spool.docs, 50);
  assert.deepEqual(spool.peek(3, 1 << 20).map((e) => e.id), ['id0', 'id1', 'id2']);
  spool.ack(3);
  // Reopen as after a restart: the next document is the fourth.
  const again = new Spool(dir, 1 << 20, { segmentBytes: 400 });
  assert.equal(again.docs, 47);
  assert.deepEqual(drain(again, 4), entries(3, 47).map((e) => e.source));
  assert.equal(new Spool(dir, 1 << 20).docs, 0);
  const small = new Spool(join(dir, 'small'), 200);
  assert.equal(small.append(entries(0, 2)), true);
  assert.equal(small.append(entries(2, 5)), false); // over the cap: refused, not dropped silently
}));

test('a record cut at every byte offset: the torn tail is cut off and counted, every whole record delivered', () => withDir((root) => {
  const master = join(root, 'master');
  const spool = new Spool(master, 1 << 20, { fsync: true });
  for (let i = 0; i < 4; i++) spool.append(entries(i * 25, 25)); // 100 records, one segment
  const [segment] = segments(master);
  const size = statSync(join(master, segment)).size;
  const text = readFileSync(join(master, segment), 'utf8');
  const lastLine = Buffer.byteLength(text.slice(text.lastIndexOf('\n', text.length - 2) + 1));
  assert.ok(lastLine > 40);
  const whole = entries(0, 99).map((e) => e.source);
  // Keep 0..lastLine-1 bytes of the last record (lastLine-1: all but its newline).
  for (let keep = 0; keep < lastLine; keep++) {
    const dir = join(root, `cut-${keep}`);
    cpSync(master, dir, { recursive: true });
    truncateSync(join(dir, segment), size - lastLine + keep);
    const reopened = new Spool(dir, 1 << 20);
    assert.equal(reopened.docs, 99, `cut at ${keep}`);
    assert.equal(reopened.damage.tornRecords, keep > 0 ? 1 : 0, `cut at ${keep}`);
    assert.equal(reopened.damage.corruptRecords, 0);
    if (keep > 0) assert.match(reopened.damage.notes[0], /torn record of \d+ bytes cut off the end; 99 whole record\(s\) kept/);
    assert.deepEqual(drain(reopened), whole, `cut at ${keep}`);
    // Appending after the repair goes on cleanly.
    const later = new Spool(dir, 1 << 20);
    later.append(entries(500, 3));
    assert.deepEqual(drain(new Spool(dir, 1 << 20)), entries(500, 3).map((e) => e.source));
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('corrupt bytes inside a record: that record is dropped and counted, the others delivered in order', () => withDir((dir) => {
  const spool = new Spool(dir, 1 << 20, { segmentBytes: 1 << 20 });
  spool.append(entries(0, 30));
  spool.ack(5); // acknowledged lines before the damage stay acknowledged
  const [segment] = segments(dir);
  const file = join(dir, segment);
  const bytes = readFileSync(file);
  const lines = bytes.toString('utf8').split('\n');
  const at = (line: number) => lines.slice(0, line).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  bytes[at(10) + 30] ^= 0x04; // a bit flipped in the JSON of record 10
  bytes[at(20) + 3] = 0x7a; // a checksum digit of record 20
  writeFileSync(file, bytes);
  const reopened = new Spool(dir, 1 << 20);
  assert.equal(reopened.damage.corruptRecords, 2);
  assert.equal(reopened.docs, 23);
  const expected = entries(5, 25).filter((e) => e.id !== 'id10' && e.id !== 'id20').map((e) => e.source);
  assert.deepEqual(drain(reopened), expected);
}));

test('a spool written before framing (plain JSON lines) is still replayed', () => withDir((dir) => {
  writeFileSync(join(dir, 'seg-000000000001.ndjson'), entries(0, 3).map((e) => JSON.stringify(e) + '\n').join('') + '{"index":"i","op":"cr');
  const spool = new Spool(dir, 1 << 20);
  assert.equal(spool.damage.tornRecords, 1);
  assert.deepEqual(drain(spool), entries(0, 3).map((e) => e.source));
}));
