// Stable layout of a topology picture. The first picture is laid out by `dot` (tiers as rows, in
// order); its device positions are kept, and every picture is drawn by `neato -n` from positions
// (devices pinned with pos="x,y!"), so a later poll moves nothing that did not change:
// - a known device keeps its position (it only moves sideways when its label grew into a neighbour);
// - a new device goes into its tier's row, at the free spot nearest to its neighbours;
// - a lost link stays in the graph (drawn dashed), so nothing around it moves either.
// `dot` runs again only when there is no previous layout, on request, or when most devices are new.
// Graphviz is injected (the worker passes the WebAssembly build), so this module stays pure.
import { labelNodeName, pictureToDot, type Box, type PinnedLayout, type Point, type StyleOptions } from './dot';
import type { Picture } from './picture';

export type LayoutFormat = 'plain' | 'svg' | 'dot';
/** Graphviz: DOT in, the given format out; nop=1 is `neato -n` (positions given, edges routed). */
export type LayoutFunction = (dot: string, format: LayoutFormat, engine: 'dot' | 'neato', nop?: number) => string;

export interface StableDrawing {
  /** The final DOT (devices pinned), as laid out. */
  dot: string;
  svg?: string;
  /** Device id → centre, in Graphviz points (y up); hand it back with the next picture. */
  positions: Record<string, Point>;
  /** True when `dot` laid everything out afresh. */
  relaidOut: boolean;
  /** Devices that had to move because a neighbour grew. */
  moved: string[];
}

export interface StableOptions {
  previous?: Record<string, Point>;
  /** Lay out afresh with `dot` even when a previous layout exists. */
  relayout?: boolean;
  /** Also return the SVG (the final pass). */
  svg?: boolean;
}

/** Minimum gap between two boxes, points. */
const SEPARATION = 18;
/** Vertical gap between tier rows, points (dot's ranksep of 1 inch). */
const ROW_GAP = 72;

interface Size { w: number; h: number }

/**
 * Node centres and sizes from Graphviz's "plain" output ("node name x y width height ...", inches).
 * Not JSON: the WebAssembly build's JSON writer corrupts some style strings of HTML-like labels.
 */
function readObjects(plain: string): Map<string, { pos: Point; size: Size }> {
  const objects = new Map<string, { pos: Point; size: Size }>();
  for (const line of plain.split('\n')) {
    if (!line.startsWith('node ')) continue;
    const rest = line.slice(5);
    let name: string;
    let after: string;
    if (rest.startsWith('"')) {
      const end = /^"((?:\\.|[^"\\])*)"/.exec(rest);
      if (!end) continue;
      name = end[1].replace(/\\(.)/g, '$1');
      after = rest.slice(end[0].length);
    } else {
      const space = rest.indexOf(' ');
      name = rest.slice(0, space);
      after = rest.slice(space);
    }
    const [x, y, w, h] = after.trim().split(/\s+/, 4).map(Number);
    if ([x, y, w, h].every(Number.isFinite)) objects.set(name, { pos: { x: x * 72, y: y * 72 }, size: { w: w * 72, h: h * 72 } });
  }
  return objects;
}

function boxOf(p: Point, s: Size, margin = 0): Box {
  return { x1: p.x - s.w / 2 - margin, y1: p.y - s.h / 2 - margin, x2: p.x + s.w / 2 + margin, y2: p.y + s.h / 2 + margin };
}

export function boxesOverlap(a: Box, b: Box): boolean {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The x nearest to `want` where a box of `size` at height y collides with none of `taken`. */
function freeX(want: number, y: number, size: Size, taken: readonly Box[]): number {
  const candidates = [want];
  for (const b of taken) candidates.push(b.x1 - size.w / 2 - SEPARATION, b.x2 + size.w / 2 + SEPARATION);
  candidates.sort((a, b) => Math.abs(a - want) - Math.abs(b - want) || a - b);
  return candidates.find((x) => !taken.some((b) => boxesOverlap(boxOf({ x, y }, size, SEPARATION / 2), b))) ?? want;
}

export function drawStable(layout: LayoutFunction, picture: Picture, style: StyleOptions, options: StableOptions = {}): StableDrawing {
  const ids = picture.devices.map((d) => d.id);
  const previous = options.previous ?? {};
  const known = ids.filter((id) => previous[id] !== undefined);
  const relaidOut = options.relayout === true || known.length === 0 || (ids.length - known.length) * 2 > ids.length;
  const positions = new Map<string, Point>();
  if (relaidOut) {
    const laid = readObjects(layout(pictureToDot(picture, style), 'plain', 'dot'));
    for (const id of ids) positions.set(id, laid.get(id)?.pos ?? { x: 0, y: 0 });
  } else {
    for (const id of known) positions.set(id, { ...previous[id] });
  }

  // Sizing pass: every device (new ones parked out of the way) and label node, edges not routed.
  const parked = new Map(positions);
  let park = Math.max(0, ...[...positions.values()].map((p) => p.x)) + 10_000;
  for (const id of ids) if (!parked.has(id)) { parked.set(id, { x: park, y: 0 }); park += 2_000; }
  const sized = readObjects(layout(pictureToDot(picture, { ...style, legend: false }, { positions: parked, graphAttributes: { splines: 'false' } }), 'plain', 'neato', 1));
  const sizeOf = (name: string): Size => sized.get(name)?.size ?? { w: 54, h: 36 };

  const tierOf = new Map(picture.devices.map((d) => [d.id, d.tier]));
  const placedBoxes = (except?: string) => [...positions].filter(([id]) => id !== except).map(([id, p]) => boxOf(p, sizeOf(id), SEPARATION / 2));

  // Known devices whose label grew: push the right one of an overlapping pair to the right.
  const moved: string[] = [];
  const order = [...positions.keys()].sort((a, b) => positions.get(a)!.x - positions.get(b)!.x || a.localeCompare(b));
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      const a = positions.get(order[i])!;
      const b = positions.get(order[j])!;
      const boxA = boxOf(a, sizeOf(order[i]), SEPARATION / 2);
      const boxB = boxOf(b, sizeOf(order[j]), SEPARATION / 2);
      if (!boxesOverlap(boxA, boxB)) continue;
      b.x += boxA.x2 - boxB.x1;
      if (!moved.includes(order[j])) moved.push(order[j]);
    }
  }

  // New devices: into their tier's row, nearest free spot to the mean of their placed neighbours.
  const neighbours = new Map<string, string[]>();
  for (const link of picture.links) {
    neighbours.set(link.tail.device, [...(neighbours.get(link.tail.device) ?? []), link.head.device]);
    neighbours.set(link.head.device, [...(neighbours.get(link.head.device) ?? []), link.tail.device]);
  }
  const rowY = (tier: number): number => {
    const row = [...positions].filter(([id]) => tierOf.get(id) === tier).map(([, p]) => p.y);
    if (row.length) return median(row);
    const rows = [...new Set(picture.devices.map((d) => d.tier))].filter((t) => t !== tier && [...positions.keys()].some((id) => tierOf.get(id) === t));
    const above = rows.filter((t) => t < tier).sort((a, b) => b - a)[0];
    const below = rows.filter((t) => t > tier).sort((a, b) => a - b)[0];
    const height = Math.max(...ids.map((id) => sizeOf(id).h));
    if (above !== undefined && below !== undefined) return (rowY(above) + rowY(below)) / 2;
    if (above !== undefined) return Math.min(...[...positions].map(([, p]) => p.y)) - height - ROW_GAP;
    if (below !== undefined) return Math.max(...[...positions].map(([, p]) => p.y)) + height + ROW_GAP;
    return 0;
  };
  const fresh = ids.filter((id) => !positions.has(id)).sort((a, b) => tierOf.get(a)! - tierOf.get(b)! || a.localeCompare(b));
  for (const id of fresh) {
    const y = rowY(tierOf.get(id)!);
    const around = (neighbours.get(id) ?? []).map((n) => positions.get(n)).filter((p): p is Point => p !== undefined);
    const row = [...positions].filter(([, p]) => Math.abs(p.y - y) < 1).map(([, p]) => p.x);
    const want = around.length ? around.reduce((s, p) => s + p.x, 0) / around.length : row.length ? Math.max(...row) + sizeOf(id).w + SEPARATION : 0;
    positions.set(id, { x: freeX(want, y, sizeOf(id), placedBoxes(id)), y });
  }

  // Lost links' labels: on the link, at the first spot along it that is free.
  const labels = new Map<string, Point>();
  const labelBoxes: Box[] = [];
  for (const link of picture.links) {
    if (link.mark !== 'down') continue;
    const size = sizeOf(labelNodeName(link));
    const a = positions.get(link.tail.device)!;
    const b = positions.get(link.head.device)!;
    const from = { x: a.x, y: a.y - sizeOf(link.tail.device).h / 2 };
    const flat = link.flat;
    const to = { x: b.x, y: flat ? b.y - sizeOf(link.head.device).h / 2 : b.y + sizeOf(link.head.device).h / 2 };
    const taken = [...placedBoxes(), ...labelBoxes];
    const along = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8].map((t) => ({ x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t }));
    // A flat link (same row) has its label below the row.
    if (flat) for (const p of along) p.y = Math.min(from.y, to.y) - size.h - SEPARATION;
    const sideways = along.flatMap((p) => [0, 1, -1, 2, -2].map((k) => ({ x: p.x + k * (size.w / 2 + SEPARATION), y: p.y })));
    const spot = sideways.find((p) => !taken.some((b) => boxesOverlap(boxOf(p, size, 2), b))) ?? along[0];
    labels.set(link.id, spot);
    labelBoxes.push(boxOf(spot, size, SEPARATION / 2));
  }

  // Clusters: the box around their members, with room for the label on top.
  const clusters = new Map<string, Box>();
  for (const device of picture.devices) {
    if (!device.cluster) continue;
    const b = boxOf(positions.get(device.id)!, sizeOf(device.id), 10);
    const c = clusters.get(device.cluster);
    clusters.set(device.cluster, c ? { x1: Math.min(c.x1, b.x1), y1: Math.min(c.y1, b.y1), x2: Math.max(c.x2, b.x2), y2: Math.max(c.y2, b.y2 + 14) } : { ...b, y2: b.y2 + 14 });
  }

  const pinned: PinnedLayout = { positions, labels, clusters };
  const dot = pictureToDot(picture, style, pinned);
  return {
    dot,
    svg: options.svg === false ? undefined : layout(dot, 'svg', 'neato', 1),
    positions: Object.fromEntries([...positions].map(([id, p]) => [id, { x: Math.round(p.x * 100) / 100, y: Math.round(p.y * 100) / 100 }])),
    relaidOut,
    moved,
  };
}
