// Ixia / Keysight IxFlow (PEN 3054). Lines: "<id> <name> <abstract type>".
// Sources: Wireshark's v10_template_types_ixia (ids and meaning; the names of the ids tshark 4.0 shows
// on the corpus captures) and the Logstash netflow codec's ipfix.yaml / Elastic filebeat assorted.csv
// (the same ids 110-194 with their types; 194 is IPv6 as its name says, filebeat's ipv4Address is a
// slip). Ids 195-288 (HTTP/DNS/DHCP/RADIUS/e-mail/TLS record lists) are structured lists whose
// layout no public table gives: they stay pen3054_ie<N>.

export const IXIA_IES = `
110 ixiaL7ApplicationId unsigned32
111 ixiaL7ApplicationName string
120 ixiaSourceIpCountryCode string
121 ixiaSourceIpCountryName string
122 ixiaSourceIpRegionCode string
123 ixiaSourceIpRegionName string
125 ixiaSourceIpCityName string
126 ixiaSourceIpLatitude float32
127 ixiaSourceIpLongitude float32
140 ixiaDestinationIpCountryCode string
141 ixiaDestinationIpCountryName string
142 ixiaDestinationIpRegionCode string
143 ixiaDestinationIpRegionName string
145 ixiaDestinationIpCityName string
146 ixiaDestinationIpLatitude float32
147 ixiaDestinationIpLongitude float32
160 ixiaOsDeviceId unsigned8
161 ixiaOsDeviceName string
162 ixiaBrowserId unsigned8
163 ixiaBrowserName string
176 ixiaReverseOctetDeltaCount unsigned64
177 ixiaReversePacketDeltaCount unsigned64
178 ixiaEncryptionType string
179 ixiaEncryptionCipher string
180 ixiaEncryptionKeyLength unsigned16
181 ixiaImsiSubscriber string
182 ixiaHttpUserAgent string
183 ixiaHostName string
184 ixiaHttpUri string
185 ixiaDnsRecordTxt string
186 ixiaSourceAsName string
187 ixiaDestinationAsName string
188 ixiaTransactionLatencyUs unsigned32
189 ixiaDnsQueryNames string
190 ixiaDnsAnswerNames string
191 ixiaDnsClasses string
192 ixiaThreatType string
193 ixiaThreatIpv4 ipv4Address
194 ixiaThreatIpv6 ipv6Address
`;
