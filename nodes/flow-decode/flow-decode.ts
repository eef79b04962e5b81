// flow decode: the flow decoders for a datagram in msg.payload (a Buffer from a file, ZeroMQ,
// a UDP in node, or a captured packet from pcap in). Template state is kept per exporter.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { FlowDecoder, parseElementDefinitions, type IeDefinition } from '../common';
import { datagramOf, pendingDropEvents, recordOutput, sideOutputs, type FlowMessage } from '../shared/flow-output';

interface FlowDecodeDef extends NodeDef {
  output: 'datagram' | 'record';
  applySampling: boolean;
  templateTtl: string | number;
  /** How long a data set waits for its template, seconds (default 60). */
  pendingTtl?: string | number;
  scopeByPort: boolean;
  /** User element definitions, "PEN ID NAME TYPE" per line. */
  elements?: string;
}

export = function (RED: NodeAPI) {
  function FlowDecodeNode(this: Node, config: FlowDecodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let elements: IeDefinition[];
    try {
      elements = parseElementDefinitions(config.elements || '');
    } catch (err) {
      const message = (err as Error).message;
      node.status({ fill: 'red', shape: 'ring', text: RED._('flow-decode.status.bad-elements') });
      node.error(message);
      // Nothing decodes with a broken list; each message still ends with the error so a catch
      // node sees what was not decoded.
      node.on('input', (_msg: NodeMessageInFlow, _send, done) => done(new Error(RED._('flow-decode.errors.not-decoded', { message }))));
      return;
    }
    const decoder = new FlowDecoder({
      applySampling: !!config.applySampling,
      scopeByPort: !!config.scopeByPort,
      templateTtlMs: Number(config.templateTtl || 1800) * 1000,
      pendingTtlMs: Number(config.pendingTtl || 60) * 1000,
      elements,
    });
    let rejected = 0;

    const showStatus = (warn: boolean) => {
      const c = decoder.summary();
      const figures = { records: c.records, errors: c.datagramsWithErrors, templates: c.templates, dropped: c.pendingDropped };
      node.status({
        fill: warn ? 'yellow' : 'green', shape: 'dot',
        // Data sets dropped without their template are lost records: said once there are any.
        text: RED._(c.pendingDropped ? 'flow-decode.status.decoded-dropped' : 'flow-decode.status.decoded', figures),
      });
    };

    /**
     * Once a second, held sets past the Pending TTL are dropped (also those of an exporter that
     * sends nothing more here), and every set dropped since the last sweep, at the TTL or at a
     * limit, is reported on output 3: one message per exporter and domain.
     */
    const sweep = () => {
      decoder.sweepPending(Date.now());
      const events = pendingDropEvents(decoder.takePendingDrops());
      if (!events) return;
      node.send([null, null, events] as never);
      showStatus(true);
    };
    const sweepTimer = setInterval(sweep, 1000);
    node.on('close', () => clearInterval(sweepTimer));

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      try {
        if (msg.topic === 'stats') {
          // Sets of an exporter that sends nothing more here (moved to another worker) expire on this clock too.
          sweep();
          send([null, null, [{ topic: 'stats', payload: { rejected, decoder: decoder.counters() } }]] as never);
          done();
          return;
        }
        const input = datagramOf(msg as unknown as Record<string, unknown>);
        if (typeof input === 'string') {
          rejected++;
          node.status({ fill: 'red', shape: 'ring', text: RED._('flow-decode.status.bad-input') });
          done(new Error(input));
          return;
        }
        const r = decoder.decode(input.datagram, input.exporter);
        const records = recordOutput(r, config.output === 'record' ? 'record' : 'datagram');
        const [counters, events] = sideOutputs(r);
        // Keep the caller's message properties (e.g. _msgid, file names) on the records message.
        const out: Array<FlowMessage | FlowMessage[] | null> = [
          Array.isArray(records) || !records ? records : { ...msg, ...records },
          counters, events,
        ];
        if (records || counters || events) send(out as never);
        showStatus(r.errors.length > 0);
        if (r.errors.length) done(new Error(`${r.protocol} from ${r.exporter.address}: ${r.errors.map((e) => e.message).join('; ')}`));
        else done();
      } catch (err) {
        done(err as Error);
      }
    });
  }

  RED.nodes.registerType('wirescope-flow-decode', FlowDecodeNode);
};
