// Enrichment fields at the Elasticsearch boundary, as the ECS field reference names them
// (source.geo.*, source.as.*, observer.*.interface.*, observer.name, network.direction), and
// the sampling contract: counts already scaled are not scaled again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowRecordToEcs, flowIndexTemplate, type FlowRecord } from '../../nodes/common';

const enriched: FlowRecord = {
  sourceIPv4Address: '192.0.2.10', destinationIPv4Address: '198.51.100.7', protocolIdentifier: 6,
  octetDeltaCount: 1000, packetDeltaCount: 4, samplingInterval: 10, samplingScaled: true,
  ingressInterface: 3, egressInterface: 7, flowDirection: 0,
  sourceCountryIsoCode: 'DE', sourceCountryName: 'Germany', sourceCityName: 'Berlin', sourceLocation: { lat: 52.52, lon: 13.405 },
  sourceAsNumber: 64500, sourceAsOrganization: 'Example AS', sourceNetworkName: 'campus', sourceNetworkRole: 'internal',
  destinationCountryIsoCode: 'US', destinationAsNumber: 15169,
  networkDirection: 'outbound', ingressInterfaceName: 'ge-0/0/3', ingressInterfaceDescription: 'uplink', ingressInterfaceSpeed: 1e9,
  egressInterfaceName: 'ge-0/0/7', exporterName: 'edge-1',
};

test('enrichment fields map onto ECS geo, as, observer and network.direction', () => {
  const doc = flowRecordToEcs(enriched, { exporter: { address: '10.0.0.1' } }, { scaleBySampling: true }) as any;
  assert.deepEqual(doc.source.geo, { country_iso_code: 'DE', country_name: 'Germany', city_name: 'Berlin', location: { lat: 52.52, lon: 13.405 } });
  assert.deepEqual(doc.source.as, { number: 64500, organization: { name: 'Example AS' } });
  assert.deepEqual(doc.destination.geo, { country_iso_code: 'US' });
  assert.deepEqual(doc.destination.as, { number: 15169 });
  assert.equal(doc.network.direction, 'outbound', 'direction relative to our networks wins over the exporter flowDirection');
  assert.deepEqual(doc.observer.ingress, { interface: { id: '3', name: 'ge-0/0/3', alias: 'uplink' } });
  assert.deepEqual(doc.observer.egress, { interface: { id: '7', name: 'ge-0/0/7' } });
  assert.equal(doc.observer.name, 'edge-1');
  assert.equal(doc.source.bytes, 1000, 'samplingScaled counts are not scaled again');
  assert.equal(doc.network.packets, 4);
  // Without an ECS field they stay under netflow.*; mapped ones are not copied there.
  assert.equal(doc.netflow.source_network_name, 'campus');
  assert.equal(doc.netflow.ingress_interface_speed, 1e9);
  assert.equal(doc.netflow.source_country_iso_code, undefined);
  assert.equal(doc.netflow.source_location, undefined);
  const unscaled = flowRecordToEcs({ ...enriched, samplingScaled: undefined }, {}, { scaleBySampling: true }) as any;
  assert.equal(unscaled.source.bytes, 10000);
});

test('the index template maps geo locations as geo_point and AS numbers as numbers', () => {
  const t = flowIndexTemplate({ indexPatterns: ['flows-*'] }) as any;
  const props = t.template.mappings.properties;
  for (const side of ['source', 'destination']) {
    assert.equal(props[side].properties.geo.properties.location.type, 'geo_point');
    assert.equal(props[side].properties.as.properties.number.type, 'long');
    assert.equal(props[side].properties.geo.properties.country_iso_code.type, 'keyword');
  }
  assert.equal(props.observer.properties.ingress.properties.interface.properties.name.type, 'keyword');
  assert.equal(props.network.properties.direction.type, 'keyword');
});
