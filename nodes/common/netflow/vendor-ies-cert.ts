// CERT NetSA (PEN 6871): YAF and SiLK. Lines: "<id> <name> <abstract type>".
// Source: YAF 2.10's information model (infomodel/cert.xml, dhcp.xml, yaf_dpi.xml) as tabulated by
// libfds (CESNET, config/system/elements/cert.xml), cross-checked with the Logstash netflow codec's
// ipfix.yaml. Deprecated "obsoleteReverse*" ids are left out. YAF marks the reverse direction of its
// own elements with bit 14 (id + 16384, "reverse" + name): those lines are derived below.
// initialTCPFlags/unionTCPFlags are exported in one octet by YAF (the corpus captures); YAF's model
// calls them unsigned16, read at any length by reduced-size encoding. The two DPI names that equal
// IANA names (httpUserAgent, httpContentType) carry a "yaf" prefix.

const CERT_IES = `
14 initialTCPFlags unsigned8
15 unionTCPFlags unsigned8
18 payload octetArray
21 reverseFlowDeltaMilliseconds unsigned32
30 silkFlowType unsigned8
31 silkFlowSensor unsigned16
32 silkTCPState unsigned8
33 silkAppLabel unsigned16
35 payloadEntropy unsigned8
36 osName string
37 osVersion string
38 firstPacketBanner octetArray
39 secondPacketBanner octetArray
40 flowAttributes unsigned16
100 expiredFragmentCount unsigned32
101 assembledFragmentCount unsigned32
102 meanFlowRate unsigned32
103 meanPacketRate unsigned32
104 flowTableFlushEventCount unsigned32
105 flowTablePeakCount unsigned32
106 yafFlowKeyHash unsigned32
107 osFingerPrint string
110 httpServerString string
111 yafHttpUserAgent string
112 httpGet string
113 httpConnection string
114 httpVersion string
115 httpReferer string
116 httpLocation string
117 httpHost string
118 httpContentLength string
119 httpAge string
120 httpAccept string
121 httpAcceptLanguage string
122 yafHttpContentType string
123 httpResponse string
124 pop3TextMessage string
125 ircTextMessage string
126 tftpFilename string
127 tftpMode string
128 slpVersion unsigned8
129 slpMessageType unsigned8
130 slpString string
131 ftpReturn string
132 ftpUser string
133 ftpPass string
134 ftpType string
135 ftpRespCode string
136 imapCapability string
137 imapLogin string
138 imapStartTLS string
139 imapAuthenticate string
140 imapCommand string
141 imapExists string
142 imapRecent string
143 rtspURL string
144 rtspVersion string
145 rtspReturnCode string
146 rtspContentLength string
147 rtspCommand string
148 rtspContentType string
149 rtspTransport string
150 rtspCSeq string
151 rtspLocation string
152 rtspPacketsReceived string
153 rtspUserAgent string
242 dhcpFingerPrint string
243 dhcpVendorCode string
289 mptcpInitialDataSequenceNumber unsigned64
290 mptcpReceiverToken unsigned32
291 mptcpMaximumSegmentSize unsigned16
292 mptcpAddressID unsigned8
293 mptcpFlags unsigned8
297 dhcpOption unsigned8
298 sslCertificateSHA1 octetArray
299 sslCertificateMD5 octetArray
300 nDPIL7Protocol unsigned16
301 nDPIL7SubProtocol unsigned16
500 smallPacketCount unsigned32
501 nonEmptyPacketCount unsigned32
502 dataByteCount unsigned64
503 averageInterarrivalTime unsigned64
504 standardDeviationInterarrivalTime unsigned64
505 firstNonEmptyPacketSize unsigned16
506 maxPacketSize unsigned16
507 firstEightNonEmptyPacketDirections unsigned8
508 standardDeviationPayloadLength unsigned16
509 tcpUrgentCount unsigned32
510 largePacketCount unsigned32
550 tombstoneId unsigned32
551 exporterConfiguredId unsigned16
552 exporterUniqueId unsigned16
927 dnsRName string
928 dnsHitCount unsigned16
929 observedDataTotalCount unsigned64
930 observedData octetArray
1000 templateName string
1001 templateDescription string
`;

/** YAF's reverse-direction bit in its own element ids. */
const CERT_REVERSE_BIT = 0x4000;

/** Flow elements YAF exports in both directions (a biflow record carries id + 16384 for the reverse). */
const CERT_BIFLOW_IDS = new Set([14, 15, 18, 35, 36, 37, 38, 39, 40, 107, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510]);

/** CERT_IES plus the reverse lines "<16384 + id> reverse<Name> <type>" of the biflow elements. */
export function certLines(): string {
  const lines = CERT_IES.split('\n').filter((line) => line.trim());
  const reverse = lines
    .map((line) => line.trim().split(/\s+/))
    .filter(([id]) => CERT_BIFLOW_IDS.has(Number(id)))
    .map(([id, name, type]) => `${CERT_REVERSE_BIT + Number(id)} reverse${name[0].toUpperCase()}${name.slice(1)} ${type}`);
  return [...lines, ...reverse].join('\n');
}
