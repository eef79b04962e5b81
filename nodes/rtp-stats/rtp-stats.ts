// rtp stats: RFC 3550 receive statistics per RTP stream (SSRC + addresses) from captured packets
// (pcap in, pcap file in, or zmq in on a capture side channel). Reports periodically and when a
// stream ends; keeps counters only, never the payload.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { RtpTracker, type RtpReport } from '../common/rtp';
import { isCapturedPacket } from '../shared/packet-message';

interface RtpStatsDef extends NodeDef {
  ports?: string;
  clockRates?: string;
  reportInterval?: number | string;
  idleTimeout?: number | string;
  networkDelay?: number | string;
  maxStreams?: number | string;
}

/** "5004, 16384-32767" → [5004, [16384, 32767]]. */
function parsePorts(text: string | undefined): Array<number | [number, number]> {
  const ports: Array<number | [number, number]> = [];
  for (const part of String(text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`not a port or range: ${part}`);
    ports.push(m[2] ? [Number(m[1]), Number(m[2])] : Number(m[1]));
  }
  return ports;
}

/** "96=48000, 97=90000" → {96: 48000, 97: 90000}. */
function parseClockRates(text: string | undefined): Record<number, number> {
  const rates: Record<number, number> = {};
  for (const part of String(text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)=(\d+)$/.exec(part);
    if (!m) throw new Error(`not "payloadType=clockRate": ${part}`);
    rates[Number(m[1])] = Number(m[2]);
  }
  return rates;
}

const positive = (value: unknown, fallback: number) => (value === '' || value === undefined || !Number.isFinite(Number(value)) ? fallback : Number(value));

export = function (RED: NodeAPI) {
  function RtpStatsNode(this: Node, config: RtpStatsDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let tracker: RtpTracker;
    const idleTimeout = positive(config.idleTimeout, 10);
    try {
      tracker = new RtpTracker({
        ports: parsePorts(config.ports),
        clockRates: parseClockRates(config.clockRates),
        reportInterval: positive(config.reportInterval, 5),
        idleTimeout,
        networkDelayMs: positive(config.networkDelay, 20),
        maxStreams: positive(config.maxStreams, 10000),
      });
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('rtp-stats.status.config') });
      node.error((err as Error).message);
      node.on('input', (_msg, _send, done) => done(err as Error));
      return;
    }

    let reportsSent = 0;
    let captureLost = 0;
    const showStatus = () => {
      const c = tracker.counters;
      const text = RED._('rtp-stats.status.counts', { streams: tracker.streamCount, rtp: c.rtp, other: c.frames - c.rtp, reports: reportsSent });
      node.status({ fill: tracker.streamCount > 0 ? 'green' : 'grey', shape: 'dot', text: captureLost ? `${text}, ${RED._('rtp-stats.status.captureLost', { lost: captureLost })}` : text });
    };
    const emit = (send: (m: NodeMessage) => void, reports: RtpReport[]) => {
      for (const report of reports) {
        send({ topic: `rtp/${report.ssrc.toString(16).padStart(8, '0')}`, payload: report } as NodeMessage);
        reportsSent += 1;
      }
    };

    // Live traffic that stops sends nothing more, so a wall-clock check ends streams that went quiet.
    let lastInput = Date.now();
    const idleTimer = setInterval(() => {
      if (tracker.streamCount > 0 && Date.now() - lastInput > idleTimeout * 1000) {
        emit((m) => node.send(m), tracker.flush());
        showStatus();
      }
    }, 1000);
    let statusTimer: NodeJS.Timeout | undefined;

    node.on('input', (msg: NodeMessage & { flush?: unknown; filename?: unknown; kind?: unknown; gap?: unknown }, send, done) => {
      try {
        lastInput = Date.now();
        // zmq in's capture events (connected, gap, file…) are not packets; the gap itself comes
        // with the next data message as msg.gap.
        if (msg.kind === 'event') return done();
        if (typeof msg.gap === 'number' && msg.gap > 0) {
          captureLost += msg.gap;
          tracker.captureGap();
        }
        const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
        if (items.length > 0 && items.every(isCapturedPacket)) {
          for (const p of items) emit(send, tracker.add(p.frame, p.linkType, p.seconds, p.nanoseconds));
        } else if (msg.flush === true || typeof msg.filename === 'string') {
          // msg.flush, or the end-of-file summary of pcap file in: every stream has ended.
          emit(send, tracker.flush());
        } else {
          return done(new Error(RED._('rtp-stats.error.notPackets')));
        }
        if (!statusTimer) statusTimer = setTimeout(() => { statusTimer = undefined; showStatus(); }, 500);
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(idleTimer);
      if (statusTimer) clearTimeout(statusTimer);
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('wirescope-rtp-stats', RtpStatsNode);
};
