// Enterprise information elements (nodes/common/netflow/vendor-ies*.ts).
// 1. Against tshark 4.0.17 (SOURCES.md, _derived/tshark-json): in each vendor capture of the corpus,
//    no element that tshark has a name for stays raw (pen<N>_ie<M> / nf9_ie<M>), and the values of
//    the named vendor fields equal tshark's, record by record.
// 2. The registry itself: no duplicate (PEN, id), no duplicate name within a vendor, no vendor name
//    that shadows an IANA name, RFC 5103 reverse names for every IANA element.
// 3. Every vendor element of every corpus capture has a name (documented exceptions below) and a
//    type that fits the lengths the corpus templates give it.
// 4. Values of elements tshark 4.0 has no name for, against the bytes tshark cuts out for them, and
//    the ntop TLS/JA3 elements against Telegraf's golden output.
// 5. Datagrams built with the pack's encoder, decoded by the installed tshark (the reference for the
//    names and types of Gigamon, NetScaler, Ixia, Cisco and ntop elements with no corpus capture).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FlowDecoder, IeRegistry, type FlowRecord } from '../../nodes/common';
import { IANA_IE_TABLE } from '../../nodes/common/netflow/iana-ies';
import { NETFLOW9_VENDOR_TABLE, VENDOR_IE_TABLE } from '../../nodes/common/netflow/vendor-ies';
import { encodeIpfix, encodeNetflow9, encodeRecord, type FieldSpec, type FieldValue } from '../../nodes/common/netflow/encoder';
import { readUdpDatagrams, writeUdpCapture } from '../helpers/flow-pcap';
import { CORPUS, corpusSkip, requireCommands } from '../helpers/real';

const TSHARK = join(CORPUS, '_derived/tshark-json');

/** Vendor captures: Cisco AVC, Juniper, Ixia, NetScaler, ntop (IPFIX and nProbe v9), Barracuda. */
const FILES = [
  '_derived/logstash-dat-as-pcap/IPFIX-Barracuda-extended-uniflow-template-256.pcap',
  'flowbeat/pcap/ipfix_cisco.pcap',
  '_derived/akvorado-netflow-merged/juniper-cpid-template+data.pcap',
  '_derived/logstash-dat-as-pcap/IPFIX-Ixia.pcap',
  '_derived/logstash-dat-as-pcap/IPFIX-Ixia-tpldata271.pcap',
  '_derived/logstash-dat-as-pcap/IPFIX-Netscaler-with-variable-length-fields.pcap',
  '_derived/logstash-dat-as-pcap/IPFIX-configured-with-include-flowset-id.pcap',
  '_derived/telegraf-bin-as-pcap/ipfix_pen_35632.pcap',
  '_derived/logstash-dat-as-pcap/Netflow-9-nprobe-DPI-L7.pcap',
];

/** tshark 4.0 field -> our element name (the naming under test; the value is tshark's). */
const FIELDS: Record<string, string> = {
  'cflow.pie.barracuda.timestamp': 'timestamp',
  'cflow.pie.barracuda.logop': 'logOp',
  'cflow.pie.barracuda.traffictype': 'trafficType',
  'cflow.pie.barracuda.fwrule': 'fwRule',
  'cflow.pie.barracuda.servicename': 'serviceName',
  'cflow.pie.barracuda.reason': 'reason',
  'cflow.pie.barracuda.reasontext': 'reasonText',
  'cflow.pie.barracuda.bindipv4address': 'bindIPv4Address',
  'cflow.pie.barracuda.bindtransportport': 'bindTransportPort',
  'cflow.pie.barracuda.connipv4address': 'connIPv4Address',
  'cflow.pie.barracuda.conntransportport': 'connTransportPort',
  'cflow.pie.barracuda.auditcounter': 'auditCounter',
  'cflow.pie.cisco.connection_client_ipv4_address': 'connectionClientIPv4Address',
  'cflow.pie.cisco.connection_delay_application_max': 'connectionDelayApplicationMax',
  'cflow.pie.cisco.connection_delay_application_sum': 'connectionDelayApplicationSum',
  'cflow.pie.cisco.connection_delay_network_client-to_server_sum': 'connectionDelayNetworkClientToServerSum',
  'cflow.pie.cisco.connection_delay_network_to-client_sum': 'connectionDelayNetworkToClientSum',
  'cflow.pie.cisco.connection_delay_network_to_server_sum': 'connectionDelayNetworkToServerSum',
  'cflow.pie.cisco.connection_delay_response_client-to_server_sum': 'connectionDelayResponseClientToServerSum',
  'cflow.pie.cisco.connection_delay_response_to_server_sum': 'connectionDelayResponseToServerSum',
  'cflow.pie.cisco.connection_server_ipv4_address': 'connectionServerIPv4Address',
  'cflow.pie.cisco.connection_server_transport_port': 'connectionServerTransportPort',
  'cflow.pie.cisco.connection_transaction_duration_sum': 'connectionTransactionDurationSum',
  'cflow.pie.cisco.services_waas_passthrough-reason': 'servicesWaasPassthroughReason',
  'cflow.pie.cisco.services_waas_segment': 'servicesWaasSegment',
  'cflow.pie.ciso.connection_client_counter_packets_retransmitted': 'connectionClientCounterPacketsRetransmitted',
  'cflow.pie.ciso.connection_delay_response_to_server_histogram_late': 'connectionDelayResponseToServerHistogramLate',
  'cflow.pie.ciso.connection_server_counter_responses': 'connectionServerCounterResponses',
  'cflow.pie.ciso.connection_transaction_counter_complete': 'connectionTransactionCounterComplete',
  'cflow.pie.ixia.browser-id': 'ixiaBrowserId',
  'cflow.pie.ixia.browser-name': 'ixiaBrowserName',
  'cflow.pie.ixia.dest-as-name': 'ixiaDestinationAsName',
  'cflow.pie.ixia.destination-ip-latitude': 'ixiaDestinationIpLatitude',
  'cflow.pie.ixia.destination-ip-longitude': 'ixiaDestinationIpLongitude',
  'cflow.pie.ixia.hostname': 'ixiaHostName',
  'cflow.pie.ixia.http-uri': 'ixiaHttpUri',
  'cflow.pie.ixia.http-user-agent': 'ixiaHttpUserAgent',
  'cflow.pie.ixia.l7-application-id': 'ixiaL7ApplicationId',
  'cflow.pie.ixia.l7-application-name': 'ixiaL7ApplicationName',
  'cflow.pie.ixia.os-device-id': 'ixiaOsDeviceId',
  'cflow.pie.ixia.os-device-name': 'ixiaOsDeviceName',
  'cflow.pie.ixia.reverse-octet-delta-count': 'ixiaReverseOctetDeltaCount',
  'cflow.pie.ixia.reverse-packet-delta-count': 'ixiaReversePacketDeltaCount',
  'cflow.pie.ixia.source-ip-latitude': 'ixiaSourceIpLatitude',
  'cflow.pie.ixia.source-ip-longitude': 'ixiaSourceIpLongitude',
  'cflow.pie.ixia.src-as-name': 'ixiaSourceAsName',
  'cflow.pie.ixia.threat-ipv4': 'ixiaThreatIpv4',
  'cflow.pie.ixia.threat-type': 'ixiaThreatType',
  'cflow.pie.ixia.transact-latency-us': 'ixiaTransactionLatencyUs',
  'cflow.pie.netscaler.aaa-username': 'netscalerAaaUsername',
  'cflow.pie.netscaler.app-unit-name-appid': 'netscalerAppUnitNameAppId',
  'cflow.pie.netscaler.appname-app-id': 'netscalerAppNameAppId',
  'cflow.pie.netscaler.cacheredir-client-connection-coreid': 'netscalerCacheRedirClientConnectionCoreID',
  'cflow.pie.netscaler.cacheredir-client-connectiontransactionid': 'netscalerCacheRedirClientConnectionTransactionID',
  'cflow.pie.netscaler.client-rtt': 'netscalerClientRTT',
  'cflow.pie.netscaler.connection-chain-hop-count': 'netscalerConnectionChainHopCount',
  'cflow.pie.netscaler.connection-chain-id': 'netscalerConnectionChainID',
  'cflow.pie.netscaler.connection-id': 'netscalerConnectionId',
  'cflow.pie.netscaler.flow-flags': 'netscalerFlowFlags',
  'cflow.pie.netscaler.http-contenttype': 'netscalerHttpContentType',
  'cflow.pie.netscaler.http-domain-name': 'netscalerHttpDomainName',
  'cflow.pie.netscaler.http-req-authorization': 'netscalerHttpReqAuthorization',
  'cflow.pie.netscaler.http-req-cookie': 'netscalerHttpReqCookie',
  'cflow.pie.netscaler.http-req-forw-fb': 'netscalerHttpReqForwFB',
  'cflow.pie.netscaler.http-req-forw-lb': 'netscalerHttpReqForwLB',
  'cflow.pie.netscaler.http-req-host': 'netscalerHttpReqHost',
  'cflow.pie.netscaler.http-req-method': 'netscalerHttpReqMethod',
  'cflow.pie.netscaler.http-req-rcv-fb': 'netscalerHttpReqRcvFB',
  'cflow.pie.netscaler.http-req-rcv-lb': 'netscalerHttpReqRcvLB',
  'cflow.pie.netscaler.http-req-referer': 'netscalerHttpReqReferer',
  'cflow.pie.netscaler.http-req-url': 'netscalerHttpReqUrl',
  'cflow.pie.netscaler.http-req-useragent': 'netscalerHttpReqUserAgent',
  'cflow.pie.netscaler.http-req-via': 'netscalerHttpReqVia',
  'cflow.pie.netscaler.http-reqx-forwardedfor': 'netscalerHttpReqXForwardedFor',
  'cflow.pie.netscaler.http-res-forw-fb': 'netscalerHttpResForwFB',
  'cflow.pie.netscaler.http-res-forw-lb': 'netscalerHttpResForwLB',
  'cflow.pie.netscaler.http-res-location': 'netscalerHttpResLocation',
  'cflow.pie.netscaler.http-res-rcv-fb': 'netscalerHttpResRcvFB',
  'cflow.pie.netscaler.http-res-rcv-lb': 'netscalerHttpResRcvLB',
  'cflow.pie.netscaler.http-res-setcookie': 'netscalerHttpResSetCookie',
  'cflow.pie.netscaler.http-res-setcookie2': 'netscalerHttpResSetCookie2',
  'cflow.pie.netscaler.http-rsp-len': 'netscalerHttpRspLen',
  'cflow.pie.netscaler.http-rsp-status': 'netscalerHttpRspStatus',
  'cflow.pie.netscaler.mainpage-core-id': 'netscalerMainPageCoreId',
  'cflow.pie.netscaler.mainpage-id': 'netscalerMainPageId',
  'cflow.pie.netscaler.round-trip-time': 'netscalerRoundTripTime',
  'cflow.pie.netscaler.server-ttfb': 'netscalerServerTTFB',
  'cflow.pie.netscaler.server-ttlb': 'netscalerServerTTLB',
  'cflow.pie.netscaler.transaction-id': 'netscalerTransactionId',
  'cflow.pie.ntop.appl_latency_ms': 'ntopApplLatencyMs',
  'cflow.pie.ntop.client_nw_latency_ms': 'ntopClientNwLatencyMs',
  'cflow.pie.ntop.dns_num_answers': 'ntopDnsNumAnswers',
  'cflow.pie.ntop.dns_query': 'ntopDnsQuery',
  'cflow.pie.ntop.dns_query_id': 'ntopDnsQueryId',
  'cflow.pie.ntop.dns_query_type': 'ntopDnsQueryType',
  'cflow.pie.ntop.dns_response': 'ntopDnsResponse',
  'cflow.pie.ntop.dns_ret_code': 'ntopDnsRetCode',
  'cflow.pie.ntop.dns_ttl_answer': 'ntopDnsTtlAnswer',
  'cflow.pie.ntop.http_host': 'ntopHttpHost',
  'cflow.pie.ntop.http_method': 'ntopHttpMethod',
  'cflow.pie.ntop.http_mime': 'ntopHttpMime',
  'cflow.pie.ntop.http_referer': 'ntopHttpReferer',
  'cflow.pie.ntop.http_ret_code': 'ntopHttpRetCode',
  'cflow.pie.ntop.http_site': 'ntopHttpSite',
  'cflow.pie.ntop.http_url': 'ntopHttpUrl',
  'cflow.pie.ntop.http_via': 'ntopHttpVia',
  'cflow.pie.ntop.http_x_forwarded_for': 'ntopHttpXForwardedFor',
  'cflow.pie.ntop.l7_proto': 'ntopL7Proto',
  'cflow.pie.ntop.retransmitted_in_bytes': 'ntopRetransmittedInBytes',
  'cflow.pie.ntop.retransmitted_in_pkts': 'ntopRetransmittedInPkts',
  'cflow.pie.ntop.retransmitted_out_bytes': 'ntopRetransmittedOutBytes',
  'cflow.pie.ntop.retransmitted_out_pkts': 'ntopRetransmittedOutPkts',
  'cflow.pie.server_nw_latency_ms': 'ntopServerNwLatencyMs',
  'cflow.pie.ntop.ssl_server_name': 'ntopSslServerName',
  'cflow.pie.ntop.l7_proto_name': 'ntopL7ProtoName',
};

type Json = Record<string, unknown>;

/** (pen, id) of every template field tshark names with its vendor dictionary, and v9 ids > 32767 it names. */
function tsharkKnown(packets: Json[]): Set<string> {
  const known = new Set<string>();
  const visit = (o: unknown): void => {
    if (Array.isArray(o)) { o.forEach(visit); return; }
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o as Json)) {
      const m = /^Field \(\d+\/\d+\): (.*)$/.exec(k);
      if (m && v && typeof v === 'object' && !/^Unknown/.test(m[1]) && m[1] !== '') {
        const f = v as Json;
        const pen = f['cflow.template_ipfix_field_pen'];
        // tshark keys a vendor field by its own dictionary (template_netscaler_field_type...); an
        // element it does not know keeps the generic template_ipfix_field_type.
        const vendorType = Object.entries(f).find(([n]) => /^cflow\.template_\w+_field_type$/.test(n) && n !== 'cflow.template_ipfix_field_type' && n !== 'cflow.template_field_type');
        if (pen !== undefined && vendorType) known.add(`pen${String(pen)}_ie${String(vendorType[1])}`);
        const v9 = f['cflow.template_field_type'];
        if (v9 !== undefined && Number(v9) > 32767) known.add(`nf9_ie${String(v9)}`);
      }
      visit(v);
    }
  };
  visit(packets);
  return known;
}

/** tshark's data records that carry a mapped vendor field, in capture order. */
function tsharkFlows(packets: Json[]): Json[] {
  const out: Json[] = [];
  const visit = (o: unknown): void => {
    if (Array.isArray(o)) { o.forEach(visit); return; }
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o as Json)) {
      if (/^Flow \d+/.test(k)) {
        for (const f of Array.isArray(v) ? v : [v]) if (Object.keys(f as Json).some((n) => n in FIELDS)) out.push(f as Json);
      } else visit(v);
    }
  };
  for (const p of packets) visit((p._source as { layers: Json }).layers.cflow);
  return out;
}

function same(ours: unknown, theirs: string): boolean {
  // tshark prints absolute times as "Apr 18, 2018 08:16:47.000000000 UTC"; our dateTimeSeconds
  // value is the IE's own number of seconds since the epoch (docs/flow.md, value forms).
  if (/^[A-Z][a-z]{2} \d+, \d{4} \d\d:\d\d:\d\d(\.\d+)? UTC$/.test(theirs)) {
    return typeof ours === 'number' && ours * 1000 === Date.parse(theirs.replace(/\.\d+ UTC$/, ' UTC'));
  }
  if (typeof ours === 'number' || typeof ours === 'bigint') {
    if (/^0x[0-9a-f]+$/i.test(theirs)) return BigInt(ours) === BigInt(theirs);
    // tshark prints floats with 6 significant digits.
    if (typeof ours === 'number' && !Number.isInteger(ours)) return Number(ours.toPrecision(6)) === Number(theirs);
    return String(ours) === theirs;
  }
  if (Buffer.isBuffer(ours)) return ours.toString('hex').replace(/(..)(?=.)/g, '$1:') === theirs;
  // tshark stops a string at its first NUL ("trailing stray characters").
  if (typeof ours === 'string') return ours.split('\0')[0] === theirs;
  return String(ours) === theirs;
}

const RAW = /^(pen\d+_ie\d+|nf9_ie\d+)$/;

test('enterprise elements: names and values as tshark decodes them', { skip: corpusSkip }, () => {
  const problems: string[] = [];
  let compared = 0;
  let named = 0;
  for (const rel of FILES) {
    const packets = JSON.parse(readFileSync(join(TSHARK, `${rel}.json`), 'utf8')) as Json[];
    const known = tsharkKnown(packets);
    const decoder = new FlowDecoder();
    const ours: FlowRecord[] = [];
    const receivedAt = new Date();
    for (const d of readUdpDatagrams(join(CORPUS, rel))) {
      const r = decoder.decode(d.payload, { address: d.source, port: d.sourcePort }, receivedAt);
      ours.push(...r.records, ...r.options);
    }
    const raw = new Set(ours.flatMap((r) => Object.keys(r).filter((k) => RAW.test(k))));
    for (const k of raw) if (known.has(k)) problems.push(`${rel}: ${k} stays raw, tshark names it`);
    named += known.size;
    const theirs = tsharkFlows(packets);
    const mine = ours.filter((r) => Object.values(FIELDS).some((n) => n in r));
    if (theirs.length !== mine.length) { problems.push(`${rel}: ${mine.length} records with vendor fields, tshark ${theirs.length}`); continue; }
    theirs.forEach((t, i) => {
      for (const [field, value] of Object.entries(t)) {
        const name = FIELDS[field];
        if (!name) continue;
        compared++;
        const got = (mine[i] as Record<string, unknown>)[name];
        if (!same(got, String(value))) problems.push(`${rel} record ${i}: ${name} = ${String(got)}, tshark ${String(value)}`);
      }
    });
  }
  console.log(`${FILES.length} vendor captures, ${named} enterprise elements named by tshark, ${compared} vendor values compared`);
  assert.ok(compared > 100, 'expected vendor values to compare');
  assert.deepEqual(problems, []);
});

// ---------------------------------------------------------------------------------------------
// 2. The registry tables.

interface TableLine { pen: number; id: number; name: string; type: string }

function tableLines(text: string, pen?: number): TableLine[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => p.length >= 3).map((p) => pen === undefined
    ? { pen: Number(p[0]), id: Number(p[1]), name: p[2], type: p[3] }
    : { pen, id: Number(p[0]), name: p[1], type: p[2] });
}

const VENDOR_LINES = tableLines(VENDOR_IE_TABLE);
const NETFLOW9_LINES = tableLines(NETFLOW9_VENDOR_TABLE, 0);
const IANA_LINES = tableLines(IANA_IE_TABLE, 0);
const IANA_NAMES = new Set(IANA_LINES.map((l) => l.name));

function duplicates<T>(items: T[]): T[] {
  const seen = new Set<T>();
  return items.filter((x) => (seen.has(x) ? true : (seen.add(x), false)));
}

test('vendor registry: unique (PEN, id), unique names per vendor, no IANA name shadowed', () => {
  assert.deepEqual(duplicates(VENDOR_LINES.map((l) => `${l.pen}/${l.id}`)), [], 'duplicate (PEN, id) in VENDOR_IE_TABLE');
  assert.deepEqual(duplicates(NETFLOW9_LINES.map((l) => l.id)), [], 'duplicate id in NETFLOW9_VENDOR_TABLE');
  for (const pen of new Set(VENDOR_LINES.map((l) => l.pen))) {
    assert.deepEqual(duplicates(VENDOR_LINES.filter((l) => l.pen === pen).map((l) => l.name)), [], `duplicate name under PEN ${pen}`);
  }
  assert.deepEqual(duplicates(NETFLOW9_LINES.map((l) => l.name)), [], 'duplicate name among the v9 vendor ids');
  // A vendor element named like an IANA one would merge with it in a record (repeated-IE array).
  assert.deepEqual([...VENDOR_LINES, ...NETFLOW9_LINES].filter((l) => IANA_NAMES.has(l.name)).map((l) => `${l.pen}/${l.id} ${l.name}`), []);
  // v9 vendor ids never reuse an IANA id: the v9 table takes precedence in v9 templates.
  const ianaIds = new Set(IANA_LINES.map((l) => l.id));
  assert.deepEqual(NETFLOW9_LINES.filter((l) => ianaIds.has(l.id)).map((l) => l.id), []);
  // The registry serves every line as written.
  const registry = new IeRegistry();
  for (const l of VENDOR_LINES) assert.deepEqual(registry.lookup(l.pen, l.id), { pen: l.pen, id: l.id, name: l.name, type: l.type });
  for (const l of NETFLOW9_LINES) assert.deepEqual(registry.lookup(0, l.id, true), { pen: 0, id: l.id, name: l.name, type: l.type });
  const counts = [...new Set(VENDOR_LINES.map((l) => l.pen))].map((pen) => `${pen}:${VENDOR_LINES.filter((l) => l.pen === pen).length}`);
  console.log(`${VENDOR_LINES.length} IPFIX vendor elements (PEN:count ${counts.join(' ')}), ${NETFLOW9_LINES.length} NetFlow v9 vendor ids`);
});

test('RFC 5103: PEN 29305 element n is IANA element n in the reverse direction, for every IANA element', () => {
  const registry = new IeRegistry();
  for (const l of IANA_LINES) {
    const r = registry.lookup(29305, l.id);
    // RFC 5103 section 6.1: "reverse" + the forward name with its first letter capitalised, same type.
    assert.deepEqual(r, { pen: 29305, id: l.id, name: `reverse${l.name[0].toUpperCase()}${l.name.slice(1)}`, type: l.type });
  }
  // And in a record: a biflow template (RFC 5103 section 7 example fields) decodes both directions.
  const fields: FieldSpec[] = [
    { id: 8, length: 4 }, { id: 12, length: 4 }, { id: 1, length: 8 }, { id: 2, length: 8 },
    { pen: 29305, id: 1, length: 8 }, { pen: 29305, id: 2, length: 8 }, { pen: 29305, id: 6, length: 2 },
  ];
  const values: FieldValue[] = ['192.0.2.1', '192.0.2.2', 9000n, 10, 123456789012n, 7, 0x12];
  const r = new FlowDecoder().decode(encodeIpfix({ exportTime: 1700000000, sequence: 0, domain: 1, sets: [
    { kind: 'template', templates: [{ id: 256, fields }] },
    { kind: 'data', templateId: 256, records: [encodeRecord(fields, values)] },
  ] }), { address: '192.0.2.1', port: 4739 });
  assert.deepEqual(r.errors, []);
  const rec = r.records[0];
  assert.equal(rec.octetDeltaCount, 9000);
  assert.equal(rec.reverseOctetDeltaCount, 123456789012);
  assert.equal(rec.reversePacketDeltaCount, 7);
  assert.equal(rec.reverseTcpControlBits, 0x12);
});

test('user definitions add names to raw elements and override built-in ones', () => {
  const fields: FieldSpec[] = [{ pen: 2011, id: 701, length: 4 }, { pen: 9, id: 12242, length: 4 }, { pen: 65000, id: 5, length: 3 }];
  const datagram = encodeIpfix({ exportTime: 1700000000, sequence: 0, domain: 1, sets: [
    { kind: 'template', templates: [{ id: 256, fields }] },
    { kind: 'data', templateId: 256, records: [encodeRecord(fields, [0x01020304, 77, Buffer.from('abcdef', 'hex')])] },
  ] });
  const plain = new FlowDecoder().decode(datagram, { address: '192.0.2.1', port: 4739 }).records[0];
  // Unknown elements keep their raw bytes under pen<PEN>_ie<id>.
  assert.deepEqual(plain.pen2011_ie701, Buffer.from('01020304', 'hex'));
  assert.equal(plain.connectionId, 77);
  assert.deepEqual(plain.pen65000_ie5, Buffer.from('abcdef', 'hex'));
  const decoder = new FlowDecoder({ elements: [
    { pen: 2011, id: 701, name: 'huaweiExample', type: 'unsigned32' },
    { pen: 9, id: 12242, name: 'avcConnectionId', type: 'unsigned32' },
  ] });
  // User-defined elements are typed the way docs/flow.md says: FlowRecord & { their names }.
  const named: FlowRecord & { huaweiExample?: number; avcConnectionId?: number } = decoder.decode(datagram, { address: '192.0.2.1', port: 4739 }).records[0];
  assert.equal(named.huaweiExample, 0x01020304);
  assert.equal(named.avcConnectionId, 77);
  assert.ok(!('connectionId' in named));
});

// ---------------------------------------------------------------------------------------------
// 3. Every vendor element of the corpus has a name and a type that fits its lengths.

/** Vendor elements of the corpus that stay raw, each with the reason. */
const RAW_EXCEPTIONS: Record<string, string> = {
  pen2011_ie232: 'Huawei (PEN 2011) in pmacct 112 traffic-00: Huawei publishes no IPFIX element table',
  pen2011_ie701: 'Huawei (PEN 2011): no public definition',
  pen2011_ie702: 'Huawei (PEN 2011): no public definition',
  pen2011_ie703: 'Huawei (PEN 2011): no public definition',
  pen2011_ie704: 'Huawei (PEN 2011): no public definition',
  pen5951_ie329: 'NetScaler: Logstash/filebeat list it only as netscalerUnknown329; Wireshark has no entry',
  pen5951_ie330: 'NetScaler: only "netscalerUnknown330" in Logstash/filebeat',
  pen5951_ie331: 'NetScaler: only "netscalerUnknown331" in Logstash/filebeat',
  pen5951_ie332: 'NetScaler: only "netscalerUnknown332" in Logstash/filebeat',
  pen5951_ie347: 'NetScaler: only "netscalerUnknown347" in Logstash/filebeat',
  pen6871_ie553: 'CERT YAF 3 id absent from the YAF 2.10 information model (libfds cert.xml)',
  pen6871_ie554: 'CERT YAF 3 id absent from the YAF 2.10 information model (libfds cert.xml)',
  nf9_ie0: 'v9 id 0 is reserved: the H3C and zero-length-field templates use it for padding',
  nf9_ie65: 'FortiOS 5.4 app-id: v9 ids 65-69 are reserved by Cisco, Fortinet documents no meaning',
  nf9_ie20000: 'Cisco WLC 8500 v9 id 20000: in no public Cisco, Wireshark or collector table',
};

function corpusPcaps(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'tshark-json') corpusPcaps(p, out); }
    else if (name.endsWith('.pcap') && !/lldp/i.test(p)) out.push(p);
  }
  return out;
}

interface SeenField { pen: number; id: number; length: number; name: string; type: string; v9: boolean }

/** The template fields of every flow capture in the corpus, with the file they come from. */
function corpusTemplateFields(): Map<string, SeenField[]> {
  const byFile = new Map<string, SeenField[]>();
  for (const file of corpusPcaps(CORPUS)) {
    let datagrams;
    try { datagrams = readUdpDatagrams(file); } catch { continue; }
    const decoder = new FlowDecoder();
    const seen = new Map<string, SeenField>();
    const receivedAt = new Date();
    for (const d of datagrams) {
      if (d.payload.length < 4) continue;
      const version = d.payload.readUInt16BE(0);
      if (version !== 9 && version !== 10) continue;
      decoder.decode(d.payload, { address: d.source, port: d.sourcePort }, receivedAt);
      for (const t of decoder.exportTemplates()) {
        for (const [pen, id, length, name, type] of t.fields) seen.set(`${pen}/${id}/${length}/${version}`, { pen, id, length, name, type, v9: version === 9 });
      }
    }
    if (seen.size) byFile.set(relative(CORPUS, file), [...seen.values()]);
  }
  return byFile;
}

const VENDOR_V9_IDS = new Set(NETFLOW9_LINES.map((l) => l.id));
const isVendorField = (f: SeenField): boolean => f.pen !== 0 ? f.pen !== 29305 : (f.v9 && (VENDOR_V9_IDS.has(f.id) || RAW.test(f.name)));

/** Whether an abstract type can be carried in `length` octets (RFC 7011 6.2 reduced-size encoding). */
function lengthFits(type: string, length: number): boolean {
  const integer = /^(un)?signed(8|16|32|64)$/.exec(type);
  if (integer) return length >= 1 && length <= Number(integer[2]) / 8;
  switch (type) {
    case 'float32': return length === 4;
    case 'float64': return length === 4 || length === 8;
    case 'boolean': return length === 1;
    case 'macAddress': return length === 6;
    case 'ipv4Address': return length === 4;
    case 'ipv6Address': return length === 16;
    case 'dateTimeSeconds': return length === 4;
    case 'dateTimeMilliseconds': case 'dateTimeMicroseconds': case 'dateTimeNanoseconds': return length === 8;
    default: return true; // string, octetArray, lists: any length, variable included
  }
}

test('corpus: every vendor element has a name (documented exceptions) and a type that fits its length', { skip: corpusSkip }, () => {
  const byFile = corpusTemplateFields();
  const raw = new Map<string, string>();
  const misfits: string[] = [];
  let named = 0;
  for (const [file, fields] of byFile) {
    for (const f of fields.filter(isVendorField)) {
      if (RAW.test(f.name)) { raw.set(f.name, file); continue; }
      named++;
      if (!lengthFits(f.type, f.length)) misfits.push(`${file}: ${f.name} (${f.pen}/${f.id}) is ${f.type}, template length ${f.length}`);
    }
  }
  console.log(`${byFile.size} captures with templates, ${named} named vendor (file, element, length) uses, raw: ${[...raw.keys()].sort().join(' ')}`);
  assert.deepEqual(misfits, []);
  assert.deepEqual([...raw.keys()].filter((k) => !(k in RAW_EXCEPTIONS)).map((k) => `${k} in ${raw.get(k)}`), [], 'vendor elements without a name');
  // An exception that no longer occurs (named since) must leave the list.
  assert.deepEqual(Object.keys(RAW_EXCEPTIONS).filter((k) => !raw.has(k)), []);
});

// ---------------------------------------------------------------------------------------------
// 4. Values of the elements tshark 4.0 has no name for, against the bytes tshark cuts out for them.

/** Captures whose vendor elements tshark 4.0 lists only as raw bytes, in template order. */
const RAW_BYTES_FILES = [
  '_derived/logstash-dat-as-pcap/IPFIX-Procera.pcap',
  '_derived/logstash-dat-as-pcap/IPFIX-Nokia-BRAS.pcap',
  '_derived/logstash-dat-as-pcap/IPFIX-vIPtela-with-VPN-id.pcap',
  '_derived/logstash-dat-as-pcap/IPFIX-VMware-virtual-distributed-switch.pcap',
  '_derived/logstash-dat-as-pcap/IPFIX-YAF-basic-with-applabel.pcap',
  '_derived/logstash-dat-as-pcap/Netflow-9-Streamcore.pcap',
  '_derived/telegraf-bin-as-pcap/ipfix_pen_35632.pcap',
];

const IANA_IDS = new Set(IANA_LINES.map((l) => l.id));

/** Whether tshark's bytes for a field, read as our registered type, give our value. */
function matchesBytes(type: string, ours: unknown, hex: string): boolean {
  const b = Buffer.from(hex.replace(/:/g, ''), 'hex');
  if (/^unsigned/.test(type)) return b.length >= 1 && b.length <= 8 && (typeof ours === 'number' || typeof ours === 'bigint') && BigInt(`0x${b.toString('hex')}`) === BigInt(ours);
  if (/^signed/.test(type)) return b.length >= 1 && b.length <= 8 && (typeof ours === 'number' || typeof ours === 'bigint') && BigInt.asIntN(b.length * 8, BigInt(`0x${b.toString('hex')}`)) === BigInt(ours);
  switch (type) {
    case 'ipv4Address': return b.length === 4 && [...b].join('.') === ours;
    case 'ipv6Address': return b.length === 16 && typeof ours === 'string' && b.equals(Buffer.from(ours.split(':').length === 8 ? ours.replace(/:/g, '') : '', 'hex'));
    case 'float32': return b.length === 4 && b.readFloatBE(0) === ours;
    case 'dateTimeSeconds': return b.length === 4 && b.readUInt32BE(0) === ours;
    // A string's value ends at its first NUL (fixed-length strings are NUL-padded), as tshark shows it.
    case 'string': return typeof ours === 'string' && ours === b.toString('utf8').split('\0')[0];
    default: return Buffer.isBuffer(ours) && ours.equals(b);
  }
}

/** tshark's raw-byte lists ("enterprise_private_entry", v9 "unknown_field_type"), one per data record. */
function tsharkRawLists(packets: Json[]): string[][] {
  const out: string[][] = [];
  const visit = (o: unknown): void => {
    if (Array.isArray(o)) { o.forEach(visit); return; }
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o as Json)) {
      if (!/^Flow \d+/.test(k)) { visit(v); continue; }
      for (const f of (Array.isArray(v) ? v : [v]) as Json[]) {
        const raw = f['cflow.enterprise_private_entry'] ?? f['cflow.unknown_field_type'];
        if (raw !== undefined) out.push((Array.isArray(raw) ? raw : [raw]).map(String));
      }
    }
  };
  for (const p of packets) visit((p._source as { layers: Json }).layers.cflow);
  return out;
}

test('corpus: vendor elements tshark 4.0 does not name decode to the bytes tshark cuts out for them', { skip: corpusSkip }, () => {
  const problems: string[] = [];
  let compared = 0;
  for (const rel of RAW_BYTES_FILES) {
    const packets = JSON.parse(readFileSync(join(TSHARK, `${rel}.json`), 'utf8')) as Json[];
    const known = tsharkKnown(packets);
    const decoder = new FlowDecoder();
    const receivedAt = new Date();
    // Per record: our values of the fields tshark leaves unnamed, in template order, with their type.
    const ours: Array<Array<{ name: string; type: string; value: unknown }>> = [];
    for (const d of readUdpDatagrams(join(CORPUS, rel))) {
      const r = decoder.decode(d.payload, { address: d.source, port: d.sourcePort }, receivedAt);
      const v9 = r.protocol === 'netflow9';
      const templates = decoder.exportTemplates();
      for (const rec of [...r.records, ...r.options]) {
        const template = templates.find((t) => t.id === rec.templateId);
        if (!template) continue;
        const taken = new Map<string, number>();
        const fields = template.fields.filter(([pen, id]) => v9
          ? pen === 0 && !IANA_IDS.has(id) && !known.has(`nf9_ie${id}`)
          : pen !== 0 && pen !== 29305 && !known.has(`pen${pen}_ie${id}`));
        if (!fields.length) continue;
        ours.push(fields.map(([, , , name, type]) => {
          const i = taken.get(name) ?? 0;
          taken.set(name, i + 1);
          const v = (rec as Record<string, unknown>)[name];
          return { name, type, value: Array.isArray(v) ? v[i] : v };
        }));
      }
    }
    const theirs = tsharkRawLists(packets);
    if (theirs.length !== ours.length) { problems.push(`${rel}: ${ours.length} records with unnamed vendor fields, tshark ${theirs.length}`); continue; }
    ours.forEach((fields, i) => {
      // tshark's list may hold more (IANA elements it does not know either); ours must match in order.
      let at = 0;
      for (const f of fields) {
        // A zero-length variable-length field carries no value: we leave it out, tshark lists nothing.
        if (f.value === undefined) continue;
        while (at < theirs[i].length && !matchesBytes(f.type, f.value, theirs[i][at])) at++;
        if (at === theirs[i].length) { problems.push(`${rel} record ${i}: ${f.name} = ${String(f.value)} not among tshark's bytes ${theirs[i].join(' ')}`); break; }
        at++;
        compared++;
      }
    });
  }
  console.log(`${RAW_BYTES_FILES.length} captures, ${compared} values of tshark-unnamed vendor elements checked against tshark's bytes`);
  assert.ok(compared > 20, 'expected values to compare');
  assert.deepEqual(problems, []);
});

/** Telegraf's line protocol (expected.out): the fields of each line. */
function lineProtocolFields(text: string): Array<Record<string, string>> {
  return text.split('\n').filter((l) => l.startsWith('netflow,')).map((line) => {
    const fields: Record<string, string> = {};
    const body = line.slice(line.indexOf(' ') + 1);
    for (const m of body.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]*)/g)) fields[m[1]] = m[2].startsWith('"') ? m[2].slice(1, -1) : m[2].replace(/u$/, '');
    return fields;
  });
}

/** Telegraf field -> our name, for the ntop elements tshark 4.0 does not name. */
const TELEGRAF_NTOP: Record<string, string> = {
  ja3c_hash: 'ntopJa3cHash', ja3s_hash: 'ntopJa3sHash', ssl_cipher: 'ntopTlsCipher',
  ssl_unsafe_cipher: 'ntopTlsUnsafeCipher', ssl_version: 'ntopTlsVersion', ssl_server_name: 'ntopSslServerName',
};

test('corpus: ntop elements (JA3, TLS, latency, retransmissions) equal Telegraf\'s golden decode', { skip: corpusSkip }, () => {
  const registry = new IeRegistry();
  const problems: string[] = [];
  let compared = 0;
  for (const name of ['ipfix_pen_35632', 'issue_13305']) {
    const golden = lineProtocolFields(readFileSync(join(CORPUS, 'telegraf', name, 'expected.out'), 'utf8'));
    const decoder = new FlowDecoder();
    const receivedAt = new Date();
    const records = readUdpDatagrams(join(CORPUS, '_derived/telegraf-bin-as-pcap', `${name}.pcap`))
      .flatMap((d) => decoder.decode(d.payload, { address: d.source, port: d.sourcePort }, receivedAt).records);
    if (records.length !== golden.length) { problems.push(`${name}: ${records.length} records, Telegraf ${golden.length}`); continue; }
    // Telegraf's lines are in record order; the 5-tuple confirms the pairing.
    golden.forEach((g, i) => {
      const r = records[i];
      if (g.src !== r.sourceIPv4Address || Number(g.src_port) !== r.sourceTransportPort || Number(g.dst_port) !== r.destinationTransportPort) {
        problems.push(`${name} line ${i}: Telegraf ${g.src}:${g.src_port} -> ${g.dst_port}, ours ${String(r.sourceIPv4Address)}:${String(r.sourceTransportPort)}`);
        return;
      }
      for (const [field, want] of Object.entries(g)) {
        // Without the mapping file (issue_13305) Telegraf prints ntop fields as type_35632_<id>: hex
        // for fixed-length ones, text for variable-length ones.
        const raw = /^type_35632_(\d+)$/.exec(field);
        const ours = raw ? registry.lookup(35632, Number(raw[1])).name : TELEGRAF_NTOP[field];
        if (!ours) continue;
        compared++;
        const value = (r as Record<string, unknown>)[ours];
        // An empty variable-length string is no value in our record (see above); Telegraf prints "".
        const same = /^0x[0-9a-f]+$/i.test(want) && (typeof value === 'number' || typeof value === 'bigint')
          ? BigInt(want) === BigInt(value)
          : String(value ?? '') === want;
        if (!same) problems.push(`${name} line ${i}: ${ours} = ${String(value)}, Telegraf ${field}=${want}`);
      }
    });
  }
  console.log(`${compared} ntop values compared with Telegraf's golden output`);
  assert.ok(compared > 20, 'expected values to compare');
  assert.deepEqual(problems, []);
});

// ---------------------------------------------------------------------------------------------
// 5. Elements with no corpus capture (Gigamon has none at all): datagrams built with the pack's
//    encoder, decoded by the installed tshark as the reference for each element's name and type.

interface Probe { field: FieldSpec; value: FieldValue; name: string; tshark: string }

const V = 65535;
const IPFIX_PROBES: Probe[] = [
  { field: { pen: 26866, id: 1, length: V }, value: '/index.html', name: 'gigamonHttpReqUrl', tshark: 'cflow.pie.gigamon.httprequrl' },
  { field: { pen: 26866, id: 2, length: 2 }, value: 404, name: 'gigamonHttpRspStatus', tshark: 'cflow.pie.gigamon.httprspstatus' },
  { field: { pen: 26866, id: 110, length: 2 }, value: 2048, name: 'gigamonSslCertificateSubjectPubKeySize', tshark: 'cflow.pie.gigamon.sslcertificatesubjectpubkeysize' },
  { field: { pen: 26866, id: 112, length: V }, value: 'example.org', name: 'gigamonSslServerNameIndication', tshark: 'cflow.pie.gigamon.sslservernameindication' },
  { field: { pen: 26866, id: 113, length: 2 }, value: 0x0303, name: 'gigamonSslServerVersion', tshark: 'cflow.pie.gigamon.sslserverversion' },
  { field: { pen: 26866, id: 114, length: 2 }, value: 0xc02f, name: 'gigamonSslServerCipher', tshark: 'cflow.pie.gigamon.sslservercipher' },
  { field: { pen: 26866, id: 115, length: 1 }, value: 1, name: 'gigamonSslServerCompressionMethod', tshark: 'cflow.pie.gigamon.sslservercompressionmethod' },
  { field: { pen: 26866, id: 116, length: V }, value: Buffer.from('a1b2c3', 'hex'), name: 'gigamonSslServerSessionId', tshark: 'cflow.pie.gigamon.sslserversessionid' },
  { field: { pen: 26866, id: 201, length: 2 }, value: 4660, name: 'gigamonDnsIdentifier', tshark: 'cflow.pie.gigamon.dnsidentifier' },
  { field: { pen: 26866, id: 203, length: 1 }, value: 3, name: 'gigamonDnsResponseCode', tshark: 'cflow.pie.gigamon.dnsresponsecode' },
  { field: { pen: 26866, id: 204, length: V }, value: 'www.example.org', name: 'gigamonDnsQueryName', tshark: 'cflow.pie.gigamon.dnsqueryname' },
  { field: { pen: 26866, id: 206, length: 4 }, value: 3600, name: 'gigamonDnsResponseTTL', tshark: 'cflow.pie.gigamon.dnsresponsettl' },
  { field: { pen: 26866, id: 207, length: 4 }, value: '198.51.100.7', name: 'gigamonDnsResponseIPv4Address', tshark: 'cflow.pie.gigamon.dnsresponseipv4address' },
  { field: { pen: 26866, id: 208, length: 16 }, value: '2001:db8::7', name: 'gigamonDnsResponseIPv6Address', tshark: 'cflow.pie.gigamon.dnsresponseipv6address' },
  { field: { pen: 26866, id: 214, length: 2 }, value: 28, name: 'gigamonDnsQueryType', tshark: 'cflow.pie.gigamon.dnsquerytype' },
  { field: { pen: 26866, id: 223, length: 4 }, value: 86400, name: 'gigamonDnsAuthorityTTL', tshark: 'cflow.pie.gigamon.dnsauthorityttl' },
  { field: { pen: 5951, id: 152, length: V }, value: 'shop', name: 'netscalerAppName', tshark: 'cflow.pie.netscaler.appname' },
  { field: { pen: 5951, id: 173, length: 1 }, value: 2, name: 'netscalerDbReqType', tshark: 'cflow.pie.netscaler.db-req-type' },
  { field: { pen: 5951, id: 180, length: 8 }, value: 12345678901n, name: 'netscalerDbRespStatus', tshark: 'cflow.pie.netscaler.db-resp-status' },
  { field: { pen: 5951, id: 203, length: 4 }, value: '203.0.113.9', name: 'netscalerIcaClientIP', tshark: 'cflow.pie.netscaler.ica-client-ip' },
  { field: { pen: 5951, id: 223, length: 4 }, value: 1700000000, name: 'netscalerIcaSessionUpdateBeginSec', tshark: 'cflow.pie.netscaler.ica-session-update-begin-sec' },
  { field: { pen: 5951, id: 219, length: 2 }, value: 17, name: 'netscalerIcaClientsidePacketsRetransmit', tshark: 'cflow.pie.netscaler.ica-clientside-packets-retransmit' },
  { field: { pen: 3054, id: 120, length: V }, value: 'IT', name: 'ixiaSourceIpCountryCode', tshark: 'cflow.pie.ixia.source-ip-country-code' },
  { field: { pen: 3054, id: 180, length: 2 }, value: 256, name: 'ixiaEncryptionKeyLength', tshark: 'cflow.pie.ixia.encryption-keylen' },
  { field: { pen: 3054, id: 194, length: 16 }, value: '2001:db8::9', name: 'ixiaThreatIpv6', tshark: 'cflow.pie.ixia.threat-ipv6' },
  { field: { pen: 9, id: 12242, length: 4 }, value: 77, name: 'connectionId', tshark: 'cflow.pie.cisco.connection_id' },
  { field: { pen: 35632, id: 183, length: V }, value: 'curl/8', name: 'ntopHttpUserAgent', tshark: 'cflow.pie.ntop.http_ua' },
  { field: { pen: 35632, id: 415, length: 2 }, value: 1024, name: 'ntopTcpWinMinIn', tshark: 'cflow.pie.ntop.tcp_win_min_in' },
  { field: { pen: 35632, id: 471, length: 4 }, value: '192.0.2.77', name: 'ntopNprobeIpv4Address', tshark: 'cflow.pie.ntop.nprobe_ipv4_address' },
];

/** NetFlow v9: nProbe's 57472 + n ids and the ASA NSEL ids. */
const NETFLOW9_PROBES: Probe[] = [
  { field: { id: 57472 + 183, length: 16 }, value: 'curl/8.0', name: 'ntopHttpUserAgent', tshark: 'cflow.pie.ntop.http_ua' },
  { field: { id: 57472 + 415, length: 2 }, value: 1024, name: 'ntopTcpWinMinIn', tshark: 'cflow.pie.ntop.tcp_win_min_in' },
  { field: { id: 57472 + 109, length: 4 }, value: 3, name: 'ntopRetransmittedInPkts', tshark: 'cflow.pie.ntop.retransmitted_in_pkts' },
  { field: { id: 40001, length: 4 }, value: '198.51.100.1', name: 'xlateSourceIPv4Address', tshark: 'cflow.post_natsource_ipv4_address' },
  { field: { id: 40003, length: 2 }, value: 5353, name: 'xlateSourcePort', tshark: 'cflow.post_naptsource_transport_port' },
  { field: { id: 33002, length: 2 }, value: 1001, name: 'fwExtEvent', tshark: 'cflow.fw_ext_event' },
];

/** The first data record of `datagram` as tshark decodes it. */
function tsharkFirstFlow(datagram: Buffer, port: number): Json {
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-vendor-'));
  try {
    const file = join(dir, 'probe.pcap');
    writeUdpCapture(file, [datagram], port);
    const out = execFileSync('tshark', ['-r', file, '-d', `udp.port==${port},cflow`, '-T', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
    const packets = JSON.parse(out) as Json[];
    let flow: Json | undefined;
    const visit = (o: unknown): void => {
      if (flow || !o || typeof o !== 'object') return;
      for (const [k, v] of Object.entries(o as Json)) {
        if (/^Flow \d+/.test(k)) { flow = (Array.isArray(v) ? v[0] : v) as Json; return; }
        visit(v);
      }
    };
    visit(packets);
    if (!flow) throw new Error('tshark decoded no data record');
    return flow;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function compareProbes(probes: Probe[], ours: FlowRecord, theirs: Json): string[] {
  const problems: string[] = [];
  for (const p of probes) {
    const want = theirs[p.tshark];
    if (want === undefined) { problems.push(`tshark shows no ${p.tshark}`); continue; }
    if (!(p.name in ours)) { problems.push(`${p.tshark}: we have no ${p.name} (keys ${Object.keys(ours).join(',')})`); continue; }
    const got = (ours as Record<string, unknown>)[p.name];
    if (!same(got, String(want))) problems.push(`${p.name} = ${String(got)}, tshark ${String(want)}`);
  }
  return problems;
}

test('encoder-built vendor records decode like the installed tshark (Gigamon, NetScaler, Ixia, Cisco, ntop, ASA)', (t) => {
  if (!requireCommands(t, 'tshark')) return;
  const ipfixFields = IPFIX_PROBES.map((p) => p.field);
  const ipfix = encodeIpfix({ exportTime: 1700000000, sequence: 0, domain: 1, sets: [
    { kind: 'template', templates: [{ id: 300, fields: ipfixFields }] },
    { kind: 'data', templateId: 300, records: [encodeRecord(ipfixFields, IPFIX_PROBES.map((p) => p.value))] },
  ] });
  const v9Fields = NETFLOW9_PROBES.map((p) => p.field);
  const v9 = encodeNetflow9({ sysUptime: 1000, exportTime: 1700000000, sequence: 0, sourceId: 1, sets: [
    { kind: 'template', templates: [{ id: 300, fields: v9Fields }] },
    { kind: 'data', templateId: 300, records: [encodeRecord(v9Fields, NETFLOW9_PROBES.map((p) => p.value))] },
  ] });
  const exporter = { address: '192.0.2.1', port: 40000 };
  const oursIpfix = new FlowDecoder().decode(ipfix, exporter);
  const oursV9 = new FlowDecoder().decode(v9, exporter);
  assert.deepEqual([...oursIpfix.errors, ...oursV9.errors], []);
  const problems = [
    ...compareProbes(IPFIX_PROBES, oursIpfix.records[0], tsharkFirstFlow(ipfix, 4739)),
    ...compareProbes(NETFLOW9_PROBES, oursV9.records[0], tsharkFirstFlow(v9, 2055)),
  ];
  console.log(`${IPFIX_PROBES.length + NETFLOW9_PROBES.length} encoder-built vendor fields compared with tshark`);
  assert.deepEqual(problems, []);
});
