// DOT writer (https://graphviz.org/doc/info/lang.html) for a topology: devices as nodes, links as
// undirected edges labelled with their ports, rank=same groups, and the changes of the last diff
// highlighted with a legend.
import type { Topology, TopologyEvent, TopologyLink } from './types';

export type DotAttributes = Record<string, string | number | boolean>;

export interface DotOptions {
  graphAttributes?: DotAttributes;
  nodeAttributes?: DotAttributes;
  edgeAttributes?: DotAttributes;
  /** Groups of device names (or ids) drawn on the same rank. */
  rankSame?: readonly (readonly string[])[];
  /** Events of the last diff: changed links and devices are coloured, removed ones drawn dashed. */
  events?: readonly TopologyEvent[];
  /** Draw a legend of the change colours (default: when there are events). */
  legend?: boolean;
}

export const CHANGE_COLORS = {
  'link-up': '#2e7d32',
  'link-down': '#c62828',
  'link-one-way': '#ef6c00',
  'device-appeared': '#2e7d32',
  'device-disappeared': '#c62828',
} as const;

/** A DOT double-quoted string. */
export function dotQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function attributeList(attributes: DotAttributes): string {
  return Object.entries(attributes).map(([k, v]) => `${dotQuote(k)}=${dotQuote(String(v))}`).join(', ');
}

function statement(prefix: string, attributes: DotAttributes): string {
  const list = attributeList(attributes);
  return list ? `${prefix} [${list}];` : `${prefix};`;
}

function edge(link: TopologyLink, extra: DotAttributes): string {
  const attributes: DotAttributes = { id: link.id, taillabel: link.a.port, headlabel: link.b.port, ...extra };
  if (link.state === 'one-way') Object.assign(attributes, { style: 'dashed', label: 'one-way' }, extra);
  return `  ${statement(`${dotQuote(link.a.device)} -- ${dotQuote(link.b.device)}`, attributes)}`;
}

export function topologyToDot(topology: Topology, options: DotOptions = {}): string {
  const events = options.events ?? [];
  const linkChange = new Map<string, keyof typeof CHANGE_COLORS>();
  const deviceChange = new Map<string, keyof typeof CHANGE_COLORS>();
  for (const e of events) {
    if (e.link) linkChange.set(e.link.id, e.type);
    if (e.device) deviceChange.set(e.device.id, e.type);
  }
  const lines = ['graph topology {'];
  lines.push(`  ${statement('graph', { overlap: 'false', splines: 'true', ...options.graphAttributes })}`);
  lines.push(`  ${statement('node', { shape: 'box', style: 'rounded', fontname: 'Helvetica', ...options.nodeAttributes })}`);
  lines.push(`  ${statement('edge', { fontname: 'Helvetica', fontsize: 9, ...options.edgeAttributes })}`);

  const nodeLine = (id: string, label: string, polled: boolean, change?: keyof typeof CHANGE_COLORS): string => {
    const attributes: DotAttributes = { label };
    if (!polled) attributes.style = 'rounded,dashed';
    if (change) Object.assign(attributes, { color: CHANGE_COLORS[change], penwidth: 2 });
    if (change === 'device-disappeared') attributes.style = 'rounded,dashed';
    return `  ${statement(dotQuote(id), attributes)}`;
  };
  for (const device of topology.devices) lines.push(nodeLine(device.id, device.name, device.polled, deviceChange.get(device.id)));
  // Devices and links that went away are still drawn, dashed red, so the picture shows the loss.
  const present = new Set(topology.devices.map((d) => d.id));
  for (const e of events) {
    if (e.type === 'device-disappeared' && e.device && !present.has(e.device.id)) lines.push(nodeLine(e.device.id, e.device.name, false, e.type));
  }

  const byName = new Map<string, string>();
  for (const d of topology.devices) { byName.set(d.name.toLowerCase(), d.id); byName.set(d.id, d.id); }
  for (const group of options.rankSame ?? []) {
    const members = group.map((name) => byName.get(name.toLowerCase()) ?? name.toLowerCase());
    lines.push(`  { rank=same; ${members.map((m) => `${dotQuote(m)};`).join(' ')} }`);
  }

  for (const link of topology.links) {
    const change = linkChange.get(link.id);
    lines.push(edge(link, change ? { color: CHANGE_COLORS[change], penwidth: 2.5 } : {}));
  }
  for (const e of events) {
    if (e.type === 'link-down' && e.link) lines.push(edge(e.link, { color: CHANGE_COLORS['link-down'], style: 'dashed', penwidth: 2.5, label: 'down' }));
  }

  if (options.legend ?? events.length > 0) {
    const rows = ([['link-up', 'link up'], ['link-one-way', 'one-way link'], ['link-down', 'link down'], ['device-appeared', 'new device'], ['device-disappeared', 'device gone']] as const)
      .map(([type, text]) => `<tr><td bgcolor="${CHANGE_COLORS[type]}" width="16"></td><td align="left">${text}</td></tr>`)
      .join('');
    lines.push('  subgraph cluster_legend {');
    lines.push('    label="Legend"; fontname="Helvetica"; fontsize=10; style="rounded";');
    lines.push(`    "__legend" [shape=plaintext, style="", label=<<table border="0" cellspacing="2">${rows}</table>>];`);
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * Adds default graph/node/edge attributes and rank=same groups to DOT text from elsewhere: they go
 * right after the opening brace, so statements of the source itself still take precedence.
 */
export function addDotDefaults(dot: string, options: Pick<DotOptions, 'graphAttributes' | 'nodeAttributes' | 'edgeAttributes' | 'rankSame'>): string {
  const statements: string[] = [];
  if (options.graphAttributes && Object.keys(options.graphAttributes).length) statements.push(statement('graph', options.graphAttributes));
  if (options.nodeAttributes && Object.keys(options.nodeAttributes).length) statements.push(statement('node', options.nodeAttributes));
  if (options.edgeAttributes && Object.keys(options.edgeAttributes).length) statements.push(statement('edge', options.edgeAttributes));
  for (const group of options.rankSame ?? []) statements.push(`{ rank=same; ${group.map((m) => `${dotQuote(m)};`).join(' ')} }`);
  const brace = dot.indexOf('{');
  if (statements.length === 0 || brace < 0) return dot;
  return `${dot.slice(0, brace + 1)}\n  ${statements.join('\n  ')}${dot.slice(brace + 1)}`;
}
