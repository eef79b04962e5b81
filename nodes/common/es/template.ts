// The composable index template for flow documents (ECS shaped by common/ecs): addresses as `ip`,
// 64-bit counters as `unsigned_long` (or `long` on clusters without that mapper), times as `date`,
// strings as `keyword`, geo locations as `geo_point`.

import { indexWildcard } from './index-name';

/** `flows-%Y.%m.%d` -> `wirescope-flows`: the pattern's fixed text, without dangling separators. */
export function defaultTemplateName(pattern: string): string {
  const stem = indexWildcard(pattern).replace(/[^a-z0-9_-]/gi, '').replace(/^[-_]+|[-_]+$/g, '');
  return `wirescope-${stem || 'flows'}`;
}

export type CounterType = 'unsigned_long' | 'long';

export interface FlowTemplateOptions {
  indexPatterns: string[];
  counterType?: CounterType;
  priority?: number;
  /** Data stream template (the cluster must support data streams). */
  dataStream?: boolean;
  shards?: number;
  replicas?: number;
}

export function flowIndexTemplate(options: FlowTemplateOptions): Record<string, unknown> {
  const counter = { type: options.counterType ?? 'unsigned_long' };
  const ip = { type: 'ip' };
  const date = { type: 'date' };
  const keyword = { type: 'keyword', ignore_above: 1024 };
  const endpoint = {
    properties: {
      ip, port: { type: 'long' }, mac: keyword, bytes: counter, packets: counter,
      geo: { properties: { location: { type: 'geo_point' }, country_iso_code: keyword, country_name: keyword, city_name: keyword } },
      as: { properties: { number: { type: 'long' }, organization: { properties: { name: keyword } } } },
    },
  };
  const iface = { properties: { interface: { properties: { id: keyword, name: keyword, alias: keyword } } } };
  const settings: Record<string, unknown> = {};
  if (options.shards !== undefined) settings.number_of_shards = options.shards;
  if (options.replicas !== undefined) settings.number_of_replicas = options.replicas;
  return {
    index_patterns: options.indexPatterns,
    priority: options.priority ?? 200,
    ...(options.dataStream ? { data_stream: {} } : {}),
    template: {
      ...(Object.keys(settings).length ? { settings } : {}),
      mappings: {
        dynamic_templates: [
          // MACs end in _address too (sourceMacAddress, sFlow samples): text, not ip (first match wins).
          { netflow_macs: { path_match: 'netflow.*_mac_address', match_mapping_type: 'string', mapping: keyword } },
          { netflow_addresses: { path_match: 'netflow.*_address', match_mapping_type: 'string', mapping: ip } },
          { netflow_counters: { path_match: 'netflow.*_count', mapping: counter } },
          { netflow_times: { path_match: 'netflow.flow_*_*seconds', match_mapping_type: 'string', mapping: date } },
          { strings_as_keywords: { match_mapping_type: 'string', mapping: keyword } },
        ],
        properties: {
          '@timestamp': date,
          event: { properties: { start: date, end: date, created: date, duration: { type: 'long' }, kind: keyword, category: keyword, type: keyword, action: keyword } },
          source: endpoint,
          destination: endpoint,
          network: {
            properties: {
              bytes: counter, packets: counter, transport: keyword, iana_number: keyword, type: keyword,
              direction: keyword, community_id: keyword,
            },
          },
          observer: { properties: { ip, name: keyword, ingress: iface, egress: iface } },
          icmp: { properties: { type: { type: 'long' }, code: { type: 'long' } } },
        },
      },
    },
  };
}
