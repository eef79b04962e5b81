// TLS, authentication and secrets: a real Elasticsearch with security on checks the user and
// password itself (its file realm); nginx in front adds only TLS (with a CA made for this run),
// which the integ-test zip does not serve. A wrong CA, a wrong password and an unreachable host
// each give a clear error; the password never shows up in the flow JSON, the logs or the failure
// output. API keys: the integ-test zip cannot create them (see test/helpers/nginx.ts), so a second
// nginx checks the `ApiKey` header as Elasticsearch would and forwards with the superuser's login.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Elasticsearch, elasticsearchMissing } from '../helpers/elasticsearch';
import { NginxTlsProxy } from '../helpers/nginx';
import { freePort, MessageSink, NodeRed, waitUntil } from '../helpers/node-red';
import { hasCommand, requireReal } from '../helpers/real';
import { bulkStats, esFlow, post } from '../helpers/es-flow';

const user = 'flows';
const password = `pw-${randomBytes(9).toString('hex')}`;
let es: Elasticsearch | undefined;
let proxy: NginxTlsProxy | undefined;
let keyProxy: NginxTlsProxy | undefined;
const apiKey = Buffer.from(`key-id-${randomBytes(4).toString('hex')}:${randomBytes(16).toString('hex')}`).toString('base64');
let nodeRed: NodeRed | undefined;
let sink: MessageSink | undefined;
const missing = elasticsearchMissing() ?? (hasCommand('nginx') && hasCommand('openssl') ? undefined : 'nginx and openssl are needed (scripts/apt/es.txt)');

before(async () => {
  if (missing) return;
  es = await Elasticsearch.start({ users: [{ username: user, password, roles: ['superuser'] }] });
  proxy = await NginxTlsProxy.start(es.port);
  keyProxy = await NginxTlsProxy.start(es.port, { apiKey, upstreamAuthorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  sink = await MessageSink.start();
  nodeRed = await NodeRed.start();
});

after(async () => {
  await nodeRed?.stop();
  await sink?.stop();
  await proxy?.stop();
  await keyProxy?.stop();
  await es?.stop();
});

async function testConnection(body: Record<string, unknown>): Promise<{ ok: boolean; clusterName?: string; version?: string; error?: string; nodes?: Array<{ url: string; ok: boolean; version?: string; error?: string }> }> {
  const t0 = Date.now();
  const res = await fetch(`${nodeRed!.url}/wirescope-es-config/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  const out = await res.json() as never;
  if (process.env.DEBUG_ES) console.log('test connection', Date.now() - t0, 'ms', JSON.stringify(out));
  return out;
}

test('test connection: right CA and password give the cluster name and version; each fault its own error', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  const nodes = await es!.request('GET', '/_nodes/_local?filter_path=nodes.*.version');
  const version = (Object.values(nodes.nodes)[0] as { version: string }).version;
  const good = { urls: proxy!.url, authType: 'basic', ca: proxy!.caFile, credentials: { username: user, password } };

  assert.deepEqual(await testConnection(good), { ok: true, clusterName: 'wirescope-test', version, nodes: [{ url: proxy!.url, ok: true, clusterName: 'wirescope-test', version }] });

  // Several URLs, one dead: each is asked on its own and answers for itself.
  const dead = `https://127.0.0.1:${await freePort()}`;
  const several = await testConnection({ ...good, urls: `${proxy!.url}, ${dead}` });
  assert.equal(several.ok, false);
  assert.deepEqual(several.nodes!.map((n) => [n.url, n.ok]), [[proxy!.url, true], [dead, false]]);
  assert.match(several.nodes![1].error!, /connection refused/);
  assert.equal(several.nodes![0].version, version);

  const wrongCa = await testConnection({ ...good, ca: proxy!.otherCaFile });
  assert.equal(wrongCa.ok, false);
  assert.match(wrongCa.error!, /TLS error \(\w+\)/);

  const noCa = await testConnection({ ...good, ca: '' });
  assert.equal(noCa.ok, false);
  assert.match(noCa.error!, /TLS error/);

  const wrongPassword = await testConnection({ ...good, credentials: { username: user, password: 'not-it' } });
  assert.equal(wrongPassword.ok, false);
  assert.match(wrongPassword.error!, /authentication failed \(HTTP 401\)/);
  assert.match(wrongPassword.error!, /unable to authenticate user \[flows\]/); // Elasticsearch's own answer

  const unreachable = await testConnection({ ...good, urls: `https://127.0.0.1:${await freePort()}` });
  assert.equal(unreachable.ok, false);
  assert.match(unreachable.error!, /connection refused/);

  // Verification off: connects, and the runtime says loudly that it is off.
  assert.equal((await testConnection({ ...good, ca: '', insecure: true })).ok, true);
});

test('es bulk through TLS + basic auth; the password stays out of flows, logs and failures', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  await es!.request('PUT', '/secure-docs', { mappings: { properties: { n: { type: 'long' } } } });
  const flow = esFlow(sink!, {
    url: proxy!.url, prefix: 'tls',
    config: { authType: 'basic', ca: proxy!.caFile },
    credentials: { username: user, password },
    bulk: { index: 'secure-docs', indexMode: 'fixed' },
  });
  const insecure = esFlow(sink!, {
    url: proxy!.url, prefix: 'insecure',
    config: { authType: 'basic', insecure: true },
    credentials: { username: user, password },
    bulk: { index: 'secure-docs', indexMode: 'fixed' },
  });
  const wrong = esFlow(sink!, {
    url: proxy!.url, prefix: 'wrongpw',
    config: { authType: 'basic', ca: proxy!.caFile },
    credentials: { username: user, password: `${password}-wrong` },
    bulk: { index: 'secure-docs', indexMode: 'fixed' },
  });
  await nodeRed!.deploy([...flow.nodes, ...insecure.nodes, ...wrong.nodes], { ...flow.credentials, ...insecure.credentials, ...wrong.credentials });
  await nodeRed!.waitForLog(/TLS certificate verification is OFF/);

  await post(nodeRed!, '/tls/feed', Array.from({ length: 100 }, (_, n) => ({ n })));
  await post(nodeRed!, '/tls/feed', [{ n: 'not a number' }]);
  await post(nodeRed!, '/tls/control', { flush: true });
  const [failure] = await sink!.waitFor('tls-fail', 1, 30000);
  assert.match(failure.reason, /\[n\]/);
  await waitUntil('100 documents indexed through the proxy', async () => (await bulkStats(nodeRed!, sink!, 'tls')).indexed === 100, 30000, 200);
  assert.equal(await es!.count('secure-docs'), 100);

  // A wrong password: every document is reported with Elasticsearch's 401, none silently dropped,
  // and the status says so.
  await post(nodeRed!, '/wrongpw/feed', [{ n: 1 }, { n: 2 }]);
  await post(nodeRed!, '/wrongpw/control', { flush: true });
  const wrongFailures = await sink!.waitFor('wrongpw-fail', 2, 30000);
  for (const f of wrongFailures) {
    assert.match(f.reason, /authentication failed \(HTTP 401\).*unable to authenticate user \[flows\]/);
    assert.deepEqual([f.index, f.status, f.attempts], ['secure-docs', 401, 1]);
  }
  await nodeRed!.waitForStatus('wrongpw-bulk', (s) => /^authentication failed \(401\)/.test(String(s.text)) && s.fill === 'red', 30000);

  await assertSecretKept(password, 'tls', 'wrongpw');
});

/**
 * A secret is not in the flows the admin API returns, not in the flow files on disk, not in the
 * log, not in any failure or stats message of the flows with these prefixes.
 */
async function assertSecretKept(secret: string, ...prefixes: string[]): Promise<void> {
  const flowsJson = JSON.stringify(await nodeRed!.flowsJson());
  assert.ok(flowsJson.includes(`${prefixes[0]}-config`));
  assert.ok(!flowsJson.includes(secret), 'secret in the flows JSON');
  for (const file of readdirSync(nodeRed!.userDir).filter((f) => f.endsWith('.json'))) {
    assert.ok(!readFileSync(join(nodeRed!.userDir, file), 'utf8').includes(secret), `secret in ${file}`);
  }
  assert.ok(!nodeRed!.logs.some((l) => l.includes(secret)), 'secret in the Node-RED log');
  const everything = JSON.stringify(prefixes.flatMap((p) => [...sink!.messages(`${p}-fail`), ...sink!.messages(`${p}-stats`)]));
  assert.ok(!everything.includes(secret), 'secret in a failure or stats message');
}

test('es bulk with an API key: sent as `Authorization: ApiKey`, a wrong one is 401 on every document, the key kept secret', async (t) => {
  if (!requireReal(t, !missing, missing ?? '')) return;
  await es!.request('PUT', '/key-docs', { mappings: { properties: { n: { type: 'long' } } } });
  const flow = (prefix: string, key: string) => esFlow(sink!, {
    url: keyProxy!.url, prefix, config: { authType: 'apikey', ca: keyProxy!.caFile }, credentials: { apiKey: key },
    bulk: { index: 'key-docs', indexMode: 'fixed' },
  });
  const good = flow('key', apiKey);
  const wrong = flow('wrongkey', Buffer.from('key-id:not-the-key').toString('base64'));
  await nodeRed!.deploy([...good.nodes, ...wrong.nodes], { ...good.credentials, ...wrong.credentials });

  await post(nodeRed!, '/key/feed', Array.from({ length: 100 }, (_, n) => ({ n })));
  await post(nodeRed!, '/key/control', { flush: true });
  await waitUntil('100 documents indexed with the API key', async () => (await bulkStats(nodeRed!, sink!, 'key')).indexed === 100, 30000, 200);
  assert.equal(await es!.count('key-docs'), 100);

  await post(nodeRed!, '/wrongkey/feed', [{ n: 1 }, { n: 2 }]);
  await post(nodeRed!, '/wrongkey/control', { flush: true });
  for (const f of await sink!.waitFor('wrongkey-fail', 2, 30000)) {
    assert.match(f.reason, /authentication failed \(HTTP 401\).*unable to authenticate with provided credentials/);
    assert.deepEqual([f.index, f.status, f.attempts], ['key-docs', 401, 1]);
  }
  await nodeRed!.waitForStatus('wrongkey-bulk', (s) => /^authentication failed \(401\)/.test(String(s.text)) && s.fill === 'red', 30000);
  assert.equal(await es!.count('key-docs'), 100);
  await assertSecretKept(apiKey, 'key', 'wrongkey');
});
