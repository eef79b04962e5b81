// graphviz: DOT text or a topology object in, SVG (default), PNG or DOT out. Layout runs in a worker
// thread with the WebAssembly build of Graphviz; the latest image of each node is served on an
// admin URL for the editor and dashboards.
import { failClosed } from '../shared/fail-closed';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { addDotDefaults, topologyToDot, type DotAttributes, type Topology, type TopologyEvent } from '../common/topology';
import { ENGINES, FORMATS, type Engine, type OutputFormat } from './render-types';
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

export = function (RED: NodeAPI) {
  const latest = new Map<string, Image>();

  function GraphvizNode(this: Node, config: GraphvizDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const timeoutMs = Math.max(0.01, Number(config.timeout) || 30) * 1000;
    let configured: { graph: DotAttributes; node: DotAttributes; edge: DotAttributes; rankSame: string[][] };
    try {
      configured = {
        graph: parseAttributes(config.graphAttributes, 'graph attributes'),
        node: parseAttributes(config.nodeAttributes, 'node attributes'),
        edge: parseAttributes(config.edgeAttributes, 'edge attributes'),
        rankSame: parseRankSame(config.rankSame),
      };
    } catch (error) {
      return failClosed(node, RED._('graphviz.status.badConfig'), `${RED._('graphviz.errors.config')}: ${(error as Error).message}`);
    }
    const renderer = new GraphvizRenderer(timeoutMs);

    node.on('input', (msg: GraphvizMessage, send, done) => {
      void (async () => {
        try {
          const engine = (msg.engine ?? config.engine ?? 'dot') as Engine;
          const format = (msg.format ?? config.format ?? 'svg') as OutputFormat;
          if (!ENGINES.includes(engine)) throw new Error(`unknown engine "${String(engine)}" (one of ${ENGINES.join(', ')})`);
          if (!FORMATS.includes(format)) throw new Error(`unknown format "${String(format)}" (one of ${FORMATS.join(', ')})`);
          const attributes = {
            graphAttributes: objectOr(msg.graphAttributes, configured.graph),
            nodeAttributes: objectOr(msg.nodeAttributes, configured.node),
            edgeAttributes: objectOr(msg.edgeAttributes, configured.edge),
            rankSame: Array.isArray(msg.rankSame) ? (msg.rankSame as string[][]) : configured.rankSame,
          };
          let dot: string;
          if (typeof msg.payload === 'string') dot = addDotDefaults(msg.payload, attributes);
          else if (isTopology(msg.payload)) {
            // A baseline poll (the first) reports everything as new: nothing to highlight.
            const events = Array.isArray(msg.events) && msg.baseline !== true ? (msg.events as TopologyEvent[]) : undefined;
            dot = topologyToDot(msg.payload, { ...attributes, events, legend: config.legend === false ? false : undefined });
          } else throw new Error('msg.payload must be DOT text or a topology object ({devices, links})');
          node.status({ fill: 'blue', shape: 'dot', text: RED._('graphviz.status.rendering') });
          const body = await renderer.render(dot, engine, format, Number(config.scale) || 1);
          const image: Image = { body, contentType: CONTENT_TYPES[format], renderedAt: new Date().toISOString() };
          latest.set(node.id, image);
          const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
          node.status({ fill: 'green', shape: 'dot', text: `${format} ${(size / 1024).toFixed(1)} kB` });
          send({ ...msg, payload: body, dot, format, engine, contentType: image.contentType } as NodeMessageInFlow);
          done();
        } catch (error) {
          node.status({ fill: 'red', shape: 'ring', text: (error as Error).message.slice(0, 60) });
          done(error as Error);
        }
      })();
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
