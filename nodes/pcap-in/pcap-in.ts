// pcap in: live capture with libpcap, run in a child process (see engines.ts), one message per
// packet or batches of N packets / T ms.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { networkInterfaces } from 'node:os';
import { dissect } from '../common/packet';
import { CaptureReader } from '../common/pcap';
import { Batcher } from '../shared/batcher';
import { loadNative } from '../shared/native';
import { capturedPacket, type CapturedPacket } from '../shared/packet-message';
import { RateMeter, shortNumber } from '../shared/rate';
import { CAP_FIX, PERMISSION_FIX, type CapModule } from './cap-types';
import { startEngine, type EngineName, type RunningEngine } from './engines';

/** `auto` (the default): the cap module when it loads here, tcpdump otherwise (cap is optional and may not have built). */
function chooseEngine(configured: EngineName | 'auto' | undefined): EngineName {
  if (configured === 'cap' || configured === 'tcpdump') return configured;
  return loadNative<CapModule>('cap', CAP_FIX).module ? 'cap' : 'tcpdump';
}

interface PcapInConfig extends NodeDef {
  iface: string;
  filter: string;
  engine: EngineName | 'auto';
  snaplen: number | string;
  bufferSize: number | string; // MiB
  promiscuous: boolean;
  batchSize: number | string;
  batchInterval: number | string; // ms
  dissect: boolean;
}

const RESTART_DELAY_MS = 5000;

export = function (RED: NodeAPI) {
  function PcapInNode(this: Node, config: PcapInConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const iface = config.iface || 'any';
    const engineName = chooseEngine(config.engine);
    const request = {
      iface,
      filter: config.filter || '',
      snaplen: Math.max(64, Number(config.snaplen) || 65535),
      bufferBytes: Math.max(1, Number(config.bufferSize) || 10) * 1024 * 1024,
      promiscuous: config.promiscuous !== false,
    };
    const withLayers = config.dissect !== false;
    const rate = new RateMeter();
    let dropped = 0;
    let engine: RunningEngine | undefined;
    let restartTimer: NodeJS.Timeout | undefined;
    let closing = false;

    const batcher = new Batcher<CapturedPacket>(
      { size: Math.max(1, Number(config.batchSize) || 1), intervalMs: Math.max(0, Number(config.batchInterval) || 0) },
      (items) => node.send({ topic: iface, payload: batcher.single ? items[0] : items }),
    );

    function start(): void {
      const reader = new CaptureReader();
      let opened = false;
      let fatal = false;
      // Packets arrive as the capture process's stdout events, in a later turn of the event loop
      // than this node's creation, when Node-RED has created every node of the flow: no need to
      // wait for 'flows:started' as zmq in does (libzmq can hand it a queued message at once).
      const running = startEngine(engineName, request, {
        data(chunk) {
          for (const p of reader.feed(chunk)) {
            rate.add();
            batcher.push(capturedPacket(p.data, p.linkType, iface, p.timestamp, p.originalLength, withLayers ? dissect(p.data, p.linkType) : undefined));
          }
        },
        open() {
          opened = true;
          node.status({ fill: 'green', shape: 'dot', text: RED._('pcap-in.status.capturing', { iface, engine: engineName }) });
        },
        error(kind, message, isFatal) {
          fatal = isFatal;
          const key = kind === 'permission' ? 'permission' : kind === 'missing' ? 'noCap' : 'openFailed';
          node.status({ fill: 'red', shape: 'ring', text: RED._(`pcap-in.status.${key}`) });
          node.error(kind === 'permission' ? `capture on ${iface} not permitted (${message}): ${PERMISSION_FIX}` : kind === 'missing' ? message : `cannot capture on ${iface}: ${message}`);
        },
        dropped(count) {
          dropped = count;
        },
        exit(description, lastError) {
          batcher.flush();
          if (engine === running) engine = undefined;
          if (closing || fatal) return;
          if (opened) {
            // The interface went away or libpcap failed under us: say so, and try again shortly.
            node.status({ fill: 'red', shape: 'ring', text: RED._('pcap-in.status.stopped') });
            node.error(`capture on ${iface} stopped (${description})${lastError ? `: ${lastError}` : ''}; retrying every ${RESTART_DELAY_MS / 1000} s`);
          }
          restartTimer = setTimeout(start, RESTART_DELAY_MS);
        },
      });
      engine = running;
    }

    start();
    const statusTimer = setInterval(() => {
      const pps = rate.sample();
      if (!engine || (rate.total === 0 && dropped === 0)) return;
      node.status({
        fill: dropped > 0 ? 'yellow' : 'green',
        shape: 'dot',
        text: RED._('pcap-in.status.rate', { rate: shortNumber(pps), total: shortNumber(rate.total), dropped: shortNumber(dropped) }),
      });
    }, 1000);

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearInterval(statusTimer);
      clearTimeout(restartTimer);
      batcher.close();
      node.status({});
      (engine ? engine.stop() : Promise.resolve()).then(() => done());
    });
  }

  RED.nodes.registerType('wirescope-pcap-in', PcapInNode);

  // The editor's interface picker. Listing interfaces reveals addresses: read permission needed.
  RED.httpAdmin.get('/wirescope/pcap-in/interfaces', RED.auth.needsPermission('wirescope-pcap-in.read'), (_req, res) => {
    const native = loadNative<CapModule>('cap', CAP_FIX);
    if (native.module) {
      res.json(native.module.Cap.deviceList().map((d) => ({ name: d.name, description: d.description ?? '', addresses: (d.addresses ?? []).map((a) => a.addr) })));
    } else {
      const system = networkInterfaces();
      res.json(Object.keys(system).map((name) => ({ name, description: '', addresses: (system[name] ?? []).map((a) => a.address) })));
    }
  });
};
