import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Geometry of a Graphviz SVG, read from the SVG itself: every node group's box (the union of its
// polygons and paths; a text-only node's text box), every text's box, and the overlaps between them.
// Coordinates are the SVG's own (Graphviz points, y grows downwards); text width comes from
// Helvetica's advance widths (Adobe's core font metrics), which is what Graphviz sizes labels with.

export interface Box { x1: number; y1: number; x2: number; y2: number }
export interface SvgText { text: string; box: Box; group: string }
export interface SvgGroup { id: string; cls: string; title: string; box: Box; cells: Box[]; texts: SvgText[]; stroke: string[]; dashed: boolean; arrow?: Box }

const decode = (s: string) => s.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&quot;/g, '"').replace(/&#160;/g, ' ').replace(/&amp;/g, '&');

function numbers(list: string): number[] {
  return (list.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/g) ?? []).map(Number);
}

function boxOfPoints(values: number[]): Box | undefined {
  if (values.length < 2) return undefined;
  const xs = values.filter((_, i) => i % 2 === 0);
  const ys = values.filter((_, i) => i % 2 === 1);
  return { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
}

function union(boxes: Box[]): Box | undefined {
  if (!boxes.length) return undefined;
  return { x1: Math.min(...boxes.map((b) => b.x1)), y1: Math.min(...boxes.map((b) => b.y1)), x2: Math.max(...boxes.map((b) => b.x2)), y2: Math.max(...boxes.map((b) => b.y2)) };
}

export function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? w * h : 0;
}

function contains(outer: Box, inner: Box, slack = 1): boolean {
  return inner.x1 >= outer.x1 - slack && inner.y1 >= outer.y1 - slack && inner.x2 <= outer.x2 + slack && inner.y2 <= outer.y2 + slack;
}

/** Helvetica advance widths in 1/1000 em (Adobe AFM); other characters count as 0.556 em, bold as 1.08×. */
const ADVANCE: Record<string, number> = {
  ' ': 278, '.': 278, ',': 278, ':': 278, ';': 278, '/': 278, '-': 333, '_': 556, '|': 260, '(': 333, ')': 333, '!': 278,
  a: 556, b: 556, c: 500, d: 556, e: 556, f: 278, g: 556, h: 556, i: 222, j: 222, k: 500, l: 222, m: 833,
  n: 556, o: 556, p: 556, q: 556, r: 333, s: 500, t: 278, u: 556, v: 500, w: 722, x: 500, y: 500, z: 500,
  A: 667, B: 667, C: 722, D: 722, E: 667, F: 611, G: 778, H: 722, I: 278, J: 500, K: 667, L: 556, M: 833,
  N: 722, O: 778, P: 667, Q: 778, R: 722, S: 667, T: 611, U: 722, V: 667, W: 944, X: 667, Y: 667, Z: 611,
};

function textWidth(text: string, size: number, bold: boolean): number {
  let units = 0;
  for (const ch of text) units += ADVANCE[ch] ?? 556;
  return (units / 1000) * size * (bold ? 1.08 : 1);
}

function textBox(attributes: string, text: string): Box {
  const x = Number(/\bx="([^"]+)"/.exec(attributes)?.[1]);
  const y = Number(/\by="([^"]+)"/.exec(attributes)?.[1]);
  const size = Number(/font-size="([^"]+)"/.exec(attributes)?.[1] ?? 14);
  const anchor = /text-anchor="([^"]+)"/.exec(attributes)?.[1] ?? 'start';
  const width = textWidth(text, size, /font-weight="bold"/.test(attributes));
  const x1 = anchor === 'middle' ? x - width / 2 : anchor === 'end' ? x - width : x;
  // Baseline at y: ascent ~0.75 em above, descent ~0.2 em below.
  return { x1, y1: y - size * 0.75, x2: x1 + width, y2: y + size * 0.2 };
}

/** Node and edge groups of the SVG (the graph's own group and clusters are left out). */
export function svgGroups(svg: string): SvgGroup[] {
  const groups: SvgGroup[] = [];
  for (const m of svg.matchAll(/<g id="([^"]*)" class="((?:node|edge)[^"]*)">([\s\S]*?)<\/g>\s*(?=<!--|<g id=|<\/g>)/g)) {
    const [, id, cls, body] = m;
    const title = decode(/<title>([^<]*)<\/title>/.exec(body)?.[1] ?? '');
    const shapes: Box[] = [];
    const stroke: string[] = [];
    let dashed = false;
    let arrow: Box | undefined;
    for (const p of body.matchAll(/<(polygon|path|polyline)([^>]*)\/>/g)) {
      const attrs = p[2];
      const points = p[1] === 'path' ? numbers(/\bd="([^"]*)"/.exec(attrs)?.[1] ?? '') : numbers(/points="([^"]*)"/.exec(attrs)?.[1] ?? '');
      const box = boxOfPoints(points);
      const s = /stroke="([^"]*)"/.exec(attrs)?.[1];
      if (s && s !== 'none' && s !== 'transparent') stroke.push(s);
      if (/stroke-dasharray/.test(attrs)) dashed = true;
      if (!box) continue;
      if (cls.startsWith('edge') && p[1] === 'polygon') arrow = box;
      if (/fill="white"[^>]*stroke="(none|transparent)"/.test(attrs) && cls.startsWith('node') === false) continue;
      shapes.push(box);
    }
    const texts: SvgText[] = [...body.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].map((t) => ({ text: decode(t[2]), box: textBox(t[1], decode(t[2])), group: decode(id) }));
    const box = cls.startsWith('node') ? union(shapes) ?? union(texts.map((t) => t.box)) : union(shapes);
    groups.push({ id: decode(id), cls: decode(cls), title, box: box ?? { x1: 0, y1: 0, x2: 0, y2: 0 }, cells: shapes, texts, stroke, dashed, arrow });
  }
  return groups;
}

/**
 * Overlaps a reader would see: two nodes' boxes (devices and label nodes) overlapping, a text
 * overlapping a text or a node of another group, a node's text outside its own box, and two cells
 * of one node overlapping (adjacent cells may share a border line).
 */
export function svgOverlaps(svg: string): string[] {
  const groups = svgGroups(svg);
  const nodes = groups.filter((g) => g.cls.startsWith('node'));
  const texts = groups.flatMap((g) => g.texts);
  const problems: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (overlapArea(nodes[i].box, nodes[j].box) > 0) problems.push(`nodes ${nodes[i].title} and ${nodes[j].title} overlap`);
    }
    for (const text of nodes[i].texts) if (!contains(nodes[i].box, text.box, 2)) problems.push(`text "${text.text}" sticks out of ${nodes[i].title}`);
    const cells = nodes[i].cells.filter((c) => !(c.x1 <= nodes[i].box.x1 + 0.5 && c.x2 >= nodes[i].box.x2 - 0.5 && c.y1 <= nodes[i].box.y1 + 0.5 && c.y2 >= nodes[i].box.y2 - 0.5));
    for (let a = 0; a < cells.length; a++) {
      for (let b = a + 1; b < cells.length; b++) {
        const area = overlapArea(cells[a], cells[b]);
        if (area > 2 && !contains(cells[a], cells[b]) && !contains(cells[b], cells[a])) problems.push(`cells of ${nodes[i].title} overlap`);
      }
    }
  }
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      if (texts[i].group !== texts[j].group && overlapArea(texts[i].box, texts[j].box) > 0) problems.push(`texts "${texts[i].text}" and "${texts[j].text}" overlap`);
    }
    for (const node of nodes) {
      if (node.id !== texts[i].group && overlapArea(texts[i].box, node.box) > 0) problems.push(`text "${texts[i].text}" overlaps ${node.title}`);
    }
  }
  return problems;
}

/** Centre of each device node (SVG coordinates: y grows downwards), by node title. */
export function deviceCentres(svg: string): Map<string, { x: number; y: number }> {
  const centres = new Map<string, { x: number; y: number }>();
  for (const g of svgGroups(svg)) {
    if (!/\bdevice\b/.test(g.cls)) continue;
    centres.set(g.title, { x: (g.box.x1 + g.box.x2) / 2, y: (g.box.y1 + g.box.y2) / 2 });
  }
  return centres;
}

/** Keeps a PNG of the test run for a person to look at, when WIRESCOPE_PICTURES names a directory. */
export function keepPicture(name: string, png: Buffer): void {
  const dir = process.env.WIRESCOPE_PICTURES;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), png);
}
