// Building an @elastic/elasticsearch client from an es config node's settings and credentials,
// and the two things es bulk needs from it: sending a bulk body and telling retryable errors.
import { readFileSync } from 'node:fs';
import { Client, ClusterConnectionPool, type ClientOptions } from '@elastic/elasticsearch';
import type { Node } from 'node-red';
import type { BulkItemResult, BulkSender } from '../common/es';

export type EsAuthType = 'none' | 'basic' | 'apikey' | 'bearer';

export interface EsConnectionSettings {
  /** One or more node URLs separated by commas or white space. */
  urls?: string;
  cloudId?: string;
  authType?: EsAuthType;
  /** CA certificate: PEM text or a file path. */
  ca?: string;
  /** Client certificate: PEM text or a file path. */
  cert?: string;
  insecure?: boolean;
  timeoutMs?: number;
  compression?: boolean;
  /** Ask the cluster for its other nodes at start, every 5 minutes and after a connection fault. */
  sniff?: boolean;
}

export interface EsCredentials {
  username?: string;
  password?: string;
  apiKey?: string;
  token?: string;
  /** Client certificate key (PEM). */
  key?: string;
  passphrase?: string;
}

export function parseUrls(urls: string | undefined): string[] {
  return (urls ?? '').split(/[\s,]+/).map((u) => u.trim()).filter(Boolean);
}

function pemOrFile(value: string | undefined): string | undefined {
  if (!value || !value.trim()) return undefined;
  return value.includes('-----BEGIN') ? value : readFileSync(value.trim(), 'utf8');
}

function clientOptions(settings: EsConnectionSettings, credentials: EsCredentials = {}): ClientOptions {
  const options: ClientOptions = {
    requestTimeout: settings.timeoutMs && settings.timeoutMs > 0 ? settings.timeoutMs : 30000,
    compression: !!settings.compression,
    // es bulk retries with its own backoff and spool; the client must not retry behind its back.
    maxRetries: 0,
    // 'ping' would probe `HEAD /`, which minimal distributions (the integ-test zip) lack.
    resurrectStrategy: 'optimistic',
  };
  if (settings.cloudId?.trim()) options.cloud = { id: settings.cloudId.trim() };
  else {
    const nodes = parseUrls(settings.urls);
    if (nodes.length === 0) throw new Error('no Elasticsearch URL or Cloud ID configured');
    options.nodes = nodes;
    // The client's default pool (weighted) ignores resurrectStrategy and gives a node that failed a
    // low weight it only slowly regains; the cluster pool takes a dead node out of the rotation and
    // tries it again after the resurrect timeout (set short in createClient), so it comes back.
    options.ConnectionPool = ClusterConnectionPool;
    if (settings.sniff) {
      options.sniffOnStart = true;
      options.sniffInterval = 300_000;
      options.sniffOnConnectionFault = true;
    }
  }
  switch (settings.authType ?? 'none') {
    case 'basic': options.auth = { username: credentials.username ?? '', password: credentials.password ?? '' }; break;
    case 'apikey': options.auth = { apiKey: credentials.apiKey ?? '' }; break;
    case 'bearer': options.auth = { bearer: credentials.token ?? '' }; break;
    default: break;
  }
  const ca = pemOrFile(settings.ca);
  const cert = pemOrFile(settings.cert);
  if (ca || cert || settings.insecure) {
    options.tls = {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert, key: credentials.key, passphrase: credentials.passphrase || undefined } : {}),
      rejectUnauthorized: !settings.insecure,
    };
  }
  return options;
}

/** A dead node is tried again after 5 s, then 10, 20, 40 s (then every 40 s) while it stays dead. */
const resurrectAfterMs = 5000;
const resurrectDoublings = 3;

export function createClient(settings: EsConnectionSettings, credentials: EsCredentials = {}): Client {
  const client = new Client(clientOptions(settings, credentials));
  if (client.connectionPool instanceof ClusterConnectionPool) {
    client.connectionPool.resurrectTimeout = resurrectAfterMs;
    client.connectionPool.resurrectTimeoutCutoff = resurrectDoublings;
  }
  return client;
}

/**
 * The nodes the client sends to: the listed URLs, or with sniffing the nodes it discovered (a
 * sniff replaces the pool). `dead`: the URLs of those it holds for dead (none with one node: never marked).
 */
export function poolNodes(client: Client): { total: number; dead: string[] } {
  const pool = client.connectionPool as unknown as { connections?: Array<{ status: string; url: URL }> };
  const connections = pool.connections ?? [];
  return { total: connections.length, dead: connections.filter((c) => c.status === 'dead').map((c) => c.url.origin) };
}

/** Cluster name and version, from `GET /` or, where the root endpoint is absent, the local node info. */
export async function clusterInfo(client: Client): Promise<{ clusterName: string; version: string }> {
  try {
    const info = await client.info();
    return { clusterName: info.cluster_name, version: info.version.number };
  } catch (err) {
    if ((err as { meta?: { statusCode?: number } }).meta?.statusCode !== 405) throw err;
    const nodes = await client.nodes.info({ node_id: '_local', metric: '_none', filter_path: 'cluster_name,nodes.*.version' } as never) as unknown as { cluster_name: string; nodes: Record<string, { version: string }> };
    return { clusterName: nodes.cluster_name, version: Object.values(nodes.nodes)[0]?.version ?? 'unknown' };
  }
}

export function bulkSender(client: Client, params: { pipeline?: string }): BulkSender {
  return {
    async send(body: string, signal: AbortSignal): Promise<BulkItemResult[]> {
      // Only what settling needs: a full answer per item (index, id, version, shards...) is several
      // times the bytes to receive and parse for nothing.
      const querystring: Record<string, string> = { filter_path: 'items.*.status,items.*.error' };
      if (params.pipeline) querystring.pipeline = params.pipeline;
      const response = await client.transport.request(
        { method: 'POST', path: '/_bulk', bulkBody: body, querystring },
        { signal, maxRetries: 0 },
      ) as { items?: Array<Record<string, { status: number; error?: BulkItemResult['error'] }>> };
      return (response.items ?? []).map((item) => {
        const result = Object.values(item)[0];
        return { status: result.status, error: result.error };
      });
    },
  };
}

/** Connection failures, timeouts, 429 and 5xx are worth retrying; 4xx answers are not. */
export function isRetryableEsError(error: unknown): boolean {
  const err = error as { name?: string; meta?: { statusCode?: number } };
  const status = err?.meta?.statusCode;
  if (status) return status === 429 || status >= 500;
  // A TLS or DNS failure is a ConnectionError too: retried (and spooled) until the operator fixes
  // the configuration, rather than reported as a per-document failure.
  return ['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError'].includes(err?.name ?? '');
}

/** What es bulk uses of an es config node. */
export interface EsConfigNode extends Node<EsCredentials> {
  settings: EsConnectionSettings;
  /** A new client for this connection (each user closes its own). */
  createClient(): Client;
}
