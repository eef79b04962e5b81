// The sampling contract (BRIEF / docs/flow.md): a record's `samplingInterval` is its 1-in-N rate;
// counts are multiplied at most once, and a record whose counts were multiplied says so with
// `samplingScaled: true`. Anything that can scale — FlowDecoder's applySampling (the collector's
// and flow decode's "Apply sampling"), the ECS option of es bulk — scales only records without it.
// Expected values: the counts the encoders wrote x the rate the datagram announces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowDecoder, flowEncoder as enc, flowRecordToEcs, scaleBySampling, sflowEncoder as e, type FlowRecord } from '../../nodes/common';

const A = { address: '192.0.2.10', port: 2055 };
const T0 = new Date('2024-05-01T10:00:00Z');

function sflowDatagram(rate: number): Buffer {
  return e.datagram({
    agent: '192.0.2.10', subAgent: 0, sequence: 1, samples: [
      e.flowSample({ sequence: 1, sourceIndex: 1, samplingRate: rate, samplePool: rate, input: 1, output: 2, records: [
        e.sampledIp({ ipTotalLength: 1000, protocolIdentifier: 17, source: '10.0.0.1', destination: '10.0.0.2', sourceTransportPort: 1, destinationTransportPort: 2, tcpControlBits: 0, ipClassOfService: 0 }),
      ] }),
    ],
  });
}

function v5Datagram(interval: number): Buffer {
  const rec = { src: '10.0.0.1', dst: '10.0.0.2', packets: 4, octets: 400, first: 1000, last: 2000, srcPort: 1234, dstPort: 80, protocol: 6, tcpFlags: 0x1b, srcAs: 0, dstAs: 0, srcMask: 24, dstMask: 16 };
  return enc.encodeNetflow5({ sysUptime: 5000, exportTime: T0.getTime() / 1000, sequence: 0, samplingInterval: 0x4000 | interval }, [rec]);
}

test('sFlow rate 8 applied by the decoder: counts x 8, marked, and ECS does not scale again', () => {
  const [rec] = new FlowDecoder({ applySampling: true }).decode(sflowDatagram(8), A, T0).records;
  assert.equal(rec.samplingInterval, 8);
  assert.equal(rec.packetDeltaCount, 8);
  assert.equal(rec.octetDeltaCount, 8000);
  assert.equal(rec.samplingScaled, true);
  const doc = flowRecordToEcs(rec, {}, { scaleBySampling: true }) as any;
  assert.equal(doc.network.packets, 8);
  assert.equal(doc.network.bytes, 8000);
  assert.equal(doc.source.bytes, 8000);
  assert.equal(doc.netflow.sampling_scaled, true);
  assert.equal(doc.netflow.octet_delta_count, 8000);
});

test('sFlow rate 8 scaled only by ECS: the document reads as if the collector had scaled', () => {
  const [rec] = new FlowDecoder().decode(sflowDatagram(8), A, T0).records;
  assert.equal(rec.samplingScaled, undefined);
  assert.equal(rec.packetDeltaCount, 1);
  const doc = flowRecordToEcs(rec, {}, { scaleBySampling: true }) as any;
  assert.equal(doc.network.packets, 8);
  assert.equal(doc.network.bytes, 8000);
  assert.equal(doc.netflow.packet_delta_count, 8);
  assert.equal(doc.netflow.octet_delta_count, 8000);
  assert.equal(doc.netflow.sampling_scaled, true);
  // The record itself is left as it came (ECS shapes a copy).
  assert.equal(rec.packetDeltaCount, 1);
  const off = flowRecordToEcs(rec, {}, {}) as any;
  assert.equal(off.network.packets, 1);
  assert.equal(off.netflow.sampling_scaled, undefined);
});

test('NetFlow v5 header interval 10: scaled once however many times scaling is asked for', () => {
  const [rec] = new FlowDecoder({ applySampling: true }).decode(v5Datagram(10), A, T0).records;
  assert.equal(rec.samplingInterval, 10);
  assert.equal(rec.packetDeltaCount, 40);
  assert.equal(rec.octetDeltaCount, 4000);
  assert.equal(scaleBySampling(rec), false);
  assert.equal(rec.packetDeltaCount, 40);
});

test('no interval, or 1-in-1: nothing scaled and nothing marked', () => {
  const [one] = new FlowDecoder({ applySampling: true }).decode(sflowDatagram(1), A, T0).records;
  assert.equal(one.packetDeltaCount, 1);
  assert.equal(one.samplingScaled, undefined);
  const rec: FlowRecord = { octetDeltaCount: 5, packetDeltaCount: 1 };
  assert.equal(scaleBySampling(rec), false);
  assert.equal(rec.samplingScaled, undefined);
});

test('a count past 2^53 scales exactly into a bigint', () => {
  const rec: FlowRecord = { octetDeltaCount: 2 ** 52, packetDeltaCount: 3, samplingInterval: 4 };
  assert.equal(scaleBySampling(rec), true);
  assert.equal(rec.octetDeltaCount, 2n ** 54n);
  assert.equal(rec.packetDeltaCount, 12);
});
