// The traffic dashboard's chart series (examples/flow-dashboard.json's "port series" function, the
// same code as the demo's) in Node-RED's own function node, over 400 bins of 10 s in which the
// busiest ports change: the lines at every bin add up to the bin's bytes (the input's totals), there
// are never more than 9 lines ('others' first), a port keeps its line while it stays in the top 8,
// the window keeps the last 360 bins, and the time labels fall on evenly spaced bin boundaries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, helper, loadFlow, startServer, stopServer } from '../helpers/node-test';

const functionNode = require('@node-red/nodes/core/function/10-function.js');
const root = join(__dirname, '..', '..');
const flowOf = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8')) as Array<{ type: string; name?: string; func?: string }>;
const series = (flow: ReturnType<typeof flowOf>, name: string) => flow.find((n) => n.type === 'function' && n.name === name)!.func!;

const W = 10_000;
const PORTS = [443, 80, 22, 53, 123, 3306, 8080, 5001, 161, 25, 110, 143, 993, 995, 389, 636, 1812, 514, 179, 445];

/** Bin i as flow aggregate sends it (topN 8 + others): 12 of the 20 ports, weights drifting with i; every 17th bin has no traffic (no message). */
function bin(i: number, start: number) {
  const rows = PORTS.map((port, p) => ({ dst_port: port, bytes: ((i * 7 + p * 13) % 20 < 12 ? 1 : 0) * (1000 + ((i * 31 + p * 17) % 97) * 1000 + p) }))
    .filter((r) => r.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((n, r) => n + r.bytes, 0);
  const top = rows.slice(0, 8);
  const others = total - top.reduce((n, r) => n + r.bytes, 0);
  return { topic: '', payload: [...top, { others: true, bytes: others, packets: 0, flows: 0 }], totals: { bytes: total }, binStart: start, binEnd: start + W, top: top.map((r) => String(r.dst_port)) };
}

before(startServer);
after(stopServer);

test("the example's and the demo's chart functions are the same code", () => {
  for (const name of ['port series', 'protocol series']) {
    assert.equal(series(flowOf('demo/dashboard.json'), name), series(flowOf('examples/flow-dashboard.json'), name), name);
  }
});

test('port series: top 8 + others add up to each bin, stable lines, 360 bins, labels on bin boundaries', async () => {
  await loadFlow([functionNode], [
    { id: 'f', type: 'function', func: series(flowOf('examples/flow-dashboard.json'), 'port series'), outputs: 1, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ]);
  const out = collect('out');
  const fn = helper.getNode('f');
  const first = Math.floor(Date.UTC(2026, 11, 3, 6, 0, 3) / W) * W;
  const sent = new Map<number, ReturnType<typeof bin>>();
  let previous: string[] | undefined;
  let previousTop: string[] | undefined;
  for (let i = 0; i < 400; i++) {
    const start = first + i * W;
    if (i % 17 === 16) continue;
    const b = bin(i, start);
    sent.set(start, b);
    const { top: _top, ...msg } = b;
    const before = out.length;
    fn.receive(msg);
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (out.length > before) { clearInterval(t); resolve(); } }, 1); });
    const m = out.at(-1);
    assert.equal(m.action, 'replace');
    const names = [...new Set<string>(m.payload.map((p: any) => p.series))];
    // 'others' and exactly this bin's top 8 (the lines that left were given to the ones that came).
    assert.equal(names[0], 'others');
    assert.deepEqual(new Set(names.slice(1)), new Set(b.top), `bin ${i}`);
    // A port in the top 8 of this bin and of the previous keeps its place, so its colour.
    if (previous && previousTop) for (const p of b.top) if (previousTop.includes(p)) assert.equal(names.indexOf(p), previous.indexOf(p), `bin ${i}: port ${p} keeps its line`);
    previous = names;
    previousTop = b.top;
    // At every bin of the window the lines add up to what was sent for that bin (0 for a bin
    // without traffic); before the first bin, and before the last 360 (the window starts on a
    // label, a little earlier), there is no line (null).
    const starts = [...new Set<number>(m.payload.map((p: any) => p.start))].sort((a, c) => a - c);
    for (const s of starts) {
      const points = m.payload.filter((p: any) => p.start === s);
      assert.equal(points.length, names.length);
      if (s < first || s <= start - 360 * W) assert.ok(points.every((p: any) => p.bytes === null && p.mbps === null), `bin ${i}, start ${s}: no line`);
      else assert.equal(points.reduce((n: number, p: any) => n + p.bytes, 0), sent.get(s)?.totals.bytes ?? 0, `bin ${i}, start ${s}`);
      const d = new Date(s);
      assert.equal(points[0].time, [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':'));
    }
    // The window: consecutive bins, the last one this bin, at most 360 of them with data.
    assert.equal(starts.at(-1), start);
    assert.ok(starts.every((s, k) => k === 0 || s - starts[k - 1] === W));
    const kept = starts.filter((s) => s >= first && s > start - 360 * W).length;
    assert.equal(kept, Math.min(i + 1, 360), `bin ${i}: the bins with data`);
    // Labels: every (interval + 1)-th category from the first, which starts on a multiple of that
    // step; at most 7 of them.
    const interval = out.filter((x) => x.ui_update).at(-1).ui_update.chartOptions.xAxis.axisLabel.interval;
    const step = (interval + 1) * W;
    assert.equal(starts[0] % step, 0, `bin ${i}: the window starts on a label`);
    assert.ok(Math.floor((starts.length - 1) / (interval + 1)) + 1 <= 7, `bin ${i}: ${starts.length} bins, a label every ${interval + 1}`);
  }
  // The label step grew with the window, and was sent only when it changed.
  const steps = out.filter((x) => x.ui_update).map((x) => x.ui_update.chartOptions.xAxis.axisLabel.interval);
  assert.deepEqual(steps, [...new Set(steps)].sort((a, b) => a - b));
  assert.ok(steps.length >= 3 && steps.length < 20, String(steps));
});
