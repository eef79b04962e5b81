// graphviz: DOT text or a topology object in, SVG (default), PNG or DOT out. Layout runs in a worker
// thread with the WebAssembly build of Graphviz. A topology is drawn as a network engineer would:
// devices in tier rows with their ports as cells, a stable layout between polls, lost links kept
// on the picture until they come back, are acknowledged or time out. The latest image of each node
// is served on an admin URL for the editor and dashboards.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import {
  addDotDefaults, buildPicture, formatClock, parseNameRules, TopologyHistory,
  type DotAttributes, type NameRule, type Point, type Topology, type TopologyEvent,
} from '../common/topology';
import { findSansFont } from './fonts';
import { ENGINES, FORMATS, type Engine, type FontSet, type OutputFormat, type RenderOutput } from './render-types';
import { GraphvizRenderer } from './renderer';

interface GraphvizDef extends NodeDef {
  engine: Engine;
  format: OutputFormat;
  graphAttributes: string;
  nodeAttributes: string;
  edgeAttributes: string;
  rankSame: string;
  legend: boolean;
  timeout: number | string;
  scale: number | string;
  tiers: string;
  tierRules: string;
  autoTiers: boolean;
  clusterRules: string;
  keepLost: number | string;
  maxLost: number | string;
  maxChanges: number | string;
  fontFile: string;
}

interface GraphvizMessage extends NodeMessageInFlow {
  engine?: unknown;
  format?: unknown;
  graphAttributes?: unknown;
  nodeAttributes?: unknown;
  edgeAttributes?: unknown;
  rankSame?: unknown;
  events?: unknown;
  baseline?: unknown;
}

interface Image { body: string | Buffer; contentType: string; renderedAt: string }

const CONTENT_TYPES: Record<OutputFormat, string> = { svg: 'image/svg+xml', png: 'image/png', dot: 'text/vnd.graphviz; charset=utf-8' };
/** Messages waiting behind the one being drawn; beyond that they are refused (done(err)) and counted. */
const MAX_WAITING = 16;
/** Upper bounds of the memory settings. */
const LIMITS = { keepLostMinutes: 7 * 24 * 60, maxLost: 5000, maxChanges: 1000 };

/** Config text: JSON object of attributes, or empty. */
function parseAttributes(text: string | undefined, what: string): DotAttributes {
  if (!text || !text.trim()) return {};
  const value = JSON.parse(text) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value as DotAttributes;
}

/** rank=same groups, one per line, names separated by commas. */
function parseRankSame(text: string | undefined): string[][] {
  return (text ?? '').split('\n').map((line) => line.split(',').map((n) => n.trim()).filter(Boolean)).filter((g) => g.length > 0);
}

function isTopology(value: unknown): value is Topology {
  const v = value as Topology;
  return !!v && typeof v === 'object' && Array.isArray(v.devices) && Array.isArray(v.links);
}

function objectOr(value: unknown, fallback: DotAttributes): DotAttributes {
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...fallback, ...(value as DotAttributes) } : fallback;
}

function bounded(value: unknown, fallback: number, min: number, max: number): number {
  const n = Number(value);
  return Math.min(max, Math.max(min, value === '' || value === undefined || !Number.isFinite(n) ? fallback : n));
}

/** Link or device ids to acknowledge: "all"/empty for everything, an id, or an array of ids. */
function acknowledged(payload: unknown): string[] | 'all' {
  if (payload === undefined || payload === null || payload === '' || payload === 'all' || payload === true) return 'all';
  if (typeof payload === 'string') return [payload];
  if (Array.isArray(payload) && payload.every((p) => typeof p === 'string')) return payload as string[];
  throw new Error('acknowledge: msg.payload must be "all", a link or device id, or an array of ids');
}

interface Settings {
  graph: DotAttributes;
  node: DotAttributes;
  edge: DotAttributes;
  rankSame: string[][];
  tiers: string[];
  tierRules: NameRule[];
  clusterRules: NameRule[];
}

function parseSettings(config: GraphvizDef): Settings {
  const tiers = (config.tiers ?? '').split(/[,\n]/).map((t) => t.trim()).filter(Boolean);
  const tierRules = parseNameRules(config.tierRules);
  const known = new Set((tiers.length ? tiers : ['core', 'distribution', 'access', 'host']).map((t) => t.toLowerCase()));
  for (const rule of tierRules) if (!known.has(rule.value.toLowerCase())) throw new Error(`tier rule "${rule.pattern} ${rule.value}": no tier named "${rule.value}"`);
  return {
    graph: parseAttributes(config.graphAttributes, 'graph attributes'),
    node: parseAttributes(config.nodeAttributes, 'node attributes'),
    edge: parseAttributes(config.edgeAttributes, 'edge attributes'),
    rankSame: parseRankSame(config.rankSame),
    tiers,
    tierRules,
    clusterRules: parseNameRules(config.clusterRules),
  };
}

export = function (RED: NodeAPI) {
  const latest = new Map<string, Image>();

  function GraphvizNode(this: Node, config: GraphvizDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const timeoutMs = Math.max(0.01, Number(config.timeout) || 30) * 1000;
    const renderer = new GraphvizRenderer(timeoutMs);
    const font: FontSet | undefined = findSansFont(config.fontFile?.trim() || undefined);
    const history = new TopologyHistory({
      keepLostMs: bounded(config.keepLost, 60, 0.05, LIMITS.keepLostMinutes) * 60_000,
      maxLost: bounded(config.maxLost, 200, 1, LIMITS.maxLost),
      maxChanges: bounded(config.maxChanges, 20, 1, LIMITS.maxChanges),
    });
    let settings: Settings | undefined;
    let problem: string | undefined;
    try {
      settings = parseSettings(config);
    } catch (error) {
      problem = `${RED._('graphviz.errors.config')}: ${(error as Error).message}`;
      node.error(problem);
      node.status({ fill: 'red', shape: 'ring', text: RED._('graphviz.status.badConfig') });
    }
    if (config.format === 'png' && !font) node.warn(RED._('graphviz.errors.noFont'));

    // The stable layout and what the last topology message was, for acknowledgements and re-layouts.
    let positions: Record<string, Point> | undefined;
    let lastTopology: { msg: GraphvizMessage; topology: Topology } | undefined;
    let queue: Promise<unknown> = Promise.resolve();
    let waiting = 0;
    let refused = 0;

    async function draw(msg: GraphvizMessage, s: Settings, topology: Topology, events: TopologyEvent[] | undefined, relayout: boolean): Promise<RenderOutput & { format: OutputFormat }> {
      const format = (msg.format ?? config.format ?? 'svg') as OutputFormat;
      if (!FORMATS.includes(format)) throw new Error(`unknown format "${String(format)}" (one of ${FORMATS.join(', ')})`);
      const picture = buildPicture(topology, {
        events,
        lost: history.lostItems(),
        tiers: { tiers: s.tiers, rules: s.tierRules, auto: config.autoTiers !== false },
        clusters: s.clusterRules.length ? s.clusterRules : undefined,
      });
      const style = {
        graphAttributes: objectOr(msg.graphAttributes, s.graph),
        nodeAttributes: objectOr(msg.nodeAttributes, s.node),
        edgeAttributes: objectOr(msg.edgeAttributes, s.edge),
        legend: config.legend !== false,
      };
      const output = await renderer.run({ kind: 'picture', picture, style, previous: positions, relayout, format, scale: Number(config.scale) || 1, font });
      positions = output.positions;
      return { ...output, format };
    }

    function publish(msg: GraphvizMessage, output: RenderOutput & { format: OutputFormat }, engine: string, send: (m: NodeMessageInFlow) => void): void {
      const body: string | Buffer = output.png ? Buffer.from(output.png.buffer, output.png.byteOffset, output.png.byteLength) : output.text ?? '';
      const contentType = CONTENT_TYPES[output.format];
      const image: Image = { body, contentType, renderedAt: new Date().toISOString() };
      latest.set(node.id, image);
      const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      const picture = output.format === 'png' ? { type: 'image/png', data: body as Buffer } : output.svg ? { type: 'image/svg+xml', data: Buffer.from(output.svg) } : undefined;
      const extra: Record<string, unknown> = {
        payload: body, format: output.format, engine, contentType, dot: output.dot,
        svg: output.svg ?? (output.format === 'svg' ? body : undefined),
        dataUrl: picture ? `data:${picture.type};base64,${picture.data.toString('base64')}` : undefined,
      };
      if (output.positions) {
        const lost = history.lostItems();
        Object.assign(extra, {
          changes: history.changes().map((c) => ({ time: new Date(c.time).toISOString(), clock: formatClock(c.time), type: c.type, id: c.id, text: c.text })),
          lost: lost.map((l) => ({ kind: l.kind, id: l.id, since: new Date(l.since).toISOString(), clock: formatClock(l.since) })),
          layout: { positions: output.positions, relaidOut: output.relaidOut, moved: output.moved },
          stats: { ...history.counters, refused },
        });
        node.status({ fill: lost.length ? 'yellow' : 'green', shape: 'dot', text: `${output.format} ${(size / 1024).toFixed(1)} kB${lost.length ? `, ${lost.length} lost` : ''}` });
      } else {
        node.status({ fill: 'green', shape: 'dot', text: `${output.format} ${(size / 1024).toFixed(1)} kB` });
      }
      send({ ...msg, ...extra } as NodeMessageInFlow);
    }

    async function handle(msg: GraphvizMessage, send: (m: NodeMessageInFlow) => void): Promise<void> {
      if (!settings) throw new Error(problem);
      const now = Date.now();
      // Control messages re-draw the last topology: acknowledge lost links, or lay out afresh.
      if (msg.topic === 'acknowledge' || msg.topic === 'relayout') {
        if (msg.topic === 'acknowledge') history.acknowledge(acknowledged(msg.payload), now);
        if (msg.topic === 'relayout') positions = undefined;
        if (!lastTopology) { node.status({ fill: 'grey', shape: 'ring', text: RED._('graphviz.status.nothingYet') }); return; }
        history.expire(now);
        publish(msg, await draw(lastTopology.msg, settings, lastTopology.topology, undefined, msg.topic === 'relayout'), 'dot', send);
        return;
      }
      if (isTopology(msg.payload)) {
        const baseline = msg.baseline === true;
        const events = Array.isArray(msg.events) ? (msg.events as TopologyEvent[]) : [];
        history.observe(msg.payload, events, now, baseline);
        lastTopology = { msg: { ...msg, events: undefined, payload: undefined }, topology: msg.payload };
        node.status({ fill: 'blue', shape: 'dot', text: RED._('graphviz.status.rendering') });
        // A baseline poll (the first) reports everything as new: nothing to highlight.
        publish(msg, await draw(msg, settings, msg.payload, baseline ? undefined : events, false), 'dot', send);
        return;
      }
      if (typeof msg.payload !== 'string') throw new Error('msg.payload must be DOT text or a topology object ({devices, links})');
      const engine = (msg.engine ?? config.engine ?? 'dot') as Engine;
      const format = (msg.format ?? config.format ?? 'svg') as OutputFormat;
      if (!ENGINES.includes(engine)) throw new Error(`unknown engine "${String(engine)}" (one of ${ENGINES.join(', ')})`);
      if (!FORMATS.includes(format)) throw new Error(`unknown format "${String(format)}" (one of ${FORMATS.join(', ')})`);
      const dot = addDotDefaults(msg.payload, {
        graphAttributes: objectOr(msg.graphAttributes, settings.graph),
        nodeAttributes: objectOr(msg.nodeAttributes, settings.node),
        edgeAttributes: objectOr(msg.edgeAttributes, settings.edge),
        rankSame: Array.isArray(msg.rankSame) ? (msg.rankSame as string[][]) : settings.rankSame,
      });
      node.status({ fill: 'blue', shape: 'dot', text: RED._('graphviz.status.rendering') });
      publish(msg, { ...(await renderer.run({ kind: 'dot', dot, engine, format, scale: Number(config.scale) || 1, font })), format }, engine, send);
    }

    node.on('input', (msg: GraphvizMessage, send, done) => {
      if (waiting >= MAX_WAITING) {
        refused++;
        done(new Error(RED._('graphviz.errors.busy', { waiting, refused })));
        return;
      }
      waiting++;
      // One message at a time: each drawing starts from the positions the previous one left.
      queue = queue.then(() => handle(msg, send as (m: NodeMessageInFlow) => void).then(() => done(), (error: Error) => {
        node.status({ fill: 'red', shape: 'ring', text: error.message.slice(0, 60) });
        done(error);
      })).finally(() => { waiting--; });
    });

    node.on('close', (removed: boolean, closeDone: () => void) => {
      if (removed) latest.delete(node.id);
      renderer.close().then(closeDone, closeDone);
    });
  }

  RED.nodes.registerType('wirescope-graphviz', GraphvizNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);

  // The editor's "view" button and dashboards fetch the latest image here.
  RED.httpAdmin.get('/wirescope/graphviz/:id/image', RED.auth.needsPermission('graphviz.read'), (req, res) => {
    const image = latest.get(String(req.params.id));
    if (!image) {
      res.status(404).send(RED._('graphviz.errors.noImage'));
      return;
    }
    res.set('Content-Type', image.contentType);
    res.set('Cache-Control', 'no-store');
    res.set('Last-Modified', new Date(image.renderedAt).toUTCString());
    res.send(image.body);
  });
};
