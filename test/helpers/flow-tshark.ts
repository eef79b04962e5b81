// tshark 4.0 as the reference decoder for the exporter end-to-end tests: it decodes the datagrams
// a real exporter sent (captured by flow-capture.ts), and this module turns its JSON into the
// values our records must carry, under our IANA names (RFC 7012 / the IANA IPFIX registry).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dissect } from '../../nodes/common/packet';
import { PcapWriter, parseCaptureBuffer } from '../../nodes/common/pcap';

/** tshark leaf fields of one record/sample/header: every occurrence, in the order tshark printed it. */
export type TsharkFields = Record<string, string[]>;
/** A value as our collector's JSON message carries it (numbers, text, ISO text for sub-millisecond times). */
export type Expected = Record<string, number | string>;

export interface TsharkDatagram {
  /** The exporter's UDP source port (the collector's `msg.exporter.port`). */
  sourcePort: number;
  /** Export packet header (cflow.* / sflow_245.*). */
  header: TsharkFields;
}

export interface TemplateField { type: number; pen: number }

export interface TsharkFlowRecord {
  datagram: TsharkDatagram;
  version: number;
  /** An options data record (its set's template is an options template). */
  options: boolean;
  fields: TsharkFields;
  /** The data template's fields in order ([] for v5 and options records). */
  template: TemplateField[];
}

export interface TsharkSflowSample {
  datagram: TsharkDatagram;
  kind: 'flow' | 'counters' | 'other';
  fields: TsharkFields;
}

type Json = string | Json[] | { [key: string]: Json };

function flatten(node: Json, out: TsharkFields = {}, key = ''): TsharkFields {
  if (typeof node === 'string') (out[key] ??= []).push(node);
  else if (Array.isArray(node)) for (const v of node) flatten(v, out, key);
  else for (const [k, v] of Object.entries(node)) flatten(v, out, k);
  return out;
}

/** Header-level leaves only (not the sets / samples below them). */
function headerFields(layer: Record<string, Json>, isChild: (k: string) => boolean): TsharkFields {
  const out: TsharkFields = {};
  for (const [k, v] of Object.entries(layer)) if (!isChild(k)) flatten(v, out, k);
  return out;
}

function tsharkJson(file: string, port: number, dissector: 'cflow' | 'sflow'): Array<{ _source: { layers: Record<string, Json> } }> {
  // --no-duplicate-keys: repeated fields (e.g. RFC 5103 reverse counters, decoded under the same
  // names as the forward ones) become arrays instead of overwriting each other.
  const out = execFileSync('tshark', ['-r', file, '-n', '-d', `udp.port==${port},${dissector}`, '-T', 'json', '--no-duplicate-keys'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out);
}

function datagramOf(layers: Record<string, Json>, header: TsharkFields): TsharkDatagram {
  return { sourcePort: Number(flatten(layers.udp!)['udp.srcport']![0]), header };
}

const SET = /^(?:Flow)?Set \d+ \[id=(\d+)\]/;

/**
 * NetFlow v5/v9 and IPFIX records as tshark decodes them from the capture `file` (datagrams to
 * `port`). `walkAllV9Sets`: decode a copy whose v9 header count is 0xffff — for exporters whose
 * count omits template records (softflowd 1.1.0; RFC 3954 5.1 counts template, options and data
 * records), after which tshark stops before the data sets. The datagrams are otherwise unchanged.
 */
export function tsharkNetflow(file: string, port: number, options: { walkAllV9Sets?: boolean } = {}): TsharkFlowRecord[] {
  const source = options.walkAllV9Sets ? withV9CountsOpen(file) : file;
  const records: TsharkFlowRecord[] = [];
  // Template layouts per exporter (source port) and domain, as tshark keeps them across datagrams.
  const templates = new Map<string, TemplateField[]>();
  const optionTemplates = new Set<string>();
  for (const packet of tsharkJson(source, port, 'cflow')) {
    const layer = packet._source.layers.cflow as Record<string, Json> | undefined;
    if (!layer) continue;
    const isChild = (k: string) => SET.test(k) || k.startsWith('pdu ');
    const datagram = datagramOf(packet._source.layers, headerFields(layer, isChild));
    const version = Number(datagram.header['cflow.version']![0]);
    const domain = datagram.header['cflow.source_id']?.[0] ?? datagram.header['cflow.od_id']?.[0] ?? '0';
    const scope = (id: number | string) => `${datagram.sourcePort}/${domain}/${id}`;
    for (const [key, value] of Object.entries(layer)) {
      if (key.startsWith('pdu ')) {
        records.push({ datagram, version, options: false, fields: flatten(value), template: [] });
        continue;
      }
      const set = SET.exec(key);
      if (!set || typeof value !== 'object' || Array.isArray(value)) continue;
      const setId = Number(set[1]);
      for (const [child, body] of Object.entries(value)) {
        const tpl = /^(Options )?Template \(Id = (\d+)/.exec(child);
        if (tpl && typeof body === 'object' && !Array.isArray(body)) {
          if (tpl[1]) optionTemplates.add(scope(tpl[2]!));
          else templates.set(scope(tpl[2]!), templateFields(body));
        } else if (/^Flow \d+$/.test(child)) {
          const options = optionTemplates.has(scope(setId));
          records.push({ datagram, version, options, fields: flatten(body), template: options ? [] : templates.get(scope(setId)) ?? [] });
        }
      }
    }
  }
  return records;
}

/** One v9/IPFIX data set (set id ≥ 256) as tshark reads it. */
export interface TsharkDataSet {
  /** The exporter: the datagram's IP source address. */
  exporter: string;
  /** Its template is an options template. */
  options: boolean;
  /** Its records' leaf fields ([] when tshark had no template for it). */
  records: TsharkFields[];
}

/**
 * Every v9/IPFIX data set of the capture `file` (datagrams to `port`), in capture order, with
 * the records tshark decodes in it (v9 header counts opened as in tsharkNetflow).
 */
export function tsharkDataSets(file: string, port: number): TsharkDataSet[] {
  const sets: TsharkDataSet[] = [];
  const optionTemplates = new Set<string>();
  for (const packet of tsharkJson(withV9CountsOpen(file), port, 'cflow')) {
    const layers = packet._source.layers;
    const layer = layers.cflow as Record<string, Json> | undefined;
    if (!layer || !layers.ip) continue;
    const exporter = flatten(layers.ip)['ip.src']![0]!;
    const header = headerFields(layer, (k) => SET.test(k));
    const domain = header['cflow.source_id']?.[0] ?? header['cflow.od_id']?.[0] ?? '0';
    const scope = (id: number | string) => `${exporter}/${domain}/${id}`;
    for (const [key, value] of Object.entries(layer)) {
      const set = SET.exec(key);
      if (!set || typeof value !== 'object' || Array.isArray(value)) continue;
      const setId = Number(set[1]);
      if (setId < 256) {
        for (const child of Object.keys(value)) {
          const tpl = /^Options Template \(Id = (\d+)/.exec(child);
          if (tpl) optionTemplates.add(scope(tpl[1]!));
        }
        continue;
      }
      const records = Object.entries(value).filter(([child]) => /^Flow \d+$/.test(child)).map(([, body]) => flatten(body));
      sets.push({ exporter, options: optionTemplates.has(scope(setId)), records });
    }
  }
  return sets;
}

function templateFields(body: { [key: string]: Json }): TemplateField[] {
  return Object.entries(body).filter(([k]) => k.startsWith('Field (')).map(([, f]) => {
    const leaf = flatten(f);
    const type = leaf['cflow.template_ipfix_field_type'] ?? leaf['cflow.template_field_type'];
    return { type: Number(type?.[0]), pen: Number(leaf['cflow.template_ipfix_field_pen']?.[0] ?? 0) };
  });
}

/** A copy of the capture where every NetFlow v9 header count is 0xffff (see tsharkNetflow). */
function withV9CountsOpen(file: string): string {
  const capture = parseCaptureBuffer(readFileSync(file));
  const writer = new PcapWriter({ linkType: capture.packets[0]?.linkType ?? 1, snapLength: 65535 });
  const parts = [writer.header()];
  for (const p of capture.packets) {
    const data = Buffer.from(p.data);
    const payload = dissect(data, p.linkType).payload;
    const at = payload.byteOffset - data.byteOffset;
    if (payload.length >= 4 && data.readUInt16BE(at) === 9) data.writeUInt16BE(0xffff, at + 2);
    parts.push(writer.packet(data, { seconds: p.timestamp.seconds, nanoseconds: p.timestamp.nanoseconds }));
  }
  const copy = file.replace(/\.pcap$/, '') + '.v9-count-open.pcap';
  writeFileSync(copy, Buffer.concat(parts));
  return copy;
}

/** sFlow v5 samples (flow, counter, other) as tshark decodes them, sampled headers dissected. */
export function tsharkSflow(file: string, port: number): TsharkSflowSample[] {
  const samples: TsharkSflowSample[] = [];
  for (const packet of tsharkJson(file, port, 'sflow')) {
    const layer = packet._source.layers.sflow as Record<string, Json> | undefined;
    if (!layer) continue;
    const isChild = (k: string) => / sample, seq \d+$/.test(k);
    const datagram = datagramOf(packet._source.layers, headerFields(layer, isChild));
    for (const [key, value] of Object.entries(layer)) {
      if (!isChild(key)) continue;
      const kind = key.startsWith('Flow sample') ? 'flow' : key.startsWith('Counters sample') ? 'counters' : 'other';
      samples.push({ datagram, kind, fields: flatten(value) });
    }
  }
  return samples;
}

// ---- tshark text -> values ------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** tshark's absolute time ("Nov 14, 2023 22:13:20.020000999 UTC") as epoch ms (floored) and its 9 fraction digits. */
export function absoluteTime(text: string): { ms: number; fraction: string } {
  const m = /^(\w{3}) +(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{9}) UTC$/.exec(text);
  if (!m) throw new Error(`not a tshark absolute time: ${text}`);
  const seconds = Date.UTC(Number(m[3]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
  return { ms: seconds + Math.floor(Number(m[7]) / 1e6), fraction: m[7]! };
}

/** tshark's relative seconds ("3314903.113000000") as whole milliseconds. */
export function relativeMs(text: string): number {
  const [s, frac = ''] = text.split('.');
  return Number(s) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3));
}

/** An ISO time with `digits` fraction digits, the form our micro/nanosecond fields take. */
const isoDigits = (t: { ms: number; fraction: string }, digits: number) => new Date(t.ms).toISOString().slice(0, 19) + '.' + t.fraction.slice(0, digits) + 'Z';

/** Elapsed ms from a sysUptime-relative time to the export's sysUptime: 32-bit counters (RFC 3954 5.1), a flow starts before its export. */
const elapsed = (sysUptimeMs: number, atMs: number) => (((sysUptimeMs - atMs) % 2 ** 32) + 2 ** 32) % 2 ** 32;

// IANA element id -> tshark 4.0 cflow field and our (IANA) name; the values we compare.
const NUMBER = (v: string) => Number(v);
const ELEMENTS: Record<number, { tshark: string[]; name: string; value: (v: string) => number | string }> = {
  1: { tshark: ['cflow.octets', 'cflow.octets64'], name: 'octetDeltaCount', value: NUMBER },
  2: { tshark: ['cflow.packets', 'cflow.packets64'], name: 'packetDeltaCount', value: NUMBER },
  4: { tshark: ['cflow.protocol'], name: 'protocolIdentifier', value: NUMBER },
  5: { tshark: ['cflow.tos'], name: 'ipClassOfService', value: NUMBER },
  6: { tshark: ['cflow.tcpflags'], name: 'tcpControlBits', value: NUMBER },
  7: { tshark: ['cflow.srcport'], name: 'sourceTransportPort', value: NUMBER },
  8: { tshark: ['cflow.srcaddr'], name: 'sourceIPv4Address', value: String },
  9: { tshark: ['cflow.srcmask'], name: 'sourceIPv4PrefixLength', value: NUMBER },
  10: { tshark: ['cflow.inputint'], name: 'ingressInterface', value: NUMBER },
  11: { tshark: ['cflow.dstport'], name: 'destinationTransportPort', value: NUMBER },
  12: { tshark: ['cflow.dstaddr'], name: 'destinationIPv4Address', value: String },
  13: { tshark: ['cflow.dstmask'], name: 'destinationIPv4PrefixLength', value: NUMBER },
  14: { tshark: ['cflow.outputint'], name: 'egressInterface', value: NUMBER },
  15: { tshark: ['cflow.nexthop'], name: 'ipNextHopIPv4Address', value: String },
  16: { tshark: ['cflow.srcas'], name: 'bgpSourceAsNumber', value: NUMBER },
  17: { tshark: ['cflow.dstas'], name: 'bgpDestinationAsNumber', value: NUMBER },
  48: { tshark: ['cflow.sampler_id'], name: 'samplerId', value: NUMBER },
  56: { tshark: ['cflow.srcmac'], name: 'sourceMacAddress', value: String },
  57: { tshark: ['cflow.post_dstmac'], name: 'postDestinationMacAddress', value: String },
  58: { tshark: ['cflow.vlanid'], name: 'vlanId', value: NUMBER },
  59: { tshark: ['cflow.post_vlanid'], name: 'postVlanId', value: NUMBER },
  60: { tshark: ['cflow.ip_version'], name: 'ipVersion', value: NUMBER },
  61: { tshark: ['cflow.direction'], name: 'flowDirection', value: NUMBER },
  136: { tshark: ['cflow.flow_end_reason'], name: 'flowEndReason', value: NUMBER },
};
/** Time elements: tshark prints sysUptime times relative (timestart/end), dateTime* ones absolute. */
const TIMES: Record<number, { tshark: string; name: string; digits?: number }> = {
  22: { tshark: 'cflow.timestart', name: 'flowStartSysUpTime' },
  21: { tshark: 'cflow.timeend', name: 'flowEndSysUpTime' },
  150: { tshark: 'cflow.abstimestart', name: 'flowStartSeconds' },
  151: { tshark: 'cflow.abstimeend', name: 'flowEndSeconds' },
  152: { tshark: 'cflow.abstimestart', name: 'flowStartMilliseconds' },
  153: { tshark: 'cflow.abstimeend', name: 'flowEndMilliseconds' },
  154: { tshark: 'cflow.abstimestart', name: 'flowStartMicroseconds', digits: 6 },
  155: { tshark: 'cflow.abstimeend', name: 'flowEndMicroseconds', digits: 6 },
  156: { tshark: 'cflow.abstimestart', name: 'flowStartNanoseconds', digits: 9 },
  157: { tshark: 'cflow.abstimeend', name: 'flowEndNanoseconds', digits: 9 },
};
const REVERSE_PEN = 29305; // RFC 5103 6.1
/** The fixed NetFlow v5 record, as IANA elements. */
const V5_TEMPLATE: TemplateField[] = [8, 12, 15, 10, 14, 2, 1, 22, 21, 7, 11, 6, 4, 5, 16, 17, 9, 13].map((type) => ({ type, pen: 0 }));

/**
 * What the exporter's options data says: its sampling interval (RFC 3954 8 SAMPLING_INTERVAL, or
 * RFC 5477 8.2.2 systematic count-based selection), per sampler id (FLOW_SAMPLER_ID with
 * FLOW_SAMPLER_RANDOM_INTERVAL), and its system init time (RFC 7011 sysUpTime base).
 */
export interface ExporterOptions { samplingInterval?: number; samplers: Map<number, number>; systemInitMs?: number }

export function exporterOptions(records: TsharkFlowRecord[], sourcePort: number): ExporterOptions {
  const out: ExporterOptions = { samplers: new Map() };
  for (const r of records.filter((x) => x.options && x.datagram.sourcePort === sourcePort)) {
    const f = (name: string) => r.fields[name]?.[0];
    if (f('cflow.sampling_interval') !== undefined) out.samplingInterval = Number(f('cflow.sampling_interval'));
    // Systematic count-based selection: `interval` packets selected, then `space` skipped.
    if (f('cflow.sampling_packet_interval') !== undefined) {
      const interval = Number(f('cflow.sampling_packet_interval'));
      out.samplingInterval = (interval + Number(f('cflow.sampling_packet_space') ?? 0)) / interval;
    }
    if (f('cflow.sampler_id') !== undefined && f('cflow.sampler_random_interval') !== undefined) {
      out.samplers.set(Number(f('cflow.sampler_id')), Number(f('cflow.sampler_random_interval')));
    }
    if (f('cflow.sys_init_time') !== undefined) out.systemInitMs = absoluteTime(f('cflow.sys_init_time')!).ms;
  }
  return out;
}

/**
 * The values our record for tshark's data record `r` must have, by IANA name: the elements of
 * ELEMENTS and TIMES its template carries (RFC 5103 reverse elements as `reverse…`), and the
 * absolute times derived the way RFC 3954 5.1 / RFC 7011 define them from the header or the
 * exporter's systemInitTimeMilliseconds.
 */
export function expectedFlowRecord(r: TsharkFlowRecord, options: ExporterOptions): Expected {
  const out: Expected = {};
  const seen = new Map<string, number>();
  const h = (name: string) => r.datagram.header[name]?.[0];
  for (const field of r.version === 5 ? V5_TEMPLATE : r.template) {
    if (field.pen !== 0 && field.pen !== REVERSE_PEN) continue;
    const element = ELEMENTS[field.type];
    const time = TIMES[field.type];
    const names = element?.tshark ?? (time ? [time.tshark] : []);
    const tsharkName = names.find((n) => r.fields[n]) ?? names[0];
    if (!tsharkName) continue;
    // A repeated tshark field (forward and reverse counters) is taken occurrence by occurrence.
    const occurrence = seen.get(tsharkName) ?? 0;
    seen.set(tsharkName, occurrence + 1);
    const text = r.fields[tsharkName]?.[occurrence];
    if (text === undefined) continue;
    const base = element?.name ?? time!.name;
    const name = field.pen === REVERSE_PEN ? 'reverse' + base[0]!.toUpperCase() + base.slice(1) : base;
    if (element) out[name] = element.value(text);
    else if (field.type === 21 || field.type === 22) {
      const at = relativeMs(text);
      out[name] = at;
      const absolute = name.replace('SysUpTime', 'Milliseconds');
      if (r.version === 10 && options.systemInitMs !== undefined) out[absolute] = options.systemInitMs + at;
      else if (r.version !== 10) {
        const exportMs = Number(h('cflow.unix_secs')) * 1000 + Math.floor(Number(h('cflow.unix_nsecs') ?? 0) / 1e6);
        out[absolute] = exportMs - elapsed(relativeMs(h('cflow.sysuptime')!), at);
      }
    } else {
      const t = absoluteTime(text);
      // dateTimeSeconds / Milliseconds are epoch numbers, micro / nanoseconds exact ISO text.
      out[name] = time!.digits ? isoDigits(t, time!.digits) : field.type === 150 || field.type === 151 ? Math.floor(t.ms / 1000) : t.ms;
    }
  }
  if (r.version === 5) {
    out.engineType = Number(h('cflow.engine_type'));
    out.engineId = Number(h('cflow.engine_id'));
  }
  const sampler = r.fields['cflow.sampler_id']?.[0];
  const interval = sampler !== undefined ? options.samplers.get(Number(sampler)) : options.samplingInterval;
  if (r.version !== 5 && interval !== undefined) out.samplingInterval = interval;
  return out;
}

// Options data fields tshark 4.0 names -> our IANA names. Not compared: the scope fields (v9
// scopes have no IANA name). softflowd NUL-pads its 16-octet interface name: tshark and we both
// end the text at the first NUL.
const OPTION_FIELDS: Record<string, { name: string; value: (v: string) => number | string }> = {
  'cflow.if_name': { name: 'interfaceName', value: (v) => v },
  'cflow.mp_id': { name: 'meteringProcessId', value: NUMBER },
  'cflow.sampling_interval': { name: 'samplingInterval', value: NUMBER },
  'cflow.sampling_algorithm': { name: 'samplingAlgorithm', value: NUMBER },
  'cflow.sampling_packet_interval': { name: 'samplingPacketInterval', value: NUMBER },
  'cflow.sampling_packet_space': { name: 'samplingPacketSpace', value: NUMBER },
  'cflow.selector_algorithm': { name: 'selectorAlgorithm', value: NUMBER },
  'cflow.sampler_id': { name: 'samplerId', value: NUMBER },
  'cflow.sampler_mode': { name: 'samplerMode', value: NUMBER },
  'cflow.sampler_random_interval': { name: 'samplerRandomInterval', value: NUMBER },
  'cflow.sys_init_time': { name: 'systemInitTimeMilliseconds', value: (v) => absoluteTime(v).ms },
};

/** The values our options record for tshark's options data record `r` must have. */
export function expectedOptionsRecord(r: TsharkFlowRecord): Expected {
  const out: Expected = {};
  for (const [field, { name, value }] of Object.entries(OPTION_FIELDS)) {
    const text = r.fields[field]?.[0];
    if (text !== undefined) out[name] = value(text);
  }
  return out;
}

/** The values our record for tshark's sFlow flow sample must have (sFlow v5 spec, section 5). */
export function expectedSflowSample(s: TsharkSflowSample): Expected {
  const f = (name: string) => s.fields[name]?.[0];
  const out: Expected = {
    observationDomainId: Number(s.datagram.header['sflow_245.sub_agent_id']![0]),
    sflowSampleSequence: Number(f('sflow.flow_sample.sequence_number')),
    sflowSourceIdType: Number(f('sflow.flow_sample.source_id_class')),
    sflowSourceIdIndex: Number(f('sflow.flow_sample.index')),
    samplingInterval: Number(f('sflow.flow_sample.sampling_rate')),
    sflowSamplePool: Number(f('sflow.flow_sample.sample_pool')),
    sflowDrops: Number(f('sflow.flow_sample.dropped_packets')),
    ingressInterface: Number(f('sflow.flow_sample.input_interface')),
    egressInterface: Number(f('sflow.flow_sample.output_interface_value')),
    dataLinkFrameSize: Number(f('sflow_245.header.frame_length')),
    // Octets of the sampled packet as it was on the wire: frame length less what was stripped (FCS).
    octetDeltaCount: Number(f('sflow_245.header.frame_length')) - Number(f('sflow_245.header.payload_stripped')),
    // The sampled header, through tshark's own Ethernet/IP/TCP/UDP dissectors.
    sourceMacAddress: f('eth.src')!,
    destinationMacAddress: f('eth.dst')!,
    ethernetType: Number(f('eth.type')),
    sourceIPv4Address: f('ip.src')!,
    destinationIPv4Address: f('ip.dst')!,
    protocolIdentifier: Number(f('ip.proto')),
    ipTTL: Number(f('ip.ttl')),
    ipClassOfService: Number(f('ip.dsfield')),
  };
  // Extended switch data (sFlow v5 5.4.1), when the agent sends it.
  if (f('sflow_245.vlan.in') !== undefined) {
    out.vlanId = Number(f('sflow_245.vlan.in'));
    out.dot1qPriority = Number(f('sflow_245.pri.in'));
    out.postVlanId = Number(f('sflow_245.vlan.out'));
    out.postDot1qPriority = Number(f('sflow_245.pri.out'));
  }
  const l4 = s.fields['tcp.srcport'] ? 'tcp' : s.fields['udp.srcport'] ? 'udp' : undefined;
  if (l4) {
    out.sourceTransportPort = Number(f(`${l4}.srcport`));
    out.destinationTransportPort = Number(f(`${l4}.dstport`));
  }
  if (l4 === 'tcp') out.tcpControlBits = Number(f('tcp.flags'));
  return out;
}
