// The shape every enrichment step shares: it fills fields of one record in place, synchronously
// (lookups that need the network — SNMP, reverse DNS — answer from a cache and refresh behind it),
// and reports counts for the status and the stats message.
import type { FlowRecord } from '../flow/types';

export interface EnrichContext {
  /** The device that exported the record, when the record does not carry `exporter` itself. */
  exporter?: { address: string; port?: number };
}

export interface EnrichStep {
  readonly name: string;
  apply(record: FlowRecord, context: EnrichContext): void;
  counters(): Record<string, unknown>;
  /** Releases timers, sockets and watchers. */
  close?(): void;
}

/** The exporter of a record: its own `exporter` (batched records) or the message's. */
export function exporterAddress(record: FlowRecord, context: EnrichContext): string | undefined {
  const own = record.exporter as { address?: unknown } | undefined;
  if (own && typeof own.address === 'string') return own.address;
  return context.exporter?.address;
}

/** The record's source and destination addresses (IPv4 or IPv6 IE). */
export function sourceAddress(record: FlowRecord): string | undefined {
  const v = record.sourceIPv4Address ?? record.sourceIPv6Address;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function destinationAddress(record: FlowRecord): string | undefined {
  const v = record.destinationIPv4Address ?? record.destinationIPv6Address;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function numberValue(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}
