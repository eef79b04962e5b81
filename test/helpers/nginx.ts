// Debian nginx as a TLS reverse proxy in front of a test Elasticsearch (the integ-test zip serves
// plain HTTP only), with a CA and a server certificate made by openssl for this run (and a second,
// unrelated CA to test that a wrong one is refused). Authentication is Elasticsearch's own when it
// runs with security. API keys are the exception: Elasticsearch keeps them in its `.security`
// index, whose mapping needs the `pattern_capture` filter of the analysis-common module, which the
// integ-test zip does not ship (POST /_security/api_key answers 400 "Unknown filter type
// [pattern_capture]", trial license or not). So with `apiKey`, nginx checks the
// `Authorization: ApiKey <key>` header itself, answers a wrong or missing one as Elasticsearch does
// (401, security_exception), and passes the request on with `upstreamAuthorization`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from './node-red';
import { isRoot } from './real';
import { connect } from 'node:net';

export class NginxTlsProxy {
  private exited = false;
  private constructor(readonly dir: string, readonly port: number, private readonly child: ChildProcess) {
    child.on('exit', () => { this.exited = true; });
  }

  get url(): string { return `https://127.0.0.1:${this.port}`; }
  get caFile(): string { return join(this.dir, 'ca.crt'); }
  get otherCaFile(): string { return join(this.dir, 'other-ca.crt'); }

  static async start(upstreamPort: number, auth: { apiKey?: string; upstreamAuthorization?: string } = {}): Promise<NginxTlsProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'wirescope-nginx-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Wirescope Test CA');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=Some Other CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.cnf');
    for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), `
${isRoot ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 200m;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    location / {
      default_type application/json;
      ${auth.apiKey ? `if ($http_authorization != "ApiKey ${auth.apiKey}") {
        add_header WWW-Authenticate 'ApiKey' always;
        return 401 '{"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"}],"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"},"status":401}';
      }` : ''}
      ${auth.upstreamAuthorization ? `proxy_set_header Authorization "${auth.upstreamAuthorization}";` : ''}
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`);
    const child = spawn('nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    const proxy = new NginxTlsProxy(dir, port, child);
    await waitUntil('nginx to listen', async () => {
      if (proxy.exited) throw new Error('nginx exited at start');
      return new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
        socket.on('error', () => resolve(false));
      });
    }, 20000, 100);
    return proxy;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGQUIT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
