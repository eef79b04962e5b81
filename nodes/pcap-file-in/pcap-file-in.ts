// pcap file in: reads a pcap/pcapng file (path from the config or msg.filename) or a capture in
// msg.payload, filters, optionally paces at the original speed, and sends packets like pcap in.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CaptureFormatError, readCaptureBatches, type CapturePacket } from '../common/pcap';
import { dissect } from '../common/packet';
import { compileFilter, type FramePredicate } from '../common/filter';
import { Batcher } from '../shared/batcher';
import { failClosed } from '../shared/fail-closed';
import { capturedPacket, type CapturedPacket } from '../shared/packet-message';

interface PcapFileInConfig extends NodeDef {
  filename: string;
  filter: string;
  pacing: 'none' | 'original' | 'multiplier';
  speed: number | string;
  batchSize: number | string;
  batchInterval: number | string;
  dissect: boolean;
}

interface ReadSummary {
  source: string;
  packets: number; // read from the file
  sent: number; // passed the filter
  bytes: number;
  error?: { message: string; offset: number };
}

export = function (RED: NodeAPI) {
  function PcapFileInNode(this: Node, config: PcapFileInConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    let filter: FramePredicate;
    try {
      filter = compileFilter(config.filter || '');
    } catch (err) {
      return failClosed(node, RED._('pcap-file-in.status.badFilter'), (err as Error).message);
    }
    const speed = config.pacing === 'original' ? 1 : config.pacing === 'multiplier' ? Math.max(0.001, Number(config.speed) || 1) : 0;
    const batchSize = Math.max(1, Number(config.batchSize) || 1);
    let closing = false;
    const abort = new AbortController(); // cuts a pacing wait short on close
    let running = Promise.resolve();

    async function replay(input: Readable, source: string, send: (m: any) => void): Promise<ReadSummary> {
      const summary: ReadSummary = { source, packets: 0, sent: 0, bytes: 0 };
      const batcher = new Batcher<CapturedPacket>({ size: batchSize, intervalMs: Number(config.batchInterval) || 0 }, (items) =>
        send([{ topic: source, payload: batchSize === 1 ? items[0] : items }, null]),
      );
      let firstCapture: number | undefined;
      let startedAt = 0;
      try {
        for await (const batch of readCaptureBatches(input)) {
          for (const p of batch as CapturePacket[]) {
            if (closing) return summary;
            summary.packets++;
            if (!filter(p.data, p.linkType, p.originalLength)) continue;
            if (speed > 0) {
              const at = p.timestamp.ms;
              if (firstCapture === undefined) { firstCapture = at; startedAt = Date.now(); }
              const wait = (at - firstCapture) / speed - (Date.now() - startedAt);
              if (wait > 1) {
                batcher.flush();
                await sleep(wait, undefined, { signal: abort.signal }).catch(() => undefined);
              }
            }
            summary.sent++;
            summary.bytes += p.data.length;
            batcher.push(capturedPacket(p.data, p.linkType, p.interfaceName ?? String(p.interfaceId), p.timestamp, p.originalLength, config.dissect === false ? undefined : dissect(p.data, p.linkType)));
          }
          // One read chunk at a time: let Node-RED deliver before reading on, so memory stays bounded.
          batcher.flush();
          await yieldToEventLoop();
        }
      } catch (err) {
        if (!(err instanceof CaptureFormatError)) throw err;
        summary.error = { message: err.message, offset: err.offset };
      } finally {
        batcher.close();
        input.destroy();
      }
      return summary;
    }

    node.on('input', (msg: any, send, done) => {
      // One file at a time, in arrival order.
      running = running.then(async () => {
        if (closing) return done();
        let input: Readable;
        let source: string;
        if (Buffer.isBuffer(msg.payload)) {
          input = Readable.from([msg.payload]);
          source = msg.filename || 'buffer';
        } else {
          source = msg.filename || config.filename;
          if (!source) return done(new Error(RED._('pcap-file-in.error.noFile')));
          input = createReadStream(source, { highWaterMark: 1 << 20 });
        }
        node.status({ fill: 'blue', shape: 'dot', text: RED._('pcap-file-in.status.reading') });
        try {
          const summary = await replay(input, source, send);
          send([null, { topic: source, payload: summary, filename: source }]);
          if (summary.error) {
            node.status({ fill: 'red', shape: 'dot', text: RED._('pcap-file-in.status.corrupt', { offset: summary.error.offset, packets: summary.packets }) });
            done(new Error(`${source}: ${summary.error.message}; ${summary.packets} packet(s) before it were sent`));
          } else {
            node.status({ fill: 'green', shape: 'dot', text: RED._('pcap-file-in.status.done', { sent: summary.sent, packets: summary.packets }) });
            done();
          }
        } catch (err) {
          node.status({ fill: 'red', shape: 'ring', text: RED._('pcap-file-in.status.failed') });
          done(err as Error);
        }
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      abort.abort();
      running.finally(() => { node.status({}); done(); });
    });
  }

  RED.nodes.registerType('wirescope-pcap-file-in', PcapFileInNode);
};
