// Fixed-format NetFlow v1, v5 and v7 (Cisco "NetFlow Export Datagram Format"), mapped onto
// IANA IE names so they look like v9/IPFIX records downstream.
import { ipv4 } from './values';
import { uptimeToEpochMs } from '../flow/time-base';
import type { DecodeError, DecodeResult, FlowRecord } from '../flow/types';
import { countRecordsWithoutRate, newTrack, observeSequence, type SequenceTrack } from '../flow/sequence';
import { domainKey, SCOPE_PROTOCOL, scopeNumber, type StateIndex } from '../flow/state-index';

interface LegacyLayout {
  headerLength: number;
  recordLength: number;
}

export const LEGACY_LAYOUTS: Record<1 | 5 | 7, LegacyLayout> = {
  1: { headerLength: 16, recordLength: 48 },
  5: { headerLength: 24, recordLength: 48 },
  7: { headerLength: 24, recordLength: 52 },
};

export interface LegacyHeader {
  version: 1 | 5 | 7;
  count: number;
  sysUptimeMs: number;
  exportTimeMs: number;
  sequence?: number;
  engineType?: number;
  engineId?: number;
  samplingInterval?: number;
  samplingAlgorithm?: number;
}

export function readLegacyHeader(buf: Buffer, version: 1 | 5 | 7): LegacyHeader {
  const h: LegacyHeader = {
    version,
    count: buf.readUInt16BE(2),
    sysUptimeMs: buf.readUInt32BE(4),
    exportTimeMs: buf.readUInt32BE(8) * 1000 + Math.floor(buf.readUInt32BE(12) / 1e6),
  };
  if (version !== 1) h.sequence = buf.readUInt32BE(16);
  if (version === 5) {
    h.engineType = buf[20];
    h.engineId = buf[21];
    // Top two bits: sampling mode; low 14 bits: interval.
    const s = buf.readUInt16BE(22);
    h.samplingAlgorithm = s >>> 14;
    h.samplingInterval = s & 0x3fff;
  }
  return h;
}

export function readLegacyRecords(buf: Buffer, h: LegacyHeader, max: number, errors: DecodeError[]): FlowRecord[] {
  const { headerLength, recordLength } = LEGACY_LAYOUTS[h.version];
  const fit = Math.floor((buf.length - headerLength) / recordLength);
  let n = h.count;
  if (n > fit) {
    errors.push({ code: 'truncated', message: `header count ${h.count} but only ${fit} records fit in ${buf.length} octets`, offset: 2 });
    n = fit;
  }
  if (n > max) {
    errors.push({ code: 'too-many-records', message: `${n} records exceed the limit of ${max}`, offset: 2 });
    n = max;
  }
  const records: FlowRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = headerLength + i * recordLength;
    const first = buf.readUInt32BE(o + 24);
    const last = buf.readUInt32BE(o + 28);
    const r: FlowRecord = {
      sourceIPv4Address: ipv4(buf, o),
      destinationIPv4Address: ipv4(buf, o + 4),
      ipNextHopIPv4Address: ipv4(buf, o + 8),
      ingressInterface: buf.readUInt16BE(o + 12),
      egressInterface: buf.readUInt16BE(o + 14),
      packetDeltaCount: buf.readUInt32BE(o + 16),
      octetDeltaCount: buf.readUInt32BE(o + 20),
      flowStartSysUpTime: first,
      flowEndSysUpTime: last,
      flowStartMilliseconds: uptimeToEpochMs(h.exportTimeMs, h.sysUptimeMs, first),
      flowEndMilliseconds: uptimeToEpochMs(h.exportTimeMs, h.sysUptimeMs, last),
      sourceTransportPort: buf.readUInt16BE(o + 32),
      destinationTransportPort: buf.readUInt16BE(o + 34),
    };
    if (h.version === 1) {
      r.protocolIdentifier = buf[o + 38];
      r.ipClassOfService = buf[o + 39];
      r.tcpControlBits = buf[o + 40];
    } else {
      r.tcpControlBits = buf[o + 37];
      r.protocolIdentifier = buf[o + 38];
      r.ipClassOfService = buf[o + 39];
      r.bgpSourceAsNumber = buf.readUInt16BE(o + 40);
      r.bgpDestinationAsNumber = buf.readUInt16BE(o + 42);
      r.sourceIPv4PrefixLength = buf[o + 44];
      r.destinationIPv4PrefixLength = buf[o + 45];
      if (h.version === 7) r.ipv4RouterSc = ipv4(buf, o + 48);
      else {
        r.engineType = h.engineType;
        r.engineId = h.engineId;
        if (h.samplingInterval) {
          r.samplingInterval = h.samplingInterval;
          r.samplingAlgorithm = h.samplingAlgorithm;
        }
      }
    }
    records[i] = r;
  }
  return records;
}

export interface LegacyState {
  scopeByPort: boolean;
  maxRecordsPerDatagram: number;
  /** v5/v7 sequence counters per exporter + engine (bounded, least recently used evicted). */
  scopes: StateIndex<SequenceTrack>;
}

/** Decodes one v1/v5/v7 datagram into `result` and counts its sequence. */
export function decodeLegacy(buf: Buffer, version: 1 | 5 | 7, s: LegacyState, result: DecodeResult, now: number): void {
  const protocol = result.protocol;
  if (buf.length < LEGACY_LAYOUTS[version].headerLength) {
    result.errors.push({ code: 'truncated', message: `datagram of ${buf.length} octets is shorter than the ${protocol} header`, offset: 0 });
    return;
  }
  const h = readLegacyHeader(buf, version);
  result.exportTime = new Date(h.exportTimeMs);
  result.sequenceNumber = h.sequence;
  result.observationDomainId = h.engineId;
  result.records = readLegacyRecords(buf, h, s.maxRecordsPerDatagram, result.errors);
  // v5/v7 flow_sequence counts flows (v1 has none).
  if (h.sequence === undefined) return;
  const { address, port } = result.exporter;
  const engine = (h.engineType ?? 0) * 256 + (h.engineId ?? 0);
  const n = scopeNumber(SCOPE_PROTOCOL[protocol as 'netflow5' | 'netflow7'], s.scopeByPort ? port : 0, engine);
  const track = s.scopes.find(address, n, now)
    ?? s.scopes.add(address, n, newTrack(domainKey(protocol, address, port, engine, s.scopeByPort)), now);
  observeSequence(track, h.sequence, h.count);
  // Every record has the header's rate or none has (readLegacyRecords): counted without reading
  // them, which also keeps v5 records out of the rate read v9/IPFIX records go through (sequence.ts).
  if (version === 5 && h.samplingInterval) track.records += result.records.length;
  else countRecordsWithoutRate(track, result.records.length);
}
