// The aggregation library against a plain exact reference computed here record by record
// (a Map of sums), and Space-Saving against its published guarantee.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator, KeyTable, parsePrimitives, compileRecordFilter, PrimitiveError, type BinResult, type AggregatorOptions } from '../../nodes/common/aggregate';
import type { FlowRecord } from '../../nodes/common/flow';
import { aggregateId } from '../../nodes/common/es';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function rec(src: string, dst: string, dport: number, bytes: number | bigint, packets: number, endMs: number, extra: Record<string, unknown> = {}) {
  return {
    sourceIPv4Address: src, destinationIPv4Address: dst, sourceTransportPort: 40000, destinationTransportPort: dport,
    protocolIdentifier: 6, octetDeltaCount: bytes, packetDeltaCount: packets, flowStartMilliseconds: endMs - 10, flowEndMilliseconds: endMs, ...extra,
  };
}

function run(options: Partial<Omit<AggregatorOptions, 'primitives'>> & { primitives: string }, records: Record<string, unknown>[], flush = true): BinResult[] {
  const bins: BinResult[] = [];
  const agg = new Aggregator({ intervalMs: 60_000, ...options, primitives: parsePrimitives(options.primitives) }, (b) => bins.push(b));
  for (const r of records) agg.add(r as FlowRecord);
  if (flush) agg.flush();
  return bins;
}

const sum = (rows: { bytes: unknown }[]) => rows.reduce((a, r) => a + BigInt(r.bytes as number), 0n);

describe('aggregate: primitives', () => {
  it('rejects an unknown name, naming it and the valid ones', () => {
    assert.throws(() => parsePrimitives('src_host, dst_hots'), (e: Error) => e instanceof PrimitiveError && /"dst_hots"/.test(e.message) && /src_net/.test(e.message));
  });
  it('accepts IANA IE names, enrichment fields and vendor pen ids', () => {
    assert.deepEqual(parsePrimitives('sourceIPv4Address, sourceCountryIsoCode, pen9_ie12235, reverseOctetDeltaCount').map((p) => p.name),
      ['sourceIPv4Address', 'sourceCountryIsoCode', 'pen9_ie12235', 'reverseOctetDeltaCount']);
  });
  it('src_net with a configured mask and the record prefix length; IPv6 too', () => {
    const [net] = parsePrimitives('src_net', { netMask: 16, netMask6: 48 });
    assert.equal(net.read({ sourceIPv4Address: '10.1.2.3' }, {}), '10.1.0.0/16');
    assert.equal(net.read({ sourceIPv6Address: '2001:db8:aa:bb::1' }, {}), '2001:db8:aa::/48');
    const [own] = parsePrimitives('src_net');
    assert.equal(own.read({ sourceIPv4Address: '192.168.7.200', sourceIPv4PrefixLength: 20 }, {}), '192.168.0.0/20');
    assert.equal(own.read({ sourceIPv4Address: '192.168.7.200' }, {}), '192.168.7.200/32');
  });
  it('peer_src_ip from the record, else the message exporter', () => {
    const [peer] = parsePrimitives('peer_src_ip');
    assert.equal(peer.read({ exporterIPv4Address: '192.0.2.9' }, { exporter: '192.0.2.1' }), '192.0.2.9');
    assert.equal(peer.read({}, { exporter: '192.0.2.1' }), '192.0.2.1');
  });
});

describe('aggregate: bins', () => {
  it('places records by their own end time, closes a bin when the record clock passes it, and sums equal totals', () => {
    const records = [
      rec('10.0.0.1', '10.0.0.2', 443, 1000, 2, T0 + 1_000),
      rec('10.0.0.1', '10.0.0.2', 443, 500, 1, T0 + 59_999),
      rec('10.0.0.3', '10.0.0.2', 80, 700, 3, T0 + 30_000),
      rec('10.0.0.1', '10.0.0.2', 443, 1, 1, T0 + 60_000), // next bin, closes the first
    ];
    const bins = run({ primitives: 'src_host, dst_port' }, records, false);
    assert.equal(bins.length, 1);
    assert.equal(bins[0].binStart, T0);
    assert.equal(bins[0].binEnd, T0 + 60_000);
    assert.deepEqual(bins[0].rows.map((r) => [r.src_host, r.dst_port, r.bytes, r.packets, r.flows]),
      [['10.0.0.1', 443, 1500, 3, 2], ['10.0.0.3', 80, 700, 3, 1], [undefined, undefined, 0, 0, 0]]);
    assert.equal(bins[0].rows.at(-1)!.others, true);
    assert.equal(bins[0].totals.bytes, 2200);
  });

  it('late records inside lateness count; beyond it they are counted as late and left out', () => {
    const bins: BinResult[] = [];
    const agg = new Aggregator({ intervalMs: 60_000, latenessMs: 10_000, primitives: parsePrimitives('src_host') }, (b) => bins.push(b));
    agg.add(rec('10.0.0.1', 'x', 1, 100, 1, T0 + 50_000));
    agg.add(rec('10.0.0.1', 'x', 1, 100, 1, T0 + 65_000)); // watermark 65 s: first bin still open (lateness 10 s)
    agg.add(rec('10.0.0.1', 'x', 1, 10, 1, T0 + 40_000)); // late but inside lateness
    assert.equal(bins.length, 0);
    agg.add(rec('10.0.0.2', 'x', 1, 100, 1, T0 + 70_000)); // watermark 70 s closes the first bin
    assert.equal(bins.length, 1);
    assert.equal(bins[0].totals.bytes, 110);
    agg.add(rec('10.0.0.1', 'x', 1, 999, 7, T0 + 59_000)); // beyond lateness
    assert.equal(agg.counters.late, 1);
    assert.equal(agg.counters.lateBytes, 999);
    assert.equal(agg.counters.latePackets, 7);
    agg.flush();
    assert.equal(bins.length, 2);
    assert.equal(bins[1].totals.bytes, 200);
  });

  it('top-N plus others adds up to the totals, ordered by the chosen metric', () => {
    const records = [];
    for (let i = 0; i < 50; i++) records.push(rec(`10.0.0.${i}`, 'd', 1, (i + 1) * 10, 50 - i, T0 + i));
    const [bin] = run({ primitives: 'src_host', topN: 5, orderBy: 'packets' }, records);
    assert.deepEqual(bin.rows.slice(0, 5).map((r) => r.src_host), ['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    assert.equal(bin.rows.length, 6);
    assert.equal(sum(bin.rows), BigInt(bin.totals.bytes as number));
    assert.equal(bin.rows.reduce((a, r) => a + (r.packets as number), 0), 50 * 51 / 2);
  });

  it('sums above 2^53 stay exact as bigint', () => {
    const big = 2n ** 60n + 7n;
    const [bin] = run({ primitives: 'src_host' }, [
      rec('10.0.0.1', 'd', 1, big, 1, T0), rec('10.0.0.1', 'd', 1, Number.MAX_SAFE_INTEGER, 1, T0 + 1), rec('10.0.0.1', 'd', 1, 5, 1, T0 + 2),
    ]);
    assert.equal(bin.rows[0].bytes, big + BigInt(Number.MAX_SAFE_INTEGER) + 5n);
    assert.equal(bin.totals.bytes, big + BigInt(Number.MAX_SAFE_INTEGER) + 5n);
  });

  it('places records that carry only microsecond or nanosecond times (ISO text, RFC 7011 6.1.9-10) by them, not by arrival', () => {
    const bins: BinResult[] = [];
    const agg = new Aggregator({ intervalMs: 60_000, primitives: parsePrimitives('src_host') }, (b) => bins.push(b));
    const arrival = Date.parse('2030-01-01T00:00:00Z');
    agg.add({ sourceIPv4Address: '10.0.0.1', octetDeltaCount: 10, packetDeltaCount: 1, flowEndMicroseconds: '2024-07-01T00:01:30.123456Z' }, { receivedAt: arrival });
    agg.add({ sourceIPv4Address: '10.0.0.2', octetDeltaCount: 20, packetDeltaCount: 1, flowStartNanoseconds: '2024-07-01T00:01:59.999999999Z' }, { receivedAt: arrival });
    agg.flush();
    assert.deepEqual(bins.map((b) => [b.binStart, b.totals.bytes]), [[Date.parse('2024-07-01T00:01:00Z'), 30]]);
  });

  it('bins a flow by its start when asked, by its end by default', () => {
    // Starts 5 ms before a bin edge and ends 5 ms after it.
    const r = { ...rec('10.0.0.1', 'd', 1, 1000, 10, T0 + 60_005), flowStartMilliseconds: T0 + 59_995 };
    assert.deepEqual(run({ primitives: 'src_host' }, [r]).map((b) => [b.binStart - T0, b.totals.bytes]), [[60_000, 1000]]);
    assert.deepEqual(run({ primitives: 'src_host', timeField: 'start' }, [r]).map((b) => [b.binStart - T0, b.totals.bytes]), [[0, 1000]]);
  });

  it('splits a flow across bins in proportion to time, exactly', () => {
    const r = { ...rec('10.0.0.1', 'd', 1, 1000, 10, T0 + 90_000), flowStartMilliseconds: T0 + 30_000 };
    const bins = run({ primitives: 'src_host', split: true }, [r]);
    assert.deepEqual(bins.map((b) => [b.binStart - T0, b.totals.bytes, b.totals.packets, b.totals.flows]), [[0, 500, 5, 0], [60_000, 500, 5, 1]]);
  });

  it('re-aggregates its own output into coarser bins, others included', () => {
    const fine: BinResult[] = [];
    const agg = new Aggregator({ intervalMs: 10_000, topN: 2, primitives: parsePrimitives('src_host') }, (b) => fine.push(b));
    const records = [];
    for (let i = 0; i < 60; i++) records.push(rec(`10.0.0.${i % 5}`, 'd', 1, 100 + i, 1, T0 + i * 1000));
    for (const r of records) agg.add(r);
    agg.flush();
    assert.equal(fine.length, 6);
    const coarse = run({ primitives: 'src_host', intervalMs: 60_000 }, fine.flatMap((b) => b.rows));
    assert.equal(coarse.length, 1);
    const expected = records.reduce((a, r) => a + (r.octetDeltaCount as number), 0);
    assert.equal(coarse[0].totals.bytes, expected);
    assert.equal(sum(coarse[0].rows), BigInt(expected));
  });
});

describe('aggregate: filter', () => {
  it('uses the packet filter grammar over record fields', () => {
    const f = compileRecordFilter('src portrange 0-1023 or (net 10.0.0.0/8 and not port 53)')!;
    assert.equal(f({ sourceIPv4Address: '192.0.2.1', destinationIPv4Address: '192.0.2.2', protocolIdentifier: 6, sourceTransportPort: 443, destinationTransportPort: 5000 }), true);
    assert.equal(f({ sourceIPv4Address: '10.1.1.1', destinationIPv4Address: '192.0.2.2', protocolIdentifier: 17, sourceTransportPort: 5353, destinationTransportPort: 53 }), false);
    assert.equal(f({ sourceIPv4Address: '10.1.1.1', destinationIPv4Address: '192.0.2.2', protocolIdentifier: 17, sourceTransportPort: 5353, destinationTransportPort: 123 }), true);
    assert.equal(compileRecordFilter('udp')!({ sourceIPv6Address: '2001:db8::1', destinationIPv6Address: '2001:db8::2', protocolIdentifier: 17 }), true);
    assert.equal(compileRecordFilter('ip6 and tcp')!({ sourceIPv6Address: '2001:db8::1', protocolIdentifier: 17 }), false);
    assert.throws(() => compileRecordFilter('src portrange'));
    const syn = { sourceIPv4Address: '192.0.2.1', destinationIPv4Address: '192.0.2.2', protocolIdentifier: 6, tcpControlBits: 0x12 };
    assert.equal(compileRecordFilter('tcp[tcpflags] & tcp-syn != 0')!(syn), true);
    assert.equal(compileRecordFilter('tcp[tcpflags] & tcp-fin != 0')!(syn), false);
    assert.equal(compileRecordFilter('ip6 net 2001:db8::/32')!({ sourceIPv6Address: '2001:db8:1::1', destinationIPv6Address: '2001:dead::1' }), true);
    assert.equal(compileRecordFilter('ether src 02:00:00:00:00:01 and vlan 20')!({ sourceMacAddress: '02:00:00:00:00:01', vlanId: 20 }), true);
    assert.equal(compileRecordFilter('greater 1000')!({ ...syn, octetDeltaCount: 3000, packetDeltaCount: 2 }), true);
    assert.throws(() => compileRecordFilter('ip[8] < 64'), /no packet bytes/);    // Record addresses read by the pack's one IPv4 text parser (packet/text.ts): not a dotted quad, no match.
    const net = compileRecordFilter('src net 10.0.0.0/8')!;
    assert.equal(net({ sourceIPv4Address: '10.200.3.4' }), true);
    assert.equal(net({ sourceIPv4Address: '10.300.3.4' }), false);
    assert.equal(net({ sourceIPv4Address: '10.2.3' }), false);
  });
});

describe('aggregate: Space-Saving over maxKeys', () => {
  it('keeps heavy hitters in order with overcounts inside total/maxKeys, sums equal totals', () => {
    const maxKeys = 1000;
    const heavy = [50_000, 30_000, 20_000, 10_000];
    const records: Record<string, unknown>[] = [];
    let seed = 7;
    const random = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    for (let i = 0; i < 200_000; i++) {
      // Distinct noise keys, each seen once with a small count, interleaved with the heavy keys.
      records.push(rec(`n${i}`, 'd', 1, 1 + Math.floor(random() * 20), 1, T0 + (i % 50_000)));
      if (i % 10 === 0) heavy.forEach((total, h) => records.push(rec(`h${h}`, 'd', 1, total / 20_000, 1, T0 + (i % 50_000))));
    }
    const exact = new Map<string, number>();
    for (const r of records) exact.set(r.sourceIPv4Address as string, (exact.get(r.sourceIPv4Address as string) ?? 0) + (r.octetDeltaCount as number));
    const [bin] = run({ primitives: 'src_host', maxKeys, topN: 10 }, records);
    assert.ok(bin.approximate, 'the bin says it is approximate');
    assert.ok(bin.approximate!.evictions > 0);
    const bound = Number(bin.approximate!.bound);
    assert.equal(bound, Math.floor(Number(bin.totals.bytes) / maxKeys));
    assert.deepEqual(bin.rows.slice(0, 4).map((r) => r.src_host), ['h0', 'h1', 'h2', 'h3']);
    for (const row of bin.rows.slice(0, 4)) {
      const truth = exact.get(row.src_host as string)!;
      const counted = row.bytes as number;
      const error = (row.error as { bytes: number } | undefined)?.bytes ?? 0;
      assert.ok(counted >= truth && counted - truth <= bound, `${row.src_host}: ${counted} vs ${truth}, bound ${bound}`);
      assert.ok(counted - error <= truth);
    }
    assert.equal(sum(bin.rows), BigInt(bin.totals.bytes as number));
    assert.ok(bin.totals.keys <= maxKeys);
  });
});

describe('aggregate: keys by hash', () => {
  it('keys whose hashes collide stay apart, also through Space-Saving evictions', () => {
    // Every key on one hash: each lookup walks the chain and compares values, as after a collision.
    const table = new KeyTable(3, 'bytes');
    const keys = ['a', 'b', 'c', 'd', 'e'];
    keys.forEach((k, i) => table.add(42, [k, i], 1, 10 * (i + 1), 1));
    table.add(42, ['e', 4], 1, 5, 1); // an existing key: its counts grow, no new entry
    const rows = table.top(0).map((e) => [e.values[0], e.bytes]);
    // Three kept; d replaced a (10) and e replaced b (20): each inherited the victim's bytes.
    assert.deepEqual(rows, [['e', 20 + 50 + 5], ['d', 10 + 40], ['c', 30]]);
    assert.equal(table.evictions, 2);
  });

  it('the same values as a record and as an upstream row are one key (re-aggregation)', () => {
    const bins: BinResult[] = [];
    const agg = new Aggregator({ intervalMs: 60_000, primitives: parsePrimitives('src_host, dst_port') }, (b) => bins.push(b));
    agg.add(rec('10.0.0.1', '10.0.0.2', 443, 100, 1, T0 + 1000));
    agg.add({ src_host: '10.0.0.1', dst_port: 443, packets: 2, bytes: 200, flows: 3, binStart: T0, binEnd: T0 + 60_000 });
    agg.flush();
    assert.deepEqual(bins[0].rows.map((r) => [r.src_host, r.dst_port, r.packets, r.bytes, r.flows]), [['10.0.0.1', 443, 3, 300, 4], [undefined, undefined, 0, 0, 0]]);
  });
});

describe('aggregate: row identity in Elasticsearch', () => {
  // Two aggregations over the same records: same primitives, one filtered to port 443. Their
  // `others` rows and their rows for 10.0.0.1 hold the same key; only `aggregation` tells them apart.
  const records = [rec('10.0.0.1', 'd', 443, 100, 1, T0 + 1), rec('10.0.0.1', 'd', 80, 50, 1, T0 + 2), rec('10.0.0.2', 'd', 443, 70, 1, T0 + 3)];
  const rowsOf = (aggregation: string | undefined, filter: string) =>
    run({ primitives: 'src_host', topN: 1, aggregation, filter: compileRecordFilter(filter) }, records)[0].rows;

  it('rows of two aggregations get distinct ids; a replay of one gets the same ids', () => {
    const all = rowsOf('node-a/1', ''), https = rowsOf('node-b/1', 'port 443');
    assert.deepEqual(all.map((r) => [r.aggregation, r.src_host, r.bytes]), [['node-a/1', '10.0.0.1', 150], ['node-a/1', undefined, 70]]);
    assert.deepEqual(https.map((r) => [r.aggregation, r.src_host, r.bytes]), [['node-b/1', '10.0.0.1', 100], ['node-b/1', undefined, 70]]);
    const ids = [...all, ...https].map(aggregateId);
    assert.equal(new Set(ids).size, 4, 'four rows, four ids');
    assert.deepEqual(rowsOf('node-a/1', '').map(aggregateId), ids.slice(0, 2), 'the same aggregation replayed: the same ids');
    // The defect this guards: rows without `aggregation` (what flow aggregate sent before) collide.
    const bare = [...rowsOf(undefined, ''), ...rowsOf(undefined, 'port 443')].map(aggregateId);
    assert.equal(new Set(bare).size, 2);
  });
});
