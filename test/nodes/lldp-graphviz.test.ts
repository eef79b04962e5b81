// graphviz node in a real Node-RED runtime (node-red-node-test-helper): our SVG against native
// `dot -Tsvg` on the same DOT, PNG output and its font, the admin image URL, bad DOT, the timeout,
// and a 50-device three-tier topology drawn without overlaps, tiers top to bottom.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import helper from 'node-red-node-test-helper';
import { Resvg } from '@resvg/resvg-js';
import { buildTopology, diffTopology } from '../../nodes/common/topology';
import { requireCommands } from '../helpers/real';
import { threeTierReports } from '../helpers/lldp-three-tier';
import { deviceCentres, keepPicture, svgOverlaps } from '../helpers/lldp-svg';

helper.init(require.resolve('node-red'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const graphvizNode = require('../../nodes/graphviz/graphviz');

before(() => new Promise<void>((resolve) => helper.startServer(() => resolve())));
after(() => new Promise<void>((resolve) => { void helper.unload().then(() => helper.stopServer(() => resolve())); }));

type Msg = { payload: unknown; contentType?: string; dot?: string; svg?: string; dataUrl?: string; changes?: unknown[]; lost?: unknown[] };

async function render(config: Record<string, unknown>, msg: Record<string, unknown>): Promise<{ out?: Msg; error?: string; id: string }> {
  const id = 'g' + Math.random().toString(16).slice(2);
  const flow = [
    { id: 'tab', type: 'tab' },
    { id, z: 'tab', type: 'wirescope-graphviz', engine: 'dot', format: 'svg', timeout: 30, legend: true, wires: [['out']], ...config },
    { id: 'out', z: 'tab', type: 'helper' },
  ];
  await helper.unload();
  await helper.load(graphvizNode, flow);
  return new Promise((resolve) => {
    const events = (nodeId: string) => helper.getNode(nodeId) as unknown as NodeJS.EventEmitter & { receive(msg: unknown): void };
    events('out').on('input', (out: Msg) => resolve({ out, id }));
    // done(err) reaches node.error(err, msg), which is what a Catch node receives.
    events(id).on('call:error', (call: { args: unknown[] }) => resolve({ error: String((call.args[0] as Error).message ?? call.args[0]), id }));
    events(id).receive(msg);
  });
}

/** Node names and edge titles of a Graphviz SVG (its <title> elements inside node/edge groups). */
function svgGraph(svg: string): { nodes: string[]; edges: string[] } {
  const decode = (s: string) => s.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  const titles = (cls: string) => [...svg.matchAll(new RegExp(`<g id="[^"]*" class="${cls}">\\s*<title>([^<]*)</title>`, 'g'))].map((m) => decode(m[1])).sort();
  return { nodes: titles('node'), edges: titles('edge') };
}

const SAMPLE = `graph lab {
  node [shape=box];
  core1 -- core2 [color=blue, label="10G"];
  core1 -- access1; core1 -- access2; core2 -- access1; core2 -- access2;
  access2 -- "host 9";
  { rank=same; core1; core2; }
}
`;

test('SVG has the nodes, edges and attributes, same sets as native dot -Tsvg', async (t) => {
  if (!requireCommands(t, 'dot')) return;
  const { out } = await render({}, { payload: SAMPLE });
  assert.ok(out, 'a message came out');
  assert.equal(out.contentType, 'image/svg+xml');
  const ours = svgGraph(String(out.payload));
  const native = svgGraph(execFileSync('dot', ['-Tsvg'], { input: SAMPLE, encoding: 'utf8' }));
  assert.deepEqual(ours, native);
  assert.deepEqual(ours.nodes, ['access1', 'access2', 'core1', 'core2', 'host 9']);
  assert.equal(ours.edges.length, 6);
  assert.match(String(out.payload), /stroke="blue"/, 'edge colour attribute applied');
  assert.match(String(out.payload), />10G</, 'edge label drawn');
});

test('configured attributes, engines and rank=same reach the layout', async (t) => {
  if (!requireCommands(t, 'dot')) return;
  const dot = 'graph { a -- b; b -- c; c -- a; }';
  for (const engine of ['neato', 'fdp', 'circo', 'twopi']) {
    const { out } = await render({ engine, nodeAttributes: '{"fillcolor":"yellow","style":"filled"}' }, { payload: dot });
    assert.deepEqual(svgGraph(String(out!.payload)).nodes, ['a', 'b', 'c'], engine);
    assert.match(String(out!.payload), /fill="yellow"/, `${engine}: node attribute applied`);
  }
  const { out } = await render({ format: 'dot', rankSame: 'a, c' }, { payload: 'digraph { a -> b -> c; }' });
  const pos = (name: string) => new RegExp(`\\b${name}\\s*\\[[^\\]]*pos="[\\d.]+,([\\d.]+)"`).exec(String(out!.payload))?.[1];
  assert.ok(pos('a') !== undefined, 'DOT output carries positions');
  assert.equal(pos('a'), pos('c'), 'a and c on the same rank');
});

test('PNG output is a real PNG of the laid-out size', async () => {
  const { out } = await render({ format: 'png' }, { payload: SAMPLE });
  const png = out!.payload as Buffer;
  assert.equal(out!.contentType, 'image/png');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.readUInt32BE(16) > 100 && png.readUInt32BE(20) > 100, 'IHDR width and height');
});

test('the latest image is served on the admin URL', async () => {
  const { id } = await render({}, { payload: SAMPLE });
  const response = await helper.request().get(`/wirescope/graphviz/${id}/image`);
  assert.equal(response.status, 200);
  assert.match(String(response.headers['content-type']), /image\/svg\+xml/);
  assert.match(response.text ?? String(response.body), /<svg/);
  const missing = await helper.request().get('/wirescope/graphviz/nope/image');
  assert.equal(missing.status, 404);
});

test('bad DOT: clear error with the line', async () => {
  const { error } = await render({}, { payload: 'graph {\n  a -- b;\n  c -- ;\n}\n' });
  assert.equal(error, "bad DOT: syntax error in line 3 near ';': c -- ;");
  const notGraph = await render({}, { payload: 42 });
  assert.match(notGraph.error!, /DOT text or a topology object/);
});

test('a layout over its timeout is stopped, and the next render works', async () => {
  const edges: string[] = [];
  for (let i = 0; i < 400; i++) for (const j of [1, 7, 31]) edges.push(`n${i} -- n${(i * j + 13) % 400};`);
  const big = `graph { ${edges.join(' ')} }`;
  // 10 ms cannot even load the WebAssembly module, let alone lay out 1,200 edges.
  const slow = await render({ timeout: 0.01 }, { payload: big });
  assert.match(slow.error!, /timed out after 10 ms/);
  const { out } = await render({ timeout: 30 }, { payload: 'graph { a -- b }' });
  assert.deepEqual(svgGraph(String(out!.payload)).nodes, ['a', 'b']);
});

test('a 50-device three-tier topology: no overlaps, core above distribution above access, PNG in a sans font', async () => {
  const topology = buildTopology(threeTierReports(50));
  assert.equal(topology.devices.length, 50);
  const { out, error } = await render({ format: 'png', timeout: 120, scale: 1 }, { payload: topology, events: diffTopology(undefined, topology), baseline: true });
  assert.equal(error, undefined);
  const svg = out!.svg!;
  assert.deepEqual(svgOverlaps(svg), []);
  const centres = deviceCentres(svg);
  assert.equal(centres.size, 50);
  const rows = (prefix: string) => [...centres].filter(([name]) => name.startsWith(prefix)).map(([, c]) => c.y);
  // SVG y grows downwards: every core device above every distribution one, above every access one.
  assert.ok(Math.max(...rows('core')) < Math.min(...rows('dist')), 'core above distribution');
  assert.ok(Math.max(...rows('dist')) < Math.min(...rows('acc')), 'distribution above access');
  assert.equal(new Set(rows('acc')).size, 1, 'one access row');
  // Ports are cells with edges on them: no port text floats on an edge.
  assert.doesNotMatch(svg, /class="edge[^"]*">[\s\S]{0,400}?<text/);
  const png = out!.payload as Buffer;
  keepPicture('fifty-devices.png', png);
  // The PNG is what resvg draws with Liberation Sans and nothing else loaded, not a serif fallback.
  const font = { loadSystemFonts: false, fontFiles: ['/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf'] };
  const sans = new Resvg(svg, { background: 'white', font: { ...font, defaultFontFamily: 'Liberation Sans', sansSerifFamily: 'Liberation Sans' } }).render().asPng();
  const serif = new Resvg(svg, { background: 'white', font: { loadSystemFonts: false, fontFiles: ['/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf'], defaultFontFamily: 'DejaVu Serif' } }).render().asPng();
  assert.ok(png.equals(sans), 'drawn in Liberation Sans');
  assert.ok(!png.equals(serif));
  assert.match(out!.dataUrl!, /^data:image\/png;base64,iVBORw0KGgo/);
});

test('PNG without any usable font is refused, not drawn in a fallback font', async () => {
  const { error } = await render({ format: 'png', fontFile: '/nonexistent/font.ttf' }, { payload: 'graph { a -- b }' });
  assert.match(error!, /no font for PNG text/);
});

test('clusters: each site is a box around its own devices, boxes apart, tiers still in order', async () => {
  const topology = buildTopology(threeTierReports(26));
  const clusterRules = '/^(dist[12]|acc\\d*[13579])$/ building A\n/^(dist[34]|acc\\d*[02468])$/ building B';
  const { out, error } = await render({ format: 'svg', timeout: 120, clusterRules }, { payload: topology, events: [], baseline: true });
  assert.equal(error, undefined);
  const svg = out!.svg!;
  assert.deepEqual(svgOverlaps(svg), []);
  const clusters = [...svg.matchAll(/<g id="[^"]*" class="cluster">\s*<title>[^<]*<\/title>\s*<(?:polygon|path)[^>]*(?:points|d)="([^"]*)"[\s\S]*?<text[^>]*>([^<]*)<\/text>/g)]
    .map((m) => { const n = (m[1].match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number); const xs = n.filter((_, i) => i % 2 === 0); const ys = n.filter((_, i) => i % 2 === 1); return { label: m[2], x1: Math.min(...xs), x2: Math.max(...xs), y1: Math.min(...ys), y2: Math.max(...ys) }; });
  assert.deepEqual(clusters.map((c) => c.label).sort(), ['building A', 'building B']);
  const [a, b] = clusters;
  assert.ok(a.x2 <= b.x1 || b.x2 <= a.x1 || a.y2 <= b.y1 || b.y2 <= a.y1, 'the two buildings do not overlap');
  const centres = deviceCentres(svg);
  const inside = (name: string, label: string) => { const c = clusters.find((k) => k.label === label)!; const p = centres.get(name)!; return p.x > c.x1 && p.x < c.x2 && p.y > c.y1 && p.y < c.y2; };
  for (const name of centres.keys()) {
    if (name.startsWith('core')) assert.ok(!inside(name, 'building A') && !inside(name, 'building B'), `${name} in no building`);
    else {
      const label = /^(dist[12]|acc\d*[13579])$/.test(name) ? 'building A' : 'building B';
      assert.ok(inside(name, label), `${name} in ${label}`);
    }
  }
  const ys = (prefix: string) => [...centres].filter(([n]) => n.startsWith(prefix)).map(([, c]) => c.y);
  assert.ok(Math.max(...ys('core')) < Math.min(...ys('dist')) && Math.max(...ys('dist')) < Math.min(...ys('acc')));
});
