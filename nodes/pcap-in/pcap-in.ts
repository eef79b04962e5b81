// pcap in: live capture through libpcap (the `cap` module), one message per packet or batches.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { networkInterfaces } from 'node:os';
import { Batcher } from '../shared/batcher';
import { loadNative } from '../shared/native';
import { capturedPacket, type CapturedPacket } from '../shared/packet-message';
import { RateMeter, shortNumber } from '../shared/rate';
import { linkTypeOfCapName, type CapModule } from './cap-types';

interface PcapInConfig extends NodeDef {
  iface: string;
  filter: string;
  snaplen: number | string;
  bufferSize: number | string; // MiB
  batchSize: number | string;
  batchInterval: number | string; // ms
  dissect: boolean;
  maxPending: number | string;
}

const CAP_FIX = 'install libpcap-dev (apt-get install libpcap-dev) and run `npm rebuild cap` in the Node-RED user directory';
const PERMISSION_FIX =
  'run Node-RED as root, or give the node binary the capability: sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))';

/** Packets are copied out of cap's single receive buffer into slabs, one allocation per ~1 MiB. */
class SlabCopier {
  private slab = Buffer.allocUnsafe(0);
  private used = 0;
  copy(source: Buffer, length: number): Buffer {
    if (this.used + length > this.slab.length) {
      this.slab = Buffer.allocUnsafe(Math.max(1 << 20, length));
      this.used = 0;
    }
    source.copy(this.slab, this.used, 0, length);
    const out = this.slab.subarray(this.used, this.used + length);
    this.used += (length + 7) & ~7;
    return out;
  }
}

/** Wall-clock time with sub-millisecond precision (cap does not hand out libpcap's timestamps). */
function now(): { seconds: number; nanoseconds: number } {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanoseconds: Math.floor((ms - seconds * 1000) * 1e6) };
}

export = function (RED: NodeAPI) {
  function PcapInNode(this: Node, config: PcapInConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const snaplen = Math.max(64, Number(config.snaplen) || 65535);
    const bufferBytes = Math.max(1, Number(config.bufferSize) || 10) * 1024 * 1024;
    const maxPending = Math.max(1, Number(config.maxPending) || 100000);
    const iface = config.iface || 'any';
    const rate = new RateMeter();
    let dropped = 0;
    let pending = 0; // packets handed to Node-RED whose delivery has not started yet

    const native = loadNative<CapModule>('cap', CAP_FIX);
    if (!native.module) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('pcap-in.status.noCap') });
      node.error(native.problem);
      return;
    }
    const cap = new native.module.Cap();
    const receive = Buffer.alloc(snaplen);
    let linkType: number;
    try {
      linkType = linkTypeOfCapName(cap.open(iface, config.filter || '', bufferBytes, receive));
    } catch (err) {
      const reason = (err as Error).message;
      const permission = /permission|not permitted/i.test(reason);
      node.status({ fill: 'red', shape: 'ring', text: RED._(permission ? 'pcap-in.status.permission' : 'pcap-in.status.openFailed') });
      node.error(permission ? `capture on ${iface} not permitted (${reason}): ${PERMISSION_FIX}` : `cannot capture on ${iface}: ${reason}`);
      return;
    }

    const batcher = new Batcher<CapturedPacket>(
      { size: Math.max(1, Number(config.batchSize) || 1), intervalMs: Math.max(0, Number(config.batchInterval) || 0) },
      (items) => {
        pending += items.length;
        // Node-RED delivers asynchronously; count what is queued so a flow that cannot keep up
        // makes us drop (and say so) instead of growing memory without bound.
        setImmediate(() => { pending -= items.length; });
        node.send({ topic: iface, payload: batcher.single ? items[0] : items });
      },
    );
    const copier = new SlabCopier();
    cap.setMinBytes?.(0);
    cap.on('packet', (length: number) => {
      if (pending >= maxPending) {
        dropped++;
        return;
      }
      rate.add();
      const captured = Math.min(length, snaplen);
      batcher.push(capturedPacket(copier.copy(receive, captured), linkType, iface, now(), length, config.dissect !== false));
    });

    node.status({ fill: 'green', shape: 'dot', text: RED._('pcap-in.status.capturing', { iface }) });
    const statusTimer = setInterval(() => {
      const pps = rate.sample();
      node.status({
        fill: dropped > 0 ? 'yellow' : 'green',
        shape: 'dot',
        text: RED._('pcap-in.status.rate', { rate: shortNumber(pps), total: shortNumber(rate.total), dropped: shortNumber(dropped) }),
      });
    }, 1000);

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(statusTimer);
      try {
        cap.close();
      } catch (err) {
        node.warn(`closing capture: ${(err as Error).message}`);
      }
      batcher.close();
      node.status({});
      done();
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
