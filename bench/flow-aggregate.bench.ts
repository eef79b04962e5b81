// flow aggregate's library: records/s with 5 primitives beside a plain JavaScript Map aggregation of
// the same records in the same process (the practical limit), memory with 1M distinct keys, and a
// hostile run: 10M distinct keys with known heavy hitters through maxKeys 100,000 (peak RSS, the
// heavy hitters' order and overcount against the Space-Saving bound).
//   node --import tsx --expose-gc bench/flow-aggregate.bench.ts [seconds-per-case]
import { Aggregator, parsePrimitives, type BinResult } from '../nodes/common/aggregate';

const SECONDS = Number(process.argv[2] ?? 2);
const FIVE = 'src_host, dst_host, src_port, dst_port, proto';
const T0 = Date.UTC(2025, 0, 1);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;

type Rec = Record<string, unknown>;
function records(n: number, distinct: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 7919) % distinct;
    out.push({
      sourceIPv4Address: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`, destinationIPv4Address: `192.0.2.${k % 200}`,
      sourceTransportPort: 1024 + (k % 50000), destinationTransportPort: [443, 80, 53, 22][k & 3], protocolIdentifier: k & 1 ? 6 : 17,
      octetDeltaCount: 64 + (i % 1400), packetDeltaCount: 1 + (i % 10), flowEndMilliseconds: T0 + (i % 50_000),
    });
  }
  return out;
}

/** Records per CPU-second of `run` over `recs`, repeated for SECONDS. */
function rate(recs: Rec[], run: (r: Rec[]) => void): number {
  run(recs); // warm-up
  let n = 0;
  const start = cpu();
  while (cpu() - start < SECONDS) { run(recs); n += recs.length; }
  return n / (cpu() - start);
}

function aggregatorRun(recs: Rec[]): void {
  const agg = new Aggregator({ intervalMs: 3_600_000, topN: 10, maxKeys: 1_000_000, primitives: parsePrimitives(FIVE) }, () => undefined);
  for (let i = 0; i < recs.length; i++) agg.add(recs[i]);
  agg.flush();
}

/** The practical limit: one Map keyed by the five values, counts summed, top 10 sorted at the end. */
function mapRun(recs: Rec[]): void {
  const m = new Map<string, { packets: number; bytes: number; flows: number }>();
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    const key = `${r.sourceIPv4Address}\u001f${r.destinationIPv4Address}\u001f${r.sourceTransportPort}\u001f${r.destinationTransportPort}\u001f${r.protocolIdentifier}`;
    const e = m.get(key);
    if (e) { e.packets += r.packetDeltaCount as number; e.bytes += r.octetDeltaCount as number; e.flows++; } else m.set(key, { packets: r.packetDeltaCount as number, bytes: r.octetDeltaCount as number, flows: 1 });
  }
  [...m.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 10);
}

function hostile(total: number, maxKeys: number): void {
  const heavy = [4_000_000, 3_000_000, 2_000_000, 1_000_000];
  const exact = new Map<string, number>();
  let bin: BinResult | undefined;
  const agg = new Aggregator({ intervalMs: 3_600_000, topN: 10, maxKeys, primitives: parsePrimitives('src_host') }, (b) => { bin = b; });
  const r: Rec = { sourceIPv4Address: '', octetDeltaCount: 0, packetDeltaCount: 1, flowEndMilliseconds: T0 };
  const before = process.resourceUsage().maxRSS * 1024;
  const start = cpu();
  for (let i = 0; i < total; i++) {
    r.sourceIPv4Address = `n${i}`; // every noise key distinct
    r.octetDeltaCount = 1 + (i % 100);
    agg.add(r);
    if (i % 100 === 0) {
      for (let h = 0; h < heavy.length; h++) {
        const bytes = Math.round(heavy[h] * 100 / total);
        r.sourceIPv4Address = `heavy${h}`;
        r.octetDeltaCount = bytes;
        exact.set(`heavy${h}`, (exact.get(`heavy${h}`) ?? 0) + bytes);
        agg.add(r);
      }
    }
  }
  agg.flush();
  const seconds = cpu() - start;
  const peak = process.resourceUsage().maxRSS * 1024;
  const b = bin!;
  const top = b.rows.slice(0, 4).map((row) => `${row.src_host} ${row.bytes} (true ${exact.get(String(row.src_host))}, +${Number(row.bytes) - exact.get(String(row.src_host))!})`);
  const inOrder = b.rows.slice(0, 4).map((row) => row.src_host).join() === 'heavy0,heavy1,heavy2,heavy3';
  const withinBound = b.rows.slice(0, 4).every((row) => Number(row.bytes) - exact.get(String(row.src_host))! <= Number(b.approximate!.bound));
  console.log(`hostile: ${(total / 1e6).toFixed(0)}M distinct keys + 4 heavy hitters, maxKeys ${maxKeys}: ${(total / seconds / 1e6).toFixed(2)}M rec/s, peak RSS ${mb(peak)} (was ${mb(before)} before), keys kept ${b.totals.keys}, evictions ${b.approximate?.evictions}`);
  console.log(`  top 4: ${top.join('; ')}`);
  console.log(`  bound ${b.approximate?.bound} (total ${b.totals.bytes} / ${maxKeys}); in order: ${inOrder}; overcounts within bound: ${withinBound}`);
}

function memory(distinct: number): void {
  const recs = records(distinct, distinct);
  const peakRss = () => mb(process.resourceUsage().maxRSS * 1024);
  console.log(`memory, ${distinct / 1e6}M records generated: peak RSS ${peakRss()}`);
  for (const [name, run] of [['flow aggregate', 'agg'], ['plain Map', 'map']] as const) {
    gc();
    const base = process.memoryUsage().heapUsed;
    if (run === 'agg') {
      const agg = new Aggregator({ intervalMs: 3_600_000, topN: 10, maxKeys: 2_000_000, primitives: parsePrimitives(FIVE) }, () => undefined);
      for (const r of recs) agg.add(r);
      (globalThis as { held?: unknown }).held = agg; // kept reachable while the heap is measured
    } else {
      const m = new Map<string, { packets: number; bytes: number; flows: number }>();
      for (const r of recs) m.set(`${r.sourceIPv4Address}\u001f${r.destinationIPv4Address}\u001f${r.sourceTransportPort}\u001f${r.destinationTransportPort}\u001f${r.protocolIdentifier}`, { packets: 1, bytes: 1, flows: 1 });
      (globalThis as { held?: unknown }).held = m;
    }
    gc();
    console.log(`memory, ${distinct / 1e6}M distinct 5-tuple keys in one bin: ${name} ${mb(process.memoryUsage().heapUsed - base)} heap, process peak RSS ${peakRss()} so far`);
    (globalThis as { held?: unknown }).held = undefined;
  }
}

const mode = process.argv[3] ?? 'all';
if (mode === 'all' || mode === 'hostile') hostile(Number(process.env.HOSTILE_KEYS ?? 10_000_000), 100_000);
if (mode === 'all' || mode === 'rate') {
  for (const distinct of [10_000, 200_000]) {
    const recs = records(1_000_000, distinct);
    const ours = rate(recs, aggregatorRun);
    const map = rate(recs, mapRun);
    console.log(`5 primitives, 1M records over ${distinct} keys: flow aggregate ${(ours / 1e6).toFixed(2)}M rec/s, plain Map ${(map / 1e6).toFixed(2)}M rec/s (${(100 * ours / map).toFixed(0)}%)`);
  }
}
if (mode === 'all' || mode === 'memory') memory(1_000_000);
