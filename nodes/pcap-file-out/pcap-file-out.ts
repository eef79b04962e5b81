// pcap file out: writes packets to rotating pcap/pcapng files, one series per capture source
// (msg.topic), and reports file events (opened, rotated, closed, deleted, recovered) on its second
// output. Capture-protocol events from zmq in (msg.kind = 'event') pass by: they are not packets.
import { dirname } from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { packetsFromPayload } from '../shared/packet-message';
import { shortNumber } from '../shared/rate';
import { filesLeftOpen, recoverOpenFiles, RotatingCaptureWriter, type CaptureFileEvent, type RotationOptions } from './rotating-writer';

/** At close, packets still arriving (sent before the flow stopped) are written until input is quiet this long… */
const CLOSE_QUIET_MS = 300;
/** …or for at most this long; later input is refused with an error. */
const CLOSE_MAX_MS = 5000;

interface PcapFileOutConfig extends NodeDef {
  filename: string;
  format: 'pcap' | 'pcapng';
  nanosecond: boolean;
  rotateSize: number | string; // MB
  rotateSeconds: number | string;
  gzip: boolean;
  keepFiles: number | string;
  keepDays: number | string;
  perSource: boolean;
}

export = function (RED: NodeAPI) {
  function PcapFileOutNode(this: Node, config: PcapFileOutConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    if (!config.filename) {
      // Fail closed: every message gets the error, so Catch nodes see that nothing is stored.
      node.status({ fill: 'red', shape: 'ring', text: RED._('pcap-file-out.status.noFile') });
      node.error(RED._('pcap-file-out.error.noFile'));
      node.on('input', (_msg, _send, done) => done(new Error(RED._('pcap-file-out.error.noFile'))));
      return;
    }
    const options: RotationOptions = {
      template: config.filename,
      format: config.format === 'pcapng' ? 'pcapng' : 'pcap',
      nanosecond: !!config.nanosecond,
      rotateBytes: Math.max(0, Number(config.rotateSize) || 0) * 1_000_000,
      rotateSeconds: Math.max(0, Number(config.rotateSeconds) || 0),
      gzip: !!config.gzip,
      keepFiles: Math.max(0, Number(config.keepFiles) || 0),
      keepDays: Math.max(0, Number(config.keepDays) || 0),
    };
    const writers = new Map<string, RotatingCaptureWriter>();
    let written = 0;
    let files = 0;
    let refused = 0;
    let finished = false;
    let lastInput = 0;
    let statusTimer: NodeJS.Timeout | undefined;

    const report = (event: CaptureFileEvent) => {
      if (event.event === 'opened') files++;
      if (event.event === 'error') node.warn(`${event.file}: ${event.reason}`);
      node.send([null, { topic: event.event, payload: event }]);
    };
    const writerFor = (source: string) => {
      const key = config.perSource === false ? '' : source;
      let writer = writers.get(key);
      if (!writer) {
        writer = new RotatingCaptureWriter(key || 'capture', options, report);
        writers.set(key, writer);
      }
      return writer;
    };
    const ageCheck = setInterval(() => writers.forEach((w) => w.tick()), 1000);
    node.status({ fill: 'grey', shape: 'ring', text: RED._('pcap-file-out.status.waiting') });
    // Files a crash left open in the (untemplated) directory are listed now, before any input can
    // open a file of this run, and finished in the background (new files get new names).
    const directory = dirname(options.template);
    const recovered = /[%{]/.test(directory) ? Promise.resolve() : recoverOpenFiles(directory, filesLeftOpen(directory), options.gzip, report);

    node.on('input', (msg: any, _send, done) => {
      if (msg.kind === 'event') return done();
      if (finished) {
        refused += 1;
        return done(new Error(RED._('pcap-file-out.error.closed', { refused })));
      }
      lastInput = Date.now();
      const packets = packetsFromPayload(msg.payload, { linkType: msg.linkType, interface: msg.topic });
      if (!packets) return done(new Error(RED._('pcap-file-out.error.notPackets')));
      try {
        // A message with a topic (a capture source) goes to one series: its writer is looked up once.
        const series = msg.topic === undefined || msg.topic === null ? undefined : writerFor(String(msg.topic));
        const touched = new Set<RotatingCaptureWriter>();
        for (const packet of packets) {
          const writer = series ?? writerFor(String(packet.interface ?? ''));
          writer.write(packet);
          if (!series) touched.add(writer);
        }
        // One chunk per file and message: one zlib call, not one per packet.
        series?.flush();
        touched.forEach((w) => w.flush());
      } catch (err) {
        return done(err as Error);
      }
      written += packets.length;
      // Statuses go over the editor websocket: at most 2 per second, whatever the message rate.
      statusTimer ??= setTimeout(() => {
        statusTimer = undefined;
        if (!finished) node.status({ fill: 'green', shape: 'dot', text: RED._('pcap-file-out.status.written', { packets: shortNumber(written), files }) });
      }, 500);
      done();
    });

    // Node-RED delivers a message a tick after it was sent, so packets sent just before the flow
    // stopped still arrive while this node closes. Every open file is finished at once; packets
    // that arrive meanwhile go to new files, which the next round finishes, until input has been
    // quiet for CLOSE_QUIET_MS (at most CLOSE_MAX_MS). After that, input is refused with an error:
    // no file is ever left open.
    const finishAll = async () => {
      const deadline = Date.now() + CLOSE_MAX_MS;
      for (;;) {
        const open = [...writers.values()];
        writers.clear();
        await Promise.all(open.map((w) => w.close()));
        if (Date.now() >= deadline || Date.now() - lastInput >= CLOSE_QUIET_MS) {
          if (writers.size === 0) return;
          continue;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(ageCheck);
      if (statusTimer) clearTimeout(statusTimer);
      finishAll().then(() => {
        finished = true;
        return Promise.all([recovered, ...[...writers.values()].map((w) => w.close())]);
      }).finally(() => {
        writers.clear();
        node.status({});
        done();
      });
    });
  }

  RED.nodes.registerType('wirescope-pcap-file-out', PcapFileOutNode);
};
