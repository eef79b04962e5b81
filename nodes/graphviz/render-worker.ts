// Worker thread: lays out DOT with the WebAssembly build of Graphviz and rasterises SVG to PNG with
// resvg, so a long layout never blocks Node-RED's event loop (the parent terminates us on timeout).
import { parentPort } from 'node:worker_threads';
import { drawStable, type LayoutFunction } from '../common/topology';
import type { FontSet, RenderOutput, RenderRequest, RenderResponse } from './render-types';

type GraphvizModule = typeof import('@hpcc-js/wasm-graphviz');
type Graphviz = Awaited<ReturnType<GraphvizModule['Graphviz']['load']>>;

// The package is ESM-only; a Function-built import() survives compilation to CommonJS.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<GraphvizModule>;
let graphviz: Promise<Graphviz> | undefined;

/** PNG from SVG with exactly the given fonts: no system fonts, so text never falls back to a serif. */
function rasterise(svg: string, scale: number | undefined, font: FontSet | undefined): Uint8Array {
  if (!font?.files.length) throw new Error('no font for PNG text: install a sans TTF (Debian: fonts-liberation2) or set the font file');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const png = new Resvg(svg, {
    background: 'white',
    fitTo: scale && scale !== 1 ? { mode: 'zoom', value: scale } : { mode: 'original' },
    font: { loadSystemFonts: false, fontFiles: font.files, defaultFontFamily: font.family, sansSerifFamily: font.family },
  }).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

async function render(request: RenderRequest): Promise<RenderOutput> {
  graphviz ??= importEsm('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load());
  const gv = await graphviz;
  if (request.kind === 'dot') {
    const output = gv.layout(request.dot, request.format === 'dot' ? 'dot' : 'svg', request.engine);
    if (request.format !== 'png') return { text: output, dot: request.dot };
    return { png: rasterise(output, request.scale, request.font), svg: output, dot: request.dot };
  }
  const layout: LayoutFunction = (dot, format, engine, nop) => gv.layout(dot, format, engine, nop ? { nop } : undefined);
  const drawing = drawStable(layout, request.picture, request.style, { previous: request.previous, relayout: request.relayout });
  const svg = drawing.svg!;
  const result: RenderOutput = { svg, dot: drawing.dot, positions: drawing.positions, relaidOut: drawing.relaidOut, moved: drawing.moved };
  if (request.format === 'png') result.png = rasterise(svg, request.scale, request.font);
  else result.text = request.format === 'dot' ? layout(drawing.dot, 'dot', 'neato', 1) : svg;
  return result;
}

parentPort?.on('message', (request: RenderRequest) => {
  render(request).then(
    (output) => parentPort?.postMessage({ id: request.id, ok: true, ...output } satisfies RenderResponse),
    (error: unknown) => parentPort?.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies RenderResponse),
  );
});
