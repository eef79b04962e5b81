// flow collector: UDP listener for NetFlow v1/v5/v7/v9, IPFIX and sFlow v5 (protocol detected per
// datagram), decoding with the pack's FlowDecoder. Outputs: 1 records, 2 sFlow counters,
// 3 options / template events / errors / stats. Decodes on the main thread (the default) or in N
// decode workers (decode-workers.ts).
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import {
  KeyValueTemplateStore, parseElementDefinitions, type DecodeResult, type DecoderCounters, type FlowDecoder, type FlowRecord, type PendingDrop, type SerializedTemplate,
  type TemplateStore,
} from '../common';
import { Batcher } from '../shared/batcher';
import {
  makeAllowList, normaliseAddress, parsePorts, pendingDropEvents, recordOutput, sideOutputs, type FlowMessage, type OutputMode,
} from '../shared/flow-output';
import { createDecoder, SWEEP_MS, sweepPending, type DecodeConfig } from './decode-path';
import { DecodeWorkers } from './decode-workers';
import { hasReusePort, UdpListener, type ListenEvents, type ListenOptions } from './udp-listen';

interface FlowCollectorDef extends NodeDef {
  ports: string;
  bind: string;
  allow: string;
  rcvbuf: string | number;
  output: OutputMode;
  batchSize: string | number;
  batchMs: string | number;
  applySampling: boolean;
  templateTtl: string | number;
  /** How long a data set waits for its template, seconds (default 60). */
  pendingTtl?: string | number;
  scopeByPort: boolean;
  persist: boolean;
  /** User element definitions, "PEN ID NAME TYPE" per line. */
  elements?: string;
  /** Decode workers (worker threads); 1 (the default) decodes on the main thread. */
  workers?: string | number;
  /** How datagrams reach the workers: 'auto' (SO_REUSEPORT where the runtime has it) or 'exporter' (dispatch). */
  spread?: 'auto' | 'exporter';
  /** What workers do: 'decode' (the default) or, with SO_REUSEPORT, only 'receive' (Node-RED's thread decodes). */
  workerRole?: 'decode' | 'receive';
}

const TEMPLATE_KEY = 'flowTemplates';
const MAX_WORKERS = 64;

/** Parses the worker count; throws a readable error. */
function workerCount(value: string | number | undefined): number {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new Error(`invalid number of decode workers "${value}" (1-${MAX_WORKERS})`);
  return n;
}

export = function (RED: NodeAPI) {
  function FlowCollectorNode(this: Node, config: FlowCollectorDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let listener: UdpListener | undefined;
    let workers: DecodeWorkers | undefined;
    let decoder: FlowDecoder | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let sweepTimer: NodeJS.Timeout | undefined;
    let saveTimer: NodeJS.Timeout | undefined;
    /** Per port, the receive buffer the kernel granted (octets), for stats. */
    let receiveBuffers: Record<number, number> = {};
    /** Set when the kernel granted a smaller receive buffer than asked: in stats and the status until redeployed. */
    let receiveBufferWarning: string | undefined;
    let cappedBuffer = 0;
    const stats = { datagrams: 0, notAllowed: 0, socketErrors: 0, records: 0, recordsAtLastStatus: 0, templatesChanged: false };

    let ports: number[];
    let allowed: (a: string) => boolean;
    let count: number;
    try {
      ports = parsePorts(config.ports || '2055,4739,6343');
      allowed = makeAllowList(config.allow);
      count = workerCount(config.workers);
    } catch (err) {
      failClosed('bad-config', (err as Error).message);
      return;
    }
    const reusePort = count > 1 && config.spread !== 'exporter' && hasReusePort();
    // Receiving only makes sense on the workers' own sockets; dispatched datagrams are decoded there.
    const receiveOnly = reusePort && config.workerRole === 'receive';
    const decodeConfig: DecodeConfig = {
      applySampling: !!config.applySampling,
      scopeByPort: !!config.scopeByPort,
      templateTtl: Number(config.templateTtl || 1800),
      pendingTtl: Number(config.pendingTtl || 60),
      elements: config.elements || '',
    };
    // Templates kept across restarts in the node context (the library's key-value template store).
    const store: TemplateStore | undefined = config.persist ? new KeyValueTemplateStore(node.context(), TEMPLATE_KEY) : undefined;
    const loaded = store?.load();
    if (loaded?.error) node.warn(loaded.error);
    const saved = loaded?.templates.length ? loaded.templates : undefined;
    try {
      // Workers parse the definitions too; a bad line must stop the node here, not crash them.
      if (count === 1 || receiveOnly) decoder = createDecoder(decodeConfig, saved);
      else parseElementDefinitions(decodeConfig.elements);
    } catch (err) {
      // Not listening at all beats decoding with names the user did not ask for.
      failClosed('bad-elements', (err as Error).message);
      return;
    }

    /** Nothing listens; each input message still ends with the error, so a catch node sees it. */
    function failClosed(status: 'bad-config' | 'bad-elements', message: string): void {
      node.status({ fill: 'red', shape: 'ring', text: RED._(`flow-collector.status.${status}`) });
      node.error(message);
      node.on('input', (_msg: NodeMessageInFlow, _send, done) => done(new Error(RED._('flow-collector.errors.not-running', { message }))));
    }

    const mode: OutputMode = config.output === 'record' || config.output === 'batch' ? config.output : 'datagram';
    const batcher = mode === 'batch'
      ? new Batcher<FlowRecord>({ size: Math.max(1, Number(config.batchSize) || 1000), intervalMs: Math.max(0, Number(config.batchMs) || 1000) },
        (records) => node.send([{ topic: 'flows', payload: records }, null, null]))
      : undefined;

    /** One decoded datagram out to the outputs, wherever it was decoded. */
    const deliver = (r: DecodeResult) => {
      stats.records += r.records.length;
      if (r.templates.length) stats.templatesChanged = true;
      const [counters, events] = sideOutputs(r);
      let records: FlowMessage | FlowMessage[] | null = null;
      if (batcher) for (const rec of r.records) batcher.push(rec);
      else records = recordOutput(r, mode === 'record' ? 'record' : 'datagram');
      if (records || counters || events) node.send([records, counters, events] as never);
    };

    /** Sets dropped without their template (swept here or in a worker): one output-3 message per exporter and domain. */
    const reportDrops = (drops: PendingDrop[]) => {
      const events = pendingDropEvents(drops);
      if (events) node.send([null, null, events] as never);
    };

    /** The decoder figures of the status line, from the one decoder or summed over the workers. */
    const summary = () => {
      const s = workers?.summary();
      const dropped = s ? s.notAllowed + s.queueDropped + workers!.counts.queueDropped : 0;
      return { ...(decoder ? decoder.summary() : s!), dropped };
    };

    const statsMessage = async (): Promise<FlowMessage> => {
      const payload: Record<string, unknown> = { ports, receiveBuffers, ...(receiveBufferWarning ? { receiveBufferWarning } : {}), datagrams: stats.datagrams, notAllowed: stats.notAllowed, socketErrors: stats.socketErrors };
      if (!workers) return { topic: 'stats', payload: { ...payload, decoder: decoder!.counters() } };
      const w = workers;
      const s = w.summary();
      const counters: DecoderCounters | undefined = decoder ? decoder.counters() : await w.counters();
      return {
        topic: 'stats',
        payload: {
          ...payload,
          // With SO_REUSEPORT the workers' sockets receive (and check the allow-list).
          datagrams: stats.datagrams + s.datagrams, notAllowed: stats.notAllowed + s.notAllowed,
          decoder: counters,
          workers: { count, spread: w.reusePort ? 'reuseport' : 'exporter', role: receiveOnly ? 'receive' : 'decode', restarts: w.counts.restarts, records: w.recordsPerWorker(), datagrams: w.datagramsPerWorker(), queueDropped: w.counts.queueDropped + s.queueDropped },
        },
      };
    };

    const exportTemplates = async (): Promise<SerializedTemplate[]> => (decoder ? decoder.exportTemplates() : workers!.exportTemplates());
    const saveTemplates = async () => {
      if (!store || !stats.templatesChanged) return;
      stats.templatesChanged = false;
      await store.save(await exportTemplates());
    };

    const showStatus = () => {
      const rate = stats.records - stats.recordsAtLastStatus;
      stats.recordsAtLastStatus = stats.records;
      const c = summary();
      const drops = stats.notAllowed + c.datagramsWithErrors + c.pendingDropped + c.dropped;
      node.status({
        fill: drops || receiveBufferWarning ? 'yellow' : 'green', shape: 'dot',
        text: RED._('flow-collector.status.running', { rate, drops, templates: c.templates }) + cappedSuffix(),
      });
    };

    const cappedSuffix = () => (receiveBufferWarning ? ' ' + RED._('flow-collector.status.rcvbuf-capped', { mb: (cappedBuffer / 1048576).toFixed(1) }) : '');

    /** How the node words what its sockets (its own or its workers') report. */
    const socketEvents: Omit<ListenEvents, 'message'> = {
      error(port, code, message) {
        stats.socketErrors++;
        const inUse = code === 'EADDRINUSE';
        node.status({ fill: 'red', shape: 'ring', text: inUse ? RED._('flow-collector.status.port-in-use', { port }) : RED._('flow-collector.status.error') });
        node.error(inUse ? RED._('flow-collector.errors.port-in-use', { port }) : RED._('flow-collector.errors.socket', { port, message }));
      },
      rcvbufFailed: (message) => node.warn(RED._('flow-collector.errors.rcvbuf', { message })),
      rcvbufCapped(port, requested, got, wanted) {
        cappedBuffer = got;
        receiveBufferWarning = RED._('flow-collector.errors.rcvbuf-capped', { port, requested, got, wanted });
        node.warn(receiveBufferWarning);
      },
      listening(granted) {
        receiveBuffers = granted;
        node.status({ fill: receiveBufferWarning ? 'yellow' : 'green', shape: 'dot', text: RED._('flow-collector.status.listening', { ports: ports.join(',') }) + cappedSuffix() });
        statusTimer = setInterval(showStatus, 1000);
        // The decoding workers sweep their own decoders; this thread sweeps the one it decodes with.
        if (decoder) sweepTimer = setInterval(() => reportDrops(sweepPending(decoder!)), SWEEP_MS);
        if (config.persist) saveTimer = setInterval(() => { saveTemplates().catch((err) => node.warn(err)); }, 10_000);
      },
    };
    const listen: ListenOptions = { ports, bind: config.bind || '::', rcvbuf: Number(config.rcvbuf) || 0, reusePort: false };

    if (count > 1) {
      workers = new DecodeWorkers({
        count, decode: decodeConfig, templates: saved, receiveOnly,
        listen: reusePort ? { ...listen, reusePort: true, allow: config.allow ?? '' } : undefined,
      }, {
        ...socketEvents,
        result: deliver,
        pendingDrops: reportDrops,
        datagram: (datagram, exporter, receivedAt) => deliver(decoder!.decode(datagram, exporter, new Date(receivedAt))),
        crashed(worker, error, restartMs) {
          node.error(RED._('flow-collector.errors.worker-crashed', { worker: worker + 1, message: error.message, seconds: restartMs / 1000 }));
          node.status({ fill: 'red', shape: 'ring', text: RED._('flow-collector.status.worker-crashed', { worker: worker + 1 }) });
        },
      });
    }
    // No wait for 'flows:started' here (zmq in needs one): Node-RED creates a flow's nodes without
    // yielding to the event loop (createNode awaits nothing), and a datagram, like a worker's
    // message, only ever arrives in a later turn of it, after bind; so every node already exists.
    if (!workers?.reusePort) {
      const w = workers;
      listener = new UdpListener(listen, {
        ...socketEvents,
        message(datagram, rinfo) {
          stats.datagrams++;
          const exporter = { address: normaliseAddress(rinfo.address), port: rinfo.port };
          if (!allowed(exporter.address)) {
            stats.notAllowed++;
            return;
          }
          if (w) w.dispatch(datagram, exporter, Date.now());
          else deliver(decoder!.decode(datagram, exporter));
        },
      });
    }

    node.on('input', async (msg: NodeMessageInFlow, send, done) => {
      try {
        if (msg.topic === 'stats') send([null, null, [await statsMessage()]] as never);
        else if (msg.topic === 'flush') batcher?.flush();
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearInterval(statusTimer);
      if (sweepTimer) clearInterval(sweepTimer);
      if (saveTimer) clearInterval(saveTimer);
      const finish = async () => {
        await listener?.close();
        await saveTemplates().catch((err) => node.warn(err));
        await workers?.close();
        batcher?.close();
      };
      finish().finally(done);
    });
  }

  RED.nodes.registerType('wirescope-flow-collector', FlowCollectorNode);
};
