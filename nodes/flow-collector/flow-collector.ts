// flow collector: UDP listener for NetFlow v1/v5/v7/v9, IPFIX and sFlow v5 (protocol detected per
// datagram), decoding with the pack's FlowDecoder. Outputs: 1 records, 2 sFlow counters,
// 3 options / template events / errors / stats.
import dgram from 'node:dgram';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { FlowDecoder, parseElementDefinitions, type DecodeResult, type Exporter, type FlowRecord, type SerializedTemplate } from '../common';
import { Batcher } from '../shared/batcher';
import {
  makeAllowList, normaliseAddress, parsePorts, recordOutput, sideOutputs, type FlowMessage, type OutputMode,
} from '../shared/flow-output';

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
  scopeByPort: boolean;
  persist: boolean;
  /** User element definitions, "PEN ID NAME TYPE" per line. */
  elements?: string;
}

const TEMPLATE_KEY = 'flowTemplates';

/**
 * The collector's decode path: datagram in, decoded and enriched result out. Kept behind this one
 * function (no Node-RED state in it) so it can run in a worker thread.
 */
interface DecodePath {
  decode(datagram: Buffer, exporter: Exporter): DecodeResult;
  decoder: FlowDecoder;
}

function decodePath(config: FlowCollectorDef, saved: SerializedTemplate[] | undefined): DecodePath {
  const decoder = new FlowDecoder({
    applySampling: !!config.applySampling,
    scopeByPort: !!config.scopeByPort,
    templateTtlMs: Number(config.templateTtl || 1800) * 1000,
    templates: saved,
    // Throws on a bad line, which the caller reports as a bad configuration.
    elements: parseElementDefinitions(config.elements || ''),
  });
  return { decode: (datagram, exporter) => decoder.decode(datagram, exporter), decoder };
}

export = function (RED: NodeAPI) {
  function FlowCollectorNode(this: Node, config: FlowCollectorDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const sockets: dgram.Socket[] = [];
    let statusTimer: NodeJS.Timeout | undefined;
    let saveTimer: NodeJS.Timeout | undefined;
    /** Per port, the receive buffer the kernel granted (octets), for stats. */
    const receiveBuffers: Record<number, number> = {};
    const stats = { datagrams: 0, notAllowed: 0, socketErrors: 0, records: 0, recordsAtLastStatus: 0, templatesChanged: false };

    let ports: number[];
    let allowed: (a: string) => boolean;
    let path: DecodePath;
    try {
      ports = parsePorts(config.ports || '2055,4739,6343');
      allowed = makeAllowList(config.allow);
    } catch (err) {
      failClosed('bad-config', (err as Error).message);
      return;
    }
    try {
      const saved = config.persist ? (node.context().get(TEMPLATE_KEY) as SerializedTemplate[] | undefined) : undefined;
      path = decodePath(config, Array.isArray(saved) ? saved : undefined);
    } catch (err) {
      // Not listening at all beats decoding with names the user did not ask for.
      failClosed('bad-elements', (err as Error).message);
      return;
    }
    const decoder = path.decoder;

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

    const onDatagram = (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      stats.datagrams++;
      const exporter = { address: normaliseAddress(rinfo.address), port: rinfo.port };
      if (!allowed(exporter.address)) {
        stats.notAllowed++;
        return;
      }
      const r = path.decode(msg, exporter);
      stats.records += r.records.length;
      if (r.templates.length) stats.templatesChanged = true;
      const [counters, events] = sideOutputs(r);
      let records: FlowMessage | FlowMessage[] | null = null;
      if (batcher) for (const rec of r.records) batcher.push(rec);
      else records = recordOutput(r, mode === 'record' ? 'record' : 'datagram');
      if (records || counters || events) node.send([records, counters, events] as never);
    };

    const statsMessage = (): FlowMessage => ({
      topic: 'stats',
      payload: {
        ports, receiveBuffers, datagrams: stats.datagrams, notAllowed: stats.notAllowed, socketErrors: stats.socketErrors, decoder: decoder.counters(),
      },
    });

    const saveTemplates = () => {
      if (!config.persist || !stats.templatesChanged) return;
      stats.templatesChanged = false;
      node.context().set(TEMPLATE_KEY, decoder.exportTemplates());
    };

    const showStatus = () => {
      const rate = stats.records - stats.recordsAtLastStatus;
      stats.recordsAtLastStatus = stats.records;
      const c = decoder.summary();
      const drops = stats.notAllowed + c.datagramsWithErrors + c.pendingDropped;
      node.status({
        fill: drops ? 'yellow' : 'green', shape: 'dot',
        text: RED._('flow-collector.status.running', { rate, drops, templates: c.templates }),
      });
    };

    let bound = 0;
    for (const port of ports) {
      const address = config.bind || '::';
      const socket = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', ipv6Only: false });
      sockets.push(socket);
      socket.on('message', onDatagram);
      socket.on('error', (err: NodeJS.ErrnoException) => {
        stats.socketErrors++;
        const text = err.code === 'EADDRINUSE'
          ? RED._('flow-collector.errors.port-in-use', { port })
          : RED._('flow-collector.errors.socket', { port, message: err.message });
        node.status({ fill: 'red', shape: 'ring', text: err.code === 'EADDRINUSE' ? RED._('flow-collector.status.port-in-use', { port }) : RED._('flow-collector.status.error') });
        node.error(text);
      });
      socket.on('listening', () => {
        const rcvbuf = Number(config.rcvbuf) || 0;
        let set = false;
        if (rcvbuf > 0) {
          try {
            socket.setRecvBufferSize(rcvbuf);
            set = true;
          } catch (err) {
            node.warn(RED._('flow-collector.errors.rcvbuf', { message: (err as Error).message }));
          }
        }
        receiveBuffers[port] = socket.getRecvBufferSize();
        // Linux doubles a request for its bookkeeping but caps it at twice net.core.rmem_max,
        // silently: a smaller buffer than asked for loses bursts sooner than the user expects.
        if (set && receiveBuffers[port] < rcvbuf) {
          node.warn(RED._('flow-collector.errors.rcvbuf-capped', { port, requested: rcvbuf, got: receiveBuffers[port] }));
        }
        if (++bound === ports.length) {
          node.status({ fill: 'green', shape: 'dot', text: RED._('flow-collector.status.listening', { ports: ports.join(',') }) });
          statusTimer = setInterval(showStatus, 1000);
          if (config.persist) saveTimer = setInterval(saveTemplates, 10_000);
        }
      });
      socket.bind({ port, address });
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      try {
        if (msg.topic === 'stats') send([null, null, [statsMessage()]] as never);
        else if (msg.topic === 'flush') batcher?.flush();
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearInterval(statusTimer);
      if (saveTimer) clearInterval(saveTimer);
      batcher?.close();
      saveTemplates();
      let open = sockets.length;
      if (open === 0) { done(); return; }
      for (const s of sockets) {
        try {
          s.close(() => { if (--open === 0) done(); });
        } catch {
          // Never bound (bind failed): nothing to close.
          if (--open === 0) done();
        }
      }
    });
  }

  RED.nodes.registerType('wirescope-flow-collector', FlowCollectorNode);
};
