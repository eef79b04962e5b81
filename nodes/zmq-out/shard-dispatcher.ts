// zmq out's "shard by exporter" socket: an XPUB socket whose subscribers are decode workers, each
// subscribed to "shard/<its name>/". The subscriptions tell the dispatcher which workers are up
// (libzmq passes an unsubscription up when a worker's connection goes); every captured packet is
// sent to the worker that owns its exporter (common/zmq/shard.ts), so NetFlow v9 / IPFIX
// templates and the data sets that need them meet on one worker.
import type { NodeMessage } from 'node-red';
import type * as Zmq from 'zeromq';
import { encodeCaptureData, encodeCaptureEvent, type SequenceNumbering } from '../common/capture-protocol';
import { exporterKey, ShardRing, shardTopic, workerOfSubscription } from '../common/zmq/shard';
import { isCapturedPacket, type CapturedPacket } from '../shared/packet-message';
import { captureFrames } from '../shared/zmq-messages';

export interface ShardMessage {
  frames: Buffer[];
  count: number;
}

/** Exporters remembered with their worker, to count moves (least recently routed forgotten first). */
const MAX_EXPORTERS = 100000;

export class ShardDispatcher {
  readonly ring = new ShardRing();
  /** Exporters that changed worker (a worker joined or left): their records wait for the next template there. */
  moved = 0;
  /** Packets no worker could take (none subscribed). */
  unrouted = 0;
  private readonly owners = new Map<string, string>();

  constructor(private readonly numbering: SequenceNumbering, private readonly onChange: (what: 'joined' | 'left', worker: string) => void) {}

  /** Follows the XPUB socket's subscription messages until it closes. */
  watch(socket: Zmq.XPublisher): void {
    void (async () => {
      try {
        for await (const [message] of socket) {
          if (!message || message.length < 1) continue;
          const worker = workerOfSubscription(message.subarray(1).toString());
          if (!worker) continue;
          if (message[0] === 1 && this.ring.add(worker)) this.onChange('joined', worker);
          if (message[0] === 0 && this.ring.remove(worker)) this.onChange('left', worker);
        }
      } catch {
        // Ends with the socket.
      }
    })();
  }

  /** The messages for one Node-RED message: packets grouped by their exporter's worker; events to every worker. */
  route(msg: NodeMessage & { source?: unknown }, defaultSource: string): ShardMessage[] {
    const source = typeof msg.source === 'string' && msg.source ? msg.source : defaultSource;
    const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
    if (!items.every(isCapturedPacket)) {
      // An event (or something captureFrames rejects with its message): a copy for every worker.
      return this.ring.workers.map((worker) => {
        const frames = captureFrames(msg, source);
        return { frames: [Buffer.from(shardTopic(worker)), ...this.restamp(frames, worker)], count: 0 };
      });
    }
    const groups = new Map<string, CapturedPacket[]>();
    for (const packet of items as CapturedPacket[]) {
      const key = exporterKey(packet.frame, packet.linkType) ?? 'not-udp';
      const worker = this.ring.pick(key);
      if (!worker) {
        this.unrouted += 1;
        continue;
      }
      this.remember(key, worker);
      const group = groups.get(worker);
      if (group) group.push(packet);
      else groups.set(worker, [packet]);
    }
    return [...groups].map(([worker, packets]) => ({
      frames: [Buffer.from(shardTopic(worker)), ...encodeCaptureData(source, packets, this.numbering.data(`${worker}/${source}`, packets.length))],
      count: packets.length,
    }));
  }

  /** The source-closing events, one per (worker, source) numbered so far. */
  closing(): ShardMessage[] {
    return this.numbering.sources().map(([key]) => {
      const slash = key.indexOf('/');
      const worker = key.slice(0, slash);
      const source = key.slice(slash + 1);
      const sequence = this.numbering.event(key);
      return { frames: [Buffer.from(shardTopic(worker)), ...encodeCaptureEvent(source, { type: 'source-closing', time: Date.now(), details: { packetsSent: sequence.seq } }, sequence)], count: 0 };
    });
  }

  /** An event's frames, stamped with the sequence of that worker's copy of the source. */
  private restamp(frames: Buffer[], worker: string): Buffer[] {
    const header = JSON.parse(frames[1].toString()) as Record<string, unknown>;
    const sequence = this.numbering.event(`${worker}/${String(header.source)}`);
    return [frames[0], Buffer.from(JSON.stringify({ ...header, ...sequence }))];
  }

  private remember(key: string, worker: string): void {
    const previous = this.owners.get(key);
    if (previous === worker) return;
    if (previous !== undefined) {
      this.moved += 1;
      this.owners.delete(key);
    } else if (this.owners.size >= MAX_EXPORTERS) {
      this.owners.delete(this.owners.keys().next().value as string);
    }
    this.owners.set(key, worker);
  }
}
