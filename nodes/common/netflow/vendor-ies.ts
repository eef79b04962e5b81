// Vendor information elements, assembled from one table per vendor. IPFIX lines: "<PEN> <id> <name>
// <type>" (the enterprise bit set in the template). NetFlow v9 has no enterprise bit, so vendors took
// ids outside IANA's range in the plain id space; those live in NETFLOW9_VENDOR_TABLE and are only
// used for v9 templates. Each block says where its ids, names and types come from; unknown elements
// keep their raw bytes as pen<PEN>_ie<id> (v9: nf9_ie<id>). Add or override through FlowDecoder
// `elements`. RFC 5103 reverse elements (PEN 29305) are derived from the IANA table in ie-registry.ts.
// A vendor name never equals an IANA name (it would merge with it in a record): such names carry
// the vendor's prefix (ciscoApplicationCategoryName, yafHttpUserAgent).
import { certLines } from './vendor-ies-cert';
import { CISCO_IES, CISCO_NETFLOW9_IES } from './vendor-ies-cisco';
import { IXIA_IES } from './vendor-ies-ixia';
import { NETSCALER_IES } from './vendor-ies-netscaler';
import { NTOP_IES, ntopNetflow9Lines } from './vendor-ies-ntop';

/** Private enterprise numbers (IANA "Private Enterprise Numbers" registry) of the vendors below. */
const VENDOR_PENS = {
  cisco: 9,
  nokia: 637,
  huawei: 2011,
  juniper: 2636,
  ixia: 3054,
  netscaler: 5951,
  cert: 6871,
  vmware: 6876,
  barracuda: 10704,
  procera: 15397,
  paloAlto: 25461,
  gigamon: 26866,
  reverse: 29305,
  ntop: 35632,
  viptela: 41916,
} as const;

// Juniper (2636): Wireshark's v10_template_types_juniper and Juniper's "IPFIX/version 9 templates"
// page (the common-properties id that MX routers send in options data). Juniper exports every other
// field as an IANA element.
const JUNIPER_IES = `
137 juniperCommonProperties unsigned32
`;

// VMware vSphere Distributed Switch / NSX (6876): VMware "Flows Monitored by the IPFIX for vSphere
// Distributed Switch" as tabulated by libfds (config/system/elements/vmware.xml); Logstash's codec
// and filebeat list the same ids and types.
const VMWARE_IES = `
880 tenantProtocol unsigned8
881 tenantSourceIPv4 ipv4Address
882 tenantDestIPv4 ipv4Address
883 tenantSourceIPv6 ipv6Address
884 tenantDestIPv6 ipv6Address
886 tenantSourcePort unsigned16
887 tenantDestPort unsigned16
888 egressInterfaceAttr unsigned16
889 vxlanExportRole unsigned8
890 ingressInterfaceAttr unsigned16
`;

// Barracuda NG Firewall / CloudGen (10704): Barracuda's "IPFIX extended uniflow template" reference
// as listed by Wireshark (v10_template_types_barracuda), the Logstash codec and filebeat. Reason is
// 4 octets in all three and in the corpus capture; Timestamp is seconds since the epoch, which
// Wireshark decodes as an absolute time (Logstash and filebeat leave it a plain uint32).
const BARRACUDA_IES = `
1 timestamp dateTimeSeconds
2 logOp unsigned8
3 trafficType unsigned8
4 fwRule string
5 serviceName string
6 reason unsigned32
7 reasonText string
8 bindIPv4Address ipv4Address
9 bindTransportPort unsigned16
10 connIPv4Address ipv4Address
11 connTransportPort unsigned16
12 auditCounter unsigned32
`;

// Procera / Sandvine PacketLogic (15397): PacketLogic product guide 15.1 as transcribed by the
// Logstash codec (ipfix.yaml) and filebeat (assorted.csv); both agree on ids and types.
const PROCERA_IES = `
1 proceraService string
2 proceraBaseService string
3 proceraIncomingOctets unsigned64
4 proceraOutgoingOctets unsigned64
5 proceraIncomingPackets unsigned64
6 proceraOutgoingPackets unsigned64
7 proceraIncomingShapingLatency unsigned16
8 proceraOutgoingShapingLatency unsigned16
9 proceraIncomingShapingDrops unsigned32
10 proceraOutgoingShapingDrops unsigned32
11 proceraInternalRtt signed32
12 proceraExternalRtt signed32
15 proceraFlowBehavior string
16 proceraContentCategories string
17 proceraProperty string
18 proceraServerHostname string
19 proceraHttpRequestMethod string
20 proceraHttpUserAgent string
21 proceraHttpContentType string
22 proceraHttpUrl string
23 proceraHttpReferer string
24 proceraHttpResponseStatus unsigned16
25 proceraHttpFileLength unsigned32
26 proceraHttpLocation string
27 proceraHttpLanguage string
28 proceraSubscriberIdentifier string
29 proceraMsisdn unsigned64
30 proceraImsi unsigned64
31 proceraRat string
32 proceraDeviceId unsigned64
33 proceraSgsn string
34 proceraRnc unsigned16
35 proceraApn string
36 proceraUserLocationInformation string
37 proceraGgsn string
38 proceraQoeIncomingInternal float32
39 proceraQoeIncomingExternal float32
40 proceraQoeOutgoingInternal float32
41 proceraQoeOutgoingExternal float32
42 proceraLocalIPv4Host ipv4Address
43 proceraLocalIPv6Host ipv6Address
44 proceraRemoteIPv4Host ipv4Address
45 proceraRemoteIPv6Host ipv6Address
46 proceraHttpRequestVersion string
47 proceraTemplateName string
`;

// Gigamon GigaSMART metadata (26866): Wireshark's v10_template_types_gigamon and its field
// definitions (FT_UINTn / FT_STRING / FT_IPv4 / FT_IPv6 / FT_BYTES). Names: "gigamon" + Wireshark's.
const GIGAMON_IES = `
1 gigamonHttpReqUrl string
2 gigamonHttpRspStatus unsigned16
101 gigamonSslCertificateIssuerCommonName string
102 gigamonSslCertificateSubjectCommonName string
103 gigamonSslCertificateIssuer string
104 gigamonSslCertificateSubject string
105 gigamonSslCertificateValidNotBefore string
106 gigamonSslCertificateValidNotAfter string
107 gigamonSslCertificateSerialNumber octetArray
108 gigamonSslCertificateSignatureAlgorithm octetArray
109 gigamonSslCertificateSubjectPubAlgorithm octetArray
110 gigamonSslCertificateSubjectPubKeySize unsigned16
111 gigamonSslCertificateSubjectAltName string
112 gigamonSslServerNameIndication string
113 gigamonSslServerVersion unsigned16
114 gigamonSslServerCipher unsigned16
115 gigamonSslServerCompressionMethod unsigned8
116 gigamonSslServerSessionId octetArray
201 gigamonDnsIdentifier unsigned16
202 gigamonDnsOpCode unsigned8
203 gigamonDnsResponseCode unsigned8
204 gigamonDnsQueryName string
205 gigamonDnsResponseName string
206 gigamonDnsResponseTTL unsigned32
207 gigamonDnsResponseIPv4Address ipv4Address
208 gigamonDnsResponseIPv6Address ipv6Address
209 gigamonDnsBits string
210 gigamonDnsQdCount unsigned16
211 gigamonDnsAnCount unsigned16
212 gigamonDnsNsCount unsigned16
213 gigamonDnsArCount unsigned16
214 gigamonDnsQueryType unsigned16
215 gigamonDnsQueryClass unsigned16
216 gigamonDnsResponseType unsigned16
217 gigamonDnsResponseClass unsigned16
218 gigamonDnsResponseRdLength unsigned16
219 gigamonDnsResponseRdata string
220 gigamonDnsAuthorityName string
221 gigamonDnsAuthorityType unsigned16
222 gigamonDnsAuthorityClass unsigned16
223 gigamonDnsAuthorityTTL unsigned32
224 gigamonDnsAuthorityRdLength unsigned16
225 gigamonDnsAuthorityRdata string
226 gigamonDnsAdditionalName string
227 gigamonDnsAdditionalType unsigned16
228 gigamonDnsAdditionalClass unsigned16
229 gigamonDnsAdditionalTTL unsigned32
230 gigamonDnsAdditionalRdLength unsigned16
231 gigamonDnsAdditionalRdata string
`;

// Nokia (Alcatel-Lucent) BRAS NAT logging (637): Nokia's IPFIX NAT logging template as listed by the
// Logstash codec and filebeat (assorted.csv).
const NOKIA_IES = `
91 natInsideSvcid unsigned16
92 natOutsideSvcid unsigned16
93 natSubString string
`;

// Cisco vIPtela SD-WAN (41916): the Logstash codec's ipfix.yaml (VPN id of cflowd exports).
const VIPTELA_IES = `
4321 viptelaVpnId unsigned64
`;

// Palo Alto Networks: PAN-OS exports NetFlow v9 only, with two vendor ids documented in PAN-OS's
// "NetFlow templates" page (App-ID, 32 octets; User-ID, 64 octets). No IPFIX element under PEN 25461
// is publicly documented.
const PALO_ALTO_NETFLOW9_IES = `
56701 panAppId string
56702 panUserId string
`;

// Streamcore (NetFlow v9, ids 8192-8393 outside IANA's range): the Logstash netflow codec's
// netflow.yaml (Streamcore's v9 export fields).
const STREAMCORE_NETFLOW9_IES = `
8192 streamcoreWanRtt unsigned32
8193 streamcoreNetAppRespTime unsigned32
8194 streamcoreTotalAppRespTime unsigned32
8195 streamcoreTcpRetransRate unsigned16
8196 streamcoreCallDirection unsigned8
8256 streamcoreHostname string
8257 streamcoreUrl string
8258 streamcoreSslCn string
8259 streamcoreSslOrg string
8320 streamcoreMosLq unsigned16
8321 streamcoreNetDelay unsigned16
8322 streamcoreNetLoss unsigned16
8323 streamcoreNetJitter unsigned16
8324 streamcoreNetDiscard unsigned16
8325 streamcoreRtpClockrateIn unsigned8
8326 streamcoreRtpClockrateOut unsigned8
8327 streamcoreCodecIn unsigned8
8328 streamcoreCodecOut unsigned8
8384 streamcoreIdRule1 unsigned32
8385 streamcoreIdRule2 unsigned32
8386 streamcoreIdRule3 unsigned32
8387 streamcoreIdRule4 unsigned32
8388 streamcoreIdRule5 unsigned32
8389 streamcoreIdRule6 unsigned32
8390 streamcoreIdRule7 unsigned32
8391 streamcoreIdRule8 unsigned32
8392 streamcoreIdRule9 unsigned32
8393 streamcoreIdRule10 unsigned32
`;

/** Prefixes every "<id> <name> <type>" line of a vendor table with its PEN. */
function withPen(pen: number, table: string): string {
  return table.split('\n').filter((line) => line.trim()).map((line) => `${pen} ${line.trim()}`).join('\n');
}

/** IPFIX vendor elements, one vendor block after the other (Huawei 2011: no public definitions). */
export const VENDOR_IE_TABLE = [
  withPen(VENDOR_PENS.cisco, CISCO_IES),
  withPen(VENDOR_PENS.nokia, NOKIA_IES),
  withPen(VENDOR_PENS.juniper, JUNIPER_IES),
  withPen(VENDOR_PENS.ixia, IXIA_IES),
  withPen(VENDOR_PENS.netscaler, NETSCALER_IES),
  withPen(VENDOR_PENS.cert, certLines()),
  withPen(VENDOR_PENS.vmware, VMWARE_IES),
  withPen(VENDOR_PENS.barracuda, BARRACUDA_IES),
  withPen(VENDOR_PENS.procera, PROCERA_IES),
  withPen(VENDOR_PENS.gigamon, GIGAMON_IES),
  withPen(VENDOR_PENS.ntop, NTOP_IES),
  withPen(VENDOR_PENS.viptela, VIPTELA_IES),
].join('\n');

/** NetFlow v9 vendor ids (no PEN in v9): "<id> <name> <type>". */
export const NETFLOW9_VENDOR_TABLE = [
  STREAMCORE_NETFLOW9_IES, CISCO_NETFLOW9_IES, PALO_ALTO_NETFLOW9_IES, ntopNetflow9Lines(),
].join('\n');

