// The flow collector's decode workers without Node-RED: a real softflowd NetFlow v9 datagram
// decodes in a worker exactly as on the main thread; a worker that dies (a named fake, see
// test/fixtures/flow-workers) is reported and restarted, and its exporter decodes again; every
// corpus capture's results, packed and rebuilt as between the threads, are the one-thread path's.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder, flowEncoder as enc, type DecodeResult } from '../../nodes/common';
import { DecodeWorkers, sumCounters } from '../../nodes/flow-collector/decode-workers';
import { createDecoder } from '../../nodes/flow-collector/decode-path';
import { messageArrays, ResultPacker, ResultUnpacker, transferList } from '../../nodes/flow-collector/result-transfer';
import { readUdpDatagrams } from '../helpers/flow-pcap';
import { CORPUS, corpusSkip } from '../helpers/real';
import { waitUntil, repoRoot } from '../helpers/node-red';

// A datagram softflowd sent (template and 24 records), the benchmark's.
const DATAGRAM = readFileSync(join(repoRoot, 'demo/data/softflowd-netflow9.bin'));
const decode = { applySampling: false, scopeByPort: false, templateTtl: 1800, pendingTtl: 60, elements: '' };
const pools: DecodeWorkers[] = [];
after(() => Promise.all(pools.map((p) => p.close())));

function pool(script?: { dir: string; name: string }) {
  const results: DecodeResult[] = [];
  const crashes: Array<{ worker: number; error: Error }> = [];
  const p = new DecodeWorkers({ count: 2, decode, script }, {
    result: (r) => results.push(r),
    crashed: (worker, error) => crashes.push({ worker, error }),
    pendingDrops: () => {},
    error: () => {}, rcvbufFailed: () => {}, rcvbufCapped: () => {}, listening: () => {},
  });
  pools.push(p);
  return { p, results, crashes };
}

test('a worker decodes a softflowd datagram exactly as the decoder on the main thread', async () => {
  const { p, results } = pool();
  const exporter = { address: '192.0.2.1', port: 9995 };
  const here = new FlowDecoder().decode(DATAGRAM, exporter, new Date(1_700_000_000_000));
  p.dispatch(DATAGRAM, exporter, 1_700_000_000_000);
  await waitUntil('the result', () => results.length === 1, 30_000);
  assert.equal(here.records.length, 24);
  assert.deepEqual(results[0], here);
  const counters = await p.counters();
  assert.equal(counters?.records, 24);
  assert.equal(counters?.datagrams, 1);
});

test('a worker that dies is reported and restarted; its exporter decodes again', async () => {
  const { p, results, crashes } = pool({ dir: join(__dirname, '../fixtures/flow-workers'), name: 'faulty-decode-worker' });
  const exporter = { address: '192.0.2.7', port: 9995 };
  p.dispatch(DATAGRAM, exporter, Date.now());
  await waitUntil('the first result', () => results.length === 1, 30_000);
  // Same exporter and domain (0, as softflowd's source id): the same worker.
  assert.equal(DATAGRAM.readUInt32BE(16), 0);
  p.dispatch(Buffer.from('CRASH'), exporter, Date.now());
  await waitUntil('the crash report', () => crashes.length === 1, 30_000);
  assert.match(crashes[0].error.message, /faulty decode worker: CRASH/);
  await waitUntil('the restart', () => p.counts.restarts === 1, 30_000);
  const decoded = () => results.filter((r) => r.records.length === 24).length;
  await waitUntil('a decode after the restart', () => {
    if (decoded() < 2) p.dispatch(DATAGRAM, exporter, Date.now());
    return decoded() >= 2;
  }, 30_000, 500);
  // The summary keeps what the dead worker decoded.
  assert.equal(p.summary().records, 24 * decoded());
  assert.equal(crashes.length, 1);
});

test('counter trees from several workers add up key by key', () => {
  assert.deepEqual(
    sumCounters({ records: 2, errors: { truncated: 1 }, state: { domains: { entries: 1, limit: 4 } } }, { records: 3, errors: { short: 2 }, state: { domains: { entries: 2, limit: 4 } } }),
    { records: 5, errors: { truncated: 1, short: 2 }, state: { domains: { entries: 3, limit: 8 } } },
  );
});

test('packed results come back on the main thread exactly as decoded, keys in order', () => {
  const decoder = new FlowDecoder();
  const exporter = { address: '192.0.2.9', port: 4739 };
  const file = (name: string) => readFileSync(join(repoRoot, 'demo/data', name));
  // Real exports of four protocols (v9 and IPFIX with options data, sFlow records holding a Buffer),
  // and one cut short (errors): every kind of result a worker sends.
  const datagrams = ['softflowd-netflow9.bin', 'softflowd-ipfix.bin', 'softflowd-netflow5.bin', 'pmacct-sflow.bin'].map(file);
  datagrams.push(DATAGRAM.subarray(0, 30));
  const expected = datagrams.map((d, i) => decoder.decode(d, exporter, new Date(1_700_000_000_000 + i)));
  assert.ok(expected.some((r) => r.options.length) && expected.some((r) => r.errors.length));
  assert.ok(expected.some((r) => r.records.some((rec) => Object.values(rec).some((v) => Buffer.isBuffer(v)))));
  const again = new FlowDecoder();
  const second = datagrams.map((d) => again.decode(d, exporter, new Date(1_700_000_000_100)));
  // A value past int32 in a field that was an int32 so far, and a record holding a Buffer.
  second[0].records[1] = { ...second[0].records[1], octetDeltaCount: 2 ** 40 + 0.5 } as never;
  second[0].records[2] = { ...second[0].records[2], ie999: Buffer.from([1, 2, 3]) } as never;

  const packer = new ResultPacker();
  const unpacker = new ResultUnpacker();
  const written: Array<{ bytes: number; used: number }> = [];
  const send = (results: DecodeResult[]) => {
    for (const r of results) packer.add(r);
    const packed = packer.take();
    written.push({ bytes: packed.ints.byteLength, used: packed.intCount * 4 });
    // Through a real structured clone, buffers transferred, as between threads, and back for reuse.
    const arrived = structuredClone(packed, { transfer: transferList(packed) });
    const got = unpacker.unpack(arrived);
    const back = structuredClone(messageArrays(arrived), { transfer: transferList(arrived) });
    packer.recycle(back);
    return got;
  };
  // The first message is large; the last is written into its arrays (handed back), past its end
  // lies what the first wrote, which must not be read.
  const large = Array.from({ length: 40 }, () => expected).flat();
  const last = [expected[3], expected[0]];
  for (const [sent, got] of [[large, send(large)], [second, send(second)], [last, send(last)]]) {
    assert.deepStrictEqual(got, sent);
    got.forEach((r, i) => r.records.forEach((rec, j) => assert.deepEqual(Object.keys(rec), Object.keys(sent[i].records[j]))));
  }
  assert.ok(written[0].used > 4 * 4096 && written[2].bytes >= written[0].used && written[2].used < 4 * 4096, `the last message reused the first's arrays: ${JSON.stringify(written)}`);
});

/** JSON that keeps bigints apart from numbers, to compare key order and types as well as values. */
const text = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

/**
 * The same datagrams through two decoders: on the one-thread path (`expected`), and as a worker does
 * it, packed with the decoder's runs and column sink, moved with a transfer and rebuilt (`got`).
 */
function decodeBothWays(config: typeof decode, datagrams: Buffer[], exporter: { address: string; port: number }) {
  const here = createDecoder(config, undefined);
  const there = createDecoder(config, undefined);
  const expected = datagrams.map((d, i) => here.decode(d, exporter, new Date(1_700_000_000_000 + i)));
  const packer = new ResultPacker();
  for (const [i, d] of datagrams.entries()) packer.add(there.decode(d, exporter, new Date(1_700_000_000_000 + i), packer.sink()), there.lastRuns(), there.lastColumnRuns());
  const packed = packer.take();
  const got = new ResultUnpacker().unpack(structuredClone(packed, { transfer: transferList(packed) }));
  return { expected, got, here, there, packer };
}

test('packed with the decoder\'s runs: a template redefined mid-stream in another order, values past int32 and bigints, options-taught names and rates, an element named templateId: keys in order as decoded', () => {
  // NetFlow v9 (RFC 3954): IN_BYTES 1, IN_PKTS 2, IPV4_SRC_ADDR 8, INPUT_SNMP 10, OUTPUT_SNMP 14,
  // IPV4_DST_ADDR 12, LAST_SWITCHED 21, FIRST_SWITCHED 22, SAMPLING_INTERVAL 34, IF_NAME 82, templateId 145.
  const first = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 1, length: 4 }, { id: 22, length: 4 }, { id: 21, length: 4 }, { id: 10, length: 4 }, { id: 14, length: 4 }];
  const reordered = [{ id: 21, length: 4 }, { id: 22, length: 4 }, { id: 1, length: 8 }, { id: 12, length: 4 }, { id: 8, length: 4 }, { id: 10, length: 4 }];
  const withTemplateId = [{ id: 145, length: 2 }, { id: 8, length: 4 }, { id: 2, length: 4 }];
  const options = { scopeFields: [{ id: 2, length: 4 }], fields: [{ id: 82, length: 8 }, { id: 34, length: 4 }] };
  const optionFields = [...options.scopeFields, ...options.fields];
  const v9 = (sequence: number, sets: Parameters<typeof enc.encodeNetflow9>[0]['sets']) => enc.encodeNetflow9({ sysUptime: 5_000_000, exportTime: 1_700_000_000, sequence, sourceId: 3, sets });
  const datagrams = [
    v9(0, [
      { kind: 'template', templates: [{ id: 300, fields: first }, { id: 301, fields: withTemplateId }] },
      { kind: 'data', templateId: 300, records: [enc.encodeRecord(first, ['10.0.0.1', '10.0.0.2', 100, 4_000_000, 4_100_000, 1, 2]), enc.encodeRecord(first, ['10.0.0.3', '10.0.0.4', 3_000_000_000, 4_000_000, 4_100_000, 7, 9])] },
      { kind: 'data', templateId: 301, records: [enc.encodeRecord(withTemplateId, [77, '10.0.0.5', 3])] },
    ]),
    v9(1, [
      { kind: 'options-template', templates: [{ id: 310, ...options }] },
      { kind: 'data', templateId: 310, records: [enc.encodeRecord(optionFields, [1, 'eth1', 100]), enc.encodeRecord(optionFields, [2, 'eth2', 100])] },
      { kind: 'data', templateId: 300, records: [enc.encodeRecord(first, ['10.0.0.1', '10.0.0.2', 100, 4_000_000, 4_100_000, 1, 2]), enc.encodeRecord(first, ['10.0.0.1', '10.0.0.2', 100, 4_000_000, 4_100_000, 1, 5])] },
    ]),
    v9(2, [
      { kind: 'template', templates: [{ id: 300, fields: reordered }] },
      { kind: 'data', templateId: 300, records: [enc.encodeRecord(reordered, [4_100_000, 4_000_000, 2n ** 60n, '10.0.0.2', '10.0.0.1', 1]), enc.encodeRecord(reordered, [4_100_000, 4_000_000, 5, '10.0.0.2', '10.0.0.1', 2])] },
    ]),
  ];
  const exporter = { address: '192.0.2.7', port: 2055 };
  for (const applySampling of [false, true]) {
    const config = { ...decode, applySampling };
    const { expected, got, packer } = decodeBothWays(config, datagrams, exporter);
    assert.deepStrictEqual(got, expected);
    assert.equal(text(got), text(expected));
    // The cases are there: names and rates taught, both orders, the bigint, the element named templateId.
    const records = expected.flatMap((r) => r.records);
    assert.ok(records.some((r) => r.ingressInterfaceName === 'eth1' && r.egressInterfaceName === 'eth2' && r.samplingInterval === 100));
    assert.ok(records.some((r) => typeof r.octetDeltaCount === 'bigint') && records.some((r) => (r.octetDeltaCount as number) > 2 ** 31));
    assert.ok(records.some((r) => Object.keys(r)[0] === 'flowEndSysUpTime') && records.some((r) => Object.keys(r)[0] === 'sourceIPv4Address'));
    assert.ok(records.some((r) => Object.keys(r)[0] === 'templateId' && r.templateId === 301));
    assert.ok(packer.knownRecords > 0);
  }
});

function captures(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'tshark-json') captures(p, out); }
    else if (name.endsWith('.pcap')) out.push(p);
  }
  return out;
}

test('every corpus capture: results rebuilt on the main thread are what the one-thread path decodes, keys in order', { skip: corpusSkip }, (t) => {
  const files = captures(CORPUS);
  // One packer/unpacker pair for the whole run, as a long-lived worker: layouts and recycled arrays carry over.
  const packer = new ResultPacker();
  const unpacker = new ResultUnpacker();
  // As a worker packs them: each result right after its decode, with the decoder's runs (records
  // its compiled readers made are packed without a look at their keys).
  const through = (decoder: FlowDecoder, decodeAll: (d: FlowDecoder) => void) => {
    decodeAll(decoder);
    const packed = packer.take();
    const arrived = structuredClone(packed, { transfer: transferList(packed) });
    const got = unpacker.unpack(arrived);
    const back = structuredClone(messageArrays(arrived), { transfer: transferList(arrived) });
    packer.recycle(back);
    return got;
  };
  // Text with keys in their order (BigInts as text, Buffers and Dates as their JSON).
  const protocols = new Map<string, number>();
  let records = 0;
  for (const applySampling of [false, true]) {
    const config = { ...decode, applySampling };
    for (const file of files) {
      const here = createDecoder(config, undefined);
      const there = createDecoder(config, undefined);
      const datagrams = readUdpDatagrams(file);
      // Up to 256 results per message, as a worker sends them.
      for (let at = 0; at < datagrams.length; at += 256) {
        const part = datagrams.slice(at, at + 256);
        const exporter = (d: typeof part[number]) => ({ address: d.source, port: d.sourcePort });
        const expected = part.map((d) => here.decode(d.payload, exporter(d), d.time));
        const got = through(there, (dec) => {
          for (const d of part) packer.add(dec.decode(d.payload, exporter(d), d.time, packer.sink()), dec.lastRuns(), dec.lastColumnRuns());
        });
        assert.deepStrictEqual(got, expected, file);
        assert.equal(text(got), text(expected), file);
        for (const r of expected) {
          records += r.records.length;
          protocols.set(r.protocol, (protocols.get(r.protocol) ?? 0) + r.records.length);
        }
      }
    }
  }
  for (const p of ['netflow5', 'netflow9', 'ipfix', 'sflow5']) assert.ok((protocols.get(p) ?? 0) > 0, `corpus records of ${p}`);
  t.diagnostic(`${files.length} captures, ${records} records (${[...protocols].map(([p, n]) => `${p} ${n}`).join(', ')}), twice (sampling applied or not); ${packer.columnRecords} written by column readers, ${packer.knownRecords} packed by their reader's keys`);
  // Column readers take templates without a sampling field of their own (v9 and IPFIX); compiled readers most of the rest.
  assert.ok(packer.columnRecords > 0 && packer.knownRecords > 0, `records written by column readers (${packer.columnRecords}) and packed by their reader's keys (${packer.knownRecords})`);
  assert.ok(packer.columnRecords + packer.knownRecords > records / 2, 'most records on one of the two');
});

test('records written straight into the arrays (column readers): IPFIX options-taught rates, names and init time per record group, a template redefined in another order, bigints, scaled counts, fixed and variable-length strings, both exporter families: what the one-thread path decodes, counters too', () => {
  // IPFIX (RFC 7011, IANA ids): octetDeltaCount 1, packetDeltaCount 2, ingressInterface 10, egressInterface 14,
  // flowEndSysUpTime 21, flowStartSysUpTime 22, sourceIPv6Address 27, destinationIPv6Address 28, samplingInterval 34,
  // samplerId 48, sourceMacAddress 56, interfaceName 82, applicationName 96, systemInitTimeMilliseconds 160, sourceIPv4Address 8.
  const flows = [{ id: 27, length: 16 }, { id: 28, length: 16 }, { id: 56, length: 6 }, { id: 1, length: 8 }, { id: 2, length: 4 }, { id: 22, length: 4 }, { id: 21, length: 4 }, { id: 10, length: 2 }, { id: 14, length: 4 }, { id: 48, length: 1 }, { id: 96, length: 12 }];
  const reordered = [{ id: 21, length: 4 }, { id: 22, length: 4 }, { id: 14, length: 4 }, { id: 10, length: 2 }, { id: 48, length: 1 }, { id: 1, length: 8 }, { id: 28, length: 16 }, { id: 27, length: 16 }];
  const varlen = [{ id: 8, length: 4 }, { id: 96, length: 65535 }, { id: 1, length: 4 }];
  const samplers = { scopeFields: [{ id: 48, length: 1 }], fields: [{ id: 34, length: 4 }] };
  const interfaces = { scopeFields: [{ id: 10, length: 4 }], fields: [{ id: 82, length: 8 }, { id: 160, length: 8 }] };
  const flow = (sampler: number, inIf: number, outIf: number, octets: number | bigint) =>
    enc.encodeRecord(flows, ['2001:db8::1', '2001:db8::2', Buffer.from([2, 0, 0, 0, 0, inIf]), octets, 3, 1_000, 2_000, inIf, outIf, sampler, `app${inIf}`]);
  const ipfix = (sequence: number, sets: Parameters<typeof enc.encodeIpfix>[0]['sets']) => enc.encodeIpfix({ exportTime: 1_700_000_000, sequence, domain: 5, sets });
  const datagrams = [
    ipfix(0, [
      { kind: 'template', templates: [{ id: 400, fields: flows }, { id: 401, fields: varlen }] },
      // Before the options data: nothing taught yet.
      { kind: 'data', templateId: 400, records: [flow(1, 1, 2, 100)] },
      { kind: 'options-template', templates: [{ id: 410, ...samplers }, { id: 411, ...interfaces }] },
      { kind: 'data', templateId: 410, records: [enc.encodeRecord([...samplers.scopeFields, ...samplers.fields], [1, 10]), enc.encodeRecord([...samplers.scopeFields, ...samplers.fields], [2, 1])] },
      { kind: 'data', templateId: 411, records: [enc.encodeRecord([...interfaces.scopeFields, ...interfaces.fields], [1, 'ge-0', 1_699_999_000_000]), enc.encodeRecord([...interfaces.scopeFields, ...interfaces.fields], [2, 'ge-1', 1_699_999_000_000])] },
      // Groups: sampler 1 (1 in 10) and 2 (1 in 1), interfaces named, one not (3), counts past 2^53 once scaled.
      { kind: 'data', templateId: 400, records: [flow(1, 1, 2, 100), flow(2, 2, 1, 200), flow(1, 3, 2, 2 ** 50), flow(1, 1, 2, 2n ** 60n), flow(9, 1, 3, 5)] },
      { kind: 'data', templateId: 401, records: [enc.encodeRecord(varlen, ['10.0.0.1', 'a longer application name', 7])] },
    ]),
    ipfix(7, [
      { kind: 'template', templates: [{ id: 400, fields: reordered }] },
      { kind: 'data', templateId: 400, records: [enc.encodeRecord(reordered, [2_000, 1_000, 2, 1, 1, 5n, '2001:db8::2', '2001:db8::1']), enc.encodeRecord(reordered, [2_000, 1_000, 3, 2, 2, 6, '2001:db8::3', '2001:db8::1'])] },
    ]),
  ];
  for (const address of ['192.0.2.8', '2001:db8::8']) {
    for (const applySampling of [false, true]) {
      const config = { ...decode, applySampling };
      const { expected, got, here, there, packer } = decodeBothWays(config, datagrams, { address, port: 4739 });
      assert.deepStrictEqual(got, expected);
      assert.equal(text(got), text(expected));
      // The decoders' counters (records, rates missing per exporter, records scaled) as well.
      assert.equal(text(there.counters()), text(here.counters()));
      // The fast path took the fixed-length sets (all but the variable-length one), and the cases are there.
      assert.equal(packer.columnRecords, 8);
      const records = expected.flatMap((r) => r.records);
      assert.equal(records.length, 9);
      assert.ok(records.some((r) => r.ingressInterfaceName === 'ge-0' && r.egressInterfaceName === 'ge-1' && r.samplingInterval === 10 && r.flowStartMilliseconds === 1_699_999_001_000));
      assert.ok(records.some((r) => r.ingressInterface === 3 && r.ingressInterfaceName === undefined && r.egressInterfaceName === 'ge-1'));
      assert.ok(records.some((r) => r.samplerId === 1 && r.flowStartMilliseconds === undefined), 'a record before the options data');
      assert.ok(records.some((r) => r.samplerId === 9 && r.samplingInterval === undefined));
      assert.ok(records.some((r) => typeof r.octetDeltaCount === 'bigint'));
      assert.ok(records.some((r) => r.applicationName === 'a longer application name') && records.some((r) => r.applicationName === 'app1'));
      assert.ok(records.some((r) => Object.keys(r)[0] === 'flowEndSysUpTime') && records.some((r) => Object.keys(r)[0] === 'sourceIPv6Address'));
      assert.equal(records.some((r) => r.samplingScaled === true), applySampling);
      if (applySampling) assert.ok(records.some((r) => r.octetDeltaCount === 2n ** 50n * 10n), 'scaled past 2^53: a bigint');
    }
  }
});
