// zmq in: receives on a SUB, PULL or ROUTER (acknowledged capture) socket and sends one Node-RED message per ZeroMQ message,
// either as plain frames (first frame → msg.topic when asked, the rest → msg.payload) or decoded
// from the capture-server protocol (data → msg.payload CapturedPacket[], event → msg.payload event,
// plus the events capture-receiver.ts derives: source-connected/-disconnected, capture-gap).
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type * as Zmq from 'zeromq';
import { shortNumber } from '../shared/rate';
import { messageOfFrames } from '../shared/zmq-messages';
import {
  loadZeromq, monitorStatus, openEndpoints, parseEndpoints, registerKeyPairEndpoint, socketOptions, watchSocket, type StatusText,
  type MonitorState, type ZmqCredentials, type ZmqSocketConfig,
} from '../shared/zmq-socket';
import { allowListOf, registerZapDomain, RejectedClients } from '../shared/zmq-zap';
import { AckSender } from './ack-sender';
import { CaptureReceiver } from './capture-receiver';

/** Acknowledged mode: how long messages ahead of a gap wait for their sender to resend it. */
const GAP_WAIT_MS = 60000;

interface ZmqInDef extends NodeDef, ZmqSocketConfig {
  /** router: the acknowledged capture mode, facing zmq out DEALER senders. */
  socketType: 'sub' | 'pull' | 'router';
  format: 'frames' | 'capture';
  /** SUB prefixes, one per line or comma-separated; empty subscribes to everything. */
  subscriptions?: string;
  /** Frames format: the first frame is a topic (→ msg.topic). */
  topicFrame?: boolean;
  /** Frames format: payload frames as UTF-8 strings instead of Buffers. */
  asString?: boolean;
  /** Capture format: one message per packet, dissected (what flow decode takes). */
  perPacket?: boolean;
}

export = function (RED: NodeAPI) {
  function ZmqInNode(this: Node<ZmqCredentials>, config: ZmqInDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const zmq = loadZeromq();
    if (!zmq.module) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('zmq-in.status.no-zeromq') });
      node.error(zmq.problem);
      return;
    }
    const Z = zmq.module;
    let socket: Zmq.Subscriber | Zmq.Pull | Zmq.Router | undefined;
    let acks: AckSender | undefined;
    const acknowledged = config.socketType === 'router';
    let state: MonitorState | undefined;
    let received = 0;
    let invalid = 0;
    let closed = false;
    const userDir = (RED.settings as { userDir?: string }).userDir;
    const capture = config.format === 'capture'
      ? new CaptureReceiver((m) => node.send(m), userDir ? join(userDir, 'wirescope', `zmq-in-${node.id}.sequence.json`) : undefined, !!config.perPacket, undefined,
        acknowledged ? { gapWaitMs: GAP_WAIT_MS } : undefined)
      : undefined;
    const saveTimer = capture ? setInterval(() => capture.save(), 1000) : undefined;
    const silenceTimers = new Set<NodeJS.Timeout>();
    let opened: Promise<(() => Promise<void>) | undefined> = Promise.resolve(undefined);
    const rejected = new RejectedClients((key, address) => node.warn(RED._('zmq-in.warn.rejected', { key, address })));
    // Node-RED creates a flow's nodes one at a time (awaiting each), and drops a message sent to a
    // node not created yet: a message received now could vanish while its sequence number counts it
    // delivered (a restarted worker lost its first packets that way). Receiving starts once the
    // flows have started; libzmq queues what arrives meanwhile.
    let onFlowsStarted: (() => void) | undefined;
    const flowsStarted = new Promise<void>((resolve) => {
      onFlowsStarted = () => resolve();
      RED.events.once('flows:started', onFlowsStarted);
    });

    // The capture format counts packets (as pcap file out does) and the packets its senders' sequence numbers say never arrived.
    const counters = () => [
      capture ? RED._('zmq-in.status.packets', { n: shortNumber(capture.packets) }) : RED._('zmq-in.status.received', { n: shortNumber(received) }),
      capture?.lost ? RED._('zmq-in.status.lost', { n: shortNumber(capture.lost) }) : '',
      capture?.duplicates ? RED._('zmq-in.status.repeated', { n: shortNumber(capture.duplicates) }) : '',
      invalid ? RED._('zmq-in.status.invalid', { n: invalid }) : '',
      rejected.count ? RED._('zmq-in.status.rejected', { n: rejected.count }) : '',
    ].filter(Boolean).join(', ');
    const statusText: StatusText = (key, vars) => RED._(`zmq-in.status.${key}`, vars);
    let statusTimer: NodeJS.Timeout | undefined;
    const showStatus = () => {
      if (statusTimer || closed) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        if (state && !closed) node.status(monitorStatus(state, counters(), statusText));
      }, 500);
    };

    const receiveLoop = async (sock: Zmq.Subscriber | Zmq.Pull | Zmq.Router) => {
      while (!closed && !sock.closed) {
        let frames: Buffer[];
        try {
          frames = await sock.receive();
        } catch (err) {
          if (closed || sock.closed) return;
          node.error(`receive failed: ${(err as Error).message}`);
          // Never spin on a persistent error: give the socket a moment before the next try.
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        // Node-RED may have stopped the flow while this receive was pending: a message sent now would
        // vanish, so it is not taken (the sequence state stays before it; the next run counts it).
        if (closed) return;
        received += 1;
        if (capture) {
          try {
            // A ROUTER puts the sender's identity first: the address of the acknowledgement.
            const peer = acknowledged ? frames.shift()! : undefined;
            const reply = capture.receive(frames);
            if (peer && reply) acks!.reply(peer, reply);
          } catch (err) {
            // Counted and reported, with the frame count for whoever has to debug the sender.
            invalid += 1;
            node.error(`invalid capture-protocol message (${frames.length} frames): ${(err as Error).message}`, { payload: frames } as NodeMessage);
          }
        } else {
          node.send(messageOfFrames(frames, config.topicFrame !== false && config.socketType === 'sub', !!config.asString));
        }
        showStatus();
      }
    };

    try {
      const endpoints = parseEndpoints(config.endpoints);
      const allowList = allowListOf(config, node.id, Z);
      const options = { ...socketOptions(config, node.credentials ?? {}, 'receive', Z), ...allowList?.socketOptions };
      if (acknowledged && config.format !== 'capture') throw new Error(RED._('zmq-in.error.routerNeedsCapture'));
      if (config.socketType === 'pull') {
        socket = new Z.Pull(options);
      } else if (acknowledged) {
        const router = new Z.Router(options);
        acks = new AckSender(router, (err) => node.error(`acknowledgement failed: ${err.message}`));
        socket = router;
      } else {
        const sub = new Z.Subscriber(options);
        const prefixes = String(config.subscriptions ?? '').split(/[\n,]+/).map((s) => s.trim()).filter(Boolean);
        sub.subscribe(...prefixes); // no prefix = everything
        socket = sub;
      }
      state = watchSocket(socket, config, (s, event) => {
        if (event === 'disconnect' && capture && !closed) {
          // PULL and SUB cannot say which sender left: the sources that then stay silent did.
          const timer = capture.peerDisconnected(s.peers, Math.max(5000, 2 * (Number(config.heartbeatTimeout) || 0)));
          if (timer) silenceTimers.add(timer);
        }
        showStatus();
      }, endpoints);
      node.status(monitorStatus(state, '', statusText));
      const sock = socket;
      // The ZAP handler must answer before the first client arrives, so it comes up first.
      opened = allowList ? registerZapDomain(Z, allowList.domain, allowList.keys, (d) => { rejected.note(d); showStatus(); }) : Promise.resolve(undefined);
      opened.then(() => (closed ? undefined : openEndpoints(sock, config.mode, endpoints).then(() => flowsStarted).then(() => receiveLoop(sock)))).catch((err: Error) => {
        if (closed) return;
        node.status({ fill: 'red', shape: 'ring', text: RED._('zmq-in.status.error') });
        node.error(`${config.mode} failed: ${err.message}`);
      });
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('zmq-in.status.error') });
      node.error((err as Error).message);
    }

    // No drain at close: Node-RED has already unhooked this node's wires when close runs, so a
    // message sent now would vanish while the sequence state counted it as delivered. What libzmq
    // still holds is lost with the socket, and the next run counts it exactly as a gap (acknowledged:
    // its sender still holds it and sends it again).
    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (onFlowsStarted) RED.events.removeListener('flows:started', onFlowsStarted);
      // What was passed on is acknowledged before the socket goes, so the sender need not resend it.
      acks?.flush();
      if (statusTimer) clearTimeout(statusTimer);
      silenceTimers.forEach((t) => clearTimeout(t));
      if (saveTimer) clearInterval(saveTimer);
      capture?.save();
      // The last acknowledgements get the linger time (default) to leave.
      try { socket?.close(); } catch { /* already closed */ }
      acks?.stop();
      node.status({});
      // Release this node's ZAP domain (the last one closes the handler) before Node-RED starts
      // the next deploy, whose server sockets may need the handler again.
      opened.then((release) => release?.()).catch(() => undefined).finally(() => done());
    });
  }

  RED.nodes.registerType('wirescope-zmq-in', ZmqInNode as any, {
    credentials: { publicKey: { type: 'text' }, secretKey: { type: 'password' }, serverKey: { type: 'text' } },
  });
  registerKeyPairEndpoint(RED as any, 'zmq-in');
};
