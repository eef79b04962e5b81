// zmq out: sends messages on a PUB or PUSH socket, either as plain multipart frames
// (msg.topic → first frame, msg.payload → one frame or an array of frames) or encoded as the
// capture-server protocol (msg.payload = CapturedPacket(s) → a data message; msg.event → an event).
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type * as Zmq from 'zeromq';
import { encodeCaptureEvent, SequenceNumbering } from '../common/capture-protocol';
import { shortNumber } from '../shared/rate';
import { captureFrames, framesOf, type Frame } from '../shared/zmq-messages';
import { ShardDispatcher } from './shard-dispatcher';
import {
  loadZeromq, monitorStatus, openEndpoints, parseEndpoints, registerKeyPairEndpoint, socketOptions, watchSocket,
  type MonitorState, type ZmqCredentials, type ZmqSocketConfig,
} from '../shared/zmq-socket';
import { allowListOf, registerZapDomain, RejectedClients } from '../shared/zmq-zap';

interface ZmqOutDef extends NodeDef, ZmqSocketConfig {
  /** shard: XPUB to decode workers, each packet to the worker that owns its exporter (capture format). */
  socketType: 'pub' | 'push' | 'shard';
  format: 'frames' | 'capture';
  /** Capture source name for data and event messages (msg.source overrides). */
  source?: string;
  /** Messages waiting in Node-RED while the socket is busy; beyond this they are dropped and counted. */
  queueLimit?: number | string;
  /** How long a message may wait for room below the high-water mark (ms): 0 drops at once, -1 waits. */
  sendTimeout?: number | string;
}

/** One multipart message waiting for the socket, and the packets it carries (1 for the frames format). */
interface Outgoing {
  frames: Frame[];
  count: number;
}

export = function (RED: NodeAPI) {
  function ZmqOutNode(this: Node<ZmqCredentials>, config: ZmqOutDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const zmq = loadZeromq();
    if (!zmq.module) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('zmq-out.status.no-zeromq') });
      node.error(zmq.problem);
      node.on('input', (_msg, _send, done) => done(new Error(zmq.problem)));
      return;
    }
    const Z = zmq.module;
    const queueLimit = Number(config.queueLimit) > 0 ? Number(config.queueLimit) : 10000;
    const source = config.source || 'default';
    let socket: Zmq.Publisher | Zmq.Push | Zmq.XPublisher | undefined;
    let state: MonitorState | undefined;
    // The capture format numbers packets per source, so receivers count what never arrived.
    const numbering = config.format === 'capture' || config.socketType === 'shard' ? new SequenceNumbering() : undefined;
    const shard = config.socketType === 'shard' ? new ShardDispatcher(numbering!, (what, worker) => {
      if (what === 'left') node.warn(RED._('zmq-out.warn.workerLeft', { worker }));
      showStatus();
    }) : undefined;
    // Counted in packets for the capture format (as zmq in and pcap file out count), else in messages.
    let sent = 0;
    let dropped = 0;
    let closed = false;
    let sending = false;
    let pumped: Promise<void> = Promise.resolve();
    // A FIFO read from `head`: Array.shift() would be O(n) on a long queue.
    let queue: Outgoing[] = [];
    let head = 0;
    const queued = () => queue.length - head;

    let opened: Promise<(() => Promise<void>) | undefined> = Promise.resolve(undefined);
    const rejected = new RejectedClients((key, address) => node.warn(RED._('zmq-out.warn.rejected', { key, address })));
    const unit = numbering ? ' packets' : '';
    const counters = () => [
      shard ? `${shard.ring.workers.length} workers` : '',
      `${shortNumber(sent)}${unit} sent`,
      dropped ? `${shortNumber(dropped)} dropped` : '',
      shard?.unrouted ? `${shortNumber(shard.unrouted)} without worker` : '',
      shard?.moved ? `${shard.moved} exporters moved` : '',
      rejected.count ? `${rejected.count} rejected` : '',
    ].filter(Boolean).join(', ');
    let statusTimer: NodeJS.Timeout | undefined;
    // Statuses go over the editor websocket: at most 2 per second, whatever the message rate.
    const showStatus = () => {
      if (statusTimer || closed) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        if (state && !closed) node.status(monitorStatus(state, counters()));
      }, 500);
    };
    let lastDropWarning = 0;
    const countDrop = (why: string, count: number) => {
      dropped += count;
      const now = Date.now();
      if (now - lastDropWarning > 10000) {
        lastDropWarning = now;
        node.warn(RED._('zmq-out.warn.dropping', { why, dropped }));
      }
      showStatus();
    };

    try {
      const endpoints = parseEndpoints(config.endpoints);
      // At the high-water mark send() waits up to sendTimeout (0 = not at all), then fails with
      // EAGAIN and we count the drop. A PUB socket would drop silently; noDrop turns that into EAGAIN.
      // While it waits, messages queue here up to queueLimit, beyond which they are dropped too.
      const sendTimeout = config.sendTimeout === undefined || config.sendTimeout === '' ? 0 : Number(config.sendTimeout);
      if (!Number.isInteger(sendTimeout) || sendTimeout < -1) throw new Error(`send timeout must be -1, 0 or a number of ms: ${String(config.sendTimeout)}`);
      const allowList = allowListOf(config, node.id, Z);
      const options = { ...socketOptions(config, node.credentials ?? {}, 'send', Z), ...allowList?.socketOptions, sendTimeout };
      if (shard) {
        const xpub = new Z.XPublisher({ ...options, noDrop: true });
        shard.watch(xpub);
        socket = xpub;
      } else {
        socket = config.socketType === 'push' ? new Z.Push(options) : new Z.Publisher({ ...options, noDrop: true });
      }
      state = watchSocket(socket, config, () => showStatus(), endpoints);
      node.status(monitorStatus(state, ''));
      const sock = socket;
      // The ZAP handler must answer before the first client arrives, so it comes up first.
      opened = allowList ? registerZapDomain(Z, allowList.domain, allowList.keys, (d) => { rejected.note(d); showStatus(); }) : Promise.resolve(undefined);
      opened.then(() => (closed ? undefined : openEndpoints(sock, config.mode, endpoints))).catch((err: Error) => {
        if (closed) return;
        node.status({ fill: 'red', shape: 'ring', text: RED._('zmq-out.status.error') });
        node.error(`${config.mode} failed: ${err.message}`);
      });
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('zmq-out.status.error') });
      node.error((err as Error).message);
    }

    const pump = async () => {
      if (sending || !socket) return;
      sending = true;
      while (queued() > 0 && !socket.closed) {
        const { frames, count } = queue[head++];
        if (head >= 4096 && head * 2 >= queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        try {
          await socket.send(frames);
          sent += count;
          showStatus();
        } catch (err) {
          if (socket.closed) break;
          if ((err as { code?: string }).code === 'EAGAIN') countDrop('high-water mark', count);
          else { dropped += count; node.error(`send failed: ${(err as Error).message}`); }
        }
      }
      sending = false;
      showStatus();
    };
    const enqueue = (item: Outgoing) => {
      queue.push(item);
      if (!sending) pumped = pump();
    };

    node.on('input', (msg, _send, done) => {
      if (!socket) return done(new Error(RED._('zmq-out.status.error')));
      if (closed) return done(new Error(RED._('zmq-out.error.closing')));
      let outgoing: Outgoing[];
      try {
        if (shard) outgoing = shard.route(msg, source);
        else {
          const frames = numbering ? captureFrames(msg, source, numbering) : framesOf(msg);
          // Data messages count their packets (frames after topic and header); events count nothing.
          outgoing = [{ frames, count: numbering ? Math.max(0, frames.length - 2) : 1 }];
        }
      } catch (err) {
        return done(err as Error);
      }
      for (const item of outgoing) {
        if (queued() >= queueLimit) countDrop('queue full', item.count);
        else enqueue(item);
      }
      if (shard?.unrouted) showStatus();
      done();
    });

    // At close the queue still goes to ZeroMQ (for at most the linger time, 1 s at least), last
    // a source-closing event per source, so receivers know the session ended and where; close()
    // then gives libzmq the linger time to put it all on the wire.
    const flush = async () => {
      if (!socket || socket.closed) return;
      if (shard) shard.closing().forEach(enqueue);
      else {
        for (const [src] of numbering?.sources() ?? []) {
          const sequence = numbering!.event(src);
          enqueue({ frames: encodeCaptureEvent(src, { type: 'source-closing', time: Date.now(), details: { packetsSent: sequence.seq } }, sequence), count: 0 });
        }
      }
      const linger = Number(config.linger);
      const limit = new Promise((r) => setTimeout(r, Math.min(5000, Math.max(1000, Number.isFinite(linger) ? linger : 0))));
      await Promise.race([pumped, limit]);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      void flush().finally(() => {
        if (queued() > 0) node.warn(RED._('zmq-out.warn.unsent', { count: queued() }));
        queue = [];
        head = 0;
        try { socket?.close(); } catch { /* already closed */ }
        node.status({});
        // Release this node's ZAP domain (the last one closes the handler) before Node-RED starts
        // the next deploy, whose server sockets may need the handler again.
        opened.then((release) => release?.()).catch(() => undefined).finally(() => done());
      });
    });
  }

  RED.nodes.registerType('wirescope-zmq-out', ZmqOutNode as any, {
    credentials: { publicKey: { type: 'text' }, secretKey: { type: 'password' }, serverKey: { type: 'text' } },
  });
  registerKeyPairEndpoint(RED as any, 'zmq-out');
};
