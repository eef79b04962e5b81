// Template-state and encoding edge cases, on datagrams built field by field with the encoder
// (expected values are the ones written into the datagram, per RFC 7011 / RFC 3954 / RFC 6313).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowDecoder, flowEncoder as enc } from '../../nodes/common';

const A = { address: '192.0.2.10', port: 40000 };
const B = { address: '192.0.2.11', port: 40000 };
const T0 = new Date('2026-01-01T00:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

const V4_FIELDS = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 }, { id: 1, length: 8 }, { id: 2, length: 8 }];
const v4Record = (src: string, dst: string, sp: number, dp: number, octets: number | bigint) =>
  enc.encodeRecord(V4_FIELDS, [src, dst, sp, dp, 6, octets, 3]);

const ipfix = (sets: enc.SetSpec[], domain = 1, sequence = 0) => enc.encodeIpfix({ exportTime: T0.getTime() / 1000, sequence, domain, sets });
const template = (id: number, fields = V4_FIELDS): enc.SetSpec => ({ kind: 'template', templates: [{ id, fields }] });
const data = (templateId: number, ...records: Buffer[]): enc.SetSpec => ({ kind: 'data', templateId, records });

test('data before its template is held, then decoded with its own template', () => {
  const d = new FlowDecoder();
  const first = d.decode(ipfix([data(300, v4Record('10.0.0.1', '10.0.0.2', 1000, 80, 500))]), A, T0);
  assert.equal(first.records.length, 0);
  assert.deepEqual(first.errors, []);
  assert.equal(d.counters().pendingSets, 1);
  const second = d.decode(ipfix([template(300), data(300, v4Record('10.0.0.3', '10.0.0.4', 1001, 443, 700))]), A, later(1000));
  assert.equal(second.records.length, 2);
  assert.equal(second.delayedRecords, 1);
  assert.deepEqual(second.records.map((r) => r.sourceIPv4Address), ['10.0.0.1', '10.0.0.3']);
  assert.equal(second.records[0].octetDeltaCount, 500);
  assert.equal(d.counters().pendingSets, 0);
});

test('a missing template for one set never drops the other sets of the datagram', () => {
  const d = new FlowDecoder();
  d.decode(ipfix([template(256)]), A, T0);
  const r = d.decode(ipfix([data(999, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3)), data(256, v4Record('10.1.1.1', '10.2.2.2', 5, 6, 7))]), A, T0);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].sourceIPv4Address, '10.1.1.1');
});

test('held data sets are bounded in count and age, and every drop is counted', () => {
  const d = new FlowDecoder({ maxPendingSetsPerDomain: 2, pendingTtlMs: 5000 });
  const held = ipfix([data(400, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))]);
  d.decode(held, A, T0);
  d.decode(held, A, T0);
  const third = d.decode(held, A, T0);
  assert.equal(third.errors[0].code, 'missing-template');
  assert.equal(d.counters().pendingDropped, 1);
  const late = d.decode(ipfix([template(400)]), A, later(10_000));
  assert.equal(late.records.length, 0, 'held sets older than pendingTtlMs are not decoded');
  assert.equal(d.counters().pendingDropped, 3);
  assert.deepEqual(pendingOf(d, 'ipfix:192.0.2.10/1'), { pendingSets: 0, pendingDropped: 3 }, 'counted against the exporter');
});

const pendingOf = (d: FlowDecoder, key: string) => {
  const s = d.counters().sequences[key];
  return s && { pendingSets: s.pendingSets, pendingDropped: s.pendingDropped };
};

test('held sets of an exporter that sends nothing more (moved to another worker) expire while others decode, counted against it', () => {
  const d = new FlowDecoder({ pendingTtlMs: 5000 });
  const a = 'ipfix:192.0.2.10/1';
  const fromB = () => ipfix([template(256), data(256, v4Record('10.9.0.1', '10.9.0.2', 1, 2, 3))]);
  d.decode(ipfix([data(300, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))]), A, T0);
  d.decode(ipfix([data(300, v4Record('1.1.1.2', '2.2.2.2', 1, 2, 3)), data(301, v4Record('1.1.1.3', '2.2.2.2', 1, 2, 3))]), A, later(1000));
  d.decode(fromB(), B, later(3000));
  assert.deepEqual(pendingOf(d, a), { pendingSets: 3, pendingDropped: 0 });
  // Only B sends: A's first set passes its TTL (5.5 s old), the other two (4.5 s) still wait.
  d.decode(fromB(), B, later(5500));
  assert.deepEqual(pendingOf(d, a), { pendingSets: 2, pendingDropped: 1 });
  d.decode(fromB(), B, later(7000));
  assert.deepEqual(pendingOf(d, a), { pendingSets: 0, pendingDropped: 3 });
  assert.deepEqual([d.counters().pendingSets, d.counters().pendingDropped], [0, 3]);
  assert.equal(d.counters().sequenceTotals.pendingDropped, 3);
  // With no traffic at all, a sweep on the caller's clock (flow decode's stats request) expires them.
  d.decode(ipfix([data(300, v4Record('1.1.1.4', '2.2.2.2', 1, 2, 3))]), A, later(8000));
  d.sweepPending(later(13_000).getTime());
  assert.deepEqual(pendingOf(d, a), { pendingSets: 1, pendingDropped: 3 }, 'exactly the TTL is not past it');
  d.sweepPending(later(13_001).getTime());
  assert.deepEqual(pendingOf(d, a), { pendingSets: 0, pendingDropped: 4 });
  assert.deepEqual(pendingOf(d, 'ipfix:192.0.2.11/1'), { pendingSets: 0, pendingDropped: 0 });
});

test('template refresh with a changed layout takes effect', () => {
  const d = new FlowDecoder();
  d.decode(ipfix([template(256)]), A, T0);
  const changed = d.decode(ipfix([template(256, [{ id: 27, length: 16 }, { id: 2, length: 4 }]), data(256, enc.encodeRecord([{ id: 27, length: 16 }, { id: 2, length: 4 }], ['2001:db8::1', 9]))]), A, T0);
  assert.equal(changed.templates[0].action, 'changed');
  assert.deepEqual(changed.records[0].sourceIPv6Address, '2001:db8::1');
  assert.equal(changed.records[0].packetDeltaCount, 9);
});

test('IPFIX template withdrawal (RFC 7011 8.1) removes the template', () => {
  const d = new FlowDecoder();
  d.decode(ipfix([template(256)]), A, T0);
  const w = d.decode(ipfix([{ kind: 'withdraw', ids: [256] }]), A, T0);
  assert.deepEqual(w.templates.map((t) => t.action), ['withdrawn']);
  const after = d.decode(ipfix([data(256, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))]), A, T0);
  assert.equal(after.records.length, 0);
  assert.equal(d.counters().pendingSets, 1);
});

test('two exporters with the same template id and different layouts do not interfere', () => {
  const d = new FlowDecoder();
  const other = [{ id: 8, length: 4 }, { id: 2, length: 4 }];
  d.decode(ipfix([template(256)]), A, T0);
  d.decode(ipfix([template(256, other)]), B, T0);
  const ra = d.decode(ipfix([data(256, v4Record('10.0.0.1', '10.0.0.2', 1, 2, 1234))]), A, T0);
  const rb = d.decode(ipfix([data(256, enc.encodeRecord(other, ['172.16.0.1', 77]))]), B, T0);
  assert.equal(ra.records[0].octetDeltaCount, 1234);
  assert.equal(rb.records[0].sourceIPv4Address, '172.16.0.1');
  assert.equal(rb.records[0].packetDeltaCount, 77);
});

test('one exporter with several observation domains keeps one template space per domain', () => {
  const d = new FlowDecoder();
  d.decode(ipfix([template(256)], 1), A, T0);
  const other = d.decode(ipfix([data(256, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))], 2), A, T0);
  assert.equal(other.records.length, 0, 'domain 2 has no template 256');
  const same = d.decode(ipfix([data(256, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))], 1), A, T0);
  assert.equal(same.records.length, 1);
  assert.equal(same.records[0].observationDomainId, 1);
});

test('the source port is part of the scope only when configured', () => {
  const moved = { address: A.address, port: 40001 };
  const shared = new FlowDecoder();
  shared.decode(ipfix([template(256)]), A, T0);
  assert.equal(shared.decode(ipfix([data(256, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))]), moved, T0).records.length, 1);
  const byPort = new FlowDecoder({ scopeByPort: true });
  byPort.decode(ipfix([template(256)]), A, T0);
  assert.equal(byPort.decode(ipfix([data(256, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))]), moved, T0).records.length, 0);
});

test('templates expire without refresh and survive a restart when persisted', () => {
  const d = new FlowDecoder({ templateTtlMs: 60_000 });
  d.decode(ipfix([template(256)]), A, T0);
  const saved = JSON.parse(JSON.stringify(d.exportTemplates()));
  const restarted = new FlowDecoder({ templates: saved });
  assert.equal(restarted.decode(ipfix([data(256, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))]), A, later(1000)).records.length, 1);
  assert.equal(d.decode(ipfix([data(256, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 3))]), A, later(120_000)).records.length, 0);
  assert.equal(d.counters().templatesExpired, 1);
});

test('64-bit counters are exact: bigint above 2^53-1', () => {
  const d = new FlowDecoder();
  d.decode(ipfix([template(256)]), A, T0);
  const r = d.decode(ipfix([data(256, v4Record('1.1.1.1', '2.2.2.2', 1, 2, 18446744073709551615n), v4Record('1.1.1.1', '2.2.2.2', 1, 2, 9007199254740993n))]), A, T0);
  assert.equal(r.records[0].octetDeltaCount, 18446744073709551615n);
  assert.equal(r.records[1].octetDeltaCount, 9007199254740993n);
});

test('variable-length fields (1- and 3-octet lengths), reduced-size encoding and repeated IEs', () => {
  const fields = [{ id: 96, length: 0xffff }, { id: 94, length: 0xffff }, { id: 1, length: 2 }, { id: 8, length: 4 }, { id: 8, length: 4 }];
  const long = 'x'.repeat(300);
  const d = new FlowDecoder();
  const r = d.decode(ipfix([template(256, fields), data(256, enc.encodeRecord(fields, ['http', long, 1500, '10.0.0.1', '10.0.0.2']))]), A, T0);
  assert.deepEqual(r.errors, []);
  assert.equal(r.records[0].applicationName, 'http');
  assert.equal(r.records[0].applicationDescription, long);
  assert.equal(r.records[0].octetDeltaCount, 1500);
  assert.deepEqual(r.records[0].sourceIPv4Address, ['10.0.0.1', '10.0.0.2']);
});

test('IPv6 addresses in RFC 5952 text form', () => {
  const f = [{ id: 27, length: 16 }, { id: 28, length: 16 }, { id: 62, length: 16 }];
  const d = new FlowDecoder();
  const r = d.decode(ipfix([template(256, f), data(256, enc.encodeRecord(f, ['2001:db8:0:0:1:0:0:1', '2001:0:0:1:0:0:0:1', '0:0:0:0:0:ffff:c000:201']))]), A, T0);
  assert.equal(r.records[0].sourceIPv6Address, '2001:db8::1:0:0:1');
  assert.equal(r.records[0].destinationIPv6Address, '2001:0:0:1::1');
  assert.equal(r.records[0].ipNextHopIPv6Address, '::ffff:192.0.2.1');
});

test('RFC 6313 basicList and subTemplateList', () => {
  const sub = [{ id: 8, length: 4 }];
  const outer = [{ id: 291, length: 0xffff }, { id: 292, length: 0xffff }];
  const basic = Buffer.concat([Buffer.from([3]), Buffer.from([0, 7, 0, 2]), Buffer.from([0, 80, 1, 187])]);
  const stl = Buffer.concat([Buffer.from([3, 0x01, 0x01]), enc.encodeRecord(sub, ['10.9.9.9']), enc.encodeRecord(sub, ['10.8.8.8'])]);
  const d = new FlowDecoder();
  const r = d.decode(ipfix([template(257, sub), template(256, outer), data(256, enc.encodeRecord(outer, [basic, stl]))]), A, T0);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.records[0].basicList, { semantic: 3, element: 'sourceTransportPort', values: [80, 443] });
  assert.deepEqual(r.records[0].subTemplateList, { semantic: 3, templateId: 257, records: [{ sourceIPv4Address: '10.9.9.9' }, { sourceIPv4Address: '10.8.8.8' }] });
});

test('options data gives the sampling interval to flows of that sampler, and scales them when asked', () => {
  const optT: enc.SetSpec = { kind: 'options-template', templates: [{ id: 300, scopeFields: [{ id: 48, length: 1 }], fields: [{ id: 34, length: 4 }] }] };
  const flowFields = [...V4_FIELDS, { id: 48, length: 1 }];
  const opt = data(300, enc.encodeRecord([{ id: 48, length: 1 }, { id: 34, length: 4 }], [7, 100]));
  const flow = data(256, enc.encodeRecord(flowFields, ['10.0.0.1', '10.0.0.2', 1, 2, 6, 1000, 3, 7]));
  const plain = new FlowDecoder();
  const r = plain.decode(ipfix([optT, template(256, flowFields), opt, flow]), A, T0);
  assert.equal(r.options.length, 1);
  assert.equal(r.records[0].samplingInterval, 100);
  assert.equal(r.records[0].octetDeltaCount, 1000);
  const scaled = new FlowDecoder({ applySampling: true }).decode(ipfix([optT, template(256, flowFields), opt, flow]), A, T0);
  assert.equal(scaled.records[0].octetDeltaCount, 100_000);
  assert.equal(scaled.records[0].packetDeltaCount, 300);
});

test('NetFlow v9: sysUptime-relative times become absolute, options scope, sequence loss', () => {
  const fields = [{ id: 8, length: 4 }, { id: 22, length: 4 }, { id: 21, length: 4 }];
  const d = new FlowDecoder();
  const m = (sequence: number) => enc.encodeNetflow9({
    sysUptime: 100_000, exportTime: T0.getTime() / 1000, sequence, sourceId: 5,
    sets: [template(256, fields), data(256, enc.encodeRecord(fields, ['10.0.0.1', 40_000, 90_000]))],
  });
  const r = d.decode(m(10), A, T0);
  assert.equal(new Date(r.records[0].flowStartMilliseconds as number).toISOString(), new Date(T0.getTime() - 60_000).toISOString());
  assert.equal(new Date(r.records[0].flowEndMilliseconds as number).toISOString(), new Date(T0.getTime() - 10_000).toISOString());
  d.decode(m(11), A, T0);
  d.decode(m(15), A, T0); // v9 counts export packets: 12, 13, 14 lost
  assert.deepEqual(d.counters().sequences['netflow9:192.0.2.10/5'], { received: 3, lost: 3, outOfOrder: 0, resets: 0, records: 3, rateMissing: 3, pendingSets: 0, pendingDropped: 0 });
});

test('NetFlow v5 maps onto IANA names and counts lost flows', () => {
  const d = new FlowDecoder();
  const rec = { src: '10.0.0.1', dst: '10.0.0.2', packets: 4, octets: 400, first: 1000, last: 2000, srcPort: 1234, dstPort: 80, protocol: 6, tcpFlags: 0x1b, srcAs: 65001, dstAs: 65002, srcMask: 24, dstMask: 16 };
  const r = d.decode(enc.encodeNetflow5({ sysUptime: 5000, exportTime: T0.getTime() / 1000, sequence: 0, samplingInterval: 0x4000 | 10 }, [rec, rec]), A, T0);
  assert.equal(r.protocol, 'netflow5');
  assert.equal(r.records.length, 2);
  assert.equal(r.records[0].sourceIPv4Address, '10.0.0.1');
  assert.equal(r.records[0].destinationTransportPort, 80);
  assert.equal(r.records[0].tcpControlBits, 0x1b);
  assert.equal(r.records[0].bgpDestinationAsNumber, 65002);
  assert.equal(r.records[0].samplingInterval, 10);
  assert.equal(r.records[0].samplingAlgorithm, 1);
  assert.equal(r.records[0].flowStartMilliseconds, T0.getTime() - 4000);
  d.decode(enc.encodeNetflow5({ sysUptime: 5000, exportTime: T0.getTime() / 1000, sequence: 7 }, [rec]), A, T0);
  const v5 = d.counters().sequences['netflow5:192.0.2.10/0'];
  assert.equal(v5.lost, 5, 'v5 sequence counts flows: 2 seen, next at 7');
  assert.deepEqual([v5.records, v5.rateMissing], [3, 1], 'the header without a sampling interval leaves its record without a rate');
});

test('malformed structure gives precise errors, never a hang', () => {
  const d = new FlowDecoder();
  const zeroLen = ipfix([{ kind: 'raw', setId: 256, body: Buffer.alloc(0) }]);
  zeroLen.writeUInt16BE(0, 18); // set length 0
  zeroLen[20] = 1; // not zero padding
  const cases: Array<[Buffer, string]> = [
    [Buffer.concat([zeroLen, Buffer.from([1, 2, 3, 4])]), 'zero-length-set'],
    [ipfix([template(255)]), 'template-id-reserved'],
    [enc.encodeNetflow9({ sysUptime: 0, exportTime: 0, sequence: 0, sourceId: 0, sets: [{ kind: 'raw', setId: 0, body: Buffer.from([1, 0, 0, 0]) }] }), 'empty-template'],
    [ipfix([{ kind: 'raw', setId: 256, body: Buffer.alloc(8) }]).subarray(0, 22), 'truncated'],
    [Buffer.from([0, 42, 0, 0]), 'bad-version'],
    [Buffer.from([0, 10]), 'truncated'],
  ];
  for (const [buf, code] of cases) {
    const r = d.decode(buf, A, T0);
    assert.ok(r.errors.some((e) => e.code === code), `${code}: got ${JSON.stringify(r.errors)}`);
  }
  const zeroFields = new FlowDecoder();
  zeroFields.decode(ipfix([template(256, [{ id: 1, length: 0 }])]), A, T0);
  const z = zeroFields.decode(ipfix([data(256, Buffer.alloc(40, 1))]), A, T0);
  assert.equal(z.errors[0].code, 'zero-length-template');
});

test('NetFlow v1 and v7 fixed formats (Cisco export datagram layouts)', () => {
  // v1: 16-octet header, 48-octet records; v7: 24-octet header, 52-octet records with router_sc.
  const v1 = Buffer.alloc(16 + 48);
  v1.writeUInt16BE(1, 0); v1.writeUInt16BE(1, 2); v1.writeUInt32BE(60_000, 4); v1.writeUInt32BE(T0.getTime() / 1000, 8);
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 254]).copy(v1, 16);
  v1.writeUInt16BE(3, 28); v1.writeUInt16BE(4, 30); v1.writeUInt32BE(7, 32); v1.writeUInt32BE(700, 36);
  v1.writeUInt32BE(50_000, 40); v1.writeUInt32BE(59_000, 44); v1.writeUInt16BE(1024, 48); v1.writeUInt16BE(22, 50);
  v1[54] = 6; v1[55] = 0x10; v1[56] = 0x12;
  const r1 = new FlowDecoder().decode(v1, A, T0);
  assert.equal(r1.protocol, 'netflow1');
  assert.deepEqual(r1.errors, []);
  assert.deepEqual(
    [r1.records[0].sourceIPv4Address, r1.records[0].ipNextHopIPv4Address, r1.records[0].ingressInterface, r1.records[0].packetDeltaCount, r1.records[0].octetDeltaCount, r1.records[0].destinationTransportPort, r1.records[0].protocolIdentifier, r1.records[0].ipClassOfService, r1.records[0].tcpControlBits],
    ['10.0.0.1', '10.0.0.254', 3, 7, 700, 22, 6, 0x10, 0x12],
  );
  assert.equal(r1.records[0].flowStartMilliseconds, T0.getTime() - 10_000);

  const v7 = Buffer.alloc(24 + 52);
  v7.writeUInt16BE(7, 0); v7.writeUInt16BE(1, 2); v7.writeUInt32BE(60_000, 4); v7.writeUInt32BE(T0.getTime() / 1000, 8); v7.writeUInt32BE(99, 16);
  Buffer.from([172, 16, 0, 1, 172, 16, 0, 2]).copy(v7, 24);
  v7.writeUInt32BE(2, 40); v7.writeUInt32BE(120, 44); v7[24 + 38] = 17; v7.writeUInt16BE(64512, 24 + 40);
  Buffer.from([192, 0, 2, 99]).copy(v7, 24 + 48);
  const r7 = new FlowDecoder().decode(v7, A, T0);
  assert.equal(r7.protocol, 'netflow7');
  assert.equal(r7.sequenceNumber, 99);
  assert.equal(r7.records[0].destinationIPv4Address, '172.16.0.2');
  assert.equal(r7.records[0].protocolIdentifier, 17);
  assert.equal(r7.records[0].bgpSourceAsNumber, 64512);
  assert.equal(r7.records[0].ipv4RouterSc, '192.0.2.99');
});

test('interface-name options data names the interfaces of later flows; IPFIX sequence counts data records', () => {
  const ifFields = [{ id: 10, length: 4 }, { id: 82, length: 8 }];
  const optT: enc.SetSpec = { kind: 'options-template', templates: [{ id: 310, scopeFields: [ifFields[0]], fields: [ifFields[1]] }] };
  const flowFields = [{ id: 8, length: 4 }, { id: 10, length: 4 }, { id: 14, length: 4 }];
  const d = new FlowDecoder();
  const r = d.decode(ipfix([
    optT, template(256, flowFields),
    data(310, enc.encodeRecord(ifFields, [3, 'ge-0/0/3']), enc.encodeRecord(ifFields, [4, 'ge-0/0/4'])),
    data(256, enc.encodeRecord(flowFields, ['10.0.0.1', 3, 4])),
  ], 1, 100), A, T0);
  assert.equal(r.records[0].ingressInterfaceName, 'ge-0/0/3');
  assert.equal(r.records[0].egressInterfaceName, 'ge-0/0/4');
  // RFC 7011 3.1: the sequence counts data records (options records included) sent before this message.
  d.decode(ipfix([data(256, enc.encodeRecord(flowFields, ['10.0.0.1', 3, 4]))], 1, 103), A, T0);
  d.decode(ipfix([data(256, enc.encodeRecord(flowFields, ['10.0.0.1', 3, 4]))], 1, 110), A, T0);
  assert.deepEqual(d.counters().sequences['ipfix:192.0.2.10/1'], { received: 3, lost: 6, outOfOrder: 0, resets: 0, records: 3, rateMissing: 3, pendingSets: 0, pendingDropped: 0 });
});

test('a buffer of back-to-back IPFIX messages (file / stream export) keeps each message\'s domain', () => {
  const d = new FlowDecoder();
  const m1 = ipfix([template(256), data(256, v4Record('10.0.0.1', '10.0.0.2', 1, 2, 3))], 1);
  const m2 = ipfix([template(256), data(256, v4Record('10.0.0.3', '10.0.0.4', 1, 2, 3))], 2);
  const r = d.decode(Buffer.concat([m1, m2]), A, T0);
  assert.deepEqual(r.records.map((x) => [x.sourceIPv4Address, x.observationDomainId]), [['10.0.0.1', 1], ['10.0.0.3', 2]]);
});
