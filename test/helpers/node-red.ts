// A real Node-RED process (Node-RED 5 on Node 22 by default, see runtime.ts) with the pack installed
// as the palette would install it, for end-to-end and browser tests: deploy flows over the admin API, collect what the flow sends
// (through an HTTP sink), the node statuses (over the editor's comms websocket) and the log.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { placeRuntime, repoRoot, runtime, type PlacedRuntime, type Runtime } from './runtime';

export { repoRoot };

export type FlowNode = { id: string; type: string; z?: string; wires?: string[][]; [key: string]: unknown };
export interface NodeStatus { fill?: string; shape?: string; text?: string }

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A UDP port free on 127.0.0.1 right now (for collectors and exporters). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface NodeRedOptions {
  /** Extra settings.js properties (JSON-serialisable). */
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Reuse a user dir (to test a restart); a fresh temp dir otherwise. */
  userDir?: string;
  port?: number;
  /** Run Node-RED as this user (the user dir is handed over to it); root otherwise. */
  user?: { uid: number; gid: number };
  /** Which Node-RED on which Node: `5`, `4` or a runtime id (see runtime.ts); WIRESCOPE_NODE_RED otherwise. */
  runtime?: string;
  /** false: the user dir already holds the pack (a test installed it with npm); the helper places it otherwise. */
  placePack?: boolean;
}

/**
 * Subscribes to the node statuses of the Node-RED on `port` (the editor's comms websocket) and
 * appends each to `statuses` under its node id; close the returned socket to stop.
 */
export async function watchStatuses(port: number, statuses: Map<string, NodeStatus[]>): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/comms`);
  await new Promise<void>((ok, fail) => { socket.once('open', () => ok()); socket.once('error', fail); });
  socket.send(JSON.stringify({ subscribe: 'status/#' }));
  socket.on('message', (data) => {
    for (const event of JSON.parse(String(data)) as Array<{ topic: string; data: NodeStatus }>) {
      if (!event.topic.startsWith('status/')) continue;
      const id = event.topic.slice('status/'.length);
      const list = statuses.get(id) ?? [];
      list.push(event.data);
      statuses.set(id, list);
    }
  });
  return socket;
}

export class NodeRed {
  readonly logs: string[] = [];
  readonly statuses = new Map<string, NodeStatus[]>();
  private comms?: WebSocket;
  private exited = false;

  private constructor(readonly userDir: string, readonly port: number, private readonly child: ChildProcess, private readonly ownsUserDir: boolean,
    /** The Node-RED and Node this process runs. */
    readonly runtime: Runtime, private readonly placed: PlacedRuntime) {
    const keep = (chunk: Buffer) => this.logs.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => { this.exited = true; });
  }

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  static async start(options: NodeRedOptions = {}): Promise<NodeRed> {
    const ownsUserDir = !options.userDir;
    const userDir = options.userDir ?? mkdtempSync(join(tmpdir(), 'wirescope-nr-'));
    const chosen = runtime(options.runtime);
    let placed: PlacedRuntime = { node: chosen.node, nodeRed: chosen.nodeRed, cleanup: () => {} };
    if (options.placePack !== false) {
      writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { '@wirescope/node-red': `file:${repoRoot}` } }, null, 2));
      placed = placeRuntime(chosen, userDir, !!options.user);
    }
    const port = options.port ?? (await freePort());
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      credentialSecret: 'wirescope-test-secret',
      debugMaxLength: 100000,
      logging: { console: { level: 'debug', metrics: false, audit: false } },
      editorTheme: { tours: false }, externalModules: { palette: { allowInstall: false } }, diagnostics: { enabled: false }, telemetry: { enabled: false },
      ...options.settings,
    };
    writeFileSync(join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    if (options.user) execFileSync('chown', ['-R', `${options.user.uid}:${options.user.gid}`, userDir]);
    const child = spawn(placed.node, [placed.nodeRed, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], {
      env: { ...process.env, HOME: userDir, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ?? {}),
    });
    const nodeRed = new NodeRed(userDir, port, child, ownsUserDir, chosen, placed);
    try {
      await waitUntil('Node-RED to start', () => {
        if (nodeRed.exited) throw new Error(`Node-RED exited:\n${nodeRed.logs.join('\n')}`);
        return nodeRed.logs.some((l) => l.includes('Server now running'));
      }, 60000);
      await nodeRed.settleInitialStart();
      await nodeRed.connectComms();
    } catch (err) {
      await nodeRed.stop();
      throw err;
    }
    return nodeRed;
  }

  /**
   * Node-RED logs "Server now running" before it starts the flows it found, so without this wait the
   * first deploy could take the start-up's "Started flows" for its own and return too early.
   * Flows with missing types never log "Started flows"; the start-up settles there too.
   */
  private async settleInitialStart(): Promise<void> {
    const settled = () => this.logs.some((l) => l.includes('Started flows') || l.includes('Waiting for missing types'));
    await waitUntil('the start-up flows to start', () => {
      if (this.exited) throw new Error(`Node-RED exited:\n${this.logs.join('\n')}`);
      return settled();
    }, 60000);
  }

  private async connectComms(): Promise<void> {
    this.comms = await watchStatuses(this.port, this.statuses);
  }

  /** Full deploy. Nodes without `z` are placed on one tab. Returns when the runtime reports the flows started. */
  async deploy(nodes: FlowNode[], credentials?: Record<string, Record<string, string>>): Promise<void> {
    const tab = { id: 'wirescope-test-tab', type: 'tab', label: 'test' };
    const flows = [tab, ...nodes.map((n) => ({ z: tab.id, ...n, ...(credentials?.[n.id] ? { credentials: credentials[n.id] } : {}) }))];
    const startedBefore = this.logs.filter((l) => l.includes('Started flows')).length;
    this.statuses.clear(); // statuses from here on belong to this deployment
    const response = await fetch(`${this.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' },
      body: JSON.stringify(flows),
    });
    if (!response.ok) throw new Error(`deploy failed: ${response.status} ${await response.text()}`);
    await waitUntil('flows to start', () => this.logs.filter((l) => l.includes('Started flows')).length > startedBefore);
  }

  async flowsJson(): Promise<FlowNode[]> {
    return (await (await fetch(`${this.url}/flows`)).json()) as FlowNode[];
  }

  lastStatus(id: string): NodeStatus | undefined {
    const list = this.statuses.get(id);
    return list?.[list.length - 1];
  }

  async waitForStatus(id: string, predicate: (s: NodeStatus) => boolean, timeoutMs = 20000): Promise<NodeStatus> {
    let found: NodeStatus | undefined;
    try {
      await waitUntil(`status of ${id}`, () => { found = this.statuses.get(id)?.find(predicate); return !!found; }, timeoutMs);
    } catch (err) {
      // Say what the node showed instead, and what it logged, so a CI failure can be read at once.
      const last = this.lastStatus(id);
      const logged = this.logs.filter((l) => l.includes(id) || /\[(error|warn)\]/.test(l)).slice(-5);
      throw new Error(`${(err as Error).message}; last status: ${last ? JSON.stringify(last) : 'none'}${logged.length ? `; last errors and warnings:\n  ${logged.join('\n  ')}` : ''}`);
    }
    return found!;
  }

  async waitForLog(pattern: RegExp, timeoutMs = 20000): Promise<string> {
    let found: string | undefined;
    await waitUntil(`log ${pattern}`, () => { found = this.logs.find((l) => pattern.test(l)); return !!found; }, timeoutMs);
    return found!;
  }

  /** Stops the process (SIGINT, as a user would) and removes the user dir this helper created. */
  async stop(options: { keepUserDir?: boolean } = {}): Promise<void> {
    this.comms?.terminate();
    if (!this.exited) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    this.placed.cleanup();
    if (this.ownsUserDir && !options.keepUserDir) rmSync(this.userDir, { recursive: true, force: true });
  }

  get pid(): number | undefined { return this.child.pid; }
}

/** An HTTP server that the flow posts its messages to; `sinkNodes` makes the two flow nodes that do it. */
export class MessageSink {
  private readonly received = new Map<string, any[]>();
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<MessageSink> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    const sink = new MessageSink(server, typeof address === 'object' && address ? address.port : 0);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const tag = decodeURIComponent((req.url ?? '/').slice(1));
        const list = sink.received.get(tag) ?? [];
        const message = JSON.parse(Buffer.concat(chunks).toString());
        let at = list.length;
        while (at > 0 && list[at - 1]._sinkSeq > message._sinkSeq) at--;
        list.splice(at, 0, message);
        sink.received.set(tag, list);
        res.end('ok');
      });
    });
    return sink;
  }

  /** Flow nodes that forward every message reaching `id` to this sink under `tag` (BigInt as string, Buffer as {type,data}). */
  sinkNodes(id: string, tag: string): FlowNode[] {
    return [
      {
        id, type: 'function', name: `sink ${tag}`, outputs: 1,
        // Each message is its own HTTP request, and requests may overtake each other: a sequence
        // number lets the sink put them back in the order the flow sent them.
        func: "const o = Object.assign({}, msg); delete o.req; delete o.res; delete o._msgid;\n" +
          "const seq = (context.get('seq') || 0) + 1; context.set('seq', seq); o._sinkSeq = seq;\n" +
          "return { payload: JSON.stringify(o, (k, v) => typeof v === 'bigint' ? v.toString() : v), headers: { 'content-type': 'application/json' } };",
        wires: [[`${id}-post`]],
      },
      { id: `${id}-post`, type: 'http request', method: 'POST', ret: 'txt', url: `http://127.0.0.1:${this.port}/${encodeURIComponent(tag)}`, wires: [[]] },
    ];
  }

  messages(tag: string): any[] { return this.received.get(tag) ?? []; }

  async waitFor(tag: string, count: number, timeoutMs = 20000): Promise<any[]> {
    await waitUntil(`${count} message(s) on ${tag} (have ${this.messages(tag).length})`, () => this.messages(tag).length >= count, timeoutMs);
    return this.messages(tag);
  }

  clear(): void { this.received.clear(); }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
