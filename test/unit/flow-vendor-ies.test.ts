// Enterprise information elements against tshark 4.0.17 (SOURCES.md, _derived/tshark-json): in each
// vendor capture of the corpus, no element that tshark has a name for stays raw (pen<N>_ie<M> /
// nf9_ie<M>), and the values of the named vendor fields equal tshark's, record by record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder, type FlowRecord } from '../../nodes/common';
import { readUdpDatagrams } from '../helpers/flow-pcap';

const CORPUS = join(__dirname, '../../../shared/corpus');
const TSHARK = join(CORPUS, '_derived/tshark-json');

/** Vendor captures: Cisco AVC, Juniper, Ixia, NetScaler, ntop (IPFIX and nProbe v9). */
const FILES = [
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

test('enterprise elements: names and values as tshark decodes them', { skip: !existsSync(CORPUS) && 'shared corpus not present' }, () => {
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
        if (!same(mine[i][name], String(value))) problems.push(`${rel} record ${i}: ${name} = ${String(mine[i][name])}, tshark ${String(value)}`);
      }
    });
  }
  console.log(`${FILES.length} vendor captures, ${named} enterprise elements named by tshark, ${compared} vendor values compared`);
  assert.ok(compared > 100, 'expected vendor values to compare');
  assert.deepEqual(problems, []);
});
