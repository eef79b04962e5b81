// The flow the es end-to-end tests deploy: documents POSTed to /feed (a JSON array, or
// { records, exporter } for flow records) go into es bulk; /control sends a control message
// ({ topic: 'stats' | 'retention', flush }); es bulk's stats and failure outputs go to the sink.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { Elasticsearch, type ElasticsearchOptions } from './elasticsearch';
import { MessageSink, NodeRed, type FlowNode } from './node-red';

export interface EsFlowOptions {
  url: string;
  bulk?: Record<string, unknown>;
  config?: Record<string, unknown>;
  credentials?: Record<string, string>;
  /** Path prefix of the http-in endpoints (several flows in one Node-RED). */
  prefix?: string;
}

export function esFlow(sink: MessageSink, options: EsFlowOptions): { nodes: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const p = options.prefix ?? 'es';
  const nodes: FlowNode[] = [
    { id: `${p}-config`, type: 'wirescope-es-config', name: 'test es', urls: options.url, authType: 'none', timeout: 10000, ...options.config },
    { id: `${p}-feed`, type: 'http in', url: `/${p}/feed`, method: 'post', wires: [[`${p}-bulk`, `${p}-ok`]] },
    { id: `${p}-control`, type: 'http in', url: `/${p}/control`, method: 'post', wires: [[`${p}-to-control`, `${p}-ok`]] },
    { id: `${p}-to-control`, type: 'function', func: 'return Object.assign({}, msg.payload);', outputs: 1, wires: [[`${p}-bulk`]] },
    { id: `${p}-ok`, type: 'http response', statusCode: '200', wires: [] },
    {
      id: `${p}-bulk`, type: 'wirescope-es-bulk', server: `${p}-config`, shape: 'none', indexMode: 'pattern', index: 'docs-%Y.%m.%d',
      timeField: '@timestamp', idMode: 'none', opType: 'index', batchDocs: 1000, batchMB: 5, flushMs: 200, maxInFlight: 2,
      queueDocs: 20000, queueMB: 50, whenFull: 'block', maxRetries: 8, spool: false, installTemplate: false, retentionDays: 0,
      ...options.bulk,
      wires: [[`${p}-stats`], [`${p}-fail`]],
    },
    ...sink.sinkNodes(`${p}-stats`, `${p}-stats`),
    ...sink.sinkNodes(`${p}-fail`, `${p}-fail`),
  ];
  return { nodes, credentials: options.credentials ? { [`${p}-config`]: options.credentials } : {} };
}

export async function post(nodeRed: NodeRed, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${nodeRed.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  await res.text();
}

/** The es bulk counters, asked over the control endpoint. */
export async function bulkStats(nodeRed: NodeRed, sink: MessageSink, prefix = 'es'): Promise<Record<string, number>> {
  const before = sink.messages(`${prefix}-stats`).length;
  await post(nodeRed, `/${prefix}/control`, { topic: 'stats' });
  const messages = await sink.waitFor(`${prefix}-stats`, before + 1);
  return messages[messages.length - 1].payload;
}

/** Elasticsearch, a message sink and Node-RED for the tests of one file. */
export interface EsStack {
  es?: Elasticsearch;
  sink?: MessageSink;
  nodeRed?: NodeRed;
}

/**
 * Elasticsearch (the run's shared node of that version, emptied, when `options` asks for no more than
 * a version; else its own with `options`), a message sink and Node-RED in `before` — nothing when
 * `missing` says Elasticsearch cannot run here — and stops them in `after`.
 */
export function esStack(missing: string | undefined, options: ElasticsearchOptions = {}): EsStack {
  const stack: EsStack = {};
  const plain = Object.keys(options).every((k) => k === 'version');
  before(async () => {
    if (missing) return;
    stack.es = plain ? await Elasticsearch.shared(options) : await Elasticsearch.start(options);
    stack.sink = await MessageSink.start();
    stack.nodeRed = await NodeRed.start();
  });
  after(async () => {
    await stack.nodeRed?.stop();
    await stack.sink?.stop();
    await stack.es?.stop();
  });
  return stack;
}

/** A UDP port free on 127.0.0.1 now (for an exporter's collector). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Datagrams the kernel dropped at the sockets bound to `port`: the last column of /proc/net/udp(6). */
export function socketDrops(port: number): number {
  return socketQueue(port).drops;
}

/**
 * The kernel's view of the sockets bound to `port` (all of them: SO_REUSEPORT workers have one
 * each), from /proc/net/udp(6): octets charged to their receive buffers now (rx_queue, datagrams
 * waiting to be read, each counted at its truesize) and datagrams dropped so far.
 */
export function socketQueue(port: number): { queuedBytes: number; drops: number } {
  const hexPort = ':' + port.toString(16).toUpperCase().padStart(4, '0');
  let drops = 0;
  let queuedBytes = 0;
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (!cols[1]?.endsWith(hexPort)) continue;
      drops += Number(cols[cols.length - 1]) || 0;
      queuedBytes += parseInt(cols[4]?.split(':')[1] ?? '0', 16) || 0;
    }
  }
  return { queuedBytes, drops };
}
