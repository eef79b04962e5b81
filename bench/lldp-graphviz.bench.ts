// Graphviz render time, the WebAssembly build in our worker (what the graphviz node runs) beside
// native Graphviz (Debian graphviz), same input, same run.
// 1. The topology picture of a three-tier campus (default 50 devices): the whole stable-layout
//    pipeline (dot layout, sizing pass, neato -n drawing) with WebAssembly Graphviz in the worker,
//    and the same pipeline (drawStable) with native dot/neato as its layout function; then a redraw
//    from the kept positions (a later poll), both ways.
// 2. With "big": a 500-node, 1,000-edge random graph in neato, and in dot with crossing
//    minimisation bounded (unbounded, native dot alone needs more than 100 s on it).
//   node --import tsx bench/lldp-graphviz.bench.ts [devices] [rounds] [big]
import { execFileSync, execFile } from 'node:child_process';
import { buildPicture, buildTopology, drawStable, pictureToDot, type LayoutFunction, type Point } from '../nodes/common/topology';
import { GraphvizRenderer } from '../nodes/graphviz/renderer';
import type { Engine } from '../nodes/graphviz/render-types';
import { threeTierReports } from '../test/helpers/lldp-three-tier';

const devices = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 3);
const big = process.argv[4] === 'big';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const native: LayoutFunction = (dot, format, engine, nop) =>
  execFileSync(engine, [`-T${format}`, ...(nop ? [`-n${nop}`] : [])], { input: dot, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });

async function picture(renderer: GraphvizRenderer): Promise<void> {
  const topology = buildTopology(threeTierReports(devices));
  const drawing = buildPicture(topology);
  console.log(`three-tier picture: ${topology.devices.length} devices, ${topology.links.length} links; median of ${rounds}`);
  const times = { wasmFirst: [] as number[], wasmNext: [] as number[], nativeFirst: [] as number[], nativeNext: [] as number[], wasmDot: [] as number[], nativeDot: [] as number[] };
  const ranked = pictureToDot(drawing);
  let kept: Record<string, Point> = {};
  let bytes = { wasm: 0, native: 0 };
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    const first = await renderer.run({ kind: 'picture', picture: drawing, style: {}, format: 'svg' });
    times.wasmFirst.push(performance.now() - t);
    kept = first.positions!;
    bytes.wasm = first.text!.length;
    t = performance.now();
    await renderer.run({ kind: 'picture', picture: drawing, style: {}, format: 'svg', previous: kept });
    times.wasmNext.push(performance.now() - t);
    t = performance.now();
    const nativeFirst = drawStable(native, drawing, {});
    times.nativeFirst.push(performance.now() - t);
    bytes.native = nativeFirst.svg!.length;
    t = performance.now();
    drawStable(native, drawing, {}, { previous: nativeFirst.positions });
    times.nativeNext.push(performance.now() - t);
    t = performance.now();
    await renderer.render(ranked, 'dot', 'svg');
    times.wasmDot.push(performance.now() - t);
    t = performance.now();
    native(ranked, 'svg', 'dot');
    times.nativeDot.push(performance.now() - t);
  }
  const row = (what: string, wasm: number[], nat: number[]) =>
    console.log(`${what.padEnd(34)} wasm (worker) ${seconds(median(wasm))} | native ${seconds(median(nat))} | ratio ${(median(wasm) / median(nat)).toFixed(2)}x`);
  row('dot -Tsvg of the tiered DOT alone', times.wasmDot, times.nativeDot);
  row('first picture (dot + 2 neato -n)', times.wasmFirst, times.nativeFirst);
  row('next poll (kept positions)', times.wasmNext, times.nativeNext);
  console.log(`svg size: wasm ${(bytes.wasm / 1024).toFixed(0)} KiB, native ${(bytes.native / 1024).toFixed(0)} KiB`);
}

/** A connected, seeded random graph shaped like a campus: a spanning tree plus random extra links. */
function randomDot(nodes: number, edges: number, graphAttributes: string): string {
  let state = 0x1d1d;
  const random = () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff; };
  const lines = ['graph topology {', `  graph [${graphAttributes}];`, '  node [shape=box, style=rounded, fontname=Helvetica];', '  edge [fontname=Helvetica, fontsize=9];'];
  const seen = new Set<string>();
  const add = (a: number, b: number) => {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || seen.has(key)) return false;
    seen.add(key);
    lines.push(`  "sw${a}" -- "sw${b}" [taillabel="Gi0/${seen.size % 48}", headlabel="Gi1/${seen.size % 24}"];`);
    return true;
  };
  for (let i = 1; i < nodes; i++) add(i, Math.floor(random() * i));
  while (seen.size < edges) add(Math.floor(random() * nodes), Math.floor(random() * nodes));
  lines.push('}');
  return lines.join('\n');
}

function nativeAsync(dot: string, engine: Engine): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(engine, ['-Tsvg'], { maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin!.end(dot);
  });
}

async function randomGraphs(renderer: GraphvizRenderer): Promise<void> {
  console.log('random graph: 500 nodes, 1,000 edges (seeded spanning tree + extra links, port labels)');
  for (const { engine, attributes, n } of [
    { engine: 'neato' as Engine, attributes: 'overlap=false', n: rounds },
    { engine: 'dot' as Engine, attributes: 'mclimit=0.05, nslimit=1, nslimit1=1', n: 1 },
  ]) {
    const dot = randomDot(500, 1000, attributes);
    const wasm: number[] = [];
    const nat: number[] = [];
    for (let r = 0; r < n; r++) {
      let t = performance.now();
      await renderer.render(dot, engine, 'svg');
      wasm.push(performance.now() - t);
      t = performance.now();
      await nativeAsync(dot, engine);
      nat.push(performance.now() - t);
    }
    console.log(`${engine.padEnd(6)} [${attributes}] x${n}: wasm (worker) ${seconds(median(wasm))} | native ${seconds(median(nat))} | ratio ${(median(wasm) / median(nat)).toFixed(2)}x`);
  }
}

async function main(): Promise<void> {
  console.log(`native: ${execFileSync('sh', ['-c', 'dot -V 2>&1'], { encoding: 'utf8' }).trim()}; WebAssembly: @hpcc-js/wasm-graphviz`);
  const renderer = new GraphvizRenderer(600_000);
  await renderer.render('graph { a -- b }', 'dot', 'svg'); // load the WebAssembly module outside the timing
  await picture(renderer);
  if (big) await randomGraphs(renderer);
  console.log(`peak RSS of this process (main + worker): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  await renderer.close();
}

void main();
