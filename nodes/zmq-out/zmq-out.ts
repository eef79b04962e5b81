// zmq out: sends messages on a PUB, PUSH or DEALER (acknowledged capture) socket, either as plain multipart frames
// (msg.topic → first frame, msg.payload → one frame or an array of frames) or encoded as the
// capture-server protocol (msg.payload = CapturedPacket(s) → a data message; msg.event → an event).
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type * as Zmq from 'zeromq';
import { decodeCaptureControl, encodeCaptureData, encodeCaptureEvent, SequenceNumbering, type SourcePosition } from '../common/capture-protocol';
import { shortNumber } from '../shared/rate';
import { captureContent, captureFrames, framesOf, type Frame } from '../shared/zmq-messages';
import { CapturePacker, PACK_FLUSH_MS, PACK_MAX_BYTES } from './packer';
import { ResendWindow, type WindowItem } from './resend-window';
import { ShardDispatcher } from './shard-dispatcher';
import {
  loadZeromq, monitorStatus, openEndpoints, parseEndpoints, registerKeyPairEndpoint, socketOptions, watchSocket, type StatusText,
  type MonitorState, type ZmqCredentials, type ZmqSocketConfig,
} from '../shared/zmq-socket';
import { allowListOf, registerZapDomain, RejectedClients } from '../shared/zmq-zap';

interface ZmqOutDef extends NodeDef, ZmqSocketConfig {
  /** shard: XPUB to decode workers, each packet to the worker that owns its exporter (capture format). */
  /** dealer: the acknowledged capture mode, facing a zmq in ROUTER. */
  socketType: 'pub' | 'push' | 'shard' | 'dealer';
  format: 'frames' | 'capture';
  /** Capture source name for data and event messages (msg.source overrides). */
  source?: string;
  /** Messages waiting in Node-RED while the socket is busy; beyond this they are dropped and counted. */
  queueLimit?: number | string;
  /** How long a message may wait for room below the high-water mark (ms): 0 drops at once, -1 waits. */
  sendTimeout?: number | string;
  /** Capture protocol: send packed data messages (receivers of this version or later only). */
  packed?: boolean;
  /** Packed: packets per message at most (default 64). */
  packPackets?: number | string;
}

const PACK_PACKETS_MAX = 65535;

/** One multipart message waiting for the socket, and the packets it carries (1 for the frames format). */
interface Outgoing {
  frames: Frame[];
  count: number;
}

/** Acknowledged mode: sent data not acknowledged for this long is sent again. */
const ACK_TIMEOUT_MS = 2000;
/** Acknowledged mode: a resend request within this time of the last rewind is already being served. */
const REWIND_GUARD_MS = 250;
const RESEND_UNAVAILABLE = 'resend-unavailable';

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
    let socket: Zmq.Publisher | Zmq.Push | Zmq.XPublisher | Zmq.Dealer | undefined;
    let state: MonitorState | undefined;
    const acknowledged = config.socketType === 'dealer';
    // The capture format numbers packets per source, so receivers count what never arrived.
    const numbering = config.format === 'capture' || config.socketType === 'shard' || acknowledged ? new SequenceNumbering() : undefined;
    // Acknowledged mode: the queue is a window that keeps each message until the receiver acknowledges it.
    const window = acknowledged ? new ResendWindow(numbering!.session, queueLimit) : undefined;
    let stallTimer: NodeJS.Timeout | undefined;
    const shard = config.socketType === 'shard' ? new ShardDispatcher(numbering!, (what, worker) => {
      if (what === 'left') node.warn(RED._('zmq-out.warn.workerLeft', { worker }));
      showStatus();
    }) : undefined;
    // Packed: packets collected across input messages into packed data messages (packer.ts).
    let packer: CapturePacker | undefined;
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
    const counters = () => [
      shard ? RED._('zmq-out.status.workers', { n: shard.ring.workers.length }) : '',
      RED._(numbering ? 'zmq-out.status.packets-sent' : 'zmq-out.status.sent', { n: shortNumber(sent) }),
      window ? RED._('zmq-out.status.unacked', { n: shortNumber(window.unacknowledged()) }) : '',
      window?.resent ? RED._('zmq-out.status.resent', { n: shortNumber(window.resent) }) : '',
      dropped ? RED._('zmq-out.status.dropped', { n: shortNumber(dropped) }) : '',
      shard?.unrouted ? RED._('zmq-out.status.unrouted', { n: shortNumber(shard.unrouted) }) : '',
      shard?.moved ? RED._('zmq-out.status.moved', { n: shard.moved }) : '',
      rejected.count ? RED._('zmq-out.status.rejected', { n: rejected.count }) : '',
    ].filter(Boolean).join(', ');
    const statusText: StatusText = (key, vars) => RED._(`zmq-out.status.${key}`, vars);
    let statusTimer: NodeJS.Timeout | undefined;
    // Statuses go over the editor websocket: at most 2 per second, whatever the message rate.
    const showStatus = () => {
      if (statusTimer || closed) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        if (state && !closed) node.status(monitorStatus(state, counters(), statusText));
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
      if (acknowledged && config.format !== 'capture') throw new Error(RED._('zmq-out.error.dealerNeedsCapture'));
      if (config.packed) {
        if (config.format !== 'capture' || shard) throw new Error(RED._('zmq-out.error.packedNeedsCapture'));
        const most = config.packPackets === undefined || config.packPackets === '' ? 64 : Number(config.packPackets);
        if (!Number.isInteger(most) || most < 1 || most > PACK_PACKETS_MAX) throw new Error(RED._('zmq-out.error.packPackets', { value: String(config.packPackets), max: PACK_PACKETS_MAX }));
        packer = new CapturePacker(most, PACK_MAX_BYTES, PACK_FLUSH_MS, (src, packets) => {
          const sequence = numbering!.data(src, packets.length);
          deliver(encodeCaptureData(src, packets, sequence, true), packets.length, src, sequence.seq);
        });
      }
      if (acknowledged) {
        const dealer = new Z.Dealer(options);
        controlLoop(dealer);
        stallTimer = setInterval(() => {
          const now = Date.now();
          // Without a peer a resend only fills libzmq's queue: the receiver asks for it when it is back.
          if (state && state.peers > 0 && window!.stalled(now, ACK_TIMEOUT_MS)) {
            window!.rewind(now);
            kick();
          }
        }, ACK_TIMEOUT_MS / 8);
        socket = dealer;
      } else if (shard) {
        const xpub = new Z.XPublisher({ ...options, noDrop: true });
        shard.watch(xpub);
        socket = xpub;
      } else {
        socket = config.socketType === 'push' ? new Z.Push(options) : new Z.Publisher({ ...options, noDrop: true });
      }
      state = watchSocket(socket, config, () => showStatus(), endpoints);
      node.status(monitorStatus(state, '', statusText));
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

    // Acknowledged mode: the window decides what goes next (new messages, or those to send again).
    // A message the high-water mark refuses stays in the window and is tried again shortly.
    let retryTimer: NodeJS.Timeout | undefined;
    const pumpWindow = async (sock: Zmq.Dealer, win: ResendWindow) => {
      sending = true;
      for (let item = win.next(); item && !sock.closed; item = win.next()) {
        try {
          await sock.send(item.frames);
          if (!item.sentAt) sent += item.count;
          win.sent(item, Date.now());
          showStatus();
        } catch (err) {
          win.retry();
          if (sock.closed) break;
          if ((err as { code?: string }).code !== 'EAGAIN') node.error(`send failed: ${(err as Error).message}`);
          retryTimer ??= setTimeout(() => { retryTimer = undefined; kick(); }, 100);
          break;
        }
      }
      sending = false;
      showStatus();
    };
    const kick = () => {
      if (!sending && socket && !socket.closed && window) pumped = pumpWindow(socket as Zmq.Dealer, window);
    };
    // The receiver's acknowledgements and resend requests come back on the DEALER socket.
    function controlLoop(dealer: Zmq.Dealer) {
      void (async () => {
        try {
          for await (const frames of dealer) {
            try {
              const control = decodeCaptureControl(frames);
              for (const position of control.positions) {
                if (control.kind === 'ack') window!.ack(position.session, position.source, position.next, Date.now());
                else resend(position);
              }
              showStatus();
            } catch (err) {
              node.error(`invalid acknowledgement: ${(err as Error).message}`);
            }
          }
        } catch {
          // Ends with the socket.
        }
      })();
    }
    const resend = (position: SourcePosition) => {
      const now = Date.now();
      if (position.session !== window!.session || now - window!.lastProgress < REWIND_GUARD_MS) return;
      // Packets below the oldest one held were acknowledged once (a receiver that crashed and lost
      // its position asks for them): say where this sender resumes, so it counts them and moves on.
      const resume = window!.oldest(position.source) ?? numbering!.event(position.source).seq;
      if (resume > position.next) {
        const notice = { type: RESEND_UNAVAILABLE, time: now, details: { from: position.next, resume } };
        window!.pushFront({ frames: encodeCaptureEvent(position.source, notice, { session: window!.session, seq: resume }), count: 0, sentAt: 0 });
      }
      window!.rewind(now);
      kick();
    };

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

    /**
     * One encoded capture message to the socket's queue, or to the window (acknowledged): `count`
     * packets (0 for an event), numbered from `seq` of `src` for data.
     */
    const deliver = (frames: Buffer[], count: number, src?: string, seq?: number) => {
      if (window) {
        window.push(count > 0 ? { frames, count, source: src, seq, sentAt: 0 } : { frames, count: 0, sentAt: 0 });
        kick();
      } else if (queued() >= queueLimit) countDrop('queue full', count);
      else enqueue({ frames, count });
    };

    node.on('input', (msg, _send, done) => {
      if (!socket) return done(new Error(RED._('zmq-out.status.error')));
      if (closed) return done(new Error(RED._('zmq-out.error.closing')));
      if (packer) {
        let content: ReturnType<typeof captureContent>;
        try {
          content = captureContent(msg, source);
        } catch (err) {
          return done(err as Error);
        }
        if (content.kind === 'event') {
          // What waits goes first: the event carries the number of the source's next packet.
          packer.flush();
          deliver(encodeCaptureEvent(content.source, content.event, numbering!.event(content.source)), 0);
        } else if (window?.full()) countDrop('window full', content.packets.length); // before it is numbered, as below
        else packer.add(content.source, content.packets);
        return done();
      }
      if (window) {
        // Refused before it is numbered: the receiver waits for no packet that will never come.
        if (window.full()) countDrop('window full', Array.isArray(msg.payload) ? msg.payload.length : 1);
        else {
          try {
            window.push(windowItem(captureFrames(msg, source, numbering)));
          } catch (err) {
            return done(err as Error);
          }
          kick();
        }
        return done();
      }
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

    /** A window entry: data knows its source and first sequence number (the numbering just advanced past it). */
    const windowItem = (frames: Buffer[]): WindowItem => {
      const count = frames.length - 2;
      const topic = frames[0].toString();
      if (!topic.startsWith('data/')) return { frames, count: 0, sentAt: 0 };
      const src = topic.slice(5, -1);
      return { frames, count, source: src, seq: numbering!.event(src).seq - count, sentAt: 0 };
    };

    // Acknowledged mode at close: wait (linger, 1 s at least, 5 s at most) until the receiver has
    // acknowledged everything, then say goodbye per source.
    const drainWindow = async (win: ResendWindow, limitMs: number) => {
      const until = Date.now() + limitMs;
      while (win.unacknowledged() > 0 && Date.now() < until && socket && !socket.closed) await new Promise((r) => setTimeout(r, 20));
      for (const [src] of numbering!.sources()) win.push(windowItem(encodeCaptureEvent(src, { type: 'source-closing', time: Date.now(), details: { packetsSent: numbering!.event(src).seq } }, numbering!.event(src))));
      kick();
      await Promise.race([pumped, new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 200))]);
    };

    // At close the queue still goes to ZeroMQ (for at most the linger time, 1 s at least), last
    // a source-closing event per source, so receivers know the session ended and where; close()
    // then gives libzmq the linger time to put it all on the wire.
    const flush = async () => {
      if (!socket || socket.closed) return;
      // Packets still waiting to be packed go first, numbered, before the source-closing events.
      packer?.flush();
      const linger = Number(config.linger);
      const limitMs = Math.min(5000, Math.max(1000, Number.isFinite(linger) ? linger : 0));
      if (window) return drainWindow(window, limitMs);
      if (shard) shard.closing().forEach(enqueue);
      else {
        for (const [src] of numbering?.sources() ?? []) {
          const sequence = numbering!.event(src);
          enqueue({ frames: encodeCaptureEvent(src, { type: 'source-closing', time: Date.now(), details: { packetsSent: sequence.seq } }, sequence), count: 0 });
        }
      }
      const limit = new Promise((r) => setTimeout(r, limitMs));
      await Promise.race([pumped, limit]);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      if (stallTimer) clearInterval(stallTimer);
      void flush().finally(() => {
        if (retryTimer) clearTimeout(retryTimer);
        const unsent = window ? window.unacknowledged() : queued();
        if (unsent > 0) node.warn(RED._(window ? 'zmq-out.warn.unacked' : 'zmq-out.warn.unsent', { count: unsent }));
        window?.clear();
        packer?.close();
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
