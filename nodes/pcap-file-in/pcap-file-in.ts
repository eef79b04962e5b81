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

/** A paced replay's default batching tick (ms), when no batch interval is set. */
const PACED_TICK_MS = 10;

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
    const batchInterval = Number(config.batchInterval) || 0;
    // A paced replay groups the packets due within this many ms of a batch's first packet, and
    // sends the batch when its last packet is due: never early, at most this late.
    const pacedTick = batchInterval > 0 ? batchInterval : PACED_TICK_MS;
    let closing = false;
    const abort = new AbortController(); // cuts a pacing wait short on close
    let running = Promise.resolve();

    async function replay(input: Readable, source: string, send: (m: any) => void): Promise<ReadSummary> {
      const summary: ReadSummary = { source, packets: 0, sent: 0, bytes: 0 };
      // Paced, the timing below decides when a batch goes: the batcher's own timer would send early.
      const batcher = new Batcher<CapturedPacket>({ size: batchSize, intervalMs: speed > 0 ? 0 : batchInterval }, (items) =>
        send([{ topic: source, payload: batchSize === 1 ? items[0] : items }, null]),
      );
      let firstCapture: number | undefined;
      let startedAt = 0;
      // The paced batch being filled: how many packets, when its first and last packet are due (ms after the start).
      let inBatch = 0;
      let batchStart = 0;
      let lastDue = 0;
      const until = async (due: number) => {
        const wait = due - (Date.now() - startedAt);
        if (wait > 1) await sleep(wait, undefined, { signal: abort.signal }).catch(() => undefined);
      };
      const release = async () => {
        if (inBatch > 0) await until(lastDue);
        batcher.flush();
        inBatch = 0;
      };
      try {
        for await (const batch of readCaptureBatches(input)) {
          for (const p of batch as CapturePacket[]) {
            if (closing) return summary;
            summary.packets++;
            if (!filter(p.data, p.linkType, p.originalLength)) continue;
            if (speed > 0) {
              const at = p.timestamp.ms;
              if (firstCapture === undefined) { firstCapture = at; startedAt = Date.now(); }
              const due = (at - firstCapture) / speed;
              if (inBatch > 0 && due - batchStart > pacedTick) await release();
              if (closing) return summary;
              if (inBatch === 0) batchStart = due;
              lastDue = due;
              // This packet fills the batch, which then goes at once: not before the packet is due.
              if (inBatch + 1 >= batchSize) await until(due);
              inBatch = (inBatch + 1) % batchSize;
            }
            summary.sent++;
            summary.bytes += p.data.length;
            batcher.push(capturedPacket(p.data, p.linkType, p.interfaceName ?? String(p.interfaceId), p.timestamp, p.originalLength, config.dissect === false ? undefined : dissect(p.data, p.linkType)));
          }
          // One read chunk at a time: let Node-RED deliver before reading on, so memory stays bounded.
          await release();
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
