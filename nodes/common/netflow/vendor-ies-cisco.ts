// Cisco (PEN 9) IPFIX elements and the NetFlow v9 ids Cisco took above 32767 (ASA/NSEL, zone-based
// firewall). Lines: "<id> <name> <abstract type>".
// Sources: Cisco AVC Metric Definition Guide (ART metrics, application names) as tabulated by
// libfds (CESNET, config/system/elements/cisco.xml); Wireshark's v10_template_types_cisco (ids and
// meaning, and the names tshark 4.0 shows on the corpus captures, kept for the ids we had); Elastic
// filebeat netflow fields/cisco.csv (ids 8232, 9265/9266, 9360/9361, 12243, 32733 and the v9 ASA/ZBFW
// ids with their types); Cisco's "NetFlow Security Event Logging (NSEL)" implementation note for
// 33000-33002 and 40000-40005. Names that would equal an IANA name carry a `cisco` prefix.

/** PEN 9 elements (IPFIX, enterprise bit set). */
export const CISCO_IES = `
4251 transportPacketsLostCounter unsigned32
4254 transportRtpSsrc unsigned32
4257 transportRtpJitterMaximum unsigned32
4273 transportRtpPayloadType unsigned8
4315 tcpWindowSizeMin unsigned32
4316 tcpWindowSizeMax unsigned32
4318 tcpMaximumSegmentSize unsigned16
4324 tcpWindowSizeSum unsigned64
4325 transportRtpJitterMeanSum unsigned64
8232 policyQosClassificationHierarchy octetArray
8337 serverBytesNetwork unsigned64
8338 clientBytesNetwork unsigned64
9252 servicesWaasSegment unsigned8
9253 servicesWaasPassthroughReason unsigned8
9265 artClientPackets unsigned64
9266 artServerPackets unsigned64
9267 clientRetransBytes unsigned32
9268 connectionClientCounterPacketsRetransmitted unsigned32
9269 serverRetransBytes unsigned32
9270 serverRetransPackets unsigned32
9272 connectionTransactionCounterComplete unsigned32
9273 connectionTransactionDurationSum unsigned32
9274 maxTransactionTime unsigned32
9275 minTransactionTime unsigned32
9282 artCountNewConnections unsigned32
9292 connectionServerCounterResponses unsigned32
9293 numResps1CountDelta unsigned32
9294 numResps2CountDelta unsigned32
9295 numResps3CountDelta unsigned32
9296 numResps4CountDelta unsigned32
9297 numResps5CountDelta unsigned32
9298 numResps6CountDelta unsigned32
9299 numResps7CountDelta unsigned32
9300 connectionDelayResponseToServerHistogramLate unsigned32
9303 connectionDelayResponseToServerSum unsigned32
9304 maxRespTime unsigned32
9305 minRespTime unsigned32
9306 connectionDelayApplicationSum unsigned32
9307 connectionDelayApplicationMax unsigned32
9308 minServerRespTime unsigned32
9309 connectionDelayResponseClientToServerSum unsigned32
9310 maxTotalRespTime unsigned32
9311 minTotalRespTime unsigned32
9313 connectionDelayNetworkClientToServerSum unsigned32
9314 maxNwkTime unsigned32
9315 minNwkTime unsigned32
9316 connectionDelayNetworkToClientSum unsigned32
9317 maxClientNwkTime unsigned32
9318 minClientNwkTime unsigned32
9319 connectionDelayNetworkToServerSum unsigned32
9320 maxServerNwkTime unsigned32
9321 minServerNwkTime unsigned32
9357 applicationHttpUriStatistics octetArray
9360 policyQosQueueIndex unsigned32
9361 policyQosQueueDrops unsigned64
12232 ciscoApplicationCategoryName string
12233 ciscoApplicationSubCategoryName string
12234 ciscoApplicationGroupName string
12235 applicationHttpHost string
12236 connectionClientIPv4Address ipv4Address
12237 connectionServerIPv4Address ipv4Address
12238 connectionClientIPv6Address ipv6Address
12239 connectionServerIPv6Address ipv6Address
12240 connectionClientTransportPort unsigned16
12241 connectionServerTransportPort unsigned16
12242 connectionId unsigned32
12243 applicationTrafficClass unsigned32
12244 applicationBusinessRelevance unsigned32
32733 timestampAbsoluteMonitoringInterval unsigned64
`;

/**
 * NetFlow v9 ids above 32767 (no enterprise bit in v9): ASA NSEL (33000-33002, 40000-40005) and
 * IOS zone-based firewall event logging (33003-35012).
 */
export const CISCO_NETFLOW9_IES = `
33000 ingressAclId octetArray
33001 egressAclId octetArray
33002 fwExtEvent unsigned16
33003 fwEventLevel unsigned32
33004 fwEventLevelId unsigned32
33005 fwConfiguredValue unsigned32
34000 fwCtsSrcSgt unsigned32
35001 fwExtEventAlt unsigned32
35004 fwBlackoutSecs unsigned32
35005 fwHalfOpenHigh unsigned32
35006 fwHalfOpenRate unsigned32
35007 fwZonePairId unsigned32
35008 fwMaxSessions unsigned32
35009 fwZonePairName unsigned32
35010 fwExtEventDesc string
35011 fwSummaryPktCount unsigned32
35012 fwHalfOpenCount unsigned32
40000 aaaUsername string
40001 xlateSourceIPv4Address ipv4Address
40002 xlateDestinationIPv4Address ipv4Address
40003 xlateSourcePort unsigned16
40004 xlateDestinationPort unsigned16
40005 fwEvent unsigned8
`;
