// The fast paths of the flow decoders keep their results: records of compiled v9 readers get
// their sysUptime times converted by the enrich step (32-bit wrap included) and keep one shape; a
// resent template set that is byte-identical refreshes, while a changed one (also one changed by
// another set in between) is used at once, and the same for a resent block of template sets;
// IPFIX systemInitTimeMilliseconds applies to records of compiled readers. Expected values
// are the ones written into the datagrams (RFC 3954 section 8, RFC 7011), built by the encoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder, flowEncoder as enc } from '../../nodes/common';
import { text } from '../../nodes/common/netflow/values';

const A = { address: '192.0.2.10', port: 40000 };
const T0 = new Date('2026-01-01T00:00:00Z');
const secs = T0.getTime() / 1000;

test('v9 compiled-reader records: absolute times from sysUptime, across the 32-bit wrap, one record shape', () => {
  const fields = [{ id: 8, length: 4 }, { id: 22, length: 4 }, { id: 21, length: 4 }, { id: 1, length: 4 }];
  const d = new FlowDecoder();
  // sysUptime 5 s after the 2^32 ms wrap; the flow started 10 s before the wrap.
  const first = 0x100000000 - 10_000;
  const r = d.decode(enc.encodeNetflow9({
    sysUptime: 5_000, exportTime: secs, sequence: 0, sourceId: 1,
    sets: [{ kind: 'template', templates: [{ id: 300, fields }] }, { kind: 'data', templateId: 300, records: [
      enc.encodeRecord(fields, ['10.0.0.1', first, 4_000, 100]),
      enc.encodeRecord(fields, ['10.0.0.2', 1_000, 5_000, 200]),
    ] }],
  }), A, T0);
  assert.deepEqual(r.errors, []);
  assert.equal(r.records[0].flowStartMilliseconds, T0.getTime() - 15_000);
  assert.equal(r.records[0].flowEndMilliseconds, T0.getTime() - 1_000);
  assert.equal(r.records[1].flowStartMilliseconds, T0.getTime() - 4_000);
  assert.equal(r.records[1].flowEndMilliseconds, T0.getTime());
  assert.equal(r.records[0].flowStartSysUpTime, first);
  assert.deepEqual(Object.keys(r.records[0]), Object.keys(r.records[1]));
});

test('a resent identical template set refreshes; a changed layout is used at once', () => {
  const f1 = [{ id: 8, length: 4 }, { id: 1, length: 4 }];
  const f2 = [{ id: 8, length: 4 }, { id: 2, length: 4 }];
  const tpl = (id: number, fields: typeof f1) => ({ kind: 'template' as const, templates: [{ id, fields }] });
  const both = { kind: 'template' as const, templates: [{ id: 300, fields: f1 }, { id: 301, fields: f1 }] };
  const data = (id: number, v: number) => ({ kind: 'data' as const, templateId: id, records: [enc.encodeRecord(f1, ['10.0.0.1', v])] });
  const d = new FlowDecoder();
  const m = (sets: enc.SetSpec[], sequence: number) => enc.encodeIpfix({ exportTime: secs, sequence, domain: 1, sets });
  assert.equal(d.decode(m([both, data(301, 7)], 0), A, T0).records[0].octetDeltaCount, 7);
  const again = d.decode(m([both, data(301, 8)], 1), A, T0);
  assert.deepEqual(again.templates.map((t) => t.action), ['refreshed', 'refreshed']);
  assert.equal(again.records[0].octetDeltaCount, 8);
  // Another set redefines 301; the first set, resent unchanged, must then change it back.
  const changed = d.decode(m([tpl(301, f2), data(301, 9)], 2), A, T0);
  assert.deepEqual(changed.templates.map((t) => t.action), ['changed']);
  assert.equal(changed.records[0].packetDeltaCount, 9);
  const back = d.decode(m([both, data(301, 10)], 3), A, T0);
  assert.deepEqual(back.templates.map((t) => t.action), ['refreshed', 'changed']);
  assert.equal(back.records[0].octetDeltaCount, 10);
  assert.equal(back.records[0].packetDeltaCount, undefined);
});

test('a resent block of template sets refreshes as a whole; a set changed in it, or a template redefined between, is used at once', () => {
  const f1 = [{ id: 8, length: 4 }, { id: 1, length: 4 }];
  const f2 = [{ id: 8, length: 4 }, { id: 2, length: 4 }];
  const tpl = (id: number, fields: typeof f1) => ({ kind: 'template' as const, templates: [{ id, fields }] });
  const data = (id: number, fields: typeof f1, v: number) => ({ kind: 'data' as const, templateId: id, records: [enc.encodeRecord(fields, ['10.0.0.1', v])] });
  const d = new FlowDecoder();
  let sequence = 0;
  const decode = (sets: enc.SetSpec[]) => {
    const r = d.decode(enc.encodeNetflow9({ sysUptime: 1000, exportTime: secs, sequence: sequence++, sourceId: 1, sets }), A, T0);
    assert.deepEqual(r.errors, []);
    return { actions: r.templates.map((t) => `${t.templateId} ${t.action}`), record: r.records[0] };
  };
  const block = [tpl(300, f1), tpl(301, f1), tpl(302, f1)];
  assert.deepEqual(decode([...block, data(301, f1, 1)]).actions, ['300 added', '301 added', '302 added']);
  // Sent again twice: the first time set by set, then the block noted the first time at once.
  for (const v of [2, 3]) {
    const r = decode([...block, data(301, f1, v)]);
    assert.deepEqual(r.actions, ['300 refreshed', '301 refreshed', '302 refreshed']);
    assert.equal(r.record.octetDeltaCount, v);
  }
  // Another packet redefines 301; the block, resent unchanged, must change it back.
  assert.deepEqual(decode([tpl(301, f2), data(301, f2, 4)]).actions, ['301 changed']);
  const back = decode([...block, data(301, f1, 5)]);
  assert.deepEqual(back.actions, ['300 refreshed', '301 changed', '302 refreshed']);
  assert.equal(back.record.octetDeltaCount, 5);
  assert.equal(back.record.packetDeltaCount, undefined);
  // The block noted again, then sent with its middle set changed: that set's new layout is used.
  decode(block);
  const changed = decode([tpl(300, f1), tpl(301, f2), tpl(302, f1), data(301, f2, 6)]);
  assert.deepEqual(changed.actions, ['300 refreshed', '301 changed', '302 refreshed']);
  assert.equal(changed.record.packetDeltaCount, 6);
  assert.equal(changed.record.octetDeltaCount, undefined);
});

test('IPFIX sysUpTime fields of compiled-reader records use systemInitTimeMilliseconds', () => {
  const optFields = { scopeFields: [{ id: 149, length: 4 }], fields: [{ id: 160, length: 8 }] };
  const fields = [{ id: 8, length: 4 }, { id: 22, length: 4 }, { id: 21, length: 4 }];
  const d = new FlowDecoder();
  const init = T0.getTime() - 3_600_000;
  const flow = (sequence: number) => enc.encodeIpfix({ exportTime: secs, sequence, domain: 1, sets: [
    { kind: 'template', templates: [{ id: 400, fields }] },
    { kind: 'data', templateId: 400, records: [enc.encodeRecord(fields, ['10.0.0.1', 1_000, 2_000])] },
  ] });
  const before = d.decode(flow(0), A, T0);
  assert.equal(before.records[0].flowStartMilliseconds, undefined);
  d.decode(enc.encodeIpfix({ exportTime: secs, sequence: 1, domain: 1, sets: [
    { kind: 'options-template', templates: [{ id: 401, ...optFields }] },
    { kind: 'data', templateId: 401, records: [enc.encodeRecord([...optFields.scopeFields, ...optFields.fields], [1, BigInt(init)])] },
  ] }), A, T0);
  const after = d.decode(flow(2), A, T0);
  assert.equal(after.records[0].flowStartMilliseconds, init + 1_000);
  assert.equal(after.records[0].flowEndMilliseconds, init + 2_000);
});

test('dateTimeSeconds / dateTimeMilliseconds decode to the epoch number the datagram carries, compiled or walked', () => {
  // flowStartSeconds (150, dateTimeSeconds) and flowEndMilliseconds (153, dateTimeMilliseconds), RFC 7011 6.1.7-8.
  const fixed = [{ id: 150, length: 4 }, { id: 153, length: 8 }];
  // A variable-length string (interfaceName, 82) sends the same fields through the generic walk.
  const walked = [...fixed, { id: 82, length: 0xffff }];
  const start = secs - 60, endMs = T0.getTime() - 1;
  const d = new FlowDecoder();
  const r = d.decode(enc.encodeIpfix({ exportTime: secs, sequence: 0, domain: 1, sets: [
    { kind: 'template', templates: [{ id: 500, fields: fixed }, { id: 501, fields: walked }] },
    { kind: 'data', templateId: 500, records: [enc.encodeRecord(fixed, [start, BigInt(endMs)])] },
    { kind: 'data', templateId: 501, records: [enc.encodeRecord(walked, [start, BigInt(endMs), 'eth0'])] },
  ] }), A, T0);
  assert.deepEqual(r.errors, []);
  for (const rec of r.records) {
    assert.equal(rec.flowStartSeconds, start);
    assert.equal(rec.flowEndMilliseconds, endMs);
  }
  assert.equal(r.records[1].interfaceName, 'eth0');
});

test('sFlow flow-sample records are plain objects (Object prototype, JSON round trip)', () => {
  const datagram = readFileSync(join(__dirname, '../../demo/data/pmacct-sflow.bin'));
  const r = new FlowDecoder().decode(datagram, A, T0);
  assert.ok(r.records.length > 0);
  for (const rec of r.records) {
    assert.equal(Object.getPrototypeOf(rec), Object.prototype);
    assert.equal(rec.constructor, Object);
    const { dataLinkFrameSection, ...rest } = rec;
    assert.ok(Buffer.isBuffer(dataLinkFrameSection));
    assert.deepEqual(JSON.parse(JSON.stringify(rest)), rest);
  }
});

test('string fields: the memoised text equals Buffer#toString up to the first NUL (ASCII, UTF-8, invalid octets)', () => {
  // A small alphabet so that texts repeat (memo hits) and differ in one octet (same length, other slot or not).
  const alphabet = [0x61, 0x62, 0x2f, 0x30, 0x00, 0xc3, 0xa9, 0xe9, 0xff, 0x80];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  let hits = 0;
  for (let i = 0; i < 20_000; i++) {
    const b = Buffer.from(Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % (next() % 2 ? 4 : alphabet.length)]));
    const nul = b.indexOf(0);
    const expected = b.toString('utf8', 0, nul < 0 ? b.length : nul);
    const got = text(b, 0, b.length);
    assert.equal(got, expected, `octets ${b.toString('hex')}`);
    if (got.length > 0) hits++;
  }
  assert.ok(hits > 10_000);
});
