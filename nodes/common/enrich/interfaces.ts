// Interface names, descriptions and speeds for ingressInterface/egressInterface, from a table
// per exporter that a source fills (SNMP IF-MIB in the node; anything returning the table from the
// library). Tables are cached and refreshed on a schedule driven by the exporter's own records;
// polls run behind the flow, so a record never waits: one whose exporter has no table yet, or
// whose agent does not answer, passes without names and is counted.
import type { FlowRecord } from '../flow/types';
import { LruCache } from './lru';
import { exporterAddress, numberValue, type EnrichContext, type EnrichStep } from './types';

export interface InterfaceInfo {
  name?: string;
  description?: string;
  /** bits/s */
  speed?: number;
}

export type InterfaceTable = Map<number, InterfaceInfo>;

/** Fetches one exporter's interface table (rejects when the exporter does not answer). */
export type InterfaceSource = (exporter: string) => Promise<InterfaceTable>;

export interface InterfacesOptions {
  source: InterfaceSource;
  /** Refresh a table this long after it was fetched (ms). */
  refreshMs?: number;
  /** After a failed poll, wait this long before asking the exporter again (ms). */
  retryMs?: number;
  /** Exporters whose tables are kept (least recently used dropped first). */
  maxExporters?: number;
  /** Polls running at once. */
  maxConcurrentPolls?: number;
}

interface ExporterEntry {
  table?: InterfaceTable;
  /** When the next poll is due (epoch ms). */
  due: number;
  polling: boolean;
}

export class InterfacesStep implements EnrichStep {
  readonly name = 'interfaces';
  private readonly exporters: LruCache<string, ExporterEntry>;
  private readonly refreshMs: number;
  private readonly retryMs: number;
  private readonly maxPolls: number;
  private polling = 0;
  private closed = false;
  private readonly n = { polls: 0, pollFailures: 0, pollsDeferred: 0, named: 0, noTable: 0, unknownIfIndex: 0 };
  lastError?: { exporter: string; message: string };

  constructor(private readonly options: InterfacesOptions) {
    this.refreshMs = options.refreshMs ?? 300_000;
    this.retryMs = options.retryMs ?? 60_000;
    this.maxPolls = Math.max(1, options.maxConcurrentPolls ?? 4);
    this.exporters = new LruCache(options.maxExporters ?? 1000);
  }

  apply(record: FlowRecord, context: EnrichContext): void {
    const ingress = numberValue(record.ingressInterface);
    const egress = numberValue(record.egressInterface);
    if (ingress === undefined && egress === undefined) return;
    const exporter = exporterAddress(record, context);
    if (exporter === undefined) return;
    const table = this.tableOf(exporter);
    if (!table) {
      this.n.noTable++;
      return;
    }
    if (ingress !== undefined) this.fill(record, 'ingress', table.get(ingress));
    if (egress !== undefined) this.fill(record, 'egress', table.get(egress));
  }

  /** The table known now for an exporter; starts a poll when one is due. */
  tableOf(exporter: string): InterfaceTable | undefined {
    let entry = this.exporters.get(exporter);
    if (!entry) {
      entry = { due: 0, polling: false };
      this.exporters.set(exporter, entry);
    }
    if (!entry.polling && entry.due <= Date.now()) this.poll(exporter, entry);
    return entry.table;
  }

  private fill(record: FlowRecord, side: 'ingress' | 'egress', info: InterfaceInfo | undefined): void {
    if (!info) {
      this.n.unknownIfIndex++;
      return;
    }
    this.n.named++;
    // Names the exporter itself sent (options data) win over SNMP.
    if (info.name !== undefined && record[`${side}InterfaceName`] === undefined) record[`${side}InterfaceName`] = info.name;
    if (info.description !== undefined && record[`${side}InterfaceDescription`] === undefined) record[`${side}InterfaceDescription`] = info.description;
    if (info.speed !== undefined) record[`${side}InterfaceSpeed`] = info.speed;
  }

  private poll(exporter: string, entry: ExporterEntry): void {
    if (this.closed) return;
    if (this.polling >= this.maxPolls) {
      this.n.pollsDeferred++;
      return;
    }
    this.polling++;
    entry.polling = true;
    this.n.polls++;
    this.options.source(exporter).then((table) => {
      entry.table = table;
      entry.due = Date.now() + this.refreshMs;
    }, (err: Error) => {
      // The last good table (if any) stays in use until the agent answers again.
      this.n.pollFailures++;
      this.lastError = { exporter, message: err?.message ?? String(err) };
      entry.due = Date.now() + this.retryMs;
    }).finally(() => {
      entry.polling = false;
      this.polling--;
    });
  }

  counters(): Record<string, unknown> {
    return { ...this.n, exporters: this.exporters.counters().size, pollsRunning: this.polling, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  close(): void {
    this.closed = true;
  }
}

/** IF-MIB columns (RFC 2863) the SNMP source walks. */
export const IF_MIB = {
  ifDescr: '1.3.6.1.2.1.2.2.1.2',
  ifSpeed: '1.3.6.1.2.1.2.2.1.5',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifHighSpeed: '1.3.6.1.2.1.31.1.1.1.15',
  ifAlias: '1.3.6.1.2.1.31.1.1.1.18',
} as const;

/**
 * Builds the table from walked IF-MIB varbinds: name from ifName (ifDescr when the agent has no
 * ifXTable), description from ifAlias, speed from ifHighSpeed (Mbit/s; ifSpeed in bit/s below
 * its 4.29 Gbit/s ceiling when ifHighSpeed is absent or 0).
 */
export function interfaceTableFromIfMib(varbinds: Array<{ oid: string; value: unknown }>): InterfaceTable {
  const table: InterfaceTable = new Map();
  const descr = new Map<number, string>();
  const lowSpeed = new Map<number, number>();
  for (const { oid, value } of varbinds) {
    const dot = oid.lastIndexOf('.');
    const column = oid.slice(0, dot);
    const ifIndex = Number(oid.slice(dot + 1));
    if (!Number.isInteger(ifIndex)) continue;
    const info = table.get(ifIndex) ?? {};
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : undefined;
    const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
    if (column === IF_MIB.ifName && text) info.name = text;
    else if (column === IF_MIB.ifAlias && text) info.description = text;
    else if (column === IF_MIB.ifHighSpeed && n) info.speed = n * 1_000_000;
    else if (column === IF_MIB.ifDescr && text) descr.set(ifIndex, text);
    else if (column === IF_MIB.ifSpeed && n !== undefined) lowSpeed.set(ifIndex, n);
    else continue;
    table.set(ifIndex, info);
  }
  for (const [ifIndex, text] of descr) {
    const info = table.get(ifIndex) ?? {};
    info.name ??= text;
    table.set(ifIndex, info);
  }
  for (const [ifIndex, speed] of lowSpeed) {
    const info = table.get(ifIndex) ?? {};
    if (info.speed === undefined && speed > 0 && speed < 0xffffffff) info.speed = speed;
    table.set(ifIndex, info);
  }
  return table;
}
