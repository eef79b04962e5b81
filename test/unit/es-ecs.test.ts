// ECS shaping of flow records. Records are built from the IANA IPFIX IE definitions
// (names, units) and expected values from the ECS field reference and the Community ID spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { communityId, flowRecordToEcs, snakeCase } from '../../nodes/common/ecs';

test('Community ID v1 matches the spec test vectors', () => {
  // Vectors from the Community ID spec baseline (also used by Elasticsearch's community_id processor tests).
  assert.equal(communityId({ sourceIp: '128.232.110.120', destinationIp: '66.35.250.204', protocol: 6, sourcePort: 34855, destinationPort: 80 }), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  // Either direction of a connection hashes alike.
  assert.equal(communityId({ sourceIp: '66.35.250.204', destinationIp: '128.232.110.120', protocol: 6, sourcePort: 80, destinationPort: 34855 }), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(communityId({ sourceIp: '8.8.8.8', destinationIp: '192.168.1.52', protocol: 17, sourcePort: 53, destinationPort: 54585 }), '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
  assert.equal(communityId({ sourceIp: '192.168.170.8', destinationIp: '192.168.170.56', protocol: 132, sourcePort: 7, destinationPort: 7 }), '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=');
  assert.equal(communityId({ sourceIp: '192.168.0.89', destinationIp: '192.168.0.1', protocol: 1, sourcePort: 8, destinationPort: 0 }), '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=');
  assert.equal(communityId({ sourceIp: 'fe80::260:97ff:fe07:69ea', destinationIp: 'ff02::1', protocol: 58, sourcePort: 134, destinationPort: 0 }), '1:pkvHqCL88/tg1k4cPigmZXUtL00=');
  assert.equal(communityId({ sourceIp: 'not-an-ip', destinationIp: '1.2.3.4', protocol: 6 }), undefined);
});

test('IANA IE names become snake_case netflow.* keys like Filebeat', () => {
  assert.equal(snakeCase('sourceIPv4Address'), 'source_ipv4_address');
  assert.equal(snakeCase('postNATSourceIPv4Address'), 'post_nat_source_ipv4_address');
  assert.equal(snakeCase('octetDeltaCount'), 'octet_delta_count');
  assert.equal(snakeCase('flowStartMilliseconds'), 'flow_start_milliseconds');
  assert.equal(snakeCase('bgpNextHopIPv6Address'), 'bgp_next_hop_ipv6_address');
});

test('an IPv4 TCP flow record maps onto source/destination/network/event/observer', () => {
  const record = {
    sourceIPv4Address: '192.0.2.10', destinationIPv4Address: '198.51.100.7',
    sourceTransportPort: 51514, destinationTransportPort: 443, protocolIdentifier: 6,
    octetDeltaCount: 18446744073709551615n, packetDeltaCount: 12,
    // Epoch numbers, as the decoder writes dateTimeMilliseconds / dateTimeSeconds.
    flowStartMilliseconds: Date.parse('2024-05-01T10:00:00.000Z'), flowEndMilliseconds: Date.parse('2024-05-01T10:00:02.500Z'),
    flowEndSeconds: Date.parse('2024-05-01T10:00:02Z') / 1000, flowDurationMilliseconds: 2500,
    reverseFlowStartMilliseconds: Date.parse('2024-05-01T10:00:00.100Z'), ingressInterface: 3, egressInterface: 7, flowDirection: 1, sourceMacAddress: '00:1b:21:aa:bb:cc',
  };
  const doc = flowRecordToEcs(record, { exporter: { address: '10.0.0.1', port: 2055 }, receivedAt: new Date('2024-05-01T10:00:03Z'), observationDomainId: 256, protocol: 'ipfix' }) as any;
  assert.equal(doc['@timestamp'], '2024-05-01T10:00:02.500Z');
  assert.equal(doc.event.start, '2024-05-01T10:00:00.000Z');
  assert.equal(doc.event.end, '2024-05-01T10:00:02.500Z');
  assert.equal(doc.event.duration, 2_500_000_000); // ECS: nanoseconds
  assert.deepEqual(doc.event.category, ['network']);
  assert.equal(doc.source.ip, '192.0.2.10');
  assert.equal(doc.source.port, 51514);
  assert.equal(doc.source.mac, '00-1B-21-AA-BB-CC');
  assert.equal(doc.destination.ip, '198.51.100.7');
  assert.equal(doc.destination.port, 443);
  assert.equal(doc.network.transport, 'tcp');
  assert.equal(doc.network.iana_number, '6');
  assert.equal(doc.network.type, 'ipv4');
  assert.equal(doc.network.bytes, 18446744073709551615n);
  assert.equal(doc.network.packets, 12);
  assert.equal(doc.network.direction, 'egress');
  assert.equal(doc.observer.ip, '10.0.0.1');
  assert.equal(doc.observer.ingress.interface.id, '3');
  assert.equal(doc.observer.egress.interface.id, '7');
  assert.equal(doc.netflow.exporter.address, '10.0.0.1:2055');
  assert.equal(doc.netflow.exporter.source_id, 256);
  assert.equal(doc.netflow.destination_transport_port, 443);
  // Time elements become ISO text for the date mapping; a duration in ms stays a number.
  assert.equal(doc.netflow.flow_start_milliseconds, '2024-05-01T10:00:00.000Z');
  assert.equal(doc.netflow.flow_end_seconds, '2024-05-01T10:00:02.000Z');
  assert.equal(doc.netflow.reverse_flow_start_milliseconds, '2024-05-01T10:00:00.100Z');
  assert.equal(doc.netflow.flow_duration_milliseconds, 2500);
  // Sub-millisecond digits of an epoch number survive (ES date fields parse up to 9 digits).
  const fine = flowRecordToEcs({ flowStartMilliseconds: Date.parse('2024-05-01T10:00:00.000Z') + 0.25 }) as any;
  assert.equal(fine.netflow.flow_start_milliseconds, '2024-05-01T10:00:00.000250Z');
  assert.match(doc.network.community_id, /^1:[A-Za-z0-9+/]{27}=$/);
});

test('IPv6, epoch-millisecond times, sampling scale and ICMP type/code', () => {
  const doc = flowRecordToEcs({
    sourceIPv6Address: '2001:db8::1', destinationIPv6Address: '2001:db8::2', protocolIdentifier: 58,
    icmpTypeCodeIPv6: (128 << 8) | 0, octetDeltaCount: 100, packetDeltaCount: 1, samplingInterval: 512,
    flowStartMilliseconds: Date.UTC(2024, 0, 1), flowEndMilliseconds: Date.UTC(2024, 0, 1, 0, 0, 1),
  }, {}, { scaleBySampling: true }) as any;
  assert.equal(doc.network.type, 'ipv6');
  assert.equal(doc.network.transport, 'ipv6-icmp');
  assert.deepEqual(doc.icmp, { type: 128, code: 0 });
  assert.equal(doc.source.port, undefined);
  assert.equal(doc.network.bytes, 51200);
  assert.equal(doc.network.packets, 512);
  assert.equal(doc['@timestamp'], '2024-01-01T00:00:01.000Z');
  assert.equal(doc.event.duration, 1e9);
});

test('a record without any time falls back to the receive time', () => {
  const doc = flowRecordToEcs({ sourceIPv4Address: '10.1.1.1' }, { receivedAt: new Date('2024-02-29T12:00:00Z') }) as any;
  assert.equal(doc['@timestamp'], '2024-02-29T12:00:00.000Z');
  assert.equal(doc.event.start, undefined);
});

test('a record carrying its own exporter (batched output) gets observer.ip from it', () => {
  const doc = flowRecordToEcs({ sourceIPv4Address: '10.0.0.1', exporter: { address: '192.0.2.254', port: 9995 } }) as any;
  assert.equal(doc.observer.ip, '192.0.2.254');
  assert.equal(doc.netflow.exporter.address, '192.0.2.254:9995');
});
