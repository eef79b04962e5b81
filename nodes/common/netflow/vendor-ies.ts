// Vendor information elements. IPFIX lines: "<PEN> <id> <name> <type>" (the enterprise bit set in
// the template). NetFlow v9 has no enterprise bit, so vendors took ids above 32767 in the plain
// id space; those live in the second table and are only used for v9 templates.
// Names follow each vendor's own documentation; add more through FlowDecoder `elements`.
// Cisco AVC (PEN 9), Juniper (2636), Ixia (3054), NetScaler (5951) and ntop/nProbe (35632, and v9
// ids 57472 + n): ids, meaning and type as tshark 4.0 decodes them on the corpus captures;
// NetScaler names as the flowbeat goldens spell them. Elements tshark has no name for stay raw.
export const VENDOR_IE_TABLE = `
9 9252 servicesWaasSegment unsigned8
9 9253 servicesWaasPassthroughReason unsigned8
9 9268 connectionClientCounterPacketsRetransmitted unsigned32
9 9272 connectionTransactionCounterComplete unsigned32
9 9273 connectionTransactionDurationSum unsigned32
9 9292 connectionServerCounterResponses unsigned32
9 9300 connectionDelayResponseToServerHistogramLate unsigned32
9 9303 connectionDelayResponseToServerSum unsigned32
9 9306 connectionDelayApplicationSum unsigned32
9 9307 connectionDelayApplicationMax unsigned32
9 9309 connectionDelayResponseClientToServerSum unsigned32
9 9313 connectionDelayNetworkClientToServerSum unsigned32
9 9316 connectionDelayNetworkToClientSum unsigned32
9 9319 connectionDelayNetworkToServerSum unsigned32
9 12236 connectionClientIPv4Address ipv4Address
9 12237 connectionServerIPv4Address ipv4Address
9 12241 connectionServerTransportPort unsigned16
2636 137 juniperCommonProperties unsigned32
3054 110 ixiaL7ApplicationId unsigned32
3054 111 ixiaL7ApplicationName string
3054 126 ixiaSourceIpLatitude float32
3054 127 ixiaSourceIpLongitude float32
3054 146 ixiaDestinationIpLatitude float32
3054 147 ixiaDestinationIpLongitude float32
3054 160 ixiaOsDeviceId unsigned8
3054 161 ixiaOsDeviceName string
3054 162 ixiaBrowserId unsigned8
3054 163 ixiaBrowserName string
3054 176 ixiaReverseOctetDeltaCount unsigned64
3054 177 ixiaReversePacketDeltaCount unsigned64
3054 182 ixiaHttpUserAgent string
3054 183 ixiaHostName string
3054 184 ixiaHttpUri string
3054 186 ixiaSourceAsName string
3054 187 ixiaDestinationAsName string
3054 188 ixiaTransactionLatencyUs unsigned32
3054 192 ixiaThreatType string
3054 193 ixiaThreatIpv4 ipv4Address
5951 128 netscalerRoundTripTime unsigned32
5951 129 netscalerTransactionId unsigned32
5951 130 netscalerHttpReqUrl string
5951 131 netscalerHttpReqCookie string
5951 132 netscalerFlowFlags unsigned64
5951 133 netscalerConnectionId unsigned32
5951 140 netscalerHttpReqReferer string
5951 141 netscalerHttpReqMethod string
5951 142 netscalerHttpReqHost string
5951 143 netscalerHttpReqUserAgent string
5951 144 netscalerHttpRspStatus unsigned16
5951 145 netscalerHttpRspLen unsigned64
5951 146 netscalerServerTTFB unsigned64
5951 147 netscalerServerTTLB unsigned64
5951 151 netscalerAppNameAppId unsigned32
5951 153 netscalerHttpReqRcvFB unsigned64
5951 156 netscalerHttpReqForwFB unsigned64
5951 157 netscalerHttpResRcvFB unsigned64
5951 158 netscalerHttpResForwFB unsigned64
5951 159 netscalerHttpReqRcvLB unsigned64
5951 160 netscalerHttpReqForwLB unsigned64
5951 161 netscalerMainPageId unsigned32
5951 162 netscalerMainPageCoreId unsigned32
5951 169 netscalerHttpResRcvLB unsigned64
5951 170 netscalerHttpResForwLB unsigned64
5951 171 netscalerAppUnitNameAppId unsigned32
5951 182 netscalerClientRTT unsigned32
5951 183 netscalerHttpContentType string
5951 185 netscalerHttpReqAuthorization string
5951 186 netscalerHttpReqVia string
5951 187 netscalerHttpResLocation string
5951 188 netscalerHttpResSetCookie string
5951 189 netscalerHttpResSetCookie2 string
5951 190 netscalerHttpReqXForwardedFor string
5951 192 netscalerConnectionChainID octetArray
5951 193 netscalerConnectionChainHopCount unsigned8
5951 205 netscalerAaaUsername string
5951 267 netscalerHttpDomainName string
5951 268 netscalerCacheRedirClientConnectionCoreID unsigned32
5951 269 netscalerCacheRedirClientConnectionTransactionID unsigned32
35632 109 ntopRetransmittedInPkts unsigned32
35632 110 ntopRetransmittedOutPkts unsigned32
35632 118 ntopL7Proto unsigned16
35632 119 ntopL7ProtoName string
35632 123 ntopClientNwLatencyMs unsigned32
35632 124 ntopServerNwLatencyMs unsigned32
35632 125 ntopApplLatencyMs unsigned32
35632 127 ntopRetransmittedInBytes unsigned32
35632 128 ntopRetransmittedOutBytes unsigned32
35632 180 ntopHttpUrl string
35632 181 ntopHttpRetCode unsigned16
35632 182 ntopHttpReferer string
35632 184 ntopHttpMime string
35632 187 ntopHttpHost string
35632 188 ntopSslServerName string
35632 205 ntopDnsQuery string
35632 206 ntopDnsQueryId unsigned16
35632 207 ntopDnsQueryType unsigned8
35632 208 ntopDnsRetCode unsigned8
35632 209 ntopDnsNumAnswers unsigned8
35632 352 ntopDnsTtlAnswer unsigned32
35632 360 ntopHttpMethod string
35632 361 ntopHttpSite string
35632 398 ntopDnsResponse string
35632 460 ntopHttpXForwardedFor string
35632 461 ntopHttpVia string
6871 14 initialTCPFlags unsigned8
6871 15 unionTCPFlags unsigned8
6871 21 reverseFlowDeltaMilliseconds unsigned32
6871 33 silkAppLabel unsigned16
6876 880 tenantProtocol unsigned8
6876 881 tenantSourceIPv4 ipv4Address
6876 882 tenantDestIPv4 ipv4Address
6876 883 tenantSourceIPv6 ipv6Address
6876 884 tenantDestIPv6 ipv6Address
6876 886 tenantSourcePort unsigned16
6876 887 tenantDestPort unsigned16
6876 888 egressInterfaceAttr unsigned16
6876 889 vxlanExportRole unsigned8
6876 890 ingressInterfaceAttr unsigned16
10704 1 timestamp unsigned32
10704 2 logOp unsigned8
10704 3 trafficType unsigned8
10704 4 fwRule string
10704 5 serviceName string
10704 6 reason unsigned8
10704 7 reasonText string
10704 8 bindIPv4Address ipv4Address
10704 9 bindTransportPort unsigned16
10704 10 connIPv4Address ipv4Address
10704 11 connTransportPort unsigned16
10704 12 auditCounter unsigned32
`;

export const NETFLOW9_VENDOR_TABLE = `
33000 ingressAclId octetArray
33001 egressAclId octetArray
33002 fwExtEvent unsigned16
40000 aaaUsername string
40001 xlateSourceIPv4Address ipv4Address
40002 xlateDestinationIPv4Address ipv4Address
40003 xlateSourcePort unsigned16
40004 xlateDestinationPort unsigned16
40005 fwEvent unsigned8
57590 ntopL7Proto unsigned16
57591 ntopL7ProtoName string
56701 panAppId string
56702 panUserId string
`;
