// DOT writer (https://graphviz.org/doc/info/lang.html) for a topology picture. Devices are
// HTML-like tables whose cells are their ports (PORT), and edges attach to those cells, so no port
// text ever floats on an edge. Two forms:
// - "rank": for `dot`. Each tier is a rank=same row; an invisible chain of one anchor per tier
//   orders the rows top to bottom, and every edge runs from the upper tier to the lower one, so
//   dot's ranking agrees with it (newrank=true lets rows cross clusters). Lost links carry their
//   "down since" as an edge label (dot makes room for it).
// - "pinned": for `neato -n`: every device at a given position (pos="x,y!"), clusters at given
//   boxes, and a lost link's label as a small node on the link itself (the edge runs through it),
//   placed by the caller, since neato -n places edge labels without looking at nodes.
import type { Picture, PictureDevice, PictureLink, PicturePort, PortGroup, Mark } from './picture';
import { buildPicture, type PictureOptions } from './picture';
import type { Topology } from './types';

/** An HTML-like label (written between < >, not quoted). */
export interface HtmlLabel { html: string }
export type DotAttributes = Record<string, string | number | boolean | HtmlLabel>;
export interface Point { x: number; y: number }
export interface Box { x1: number; y1: number; x2: number; y2: number }

export const MARK_COLORS: Record<Mark | 'lag', string> = {
  up: '#546e7a',
  new: '#2e7d32',
  'one-way': '#ef6c00',
  down: '#c62828',
  gone: '#c62828',
  unpolled: '#90a4ae',
  lag: '#1565c0',
};
const CELL_FILL: Partial<Record<Mark, string>> = { new: '#e8f5e9', 'one-way': '#fff3e0', down: '#ffebee' };
const LEGEND_TEXT: Record<Mark | 'lag', string> = {
  up: 'link', new: 'new', 'one-way': 'one-way (arrow from the side that hears)', down: 'link down', gone: 'device gone', unpolled: 'not polled', lag: 'LAG',
};

export interface StyleOptions {
  graphAttributes?: DotAttributes;
  nodeAttributes?: DotAttributes;
  edgeAttributes?: DotAttributes;
  /** Draw a legend of the kinds present (default true). */
  legend?: boolean;
  /** "down since" time text (default: local HH:MM). */
  formatTime?: (ms: number) => string;
}

export interface PinnedLayout {
  /** Device id → centre. */
  positions: ReadonlyMap<string, Point>;
  /** Lost link id → centre of its label node. */
  labels?: ReadonlyMap<string, Point>;
  /** Cluster label → box. */
  clusters?: ReadonlyMap<string, Box>;
  /** Graph attributes of this pass (splines=false for a cheap sizing pass). */
  graphAttributes?: DotAttributes;
}

const FONT = 'Helvetica';

/** A DOT double-quoted string. */
export function dotQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function html(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function attributeList(attributes: DotAttributes): string {
  return Object.entries(attributes).map(([k, v]) => `${dotQuote(k)}=${typeof v === 'object' ? `<${v.html}>` : dotQuote(String(v))}`).join(', ');
}

function statement(prefix: string, attributes: DotAttributes): string {
  const list = attributeList(attributes);
  return list ? `${prefix} [${list}];` : `${prefix};`;
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function portCell(port: PicturePort): string {
  const fill = CELL_FILL[port.mark];
  const color = port.mark === 'up' ? '' : ` color="${MARK_COLORS[port.mark]}"`;
  return `<td port="${port.cell}"${fill ? ` bgcolor="${fill}"` : ''}${color}>${html(port.name)}</td>`;
}

function groupCells(group: PortGroup): string {
  if (group.ports.length === 1) return portCell(group.ports[0]);
  // A bundle: its member cells framed together in one cell of the row.
  return `<td border="0" cellpadding="0"><table border="1" cellborder="1" cellspacing="0" cellpadding="2" color="${MARK_COLORS.lag}" style="rounded"><tr>${group.ports.map(portCell).join('')}</tr></table></td>`;
}

/**
 * Graphviz stretches a row's cells to the width of the widest row, sharing the extra width evenly
 * among them; empty cells at both ends take most of it, so port cells stay about as wide as their names.
 */
const FILLERS = '<td border="0" cellpadding="0"></td>'.repeat(3);

function portRow(groups: PortGroup[]): string {
  if (groups.length === 0) return '';
  return `<tr><td border="0" cellpadding="0"><table border="0" cellborder="1" cellspacing="2" cellpadding="2"><tr>${FILLERS}${groups.map(groupCells).join('')}${FILLERS}</tr></table></td></tr>`;
}

/**
 * Pinned: port groups in the order of their neighbours' x, so edges do not cross at the device, and
 * the ports of same-row links at the end of the row that faces the neighbour.
 */
function arranged(device: PictureDevice, tierOf: ReadonlyMap<string, number>, flatRows: boolean, positions?: ReadonlyMap<string, Point>): PictureDevice {
  const me = positions?.get(device.id);
  if (!me) return device;
  const key = (group: PortGroup): number => {
    const x = positions!.get(group.neighbor)?.x ?? me.x;
    if (tierOf.get(group.neighbor) !== device.tier || !flatRows) return x;
    return x < me.x ? -Infinity : Infinity;
  };
  const sort = (groups: PortGroup[]) => [...groups].sort((a, b) => key(a) - key(b) || a.neighbor.localeCompare(b.neighbor));
  return { ...device, top: sort(device.top), bottom: sort(device.bottom) };
}

function deviceLabel(device: PictureDevice, formatTime: (ms: number) => string): HtmlLabel {
  const lines = [`<b>${html(device.name)}</b>`];
  if (device.address) lines.push(`<font point-size="8" color="#607d8b">${html(device.address)}</font>`);
  if (device.mark === 'gone') lines.push(`<font point-size="8" color="${MARK_COLORS.gone}">gone${device.since ? ` since ${formatTime(device.since)}` : ''}</font>`);
  const border = device.mark === 'up' ? '#37474f' : MARK_COLORS[device.mark];
  const style = device.mark === 'gone' || device.mark === 'unpolled' ? 'rounded,dashed' : 'rounded';
  const width = device.mark === 'new' || device.mark === 'gone' ? 2 : 1;
  return { html: `<table border="${width}" cellborder="0" cellspacing="0" cellpadding="3" style="${style}" color="${border}" bgcolor="white">` +
    `${portRow(device.top)}<tr><td cellpadding="4">${lines.join('<br/>')}</td></tr>${portRow(device.bottom)}</table>` };
}

function legendSample(kind: Mark | 'lag'): string {
  const color = MARK_COLORS[kind];
  // Boxes for device kinds, a thin bar (a line) for link kinds.
  if (kind === 'gone' || kind === 'unpolled') return `<td border="1" style="dashed" color="${color}" width="14" height="8" fixedsize="true"></td>`;
  if (kind === 'lag') return `<td border="1" style="rounded" color="${color}" width="14" height="8" fixedsize="true"></td>`;
  return `<td><table border="0" cellpadding="0" cellspacing="0"><tr><td bgcolor="${color}" width="14" height="2" fixedsize="true"></td></tr></table></td>`;
}

function legendLabel(kinds: readonly (Mark | 'lag')[]): HtmlLabel {
  const rows = kinds.map((kind) => `<tr>${legendSample(kind)}<td align="left">${LEGEND_TEXT[kind]}</td></tr>`);
  return { html: `<table border="0" cellspacing="1" cellpadding="1">${rows.join('')}</table>` };
}

function nodeName(id: string): string {
  return dotQuote(id);
}

function endpoint(end: { device: string; cell: string }, compass: 's' | 'n' | 'e' | 'w'): string {
  return `${nodeName(end.device)}:${end.cell}:${compass}`;
}

function edgeAttributes(link: PictureLink, formatTime: (ms: number) => string, withLabel: boolean): DotAttributes {
  const attributes: DotAttributes = { id: link.id, class: `link ${link.mark}`, color: MARK_COLORS[link.mark], penwidth: link.mark === 'up' ? 1.2 : 2 };
  if (link.mark === 'down') {
    attributes.style = 'dashed';
    if (withLabel) Object.assign(attributes, { label: downText(link, formatTime), fontcolor: MARK_COLORS.down });
  }
  if (link.mark === 'one-way') Object.assign(attributes, { dir: link.hearer === 'tail' ? 'forward' : 'back', arrowsize: 0.8 });
  return attributes;
}

function downText(link: PictureLink, formatTime: (ms: number) => string = formatClock): string {
  return link.since !== undefined ? `down since ${formatTime(link.since)}` : 'down';
}

/** Lost links drawn through a label node in pinned form. */
export function labelNodeName(link: PictureLink): string {
  return `__down ${link.id}`;
}

export function pictureToDot(picture: Picture, style: StyleOptions = {}, pinned?: PinnedLayout): string {
  const formatTime = style.formatTime ?? formatClock;
  const lines = ['graph topology {'];
  const graph: DotAttributes = { fontname: FONT, fontsize: 8, nodesep: 0.35, ranksep: 1.0, splines: 'true', outputorder: 'edgesfirst', pad: 0.2 };
  if (!pinned) Object.assign(graph, { newrank: 'true' });
  const kinds: (Mark | 'lag')[] = [...picture.kinds];
  if (picture.devices.some((d) => [...d.top, ...d.bottom].some((g) => g.ports.length > 1))) kinds.push('lag');
  Object.assign(graph, style.graphAttributes, pinned?.graphAttributes);
  if (style.legend !== false && kinds.length) {
    // The legend is the graph label, under the drawing; a plain-text title of the user goes above it.
    const title = typeof style.graphAttributes?.label === 'string' ? style.graphAttributes.label : undefined;
    if (title !== undefined || style.graphAttributes?.label === undefined) {
      const legend = legendLabel(kinds).html;
      const label = title ? `<table border="0" cellspacing="0"><tr><td><font point-size="11">${html(title)}</font></td></tr><tr><td align="right">${legend}</td></tr></table>` : legend;
      Object.assign(graph, { label: { html: label }, labelloc: 'b', labeljust: title ? 'c' : 'r' });
    }
  }
  lines.push(`  ${statement('graph', graph)}`);
  lines.push(`  ${statement('node', { shape: 'plain', fontname: FONT, fontsize: 10, ...style.nodeAttributes })}`);
  lines.push(`  ${statement('edge', { fontname: FONT, fontsize: 8, ...style.edgeAttributes })}`);

  const tierOf = new Map(picture.devices.map((d) => [d.id, d.tier]));
  const deviceLine = (device: PictureDevice, indent: string) => {
    const attributes: DotAttributes = { label: deviceLabel(arranged(device, tierOf, picture.ranked, pinned?.positions), formatTime), class: `device ${device.mark}`, id: `device:${device.id}` };
    const pos = pinned?.positions.get(device.id);
    if (pos) attributes.pos = `${pos.x.toFixed(2)},${pos.y.toFixed(2)}!`;
    return `${indent}${statement(nodeName(device.id), attributes)}`;
  };
  const clusters = [...new Set(picture.devices.map((d) => d.cluster).filter((c): c is string => c !== undefined))];
  for (const [i, cluster] of clusters.entries()) {
    const attributes: DotAttributes = { label: cluster, style: 'rounded', color: '#b0bec5', fontsize: 9, fontcolor: '#546e7a' };
    const box = pinned?.clusters?.get(cluster);
    if (box) Object.assign(attributes, { bb: `${box.x1},${box.y1},${box.x2},${box.y2}`, lp: `${(box.x1 + box.x2) / 2},${box.y2 - 7}` });
    lines.push(`  subgraph ${dotQuote(`cluster_${i}`)} {`, `    ${statement('graph', attributes)}`);
    for (const device of picture.devices) if (device.cluster === cluster) lines.push(deviceLine(device, '    '));
    lines.push('  }');
  }
  for (const device of picture.devices) if (device.cluster === undefined) lines.push(deviceLine(device, '  '));

  if (!pinned && picture.ranked) {
    // Rows: one rank=same group per tier with an invisible anchor; the anchors chained in order.
    const used = [...new Set(picture.devices.map((d) => d.tier))].sort((a, b) => a - b);
    for (const tier of used) {
      const members = picture.devices.filter((d) => d.tier === tier).map((d) => nodeName(d.id));
      lines.push(`  { rank=same; ${statement(dotQuote(`__tier ${tier}`), { style: 'invis', shape: 'point', width: 0 })} ${members.join('; ')}; }`);
    }
    for (let i = 1; i < used.length; i++) {
      lines.push(`  ${statement(`${dotQuote(`__tier ${used[i - 1]}`)} -- ${dotQuote(`__tier ${used[i]}`)}`, { style: 'invis', weight: 100 })}`);
    }
  }

  for (const link of picture.links) {
    const flat = link.flat;
    // A same-row link leaves from the side facing its neighbour (pinned), else from below.
    const tailX = pinned?.positions.get(link.tail.device)?.x;
    const headX = pinned?.positions.get(link.head.device)?.x;
    const sideways = flat && tailX !== undefined && headX !== undefined;
    const tail = endpoint(link.tail, sideways ? (tailX < headX ? 'e' : 'w') : 's');
    const head = endpoint(link.head, sideways ? (tailX < headX ? 'w' : 'e') : flat ? 's' : 'n');
    const label = pinned?.labels?.get(link.id);
    if (link.mark === 'down' && pinned) {
      const name = dotQuote(labelNodeName(link));
      const at = label ?? midpoint(pinned.positions.get(link.tail.device), pinned.positions.get(link.head.device));
      lines.push(`  ${statement(name, { shape: 'plaintext', label: downText(link, formatTime), fontsize: 8, fontcolor: MARK_COLORS.down, margin: '0.02,0.01', width: 0, height: 0, class: 'link-label down', id: `label:${link.id}`, ...(at ? { pos: `${at.x.toFixed(2)},${at.y.toFixed(2)}!` } : {}) })}`);
      const attributes = edgeAttributes(link, formatTime, false);
      lines.push(`  ${statement(`${tail} -- ${name}`, attributes)}`);
      lines.push(`  ${statement(`${name} -- ${head}`, { ...attributes, id: `${link.id}:2` })}`);
      continue;
    }
    lines.push(`  ${statement(`${tail} -- ${head}`, edgeAttributes(link, formatTime, true))}`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function midpoint(a?: Point, b?: Point): Point | undefined {
  return a && b ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : undefined;
}

export interface DotOptions extends StyleOptions, PictureOptions {}

/** DOT for `dot`, from a topology (tiers, clusters, lost links and events as options). */
export function topologyToDot(topology: Topology, options: DotOptions = {}): string {
  return pictureToDot(buildPicture(topology, options), options);
}

/**
 * Adds default graph/node/edge attributes and rank=same groups to DOT text from elsewhere: they go
 * right after the opening brace, so statements of the source itself still take precedence.
 */
export function addDotDefaults(dot: string, options: Pick<StyleOptions, 'graphAttributes' | 'nodeAttributes' | 'edgeAttributes'> & { rankSame?: readonly (readonly string[])[] }): string {
  const statements: string[] = [];
  if (options.graphAttributes && Object.keys(options.graphAttributes).length) statements.push(statement('graph', options.graphAttributes));
  if (options.nodeAttributes && Object.keys(options.nodeAttributes).length) statements.push(statement('node', options.nodeAttributes));
  if (options.edgeAttributes && Object.keys(options.edgeAttributes).length) statements.push(statement('edge', options.edgeAttributes));
  for (const group of options.rankSame ?? []) statements.push(`{ rank=same; ${group.map((m) => `${dotQuote(m)};`).join(' ')} }`);
  const brace = dot.indexOf('{');
  if (statements.length === 0 || brace < 0) return dot;
  return `${dot.slice(0, brace + 1)}\n  ${statements.join('\n  ')}${dot.slice(brace + 1)}`;
}
