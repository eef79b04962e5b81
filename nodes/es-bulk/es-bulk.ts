// es bulk: documents, arrays of documents or flow records (shaped as ECS) into Elasticsearch
// through the bulk engine of common/es. Output 1: stats on request; output 2: permanent failures.
import { join } from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Client } from '@elastic/elasticsearch';
import { EcsJsonWriter, flowRecordToEcs, type FlowContext, type PreparedFlowContext } from '../common/ecs';
import type { FlowRecord } from '../common/flow';
import {
  aggregateDocument, aggregateId, aggregatesIndexTemplate, BulkIndexer, contentHashId, describeEsError, documentTime, flowIndexTemplate,
  hasTimeTokens, IndexNamer, defaultTemplateName, indexWildcard, indicesOverSize, indicesPastRetention, serializeDocument, Spool,
  type BulkEntry, type BulkFailure, type BulkSender,
} from '../common/es';
import { bulkSender, isRetryableEsError, parseUrls, poolNodes, type EsConfigNode } from '../shared/es-client';
import { TurnBudget, type SlicedJob } from '../shared/turn-budget';

interface EsBulkDef extends NodeDef {
  server: string;
  /** ecs: flow records as ECS; aggregates: flow aggregate rows (time = bin, id = bin + aggregation + key). */
  shape: 'none' | 'ecs' | 'aggregates';
  scaleBySampling: boolean;
  indexMode: 'pattern' | 'fixed' | 'datastream';
  index: string;
  timeField: string;
  idMode: 'none' | 'field' | 'hash';
  idField: string;
  opType: 'index' | 'create';
  pipeline: string;
  routingField: string;
  batchDocs: number | string;
  batchMB: number | string;
  flushMs: number | string;
  maxInFlight: number | string;
  queueDocs: number | string;
  queueMB: number | string;
  whenFull: 'block' | 'spool';
  maxRetries: number | string;
  spool: boolean;
  spoolDir: string;
  spoolMB: number | string;
  spoolFsync: boolean;
  installTemplate: boolean;
  templateName: string;
  replicas: string;
  retentionDays: number | string;
  retentionHours: number | string;
  retentionGB: number | string;
}

type Doc = Record<string, unknown>;

const parseSource = (source: string): unknown => { try { return JSON.parse(source); } catch { return source; } };

/** Clusters already told they lack the unsigned_long mapper (one warning per cluster per process). */
const warnedNoUnsignedLong = new Set<string>();

const num = (value: unknown, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export = function (RED: NodeAPI) {
  function EsBulk(this: Node, def: EsBulkDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.server) as EsConfigNode | null;
    if (!config) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('es-bulk.status.noConfig') });
      node.on('input', (_msg, _send, done) => done(new Error(RED._('es-bulk.errors.noConfig'))));
      return;
    }
    if (config.settings.insecure) node.warn(RED._('es-bulk.warn.insecure'));

    const indexMode = def.indexMode ?? 'pattern';
    const indexPattern = (def.index || 'flows-%Y.%m.%d').trim();
    const timeField = (def.timeField || '@timestamp').trim();
    const opType = indexMode === 'datastream' ? 'create' : def.opType === 'create' ? 'create' : 'index';
    const clusterKey = config.settings.cloudId?.trim() || parseUrls(config.settings.urls).sort().join(' ');
    const listedNodes = parseUrls(config.settings.urls).length || 1;
    const indexNamer = new IndexNamer(indexPattern);
    let client: Client;
    try {
      client = config.createClient();
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: describeEsError(err).slice(0, 60) });
      node.on('input', (_msg, _send, done) => done(err as Error));
      return;
    }

    let spool: Spool | undefined;
    if (def.spool) {
      const userDir = (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();
      const dir = def.spoolDir?.trim() || join(userDir, 'wirescope-es-spool', node.id.replace(/[^a-zA-Z0-9_-]/g, '_'));
      spool = new Spool(dir, num(def.spoolMB, 1024) * 1024 * 1024, { fsync: !!def.spoolFsync });
      for (const note of spool.damage.notes) node.warn(RED._('es-bulk.warn.spoolDamage', { dir, note }));
    }

    let sendFailure: (msg: NodeMessage) => void = (msg) => node.send([null, msg]);
    const indexer = new BulkIndexer({
      sender: templateFirst(bulkSender(client, { pipeline: def.pipeline?.trim() || undefined })),
      batchDocs: num(def.batchDocs, 5000),
      batchBytes: num(def.batchMB, 5) * 1024 * 1024,
      flushMs: num(def.flushMs, 1000),
      maxInFlight: num(def.maxInFlight, 2),
      queueDocs: num(def.queueDocs, 50000),
      queueBytes: num(def.queueMB, 50) * 1024 * 1024,
      whenFull: def.whenFull === 'spool' && spool ? 'spool' : 'block',
      maxRetries: num(def.maxRetries, 8),
      backoffBaseMs: 200,
      backoffMaxMs: 30000,
      spool,
      retriesBeforeSpool: 2,
      isRetryable: isRetryableEsError,
      describeError: describeEsError,
      onFailure: (failure: BulkFailure) => sendFailure(failureMessage(parseSource(failure.entry.source), { ...failure, index: failure.entry.index, id: failure.entry.id })),
    });

    // Status: documents/s over the last interval, queue, spool, failures.
    let lastIndexed = 0;
    let lastTick = Date.now();
    let lastStatus = '';
    const showStatus = (status: { fill: 'green' | 'yellow' | 'red'; shape: 'dot' | 'ring'; text: string }) => {
      const key = JSON.stringify(status);
      if (key !== lastStatus) { lastStatus = key; node.status(status); }
    };
    const statusTimer = setInterval(() => {
      const s = indexer.snapshot();
      const done = s.indexed + s.duplicates;
      const now = Date.now();
      const rate = Math.round(((done - lastIndexed) * 1000) / Math.max(1, now - lastTick));
      lastIndexed = done; lastTick = now;
      const text = RED._('es-bulk.status.running', { rate, queue: s.queueDocs + s.inFlight + unshaped(), spool: s.spoolDocs, failed: s.failed });
      // Only the error still in effect is shown: it goes away with the first answered request.
      const problem = s.currentErrorStatus === 401 ? RED._('es-bulk.status.auth')
        : s.currentErrorStatus === 403 ? RED._('es-bulk.status.forbidden')
          : s.currentError?.slice(0, 50);
      // A listed node the client holds for dead (it is tried again after a few seconds).
      // Out of the nodes the client uses: with sniffing, those it discovered, not the URLs listed.
      const pool = poolNodes(client);
      const nodesDown = pool.dead.length ? ' ' + RED._('es-bulk.status.nodesDown', { down: pool.dead.length, total: pool.total || listedNodes }) : '';
      if (s.currentErrorStatus === 401 || s.currentErrorStatus === 403) showStatus({ fill: 'red', shape: 'ring', text: `${problem} ${text}` });
      else if (s.spoolDocs > 0) showStatus({ fill: 'yellow', shape: 'ring', text: `${text}${nodesDown} ${RED._('es-bulk.status.spooling')}${problem ? ': ' + problem : ''}` });
      else if (s.blocked) showStatus({ fill: 'yellow', shape: 'dot', text: `${text}${nodesDown} ${RED._('es-bulk.status.full')}` });
      else if (problem) showStatus({ fill: 'yellow', shape: 'ring', text: `${text}${nodesDown} ${problem}` });
      else showStatus({ fill: s.failed || nodesDown ? 'yellow' : 'green', shape: 'dot', text: text + nodesDown });
    }, 1000);

    // Index management: the template first, then retention on a schedule.
    let templateReady: Promise<void> | undefined;
    const ensureTemplate = (): Promise<void> => {
      templateReady ??= installTemplate().catch((err: unknown) => {
        // Elasticsearch unreachable: try again before the next request. Refused (permissions,
        // invalid): said once in the log, and documents go on without it.
        if (isRetryableEsError(err)) templateReady = undefined;
        throw err;
      });
      return templateReady;
    };
    const setup = ensureTemplate().catch(() => undefined);
    let retentionTimer: NodeJS.Timeout | undefined;
    let closed = false; // a retention run cut short by a redeploy is not an error
    const retentionDays = Number(def.retentionDays) || 0;
    const retentionBytes = (Number(def.retentionGB) || 0) * 1024 ** 3;
    if ((retentionDays > 0 || retentionBytes > 0) && indexMode === 'pattern' && hasTimeTokens(indexPattern)) {
      const run = () => { if (!closed) void applyRetention(); };
      void setup.then(run);
      retentionTimer = setInterval(run, num(def.retentionHours, 1) * 3_600_000);
    }

    /** Every bulk request waits for the template, so no index is created with dynamic mappings first. */
    function templateFirst(sender: BulkSender): BulkSender {
      return {
        async send(body, signal) {
          try {
            await ensureTemplate();
          } catch (err) {
            if (isRetryableEsError(err)) throw err; // the batch is retried or spooled like any outage
          }
          return sender.send(body, signal);
        },
      };
    }

    async function installTemplate(): Promise<void> {
      if (!def.installTemplate) return;
      const name = def.templateName?.trim() || defaultTemplateName(indexPattern);
      const replicas = def.replicas !== undefined && String(def.replicas).trim() !== '' ? Number(def.replicas) : undefined;
      const body = (counterType: 'unsigned_long' | 'long') => (def.shape === 'aggregates' ? aggregatesIndexTemplate : flowIndexTemplate)({
        indexPatterns: [indexMode === 'pattern' ? indexWildcard(indexPattern) : indexPattern],
        counterType, dataStream: indexMode === 'datastream', replicas,
      });
      try {
        await client.indices.putIndexTemplate({ name, ...body('unsigned_long') } as never);
      } catch (err) {
        // unsigned_long is an x-pack mapper; clusters without it get long (counters up to 2^63-1).
        if (!/unsigned_long/.test(describeEsError(err))) {
          // While Elasticsearch is unreachable the status shows it; a refusal is worth a log line.
          if (!isRetryableEsError(err)) node.error(RED._('es-bulk.errors.template', { error: describeEsError(err) }));
          throw err;
        }
        // Said once per cluster, not by every es bulk node at every start.
        if (!warnedNoUnsignedLong.has(clusterKey)) { warnedNoUnsignedLong.add(clusterKey); node.warn(RED._('es-bulk.warn.noUnsignedLong')); }
        try {
          await client.indices.putIndexTemplate({ name, ...body('long') } as never);
        } catch (err2) {
          if (!isRetryableEsError(err2)) node.error(RED._('es-bulk.errors.template', { error: describeEsError(err2) }));
          throw err2;
        }
      }
      node.log(RED._('es-bulk.log.template', { name }));
    }

    async function applyRetention(): Promise<string[]> {
      try {
        const rows = await client.cat.indices({ index: indexWildcard(indexPattern), format: 'json', h: 'index,store.size', bytes: 'b', expand_wildcards: 'open,closed' } as never) as unknown as Array<{ index: string; 'store.size'?: string | null }>;
        const old = retentionDays > 0 ? indicesPastRetention(indexPattern, rows.map((r) => r.index), new Date(), retentionDays) : [];
        // By size: what is left after the age rule, oldest first, until the pattern fits the cap.
        const left = rows.filter((r) => !old.includes(r.index)).map((r) => ({ name: r.index, bytes: Number(r['store.size']) || 0 }));
        const big = retentionBytes > 0 ? indicesOverSize(indexPattern, left, retentionBytes) : [];
        const deleted = [...old, ...big];
        if (deleted.length) await client.indices.delete({ index: deleted.join(',') });
        if (old.length) node.log(RED._('es-bulk.log.retention', { indices: old.join(', '), days: retentionDays }));
        if (big.length) node.log(RED._('es-bulk.log.retentionSize', { indices: big.join(', '), gb: Number(def.retentionGB) }));
        return deleted;
      } catch (err) {
        if (!closed) node.error(RED._('es-bulk.errors.retention', { error: describeEsError(err) }));
        return [];
      }
    }

    /** The documents of a message: flow records (with their datagram's context), an array, or one. */
    function messageDocs(msg: NodeMessageInFlow & { exporter?: FlowContext['exporter'] }): { docs: unknown[]; context: FlowContext } {
      const payload = msg.payload as unknown;
      // The flow collector puts the datagram's exporter, receive time, protocol and domain on the message.
      const m = msg as unknown as { exporter?: FlowContext['exporter']; receivedAt?: Date | string; protocol?: string; observationDomainId?: number };
      if (payload && typeof payload === 'object' && !Array.isArray(payload) && Array.isArray((payload as { records?: unknown }).records)) {
        // A flow decode result: { records, exporter, receivedAt, observationDomainId, protocol }.
        const result = payload as { records: Doc[]; exporter?: FlowContext['exporter']; receivedAt?: Date | string; observationDomainId?: number; protocol?: string };
        return {
          docs: result.records,
          context: {
            exporter: result.exporter ?? msg.exporter,
            receivedAt: result.receivedAt ? new Date(result.receivedAt) : undefined,
            observationDomainId: result.observationDomainId,
            protocol: result.protocol,
          },
        };
      }
      const context: FlowContext = {
        exporter: m.exporter,
        receivedAt: m.receivedAt ? new Date(m.receivedAt) : undefined,
        protocol: typeof m.protocol === 'string' ? m.protocol : undefined,
        observationDomainId: m.observationDomainId,
      };
      if (payload === undefined) return { docs: [], context }; // a control message (flush) carries no document
      return { docs: Array.isArray(payload) ? payload : [payload], context };
    }

    type Invalid = { doc: unknown; index?: string; reason: string };

    const timedIndex = indexMode === 'pattern' && hasTimeTokens(indexPattern);
    // ECS documents written as JSON straight from the record (common/ecs/ecs-json.ts) when nothing
    // else needs the document as an object: ids by content hash or from a field, routing, or an
    // index time other than @timestamp take the object path.
    const directEcs = def.shape === 'ecs' && def.idMode !== 'hash' && !(def.idMode === 'field' && def.idField) && !def.routingField
      && (!timedIndex || timeField === '@timestamp');
    const ecsWriter = directEcs ? new EcsJsonWriter({ scaleBySampling: !!def.scaleBySampling }) : undefined;

    /** One document (or flow record) as a bulk entry, or why it cannot be one. */
    function toEntry(raw: unknown, context: FlowContext, prepared: PreparedFlowContext | undefined): BulkEntry | Invalid {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { doc: raw, reason: RED._('es-bulk.errors.notObject') };
      const record = raw as Doc;
      if (prepared) {
        const source = ecsWriter!.write(record as FlowRecord, prepared);
        // No @timestamp for a timed index: the object path below says why, with the document.
        if (source !== undefined && (!timedIndex || !Number.isNaN(ecsWriter!.timeMs))) {
          return { index: timedIndex ? indexNamer.nameAt(ecsWriter!.timeMs) : indexPattern, op: opType, source };
        }
      }
      const doc = def.shape === 'ecs' ? flowRecordToEcs(record as FlowRecord, context, { scaleBySampling: !!def.scaleBySampling })
        : def.shape === 'aggregates' ? aggregateDocument(record) : record;
      let index = indexPattern;
      if (timedIndex) {
        const time = documentTime(doc, timeField);
        if (!time) return { doc, reason: RED._('es-bulk.errors.noTime', { field: timeField }) };
        index = indexNamer.name(time);
      }
      let id: string | undefined;
      if (def.idMode === 'hash') id = contentHashId(doc);
      else if (def.shape === 'aggregates' && def.idMode !== 'field') id = aggregateId(record);
      else if (def.idMode === 'field' && def.idField) {
        const value = doc[def.idField];
        if (value !== undefined && value !== null && value !== '') id = String(value);
      }
      const routingValue = def.routingField ? doc[def.routingField] : undefined;
      try {
        return { index, op: opType, ...(id !== undefined ? { id } : {}), ...(routingValue !== undefined ? { routing: String(routingValue) } : {}), source: serializeDocument(doc) };
      } catch (err) {
        return { doc, index, reason: (err as Error).message };
      }
    }

    // Shaping (ECS documents, ids, JSON) runs off the input handler, a few milliseconds per
    // event-loop turn: a flow collector in the same Node-RED keeps reading its socket meanwhile.
    const shaping = new TurnBudget<SlicedJob & { left: number }>(2);
    const unshaped = () => shaping.pending.reduce((n, job) => n + job.left, 0);

    /** A message's documents shaped in slices, then queued; `done` once queued (or refused). */
    function shapeJob(msg: NodeMessageInFlow, send: (msgs: Array<NodeMessage | null>) => void, done: (err?: Error) => void, flush: boolean): SlicedJob & { left: number } {
      const { docs, context } = messageDocs(msg as never);
      const prepared = ecsWriter?.prepare(context);
      const entries: BulkEntry[] = [];
      const invalid: Invalid[] = [];
      let next = 0;
      const finish = () => {
        sendFailure = (m) => send([null, m]);
        for (const bad of invalid) {
          indexer.stats.failed++;
          send([null, failureMessage(bad.doc, { status: 0, reason: bad.reason, attempts: 0, index: bad.index })]);
        }
        // Not awaited: the next message is shaped while this one waits for queue room, as
        // concurrent input handlers did. close() keeps documents still waiting (spool or failure).
        const queued = entries.length ? indexer.add(entries) : Promise.resolve();
        queued.then(() => { if (flush) indexer.flush(); done(); }, (err: Error) => done(err));
      };
      return {
        get left() { return docs.length - next; },
        step(deadline: number): boolean {
          try {
            while (next < docs.length) {
              const out = toEntry(docs[next++], context, prepared);
              if ('source' in out) entries.push(out); else invalid.push(out);
              if ((next & 15) === 0 && performance.now() >= deadline) return false;
            }
            finish();
          } catch (err) {
            done(err as Error);
          }
          return true;
        },
      };
    }

    node.on('input', async (msg, send, done) => {
      try {
        const control = msg as NodeMessageInFlow & { topic?: string; flush?: boolean; retention?: boolean };
        if (control.topic === 'stats') {
          // Documents not shaped yet count as queued.
          const snapshot = indexer.snapshot();
          const pool = poolNodes(client);
          send([{ topic: 'stats', payload: { ...snapshot, queueDocs: snapshot.queueDocs + unshaped(), nodesDown: pool.dead, nodes: pool.total || listedNodes } }, null]);
          done();
          return;
        }
        if (control.topic === 'retention') {
          const deleted = await applyRetention();
          send([{ topic: 'retention', payload: { deleted } }, null]);
          done();
          return;
        }
        // A flush goes through the same line, so it comes after the documents sent before it.
        shaping.push(shapeJob(msg, send, done, !!control.flush));
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', async (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(statusTimer);
      clearInterval(retentionTimer);
      try {
        // Messages not shaped yet are shaped now and handed over, so close() keeps them too.
        shaping.runAll();
        await indexer.close(3000);
      } finally {
        await client.close().catch(() => undefined);
        node.status({});
        done();
      }
    });
  }

  /**
   * One shape for every failure, refused by Elasticsearch or by the node itself (no time, not an
   * object): the document, its index and _id (null when none was chosen), HTTP status (0 when no
   * answer), reason and attempts (0 when never sent).
   */
  function failureMessage(doc: unknown, failure: { status: number; reason: string; attempts: number; index?: string; id?: string }): NodeMessage {
    return {
      topic: 'failure',
      payload: doc,
      index: failure.index ?? null,
      _id: failure.id ?? null,
      status: failure.status,
      reason: failure.reason,
      attempts: failure.attempts,
    } as NodeMessage;
  }

  RED.nodes.registerType('wirescope-es-bulk', EsBulk as never);
};
