// Time-binned aggregation of flow records by primitives (pmacct's memory/print plugins): bins of
// `interval` aligned to multiples of it, placed by the record's own flow time, closed by the
// records' own clock (newest flow time seen minus `lateness`), by flush(), or by the caller's idle
// timer. Each closed bin becomes top-N rows plus one `others` row whose counts make the rows add
// up to the bin's totals. Records for a bin already closed are late: counted, never added.
// Aggregation never scales by sampling (DESIGN.md): counts are summed as the records carry them.
import { addCount, countOf, subtractCount, type Count } from './counts';
import { KeyTable, type Counts, type Metric } from './key-table';
import { compileKeyReader, compileRowKeyReader, hashSeed, type KeyReader } from './key-reader';
import type { Primitive, PrimitiveValue, RecordContext } from './primitives';
import { flowEnd, flowStart, recordTime, type TimeField } from './record-time';
import type { FlowRecord } from '../flow/types';

export interface AggregatorOptions {
  primitives: Primitive[];
  intervalMs: number;
  /** How far behind the newest flow time a record may be and still count in its bin. */
  latenessMs?: number;
  /** Which flow time places a record: 'end' (default) or 'start'. */
  timeField?: TimeField;
  /** Spread a flow that spans bins over them in proportion to time (counts stay exact integers). */
  split?: boolean;
  /** Keys kept per bin; beyond it Space-Saving keeps the heaviest. */
  maxKeys?: number;
  orderBy?: Metric;
  /** Rows per bin before `others`; 0 = all. */
  topN?: number;
  /** Records for which this returns false are not aggregated (pmacct aggregate_filter). */
  filter?: (record: FlowRecord) => boolean;
  /**
   * Which aggregation made the rows, set on each row as `aggregation`: the rows of two aggregations
   * (their `others` rows, or keys whose values coincide) then differ, in an index they share too.
   */
  aggregation?: string;
}

export interface AggregateContext extends RecordContext {
  /** When the datagram arrived (epoch ms): the time of a record that carries none. */
  receivedAt?: number;
}

export type AggregateRow = Record<string, unknown> & Counts & { binStart: number; binEnd: number };

/** An aggregator's output row fed back in (re-aggregation into coarser bins). */
function isAggregateRow(r: FlowRecord | AggregateRow): r is AggregateRow {
  return typeof (r as AggregateRow).binStart === 'number' && (r as AggregateRow).bytes !== undefined;
}

export interface BinTotals extends Counts {
  records: number;
  keys: number;
}

export interface Approximation {
  metric: Metric;
  maxKeys: number;
  /** Keys replaced in this bin. */
  evictions: number;
  /** Largest overcount of `metric` in any row (the row's `error`). */
  maxError: Count;
  /** The guarantee: every row's overcount <= bound = total / maxKeys, and any key above it is listed. */
  bound: Count;
}

export interface BinResult {
  binStart: number;
  binEnd: number;
  rows: AggregateRow[];
  totals: BinTotals;
  approximate?: Approximation;
}

export interface AggregatorCounters {
  records: number;
  filtered: number;
  /** Records whose bin was already closed, and their counts. */
  late: number;
  latePackets: Count;
  lateBytes: Count;
  /** Records without a flow time, placed by arrival time. */
  arrivalTime: number;
  binsClosed: number;
  evictions: number;
}

interface Bin {
  start: number;
  end: number;
  table: KeyTable;
  totals: BinTotals;
}

const NO_CONTEXT: AggregateContext = Object.freeze({});
const MAX = Number.MAX_SAFE_INTEGER;

export class Aggregator {
  readonly counters: AggregatorCounters = {
    records: 0, filtered: 0, late: 0, latePackets: 0, lateBytes: 0, arrivalTime: 0, binsClosed: 0, evictions: 0,
  };
  private readonly bins = new Map<number, Bin>();
  private last: Bin | undefined;
  /** Newest flow time seen: the records' own clock. */
  private watermark = -Infinity;
  /** Bins ending at or before this are closed; a record for them is late. */
  private closedUpTo = -Infinity;
  /** The earliest watermark at which an open bin becomes due. */
  private nextDue = Infinity;
  private readonly readKey: KeyReader;
  private readonly readRowKey: KeyReader;
  /** The values of the record being added (copied only for a new key). */
  private readonly scratch: PrimitiveValue[];
  private readonly interval: number;
  private readonly lateness: number;
  private readonly timeField: TimeField;
  private readonly maxKeys: number;
  private readonly orderBy: Metric;
  private readonly topN: number;
  private readonly filter: ((record: FlowRecord) => boolean) | undefined;

  constructor(private readonly options: AggregatorOptions, private readonly onBin: (bin: BinResult) => void) {
    if (!(options.intervalMs > 0)) throw new RangeError('interval must be positive');
    this.interval = options.intervalMs;
    this.lateness = Math.max(0, options.latenessMs ?? 0);
    this.timeField = options.timeField ?? 'end';
    this.maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.orderBy = options.orderBy ?? 'bytes';
    this.topN = Math.max(0, options.topN ?? 0);
    // One seed for both: records and rows of the same key land on the same entry.
    const seed = hashSeed();
    this.readKey = compileKeyReader(options.primitives, seed);
    this.readRowKey = compileRowKeyReader(options.primitives, seed);
    this.scratch = new Array(options.primitives.length);
    this.filter = options.filter;
  }

  /** Keys in the newest open bin. */
  get openKeys(): number {
    let newest: Bin | undefined;
    for (const b of this.bins.values()) if (!newest || b.start > newest.start) newest = b;
    return newest ? newest.table.size : 0;
  }

  get openBins(): number {
    return this.bins.size;
  }

  /** A flow record, or a row of another aggregator's output (re-aggregation into coarser bins). */
  add(record: FlowRecord, context?: AggregateContext): void;
  add(row: AggregateRow, context?: AggregateContext): void;
  add(input: FlowRecord | AggregateRow, context: AggregateContext = NO_CONTEXT): void {
    const row = isAggregateRow(input) ? input : undefined;
    // The key readers take either: a row is read by its primitives' names.
    const record = input as FlowRecord;
    const isRow = row !== undefined;
    if (!isRow && this.filter !== undefined && !this.filter(record)) {
      this.counters.filtered++;
      return;
    }
    this.counters.records++;
    let packets: Count, bytes: Count, flows: Count, time: number | undefined;
    if (row) {
      packets = countOf(row.packets);
      bytes = countOf(row.bytes);
      flows = countOf(row.flows);
      time = row.binStart;
    } else {
      const p = record.packetDeltaCount, o = record.octetDeltaCount, f = record.deltaFlowCount;
      packets = typeof p === 'number' ? p : countOf(p ?? record.packetTotalCount);
      bytes = typeof o === 'number' ? o : countOf(o ?? record.octetTotalCount);
      flows = f === undefined ? 1 : countOf(f);
      time = recordTime(record, this.timeField);
      if (time === undefined) {
        this.counters.arrivalTime++;
        time = context.receivedAt ?? Date.now();
      }
    }

    // The key: every primitive's value in scratch, and their hash. An `others` row has none.
    const others = row?.others === true;
    const hash = others ? 0 : (isRow ? this.readRowKey : this.readKey)(record, context, this.scratch);

    if (!isRow && this.options.split) {
      const start = flowStart(record), end = flowEnd(record);
      if (start !== undefined && end !== undefined && end > start && this.binStartOf(start) !== this.binStartOf(end)) {
        this.addSplit(hash, start, end, time, packets, bytes, flows);
        this.advance(time);
        return;
      }
    }
    this.addTo(time, hash, others, packets, bytes, flows);
    this.advance(time);
  }

  /** Closes every open bin now (oldest first). */
  flush(): void {
    const open = [...this.bins.values()].sort((a, b) => a.start - b.start);
    for (const bin of open) this.close(bin);
  }

  /** The newest open bin's current rows, without closing it (pmacct -s). */
  query(): BinResult | undefined {
    let newest: Bin | undefined;
    for (const b of this.bins.values()) if (!newest || b.start > newest.start) newest = b;
    return newest ? this.result(newest) : undefined;
  }

  private binStartOf(t: number): number {
    return Math.floor(t / this.interval) * this.interval;
  }

  private addTo(time: number, hash: number, others: boolean, packets: Count, bytes: Count, flows: Count): void {
    let bin = this.last;
    if (bin === undefined || time < bin.start || time >= bin.end) {
      const start = this.binStartOf(time);
      if (start + this.interval <= this.closedUpTo) {
        this.counters.late++;
        this.counters.latePackets = addCount(this.counters.latePackets, packets);
        this.counters.lateBytes = addCount(this.counters.lateBytes, bytes);
        return;
      }
      bin = this.bins.get(start) ?? this.open(start);
      this.last = bin;
    }
    const t = bin.totals;
    t.records++;
    const tp = t.packets, tb = t.bytes, tf = t.flows;
    // Plain number sums while they stay exact; bigint only past 2^53.
    t.packets = typeof tp === 'number' && typeof packets === 'number' && tp + packets <= MAX ? tp + packets : addCount(tp, packets);
    t.bytes = typeof tb === 'number' && typeof bytes === 'number' && tb + bytes <= MAX ? tb + bytes : addCount(tb, bytes);
    t.flows = typeof tf === 'number' && typeof flows === 'number' && tf + flows <= MAX ? tf + flows : addCount(tf, flows);
    // An `others` row from upstream has no key: it stays in this bin's `others` via the totals.
    if (!others) bin.table.add(hash, this.scratch, packets, bytes, flows);
  }

  /** Counts apportioned by overlap, exact: each bin gets floor(total * elapsed / duration) increments. */
  private addSplit(hash: number, start: number, end: number, time: number, packets: Count, bytes: Count, flows: Count): void {
    const duration = BigInt(end - start);
    const p = BigInt(packets), b = BigInt(bytes);
    let givenP = 0n, givenB = 0n;
    for (let s = this.binStartOf(start); s <= end; s += this.interval) {
      const upTo = BigInt(Math.min(end, s + this.interval) - start);
      const partP = (p * upTo) / duration - givenP;
      const partB = (b * upTo) / duration - givenB;
      givenP += partP;
      givenB += partB;
      // The flow itself is counted once, in the bin its chosen time falls in.
      const f = time >= s && time < s + this.interval ? flows : 0;
      this.addTo(Math.max(s, start), hash, false, countOf(partP), countOf(partB), f);
    }
  }

  private open(start: number): Bin {
    const bin: Bin = {
      start, end: start + this.interval, table: new KeyTable(this.maxKeys, this.orderBy),
      totals: { records: 0, keys: 0, packets: 0, bytes: 0, flows: 0 },
    };
    this.bins.set(start, bin);
    this.nextDue = Math.min(this.nextDue, bin.end + this.lateness);
    return bin;
  }

  private advance(time: number): void {
    if (time <= this.watermark) return;
    this.watermark = time;
    if (time < this.nextDue) return;
    const due = [...this.bins.values()].filter((b) => b.end + this.lateness <= time).sort((a, b) => a.start - b.start);
    for (const bin of due) this.close(bin);
  }

  private close(bin: Bin): void {
    this.bins.delete(bin.start);
    if (this.last === bin) this.last = undefined;
    this.closedUpTo = Math.max(this.closedUpTo, bin.end);
    this.nextDue = Infinity;
    for (const b of this.bins.values()) this.nextDue = Math.min(this.nextDue, b.end + this.lateness);
    this.counters.binsClosed++;
    this.counters.evictions += bin.table.evictions;
    this.onBin(this.result(bin));
  }

  private result(bin: Bin): BinResult {
    const top = bin.table.top(this.topN);
    const names = this.options.primitives.map((p) => p.name);
    const aggregation = this.options.aggregation;
    let packets: Count = 0, bytes: Count = 0, flows: Count = 0;
    const rows: AggregateRow[] = top.map((e) => {
      packets = addCount(packets, e.packets);
      bytes = addCount(bytes, e.bytes);
      flows = addCount(flows, e.flows);
      const row: Record<string, unknown> = aggregation !== undefined ? { aggregation } : {};
      for (let i = 0; i < names.length; i++) if (e.values[i] !== undefined) row[names[i]] = e.values[i];
      Object.assign(row, { packets: e.packets, bytes: e.bytes, flows: e.flows, binStart: bin.start, binEnd: bin.end });
      if (e.error) row.error = { ...e.error };
      return row as AggregateRow;
    });
    const t = bin.totals;
    rows.push({
      ...(aggregation !== undefined ? { aggregation } : {}), others: true, packets: subtractCount(t.packets, packets), bytes: subtractCount(t.bytes, bytes), flows: subtractCount(t.flows, flows),
      binStart: bin.start, binEnd: bin.end,
    });
    const out: BinResult = { binStart: bin.start, binEnd: bin.end, rows, totals: { ...t, keys: bin.table.size } };
    if (bin.table.evictions > 0) {
      const total = t[this.orderBy];
      out.approximate = {
        metric: this.orderBy, maxKeys: this.maxKeys, evictions: bin.table.evictions, maxError: bin.table.maxError(),
        bound: countOf(BigInt(total) / BigInt(this.maxKeys)),
      };
    }
    return out;
  }
}
