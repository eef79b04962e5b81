// es config: the connection to an Elasticsearch cluster (URLs or Cloud ID, auth, TLS, timeout,
// compression) shared by es bulk nodes, with the "test connection" admin endpoint.
import type { NodeAPI, NodeDef } from 'node-red';
import type { Client } from '@elastic/elasticsearch';
import { describeEsError } from '../common/es';
import { clusterInfo, createClient, parseUrls, type EsAuthType, type EsConfigNode, type EsConnectionSettings, type EsCredentials } from '../shared/es-client';

interface EsConfigDef extends NodeDef {
  urls: string;
  cloudId: string;
  authType: EsAuthType;
  ca: string;
  cert: string;
  insecure: boolean;
  timeout: number | string;
  compression: boolean;
  sniff: boolean;
}


function settingsOf(def: Partial<EsConfigDef>): EsConnectionSettings {
  return {
    urls: def.urls,
    cloudId: def.cloudId,
    authType: def.authType ?? 'none',
    ca: def.ca,
    cert: def.cert,
    insecure: def.insecure === true || (def.insecure as unknown) === 'true',
    timeoutMs: Number(def.timeout) || 30000,
    compression: def.compression === true || (def.compression as unknown) === 'true',
    sniff: def.sniff === true || (def.sniff as unknown) === 'true',
  };
}

interface UrlCheck { url: string; ok: boolean; clusterName?: string; version?: string; error?: string }

async function checkOne(settings: EsConnectionSettings, credentials: EsCredentials, url: string): Promise<UrlCheck> {
  let client: Client | undefined;
  try {
    client = createClient(settings, credentials);
    return { url, ok: true, ...(await clusterInfo(client)) };
  } catch (err) {
    return { url, ok: false, error: describeEsError(err) };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

const credentialFields = ['username', 'password', 'apiKey', 'token', 'key', 'passphrase'] as const;

export = function (RED: NodeAPI) {
  function EsConfig(this: EsConfigNode, def: EsConfigDef) {
    RED.nodes.createNode(this, def);
    this.settings = settingsOf(def);
    if (this.settings.insecure) {
      this.warn(RED._('es-config.warn.insecure'));
    }
    this.createClient = () => createClient(this.settings, this.credentials ?? {});
  }

  RED.nodes.registerType('wirescope-es-config', EsConfig as never, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      apiKey: { type: 'password' },
      token: { type: 'password' },
      key: { type: 'password' },
      passphrase: { type: 'password' },
    },
  });

  // "Test connection" from the editor: the form's current values; passwords the editor does not
  // send back (shown as __PWRD__) come from the deployed node's stored credentials.
  RED.httpAdmin.post('/wirescope-es-config/test', RED.auth.needsPermission('es-config.write'), async (req, res) => {
    const body = (req.body ?? {}) as Partial<EsConfigDef> & { id?: string; credentials?: EsCredentials };
    const stored = (body.id ? RED.nodes.getCredentials(body.id) : undefined) as EsCredentials | undefined;
    const credentials: EsCredentials = {};
    for (const field of credentialFields) {
      const sent = body.credentials?.[field];
      credentials[field] = sent === undefined || sent === '__PWRD__' ? stored?.[field] : sent;
    }
    const settings = { ...settingsOf(body), sniff: false, timeoutMs: Math.min(Number(body.timeout) || 10000, 15000) };
    let targets: string[];
    try {
      // Each URL on its own (a client of one node): the pool would answer from any node that works.
      targets = settings.cloudId?.trim() ? [''] : parseUrls(settings.urls);
      if (targets.length === 0) throw new Error('no Elasticsearch URL or Cloud ID configured');
    } catch (err) {
      res.json({ ok: false, error: describeEsError(err), nodes: [] });
      return;
    }
    const nodes = await Promise.all(targets.map((url) => checkOne(url ? { ...settings, urls: url } : settings, credentials, url || 'Cloud ID')));
    const first = nodes.find((n) => n.ok);
    const failed = nodes.filter((n) => !n.ok);
    res.json({
      ok: failed.length === 0,
      ...(first ? { clusterName: first.clusterName, version: first.version } : {}),
      ...(failed.length ? { error: failed.map((n) => `${n.url}: ${n.error}`).join('; ') } : {}),
      nodes,
    });
  });
};
