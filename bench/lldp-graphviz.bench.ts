// Graphviz render time of a 500-node, 1,000-edge topology: the WebAssembly build in our worker
// (what the graphviz node runs) beside native Graphviz (Debian graphviz), same DOT, same run.
// Engines: neato (what topology drawings use), and dot with its crossing-minimisation bounded
// (mclimit/nslimit): unbounded, native dot alone needs more than 100 s on this graph.
//   node --import tsx bench/lldp-graphviz.bench.ts [nodes] [edges] [rounds]
import { execFile } from 'node:child_process';
import { GraphvizRenderer } from '../nodes/graphviz/renderer';
import type { Engine } from '../nodes/graphviz/render-types';

const nodes = Number(process.argv[2] ?? 500);
const edges = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 3);

/** A connected, seeded random graph shaped like a campus: a spanning tree plus random extra links. */
function topologyDot(graphAttributes: string): string {
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

function nativeDot(dot: string, engine: Engine): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(engine, ['-Tsvg'], { maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin!.end(dot);
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  console.log(`graph: ${nodes} nodes, ${edges} edges (seeded random spanning tree + extra links, port labels); median of rounds`);
  const renderer = new GraphvizRenderer(600_000);
  await renderer.render('graph { a -- b }', 'dot', 'svg'); // load the WebAssembly module outside the timing
  const cases: { engine: Engine; attributes: string; rounds: number }[] = [
    { engine: 'neato', attributes: 'overlap=false', rounds },
    { engine: 'dot', attributes: 'mclimit=0.05, nslimit=1, nslimit1=1', rounds: 1 },
  ];
  for (const { engine, attributes, rounds } of cases) {
    const dot = topologyDot(attributes);
    const wasm: number[] = [];
    const native: number[] = [];
    let wasmBytes = 0;
    let nativeBytes = 0;
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      wasmBytes = String(await renderer.render(dot, engine, 'svg')).length;
      wasm.push(performance.now() - t);
      t = performance.now();
      nativeBytes = (await nativeDot(dot, engine)).length;
      native.push(performance.now() - t);
    }
    const w = median(wasm);
    const n = median(native);
    console.log(`${engine.padEnd(6)} [${attributes}] x${rounds}: wasm (worker) ${(w / 1000).toFixed(2)} s  svg ${(wasmBytes / 1024).toFixed(0)} KiB | native ${engine} ${(n / 1000).toFixed(2)} s  svg ${(nativeBytes / 1024).toFixed(0)} KiB | ratio ${(w / n).toFixed(2)}x`);
  }
  console.log(`peak RSS of this process (main + worker): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  await renderer.close();
}

void main();
