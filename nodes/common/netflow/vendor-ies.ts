// Vendor information elements. IPFIX lines: "<PEN> <id> <name> <type>" (the enterprise bit set in
// the template). NetFlow v9 has no enterprise bit, so vendors took ids above 32767 in the plain
// id space; those live in the second table and are only used for v9 templates.
// Names follow each vendor's own documentation; add more through FlowDecoder `elements`.
export const VENDOR_IE_TABLE = `
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
56701 panAppId string
56702 panUserId string
`;
