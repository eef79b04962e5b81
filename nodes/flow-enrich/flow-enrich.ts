// flow enrich: adds context to flow records — GeoIP/AS from .mmdb files, named networks and the
// flow's direction, interface names over SNMP IF-MIB, sampling rates for exporters that send
// none, exporter names — with the library's FlowEnricher. Output 1: the message with its records
// enriched in place; output 2: stats (on request with topic "stats").
// Until its .mmdb files are loaded (after a deploy or a start), messages wait, in order and at most
// `waitLimit` of them, so no record passes without the GeoIP/AS fields it would have had a moment later.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import {
  FlowEnricher, parseExporterNames, parseNetworks, parseSamplingRules, checkRate, type FlowEnricherOptions, type FlowRecord, type MmdbFile,
} from '../common';
import type { LldpCredentialsNode } from '../lldp-credentials/types';
import { ifMibSource } from './if-mib';

interface FlowEnrichDef extends NodeDef {
  geoipFiles: string;
  cacheSize: string | number;
  watchSeconds: string | number;
  networks: string;
  samplingRules: string;
  samplingDefault: string | number;
  samplingOverrides: string;
  samplingScale: boolean;
  exporterNames: string;
  reverseDns: boolean;
  dnsTimeout: string | number;
  dnsMaxInFlight: string | number;
  snmp: boolean;
  login: string;
  snmpPort: string | number;
  snmpRefresh: string | number;
  snmpTimeout: string | number;
  waitLimit: string | number;
}

/** Messages held while the databases load, when the node's *hold while loading* field is empty. */
const DEFAULT_WAIT_LIMIT = 10_000;

/** A message held until the databases are loaded, with the callbacks that finish it. */
interface Waiting {
  msg: NodeMessageInFlow;
  records: FlowRecord[];
  send: (msg: unknown) => void;
  done: (err?: Error) => void;
}

/** A whole number from a config field, or the default when the field is empty. */
function whole(value: unknown, fallback: number, name: string, min = 0): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

export = function (RED: NodeAPI) {
  function options(config: FlowEnrichDef, onLoad: (file: MmdbFile, error?: Error) => void): FlowEnricherOptions {
    const out: FlowEnricherOptions = { cacheSize: whole(config.cacheSize, 100_000, 'cache size') };
    const files = String(config.geoipFiles ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (files.length) out.geoip = { files, watchIntervalMs: whole(config.watchSeconds, 60, 'check interval') * 1000, onLoad };
    const networks = parseNetworks(config.networks ?? '');
    if (networks.length) out.networks = { networks };
    const defaultRules = parseSamplingRules(config.samplingRules ?? '');
    const defaultRate = config.samplingDefault === '' || config.samplingDefault === undefined ? undefined : checkRate(Number(config.samplingDefault), config.samplingDefault);
    const overrideRules = parseSamplingRules(config.samplingOverrides ?? '');
    if (defaultRules.length || defaultRate !== undefined || overrideRules.length || config.samplingScale) {
      out.sampling = { defaultRules, defaultRate, overrideRules, scale: !!config.samplingScale };
    }
    const names = parseExporterNames(config.exporterNames ?? '');
    if (names.size || config.reverseDns) {
      out.exporterNames = {
        names, reverseDns: !!config.reverseDns,
        timeoutMs: whole(config.dnsTimeout, 2000, 'DNS timeout', 1), maxInFlight: whole(config.dnsMaxInFlight, 4, 'DNS lookups in flight', 1),
      };
    }
    if (config.snmp) {
      const login = RED.nodes.getNode(config.login) as LldpCredentialsNode | null;
      if (!login) throw new Error(RED._('flow-enrich.errors.no-credentials'));
      const secrets = login.credentials ?? {};
      const timeoutMs = whole(config.snmpTimeout, 2000, 'SNMP timeout', 1);
      out.interfaces = {
        refreshMs: whole(config.snmpRefresh, 300, 'SNMP refresh', 1) * 1000,
        retryMs: Math.max(10_000, timeoutMs * 2),
        source: ifMibSource({
          version: login.snmpVersion, community: secrets.community, user: login.snmpUser,
          authProtocol: login.authProtocol, authKey: secrets.authKey, privProtocol: login.privProtocol, privKey: secrets.privKey,
        }, { timeoutMs, retries: 1, maxRepetitions: 20, port: whole(config.snmpPort, 161, 'SNMP port', 1) }),
      };
    }
    return out;
  }

  function FlowEnrichNode(this: Node, config: FlowEnrichDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let enricher: FlowEnricher;
    let waitLimit: number;
    let loadProblem: string | undefined;
    const onLoad = (file: MmdbFile, error?: Error) => {
      if (error) {
        loadProblem = error.message;
        // The message names the file and what is wrong with it.
        node.error(error.message);
      } else {
        if (!enricher?.geoip?.files.some((f) => f.lastError)) loadProblem = undefined;
        node.log(RED._('flow-enrich.log.loaded', { path: file.path, type: file.counters().databaseType ?? '?' }));
      }
    };
    try {
      waitLimit = whole(config.waitLimit, DEFAULT_WAIT_LIMIT, 'hold while loading', 1);
      enricher = new FlowEnricher(options(config, onLoad));
    } catch (err) {
      const message = (err as Error).message;
      node.status({ fill: 'red', shape: 'ring', text: RED._('flow-enrich.status.bad-config') });
      node.error(message);
      node.on('input', (_msg: NodeMessageInFlow, _send, done) => done(new Error(RED._('flow-enrich.errors.not-enriched', { message }))));
      return;
    }
    let rejected = 0;
    let overLimit = 0;
    let shown = -1;
    // Only the .mmdb files load in the background: the other steps are ready at once, and SNMP and
    // DNS answers never hold a record (they fill in behind the flow, by design).
    let waiting: Waiting[] | undefined = enricher.geoip ? [] : undefined;
    const loaded = () => {
      const held = waiting;
      waiting = undefined;
      // Undefined when the node closed first: close() has ended the waiting messages.
      if (!held) return;
      for (const w of held) enrichAndSend(w.msg, w.records, w.send, w.done);
      shown = -1;
      showStatus();
    };

    const rateMissing = () => ((enricher.counters().sampling as { rateMissing?: number } | undefined)?.rateMissing ?? 0);
    const showStatus = () => {
      if (waiting) {
        node.status({ fill: 'blue', shape: 'ring', text: RED._('flow-enrich.status.loading', { waiting: waiting.length }) });
        return;
      }
      const records = enricher.counters().records as number;
      if (records === shown && !loadProblem) return;
      shown = records;
      const missing = rateMissing();
      node.status({
        fill: loadProblem ? 'red' : missing || rejected ? 'yellow' : 'green', shape: 'dot',
        text: loadProblem ? RED._('flow-enrich.status.mmdb-error') : RED._('flow-enrich.status.running', { records, missing }),
      });
    };
    showStatus();
    const statusTimer = setInterval(showStatus, 1000);
    enricher.open().then(loaded, (err: Error) => {
      // open() reports a bad file through onLoad and resolves; anything else is still said, and the
      // waiting messages go on with what loaded.
      node.error(err.message);
      loaded();
    });

    function enrichAndSend(msg: NodeMessageInFlow, records: FlowRecord[], send: Waiting['send'], done: Waiting['done']): void {
      try {
        const exporter = (msg as { exporter?: { address?: unknown; port?: number } }).exporter;
        enricher.enrich(records, typeof exporter?.address === 'string' ? { exporter: exporter as { address: string } } : {});
        send([msg, null]);
        done();
      } catch (err) {
        done(err as Error);
      }
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      try {
        if (msg.topic === 'stats') {
          send([null, { topic: 'stats', payload: { rejected, waiting: waiting?.length ?? 0, overLimit, ...enricher.counters() } }] as never);
          done();
          return;
        }
        const payload = msg.payload as unknown;
        const records = Array.isArray(payload) ? payload : payload && typeof payload === 'object' ? [payload] : undefined;
        if (!records || records.some((r) => !r || typeof r !== 'object')) {
          rejected++;
          done(new Error(RED._('flow-enrich.errors.bad-input')));
          return;
        }
        if (!waiting) {
          enrichAndSend(msg, records as FlowRecord[], send as Waiting['send'], done);
          return;
        }
        // Past the limit the oldest message fails, so those that wait keep their order and the newest data.
        if (waiting.length >= waitLimit) {
          overLimit++;
          waiting.shift()!.done(new Error(RED._('flow-enrich.errors.over-limit', { limit: waitLimit })));
        }
        waiting.push({ msg, records: records as FlowRecord[], send: send as Waiting['send'], done });
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(statusTimer);
      const held = waiting ?? [];
      waiting = undefined;
      for (const w of held) w.done(new Error(RED._('flow-enrich.errors.closed-loading')));
      enricher.close();
      done();
    });
  }

  RED.nodes.registerType('wirescope-flow-enrich', FlowEnrichNode);
};
