// pcap file out: writes packets to rotating pcap/pcapng files, one series per capture source
// (msg.topic), and reports file events (opened, rotated, closed, deleted) on its second output.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { packetsFromPayload } from '../shared/packet-message';
import { shortNumber } from '../shared/rate';
import { RotatingCaptureWriter, type CaptureFileEvent, type RotationOptions } from './rotating-writer';

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
      node.status({ fill: 'red', shape: 'ring', text: RED._('pcap-file-out.status.noFile') });
      node.error(RED._('pcap-file-out.error.noFile'));
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

    node.on('input', (msg: any, _send, done) => {
      const packets = packetsFromPayload(msg.payload, { linkType: msg.linkType, interface: msg.topic });
      if (!packets) return done(new Error(RED._('pcap-file-out.error.notPackets')));
      try {
        for (const packet of packets) writerFor(String(msg.topic ?? packet.interface ?? '')).write(packet);
      } catch (err) {
        return done(err as Error);
      }
      written += packets.length;
      node.status({ fill: 'green', shape: 'dot', text: RED._('pcap-file-out.status.written', { packets: shortNumber(written), files }) });
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(ageCheck);
      Promise.all([...writers.values()].map((w) => w.close())).finally(() => {
        writers.clear();
        node.status({});
        done();
      });
    });
  }

  RED.nodes.registerType('wirescope-pcap-file-out', PcapFileOutNode);
};
