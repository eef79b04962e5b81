// EcsJsonWriter writes the ECS document straight as JSON. It is a rewrite of flowRecordToEcs +
// serializeDocument for speed, and flowRecordToEcs is tested against the ECS and Community ID
// references (es-ecs.test.ts): so here the reference is the object path, and the direct text
// must be the same bytes (hence JSON.parse of it deepEquals the document, BigInts included) for
// every record of every flow capture in the corpus and for the hand-made edge cases below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EcsJsonWriter, flowRecordToEcs, type EcsOptions, type FlowContext } from '../../nodes/common/ecs';
import { contentHashId, serializeDocument } from '../../nodes/common/es';
import { FlowDecoder, type FlowRecord } from '../../nodes/common';
import { readUdpDatagrams } from '../helpers/flow-pcap';
import { CORPUS, corpusSkip } from '../helpers/real';

/** The object path's text, and the direct text (undefined when the writer hands the record back). */
function both(record: FlowRecord, context: FlowContext, options: EcsOptions = {}, writer = new EcsJsonWriter(options)) {
  const reference = serializeDocument(flowRecordToEcs(record, context, options));
  const direct = writer.write(record, writer.prepare(context));
  return { reference, direct, timeMs: writer.timeMs };
}

/** Same bytes, and the parsed text is the document (numbers beyond 2^53 compared as text above). */
function assertSame(record: FlowRecord, context: FlowContext, options: EcsOptions = {}, writer?: EcsJsonWriter): boolean {
  const { reference, direct, timeMs } = both(record, context, options, writer);
  if (direct === undefined) return false;
  assert.equal(direct, reference);
  assert.deepEqual(JSON.parse(direct), JSON.parse(reference));
  const doc = flowRecordToEcs(record, context, options);
  const stamp = doc['@timestamp'] as string | undefined;
  assert.equal(Number.isNaN(timeMs) ? undefined : timeMs, stamp === undefined ? undefined : Date.parse(stamp));
  return true;
}

/** Enrichment fields as common/enrich writes them, with strings that need escaping. */
const ENRICHMENT: Partial<FlowRecord> = {
  sourceCountryIsoCode: 'NL', sourceCountryName: 'Nether"lands\\', sourceCityName: '</script><script>alert(1)</script>',
  sourceLocation: { lat: 52.3676, lon: 4.9041 } as never, sourceAsNumber: 64500, sourceAsOrganization: 'Lone \ud800 surrogate \udfff',
  destinationCountryIsoCode: 'JP', destinationCountryName: '日本', destinationCityName: 'Tōkyō\u2028\u2029',
  destinationLocation: { lat: Number.NaN, lon: 139.69 } as never, destinationAsOrganization: 'ctrl \u0000\u0001\u001f\u007f',
  ingressInterfaceName: 'Gi0/0/1', ingressInterfaceDescription: 'uplink "core"\ttab', egressInterfaceName: 'Te1/1',
  exporterName: 'edge\nrouter', networkDirection: 'outbound', sourceNetworkName: 'lan \\ "a"', sourceNetworkRole: 'internal',
} as never;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'tshark-json') walk(p, out); }
    else if (name.endsWith('.pcap')) out.push(p);
  }
  return out;
}

test('every corpus record: the direct JSON is the object path\'s text (v5, v9, IPFIX, sFlow; enriched or not, BigInt counters, sampling scaled or not)', { skip: corpusSkip }, (t) => {
  const protocols = new Map<string, number>();
  let records = 0, written = 0, handedBack = 0, bigints = 0, ipv6 = 0, macs = 0, sampled = 0;
  const writers = [new EcsJsonWriter({}), new EcsJsonWriter({ scaleBySampling: true })];
  const receivedAt = new Date('2024-06-01T12:00:00.123Z');
  for (const file of walk(CORPUS)) {
    const decoder = new FlowDecoder();
    for (const d of readUdpDatagrams(file)) {
      const result = decoder.decode(d.payload, { address: d.source, port: d.sourcePort }, receivedAt);
      const context: FlowContext = { exporter: { address: d.source, port: d.sourcePort }, receivedAt, observationDomainId: result.observationDomainId, protocol: result.protocol };
      for (const record of result.records) {
        records++;
        protocols.set(result.protocol, (protocols.get(result.protocol) ?? 0) + 1);
        // Counters past 2^53 decode as BigInts; the corpus's are small, so the enriched copy gets one.
        const big = typeof record.octetDeltaCount === 'number' ? { octetDeltaCount: BigInt(record.octetDeltaCount) + 2n ** 60n } : {};
        const enriched = { ...record, ...ENRICHMENT, ...big } as FlowRecord;
        if (Object.values(enriched).some((v) => typeof v === 'bigint')) bigints++;
        if (record.sourceIPv6Address) ipv6++;
        if (record.sourceMacAddress || record.destinationMacAddress) macs++;
        if (record.samplingInterval ?? record.samplerRandomInterval) sampled++;
        for (const [i, writer] of writers.entries()) {
          const options = { scaleBySampling: i === 1 };
          for (const r of [record, enriched]) {
            if (assertSame(r, context, options, writer)) written++; else handedBack++;
          }
          // A record batched with its own exporter, without a message context.
          if (assertSame({ ...record, exporter: { address: d.source, port: d.sourcePort } } as FlowRecord, { receivedAt }, options, writer)) written++; else handedBack++;
        }
      }
    }
  }
  for (const p of ['netflow5', 'netflow9', 'ipfix', 'sflow5']) assert.ok((protocols.get(p) ?? 0) > 0, `corpus records of ${p}`);
  assert.ok(bigints > 0 && ipv6 > 0 && macs > 0 && sampled > 0, `bigint ${bigints}, IPv6 ${ipv6}, MAC ${macs}, sampled ${sampled}`);
  // Handing back is allowed (arrays, objects), but the point is that it is rare.
  assert.ok(handedBack / (written + handedBack) < 0.05, `handed back ${handedBack} of ${written + handedBack}`);
  t.diagnostic(`${records} corpus records (${[...protocols].map(([p, n]) => `${p} ${n}`).join(', ')}): ${written} written directly, ${handedBack} handed back`);
});

test('hand-made records: bigint counters, IPv6, MACs, hostile strings, times of every unit', () => {
  const context: FlowContext = { exporter: { address: '2001:db8::1', port: 4739 }, receivedAt: new Date('2024-05-01T10:00:03Z'), observationDomainId: 7, protocol: 'ipfix' };
  const base = {
    sourceIPv6Address: '2001:db8::10', destinationIPv6Address: 'fe80::260:97ff:fe07:69ea', sourceTransportPort: 51514, destinationTransportPort: 443, protocolIdentifier: 6,
    octetDeltaCount: 18446744073709551615n, packetDeltaCount: 9007199254740993n, sourceMacAddress: '00:1b:21:aa:bb:cc', destinationMacAddress: 'de:ad:be:ef:00:01',
    flowStartMicroseconds: 1714557600123456n, flowEndNanoseconds: 1714557602500000000n, flowStartSeconds: 1714557600, ingressInterface: 3, egressInterface: 7, flowDirection: 1,
    applicationName: 'quote " backslash \\ nul \u0000 bell \u0007 del \u007f lone \ud83d end \u2028 </script>', paddingOctets: Buffer.from([0, 1, 0xfe]),
    observationTimeMilliseconds: new Date('2024-05-01T10:00:01.5Z'), badTime: new Date(Number.NaN), notANumber: Number.NaN, infinite: -Infinity, negativeZero: -0,
    tiny: 5e-324, huge: 1e21, flag: true, off: false, sampling_note: 'x',
  } as unknown as FlowRecord;
  assert.ok(assertSame(base, context));
  assert.ok(assertSame(base, context, { scaleBySampling: true }));
  assert.ok(assertSame({ ...base, samplingInterval: 1000 } as FlowRecord, context, { scaleBySampling: true }));
  assert.ok(assertSame({ ...base, samplingInterval: 1000, samplingScaled: true } as FlowRecord, context, { scaleBySampling: true }));
  assert.ok(assertSame({ ...base, samplingInterval: 1000 } as FlowRecord, context, { scaleBySampling: false, communityIdSeed: 9 }));
  // Safe counts scaled past 2^53 become BigInts, as enrich/sampling.ts scales them.
  assert.ok(assertSame({ ...base, octetDeltaCount: 2 ** 52, packetDeltaCount: 3, samplingInterval: 4096 } as FlowRecord, context, { scaleBySampling: true }));
  // ICMP (type/code from the destination port), v4, no ports; no context at all; an empty record.
  assert.ok(assertSame({ sourceIPv4Address: '192.0.2.1', destinationIPv4Address: '192.0.2.2', protocolIdentifier: 1, destinationTransportPort: 0x0800, flowEndSeconds: 1714557602 } as FlowRecord, context));
  assert.ok(assertSame({ sourceIPv6Address: '::1', destinationIPv6Address: '::2', protocolIdentifier: 58, icmpTypeIPv6: 128 } as FlowRecord, {}));
  assert.ok(assertSame({} as FlowRecord, {}));
  assert.ok(assertSame({ flowStartMilliseconds: '2024-05-01T10:00:00Z', flowEndMilliseconds: 'not a time', ipVersion: 4 } as unknown as FlowRecord, { exporter: { address: '' } }));
  // Strings as field names reach the text through JSON.stringify too.
  assert.ok(assertSame({ 'we"ird\\Name\u0000': 1, '</script>': 'x' } as unknown as FlowRecord, context));
  // The enrichment fields, on a v4 record.
  assert.ok(assertSame({ ...base, sourceIPv6Address: undefined, sourceIPv4Address: '192.0.2.1', destinationIPv4Address: '198.51.100.7', ...ENRICHMENT } as FlowRecord, context));
});

test('records the direct writer hands back to the object path', () => {
  const context: FlowContext = { exporter: { address: '192.0.2.9', port: 2055 }, receivedAt: new Date('2024-05-01T10:00:03Z'), protocol: 'netflow9' };
  const writer = new EcsJsonWriter({ scaleBySampling: true });
  const handedBack = (record: object, ctx = context) => writer.write(record as FlowRecord, writer.prepare(ctx)) === undefined;
  // Arrays and objects as values (plainValue's deep copy): the object path writes them.
  assert.ok(handedBack({ mplsLabelStack: [1, 2n] }));
  assert.ok(handedBack({ subTemplateList: { a: 1 } }));
  // A function value (JSON leaves the key out).
  assert.ok(handedBack({ callback: () => 1 }));
  // Two names, one key: the object path keeps the first place and the later value.
  assert.ok(!handedBack({ sourceIPv4Address: '192.0.2.1' }));
  assert.ok(handedBack({ source_ipv4_address: 'b', sourceIPv4Address: '192.0.2.1' }));
  assert.ok(handedBack({ sourceIPv4Address: '192.0.2.1' }), 'the name stays refused once its key is shared');
  // Array-index keys (listed first by objects) and __proto__ (an assignment that sets nothing).
  assert.ok(handedBack({ 12: 'x' }));
  assert.ok(handedBack(JSON.parse('{"__proto__": 1}')));
  // A field whose key the object path overwrites after its loop.
  assert.ok(handedBack({ exporter: 'text' }));
  assert.ok(handedBack({ samplingScaled: false, samplingInterval: 10, octetDeltaCount: 1 }));
  assert.ok(handedBack({ samplingInterval: 10, octetDeltaCount: null }));
  // A context of types the text pieces do not cover.
  assert.ok(handedBack({}, { exporter: { address: 1 as never } }));
  assert.ok(handedBack({}, { observationDomainId: 5n as never }));
  // Each of these is the object path's document, whichever path wrote it.
  for (const r of [{ mplsLabelStack: [1, 2n] }, { source_ipv4_address: 'b', sourceIPv4Address: '192.0.2.1' }, { 12: 'x' }, { exporter: 'text' }, { samplingInterval: 10, octetDeltaCount: null }]) {
    assert.doesNotThrow(() => serializeDocument(flowRecordToEcs(r as FlowRecord, context, { scaleBySampling: true })));
  }
});

test('content-hash ids are the same from the direct text as from the object path', () => {
  // es bulk hashes the object path's document; the direct text parses to the same document.
  const record = { sourceIPv4Address: '192.0.2.1', destinationIPv4Address: '198.51.100.7', protocolIdentifier: 17, sourceTransportPort: 53, destinationTransportPort: 5353, octetDeltaCount: 120, flowEndMilliseconds: 1714557602500 } as FlowRecord;
  const context: FlowContext = { exporter: { address: '192.0.2.9', port: 2055 }, receivedAt: new Date('2024-05-01T10:00:03Z') };
  const writer = new EcsJsonWriter();
  const direct = writer.write(record, writer.prepare(context))!;
  assert.equal(contentHashId(JSON.parse(direct)), contentHashId(flowRecordToEcs(record, context)));
});
