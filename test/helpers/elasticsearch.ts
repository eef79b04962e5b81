// A real single-node Elasticsearch for tests and benchmarks: an integ-test-zip that
// scripts/setup.d/es.sh unpacks into .cache/elasticsearch/<version> (the newest 8.x and 9.x;
// `current` is the 8.x), run with the machine's Java on a free port with a temp data dir.
// Elasticsearch refuses to run as root, so as root the process runs as the system user
// `wirescope-es` (created when missing), from a copy of the distribution under
// /var/tmp/wirescope-es/<version>: a checkout under a private directory (/root is 0700) cannot
// be read or executed by that user.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, chownSync, closeSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, realpathSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot, waitUntil } from './node-red';
import { hasCommand, isRoot } from './real';

const esCache = join(repoRoot, '.cache', 'elasticsearch');
export const esHome = join(esCache, 'current');
const esUser = 'wirescope-es';
/** Where the distributions the `wirescope-es` user runs are copied (world-readable, machine-wide). */
export const sharedEsRoot = '/var/tmp/wirescope-es';

/** The newest unpacked version of each major, oldest major first (e.g. ['8.19.21', '9.2.1']). */
export function esVersions(): string[] {
  const unpacked = existsSync(esCache) ? readdirSync(esCache).filter((v) => /^\d+\.\d+\.\d+$/.test(v) && existsSync(join(esCache, v, 'bin', 'elasticsearch'))) : [];
  const newest = new Map<string, string>();
  const key = (v: string) => v.split('.').map((n) => n.padStart(6, '0')).join('.');
  for (const v of unpacked.sort((a, b) => key(a).localeCompare(key(b)))) newest.set(v.split('.')[0], v);
  return [...newest.values()];
}

/**
 * A copy of the distribution at `home` that the user `uid` can read and execute: `home` itself
 * when it can, else /var/tmp/wirescope-es/<version> (made once, atomically, mode 755).
 */
export function reachableHome(home: string, version: string, uid: number, gid: number): string {
  if (canExecuteAs(join(home, 'bin', 'elasticsearch'), uid, gid)) return home;
  const target = join(sharedEsRoot, version);
  if (existsSync(join(target, 'bin', 'elasticsearch'))) return target;
  mkdirSync(sharedEsRoot, { recursive: true, mode: 0o755 });
  chmodSync(sharedEsRoot, 0o755);
  const copy = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  cpSync(home, copy, { recursive: true, verbatimSymlinks: true });
  chmodSync(copy, 0o755);
  try {
    renameSync(copy, target);
  } catch {
    rmSync(copy, { recursive: true, force: true }); // another process made it first
  }
  return target;
}

/** Whether `uid` can execute `file` (every directory on the way searchable): asked as that user. */
export function canExecuteAs(file: string, uid: number, gid: number): boolean {
  if (uid === process.getuid?.()) {
    try { accessSync(file, constants.X_OK); return true; } catch { return false; }
  }
  try {
    execFileSync('test', ['-x', file], { uid, gid, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// A test process that exits without its `after` hooks (an interrupted run) must not leave a JVM.
const running = new Set<ChildProcess>();
process.once('exit', () => { for (const child of running) child.kill('SIGTERM'); });

/** Why Elasticsearch cannot run here, or undefined when it can. */
export function elasticsearchMissing(version?: string): string | undefined {
  if (!existsSync(join(homeOf(version), 'bin', 'elasticsearch'))) return `Elasticsearch ${version ?? ''} not unpacked (run scripts/setup.d/es.sh)`;
  if (!hasCommand('java')) return 'java missing';
  return undefined;
}

function homeOf(version?: string): string {
  if (!version) return esHome;
  const exact = join(esCache, version);
  if (version.includes('.')) return exact;
  const newest = esVersions().find((v) => v.split('.')[0] === version);
  return newest ? join(esCache, newest) : exact;
}

export interface EsUser { username: string; password: string; roles?: string[] }

export interface ElasticsearchOptions {
  /** Extra `-E` settings, e.g. { 'thread_pool.write.queue_size': '2' }. */
  settings?: Record<string, string>;
  /** A version (`8.19.21`) or a major (`9`): the newest unpacked of it; default `current` (8.x). */
  version?: string;
  /**
   * Security on (HTTP without TLS) with these users in the file realm; the helper adds a
   * superuser of its own for its requests.
   */
  users?: EsUser[];
  /** The HTTP port (default: a free one), for a caller that must name the URL before the node is up. */
  port?: number;
  /** JVM heap, default 512m. */
  heap?: string;
  /** A member of a cluster (see EsCluster) instead of a single-node one. */
  member?: { cluster: string; node: string; transportPort: number; seedPorts: number[]; masters: string[] };
  /**
   * For `shared()`: its own session, under WIRESCOPE_SHARED_ES, output to logs/console.log, not
   * stopped when this process exits (scripts/run-tests.mjs stops it).
   */
  detached?: boolean;
}

/** What a test process needs to use the run's shared Elasticsearch of one version (see `shared()`). */
interface SharedState { pid: number; port: number; baseDir: string; baseline: Record<string, string[]> }

export class Elasticsearch {
  private child?: ChildProcess;
  private exited = true;
  /** Started by another test process of this run and stopped by scripts/run-tests.mjs: stop() leaves it running. */
  private isShared = false;
  readonly logs: string[] = [];

  private readonly home: string;
  private readonly admin?: EsUser;

  private constructor(readonly baseDir: string, readonly port: number, private readonly options: ElasticsearchOptions, private readonly user?: { uid: number; gid: number }) {
    const home = homeOf(options.version);
    this.home = user ? reachableHome(home, realpathSync(home).split('/').pop()!, user.uid, user.gid) : home;
    if (options.users) this.admin = { username: 'wirescope-admin', password: randomBytes(12).toString('hex'), roles: ['superuser'] };
  }

  /** The version this node runs (from the distribution's directory name). */
  get version(): string { return realpathSync(this.home).split('/').pop()!.replace(/\.tmp-.*$/, ''); }

  /** Headers for the helper's own requests (basic auth as its superuser when security is on). */
  private get headers(): Record<string, string> {
    return this.admin ? { authorization: `Basic ${Buffer.from(`${this.admin.username}:${this.admin.password}`).toString('base64')}` } : {};
  }

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  /** Whether the process is up (false after pause(), stop() or a crash). */
  get running(): boolean { return !this.exited; }

  /** Starts a fresh node and waits for a yellow or green cluster. */
  static async start(options: ElasticsearchOptions = {}): Promise<Elasticsearch> {
    const why = elasticsearchMissing();
    if (why) throw new Error(why);
    const user = isRoot ? ensureUser() : undefined;
    // A detached node lives in the run's shared directory, where scripts/run-tests.mjs finds and stops it.
    const baseDir = mkdtempSync(join(options.detached && process.env.WIRESCOPE_SHARED_ES ? process.env.WIRESCOPE_SHARED_ES : tmpdir(), 'wirescope-es-'));
    for (const dir of ['data', 'logs', 'tmp']) mkdirSync(join(baseDir, dir));
    // The config dir is copied because Elasticsearch writes its keystore there at start.
    const es = new Elasticsearch(baseDir, options.port ?? (await freePort()), options, user);
    cpSync(join(es.home, 'config'), join(baseDir, 'config'), { recursive: true });
    for (const u of [...(options.users ?? []), ...(es.admin ? [es.admin] : [])]) {
      execFileSync(join(es.home, 'bin', 'elasticsearch-users'), ['useradd', u.username, '-p', u.password, '-r', (u.roles ?? ['superuser']).join(',')], {
        env: { PATH: process.env.PATH, ES_JAVA_HOME: javaHome(es.version), ES_PATH_CONF: join(baseDir, 'config') }, stdio: 'pipe',
      });
    }
    if (user) chownTree(baseDir, user.uid, user.gid);
    try {
      await es.resume();
    } catch (err) {
      await es.stop();
      throw err;
    }
    return es;
  }

  /**
   * The test run's Elasticsearch of this version, emptied for the calling file: scripts/run-tests.mjs
   * names a directory in WIRESCOPE_SHARED_ES, the first file that asks starts a node there (detached,
   * so it outlives that file's process) and the runner stops it after the last pass. Starting a JVM
   * costs 15–25 s on a loaded 2-core machine; files that need a plain node (no settings, no users, not
   * stopped or paused by the test) share one. Each file gets it with no indices, data streams,
   * templates or pipelines but the node's own, so files cannot see each other's documents.
   * Only the default version (`current`, the 8.x) is shared: one file asks for the 9.x, a shared one
   * would only hold memory for the rest of the run. Without WIRESCOPE_SHARED_ES (a test file run by
   * hand) or for another version this is `start()`.
   */
  static async shared(options: Pick<ElasticsearchOptions, 'version'> = {}): Promise<Elasticsearch> {
    const dir = process.env.WIRESCOPE_SHARED_ES;
    const why = elasticsearchMissing(options.version);
    if (why) throw new Error(why);
    const key = realpathSync(homeOf(options.version)).split('/').pop()!;
    if (!dir || !existsSync(dir) || key !== realpathSync(esHome).split('/').pop()) return Elasticsearch.start(options);
    const stateFile = join(dir, `${key}.json`);
    const es = await withLock(join(dir, `${key}.lock`), async () => {
      const state = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as SharedState) : undefined;
      if (state) {
        const attached = new Elasticsearch(state.baseDir, state.port, { version: options.version }, isRoot ? ensureUser() : undefined);
        attached.baseline = state.baseline;
        attached.attachedPid = state.pid;
        if (await attached.healthy()) return attached;
      }
      const started = await Elasticsearch.start({ version: options.version, detached: true });
      started.baseline = await started.ownedNames();
      const next: SharedState = { pid: started.child!.pid!, port: started.port, baseDir: started.baseDir, baseline: started.baseline };
      writeFileSync(stateFile, JSON.stringify(next));
      return started;
    });
    es.isShared = true;
    es.exited = false;
    await es.empty();
    return es;
  }

  /** The launcher's pid of a shared node another test process started (for freeze / thaw). */
  private attachedPid?: number;

  /** Names of what the node holds besides indices (templates, pipelines...), per API: the node's own at start. */
  private baseline: Record<string, string[]> = {};

  /** Per API, the names it lists that are not Elasticsearch's own (`_meta.managed`, a leading dot). */
  private static readonly namedApis: Record<string, (body: any) => string[]> = {
    '/_index_template': (b) => (b.index_templates ?? []).filter((t: any) => !t.index_template?._meta?.managed).map((t: { name: string }) => t.name),
    '/_component_template': (b) => (b.component_templates ?? []).filter((t: any) => !t.component_template?._meta?.managed).map((t: { name: string }) => t.name),
    '/_template': (b) => Object.keys(b ?? {}),
    '/_ingest/pipeline': (b) => Object.entries(b ?? {}).filter(([, v]: [string, any]) => !v?._meta?.managed).map(([k]) => k),
    '/_ilm/policy': (b) => Object.entries(b ?? {}).filter(([, v]: [string, any]) => !v?.policy?._meta?.managed).map(([k]) => k),
  };

  private async ownedNames(): Promise<Record<string, string[]>> {
    const names: Record<string, string[]> = {};
    for (const [api, read] of Object.entries(Elasticsearch.namedApis)) {
      try { names[api] = read(await this.request('GET', api)); } catch { names[api] = []; } // an API the zip lacks, or none yet (404)
    }
    return names;
  }

  /** Removes every data stream and index not starting with '.', and what tests added to the baseline. */
  private async empty(): Promise<void> {
    const streams = await this.request<{ data_streams?: Array<{ name: string }> }>('GET', '/_data_stream').catch(() => ({ data_streams: [] }));
    for (const { name } of streams.data_streams ?? []) if (!name.startsWith('.')) await this.request('DELETE', `/_data_stream/${encodeURIComponent(name)}`);
    const indices = (await this.request<Array<{ index: string }>>('GET', '/_cat/indices?format=json&h=index&expand_wildcards=open,closed'))
      .map((r) => r.index).filter((i) => !i.startsWith('.'));
    for (let i = 0; i < indices.length; i += 50) await this.request('DELETE', `/${indices.slice(i, i + 50).map(encodeURIComponent).join(',')}`);
    const now = await this.ownedNames();
    for (const [api, names] of Object.entries(now)) {
      for (const name of names) {
        if (name.startsWith('.') || (this.baseline[api] ?? []).includes(name)) continue;
        // One that is still in use, or that Elasticsearch protects, stays: the indices are what isolates files.
        await this.request('DELETE', `${api}/${encodeURIComponent(name)}`).catch(() => undefined);
      }
    }
  }

  /** Whether the node answers with a yellow or green cluster within `timeoutMs`. */
  private async healthy(timeoutMs = 5000): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/_cluster/health`, { headers: this.headers, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return false;
      const health = (await res.json()) as { status: string };
      return health.status === 'green' || health.status === 'yellow';
    } catch {
      return false;
    }
  }

  /** (Re)starts the process on the same port and data dir: used after `pause()` to end an outage. */
  async resume(): Promise<void> {
    const member = this.options.member;
    const transportPort = member?.transportPort ?? await freePort();
    const settings: Record<string, string> = {
      ...(member
        ? {
          'cluster.name': member.cluster, 'node.name': member.node,
          'discovery.seed_hosts': member.seedPorts.map((p) => `127.0.0.1:${p}`).join(','),
          'cluster.initial_master_nodes': member.masters.join(','),
        }
        : { 'cluster.name': 'wirescope-test', 'discovery.type': 'single-node' }),
      'network.host': '127.0.0.1',
      'http.port': String(this.port),
      'transport.port': String(transportPort),
      'path.data': join(this.baseDir, 'data'),
      'path.logs': join(this.baseDir, 'logs'),
      ...(this.options.users
        ? { 'xpack.security.enabled': 'true', 'xpack.security.http.ssl.enabled': 'false', 'xpack.security.transport.ssl.enabled': 'false' }
        : { 'xpack.security.enabled': 'false' }),
      'xpack.ml.enabled': 'false',
      'ingest.geoip.downloader.enabled': 'false',
      // Tests fill the small temp disk of a CI machine; the default watermarks would block writes.
      'cluster.routing.allocation.disk.threshold_enabled': 'false',
      'action.destructive_requires_name': 'false',
      ...this.options.settings,
    };
    // xpack.ml is absent from the integ-test zip: only pass settings that its modules know.
    if (!readdirSync(join(this.home, 'modules')).some((m) => m.includes('ml'))) delete settings['xpack.ml.enabled'];
    if (!readdirSync(join(this.home, 'modules')).some((m) => m.includes('geoip'))) delete settings['ingest.geoip.downloader.enabled'];
    const args = Object.entries(settings).map(([k, v]) => `-E${k}=${v}`);
    this.exited = false;
    const detached = !!this.options.detached;
    const consoleLog = detached ? openSync(join(this.baseDir, 'logs', 'console.log'), 'a') : undefined;
    const child = spawn(join(this.home, 'bin', 'elasticsearch'), args, {
      cwd: this.baseDir,
      detached,
      uid: this.user?.uid,
      gid: this.user?.gid,
      env: {
        PATH: process.env.PATH,
        ES_JAVA_HOME: javaHome(this.version),
        ES_PATH_CONF: join(this.baseDir, 'config'),
        ES_TMPDIR: join(this.baseDir, 'tmp'),
        ES_JAVA_OPTS: `-Xms${this.options.heap ?? '512m'} -Xmx${this.options.heap ?? '512m'}`,
        HOME: this.baseDir,
      },
      stdio: consoleLog === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', consoleLog, consoleLog],
    });
    if (consoleLog !== undefined) {
      closeSync(consoleLog);
      child.unref();
      this.logs.push(`(output in ${join(this.baseDir, 'logs', 'console.log')})`);
    } else {
      running.add(child);
    }
    this.child = child;
    const keep = (chunk: Buffer) => { this.logs.push(...chunk.toString().split('\n').filter(Boolean)); if (this.logs.length > 5000) this.logs.splice(0, 1000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => { this.exited = true; running.delete(child); });
    await waitUntil(`Elasticsearch ${member?.node ?? ''} to be yellow or green`, async () => {
      if (this.exited) throw new Error(`Elasticsearch exited:\n${this.logTail(40)}`);
      return this.healthy(2000);
    }, 600_000, 250).catch((err: Error) => { throw new Error(`${err.message}:\n${this.logTail(30)}`); }); // a loaded CI machine can take minutes to start a JVM
  }

  private logTail(lines: number): string {
    const file = join(this.baseDir, 'logs', 'console.log');
    const text = this.options.detached && existsSync(file) ? readFileSync(file, 'utf8').split('\n') : this.logs;
    return text.slice(-lines).join('\n');
  }

  /** Stops the process but keeps the data: an outage. */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    child.kill('SIGCONT'); // a frozen JVM cannot handle SIGTERM
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    await exited;
    clearTimeout(timer);
  }

  /**
   * SIGKILL to the server JVM and its launcher: the node dies at once, mid-request, as in a crash
   * or an OOM kill (data kept; `resume()` brings it back). `bin/elasticsearch` is a launcher JVM
   * whose child is the server: killing the launcher alone would let the server shut down cleanly.
   */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const exited = new Promise((r) => child.once('exit', r));
    this.signalTree('SIGKILL');
    await exited;
  }

  /** SIGSTOP / SIGCONT to the server and its launcher: a node that holds connections open and answers nothing (a hung JVM). */
  freeze(): void { this.signalTree('SIGSTOP'); }
  thaw(): void { this.signalTree('SIGCONT'); }

  /** The server JVM first (children before parents), then the launcher this helper started. */
  private signalTree(signal: NodeJS.Signals): void {
    const launcher = this.child?.pid ?? this.attachedPid;
    if (!launcher || this.exited) return;
    for (const pid of [...descendants(launcher).reverse(), launcher]) {
      try { process.kill(pid, signal); } catch { /* already gone */ }
    }
  }

  /** Stops the process and removes its data (the run's shared node: nothing, the runner stops it). */
  async stop(): Promise<void> {
    if (this.isShared) return;
    await this.pause();
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  /** A JSON request to the node; throws with the body on an HTTP error. */
  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async count(index: string, query?: unknown): Promise<number> {
    await this.request('POST', `/${index}/_refresh`);
    const res = await this.request<{ count: number }>('POST', `/${index}/_count`, query ? { query } : undefined);
    return res.count;
  }
}

/**
 * A Java that can run Elasticsearch `version`: 8.x runs on the machine's Java 17, 9.x needs 21 or
 * later, found among the JDKs under /usr/lib/jvm (the same search as scripts/setup.d/es.sh).
 */
function javaHome(version = '8'): string {
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  if (Number(version.split('.')[0]) >= 9) {
    const jdk = newestJdk(21);
    if (!jdk) throw new Error(`Elasticsearch ${version} needs Java 21 or later; none under /usr/lib/jvm`);
    return jdk;
  }
  // /usr/bin/java -> .../jvm/java-17-openjdk-amd64/bin/java
  const java = realpathSync(execFileSync('sh', ['-c', 'command -v java']).toString().trim());
  return join(java, '..', '..');
}

/** The newest JDK under /usr/lib/jvm whose `release` file says JAVA_VERSION >= `minimum`. */
function newestJdk(minimum: number): string | undefined {
  const root = '/usr/lib/jvm';
  if (!existsSync(root)) return undefined;
  const found = readdirSync(root).flatMap((dir) => {
    const release = join(root, dir, 'release');
    if (!existsSync(release) || !existsSync(join(root, dir, 'bin', 'java'))) return [];
    const major = Number(/JAVA_VERSION="(\d+)/.exec(readFileSync(release, 'utf8'))?.[1]);
    return major >= minimum ? [{ dir: join(root, dir), major }] : [];
  });
  return found.sort((a, b) => b.major - a.major)[0]?.dir;
}

/** The system user that runs Elasticsearch when the tests run as root (created when missing). */
export function ensureUser(): { uid: number; gid: number } {
  const lookup = () => {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', esUser], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()),
        gid: Number(execFileSync('id', ['-g', esUser], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()),
      };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', esUser], { stdio: 'ignore' });
  } catch {
    // Another test process may have created it at the same moment.
  }
  const created = lookup();
  if (!created) throw new Error(`cannot create the system user ${esUser} to run Elasticsearch`);
  return created;
}

/** Every process below `pid` (children, grandchildren...), parents before their children, from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in parentheses may contain spaces: the parent pid is the 2nd field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) if (ppid === parent) { found.push(child); walk(child); }
  };
  walk(pid);
  return found;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}


/**
 * A cluster of `size` nodes on this machine: each with its own data dir, HTTP and transport ports
 * and a small heap, all master-eligible, discovering each other on loopback.
 */
export class EsCluster {
  private constructor(readonly nodes: Elasticsearch[]) {}

  get urls(): string[] { return this.nodes.map((n) => n.url); }

  static async start(size = 3, options: Omit<ElasticsearchOptions, 'member'> = {}): Promise<EsCluster> {
    const cluster = `wirescope-cluster-${randomBytes(3).toString('hex')}`;
    const ports: number[] = [];
    while (ports.length < size) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const names = ports.map((_, i) => `node-${i}`);
    const started = await Promise.allSettled(ports.map((transportPort, i) => Elasticsearch.start({
      heap: '256m', ...options,
      member: { cluster, node: names[i], transportPort, seedPorts: ports, masters: names },
    })));
    const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(nodes.map((n) => n.stop()));
      throw failed.reason;
    }
    return new EsCluster(nodes);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  /** Waits until a live node says the cluster is `status` (or better) with `nodes` members. */
  async waitFor(status: 'green' | 'yellow', nodes = this.nodes.length, timeoutMs = 300_000): Promise<void> {
    await waitUntil(`cluster ${status} with ${nodes} nodes`, async () => {
      for (const node of this.nodes.filter((n) => n.running)) {
        try {
          const h = await node.request('GET', '/_cluster/health');
          if ((status === 'yellow' ? ['yellow', 'green'] : ['green']).includes(h.status) && h.number_of_nodes >= nodes) return true;
        } catch { /* that node is down or has no master yet: ask the next */ }
      }
      return false;
    }, timeoutMs, 500);
  }
}

/** Runs `body` holding a lock directory (mkdir is atomic); a lock older than 15 minutes is taken as left behind. */
async function withLock<T>(lock: string, body: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try { if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true }); } catch { /* released meanwhile */ }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
