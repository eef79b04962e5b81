// flow aggregate rows (one per key and time bin) as Elasticsearch documents: `@timestamp` is the
// bin's start, so a daily index pattern files a bin by its own time; the id hashes every field but
// the counts: the bin, the key and the row's `aggregation` (which flow aggregate, in which settings),
// so a bin sent again overwrites its documents instead of doubling them, and the rows of two
// aggregations into one index (their `others` rows, keys whose values coincide) stay apart.
import { contentHashId } from './document';
import type { CounterType } from './template';

type Row = Record<string, unknown>;

/** Count fields of a row: they change when a bin is re-sent, so they are not part of its id. */
const COUNT_FIELDS = new Set(['packets', 'bytes', 'flows', 'error']);

const iso = (v: unknown): unknown => (typeof v === 'number' && Number.isFinite(v) ? new Date(v).toISOString() : v);

export function aggregateDocument(row: Row): Row {
  return { '@timestamp': iso(row.binStart), ...row, binStart: iso(row.binStart), binEnd: iso(row.binEnd) };
}

export function aggregateId(row: Row): string {
  const key: Row = {};
  for (const [k, v] of Object.entries(row)) if (!COUNT_FIELDS.has(k)) key[k] = v;
  return contentHashId(key);
}

export interface AggregatesTemplateOptions {
  indexPatterns: string[];
  counterType?: CounterType;
  priority?: number;
  dataStream?: boolean;
  replicas?: number;
}

/** Index template for aggregate documents: counts as 64-bit counters, hosts and exporters as ip. */
export function aggregatesIndexTemplate(options: AggregatesTemplateOptions): Record<string, unknown> {
  const counter = { type: options.counterType ?? 'unsigned_long' };
  const date = { type: 'date' };
  const counts = { packets: counter, bytes: counter, flows: counter };
  return {
    index_patterns: options.indexPatterns,
    // Above the flows template (200), whose `flows-*` also matches `flows-agg-*`: Elasticsearch
    // refuses two overlapping templates of equal priority.
    priority: options.priority ?? 201,
    ...(options.dataStream ? { data_stream: {} } : {}),
    template: {
      ...(options.replicas !== undefined ? { settings: { number_of_replicas: options.replicas } } : {}),
      mappings: {
        dynamic_templates: [
          { hosts: { match: '*_host', match_mapping_type: 'string', mapping: { type: 'ip' } } },
          { exporters: { match: 'peer_src_ip', match_mapping_type: 'string', mapping: { type: 'ip' } } },
          { strings_as_keywords: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
        ],
        properties: {
          '@timestamp': date, binStart: date, binEnd: date, others: { type: 'boolean' },
          ...counts, error: { properties: counts },
        },
      },
    },
  };
}
