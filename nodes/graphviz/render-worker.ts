// Worker thread: lays out DOT with the WebAssembly build of Graphviz and rasterises SVG to PNG with
// resvg, so a long layout never blocks Node-RED's event loop (the parent terminates us on timeout).
import { parentPort } from 'node:worker_threads';
import type { RenderRequest, RenderResponse } from './render-types';

type GraphvizModule = typeof import('@hpcc-js/wasm-graphviz');
type Graphviz = Awaited<ReturnType<GraphvizModule['Graphviz']['load']>>;

// The package is ESM-only; a Function-built import() survives compilation to CommonJS.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<GraphvizModule>;
let graphviz: Promise<Graphviz> | undefined;

async function render(request: RenderRequest): Promise<RenderResponse> {
  graphviz ??= importEsm('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load());
  const gv = await graphviz;
  const output = gv.layout(request.dot, request.format === 'dot' ? 'dot' : 'svg', request.engine);
  if (request.format !== 'png') return { id: request.id, ok: true, text: output };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const png = new Resvg(output, { background: 'white', fitTo: request.scale && request.scale !== 1 ? { mode: 'zoom', value: request.scale } : { mode: 'original' } }).render().asPng();
  return { id: request.id, ok: true, png: new Uint8Array(png.buffer, png.byteOffset, png.length) };
}

parentPort?.on('message', (request: RenderRequest) => {
  render(request).then(
    (response) => parentPort?.postMessage(response),
    (error: unknown) => parentPort?.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies RenderResponse),
  );
});
