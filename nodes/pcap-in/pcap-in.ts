// pcap in: live capture with libpcap (the `cap` module, run in a child process — see
// capture-process.ts), one message per packet or batches of N packets / T ms.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { CaptureReader } from '../common/pcap';
import { Batcher } from '../shared/batcher';
import { loadNative } from '../shared/native';
import { capturedPacket, type CapturedPacket } from '../shared/packet-message';
import { RateMeter, shortNumber } from '../shared/rate';
import { CAP_FIX, PERMISSION_FIX, type CapModule, type CaptureRequest, type ChildReport } from './cap-types';

interface PcapInConfig extends NodeDef {
  iface: string;
  filter: string;
  snaplen: number | string;
  bufferSize: number | string; // MiB
  batchSize: number | string;
  batchInterval: number | string; // ms
  dissect: boolean;
}

const RESTART_DELAY_MS = 5000;

/** The compiled capture process, or its TypeScript source when the pack runs from source (tests). */
function captureScript(): { path: string; execArgv: string[] } {
  const compiled = join(__dirname, 'capture-process.js');
  if (existsSync(compiled)) return { path: compiled, execArgv: [] };
  return { path: join(__dirname, 'capture-process.ts'), execArgv: ['--import', 'tsx'] };
}

export = function (RED: NodeAPI) {
  function PcapInNode(this: Node, config: PcapInConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const request: CaptureRequest = {
      iface: config.iface || 'any',
      filter: config.filter || '',
      snaplen: Math.max(64, Number(config.snaplen) || 65535),
      bufferBytes: Math.max(1, Number(config.bufferSize) || 10) * 1024 * 1024,
    };
    const iface = request.iface;
    const rate = new RateMeter();
    let dropped = 0;
    let child: ChildProcess | undefined;
    let restartTimer: NodeJS.Timeout | undefined;
    let closing = false;

    const batcher = new Batcher<CapturedPacket>(
      { size: Math.max(1, Number(config.batchSize) || 1), intervalMs: Math.max(0, Number(config.batchInterval) || 0) },
      (items) => node.send({ topic: iface, payload: batcher.single ? items[0] : items }),
    );

    function start(): void {
      const script = captureScript();
      const reader = new CaptureReader();
      let stderr = '';
      let fatal = false; // permission or missing module: retrying will not help
      let opened = false;
      const proc = fork(script.path, [JSON.stringify(request)], { execArgv: script.execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      child = proc;
      proc.stdout!.on('data', (chunk: Buffer) => {
        for (const p of reader.feed(chunk)) {
          rate.add();
          batcher.push(capturedPacket(p.data, p.linkType, iface, p.timestamp, p.originalLength, config.dissect !== false));
        }
      });
      proc.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
      proc.on('message', (report: ChildReport) => {
        if (report.type === 'open') {
          opened = true;
          node.status({ fill: 'green', shape: 'dot', text: RED._('pcap-in.status.capturing', { iface }) });
        } else if (report.type === 'stats') {
          dropped = report.dropped;
        } else if (report.type === 'error') {
          fatal = report.kind !== 'open';
          const key = report.kind === 'permission' ? 'permission' : report.kind === 'missing' ? 'noCap' : 'openFailed';
          node.status({ fill: 'red', shape: 'ring', text: RED._(`pcap-in.status.${key}`) });
          node.error(
            report.kind === 'permission'
              ? `capture on ${iface} not permitted (${report.message}): ${PERMISSION_FIX}`
              : report.kind === 'missing' ? report.message : `cannot capture on ${iface}: ${report.message}`,
          );
        }
      });
      proc.on('error', (err) => node.error(`capture process: ${err.message}`));
      proc.on('exit', (code, signal) => {
        batcher.flush();
        if (child === proc) child = undefined;
        if (closing || fatal) return;
        if (opened) {
          // The interface went away or libpcap failed under us: say so, and try again shortly.
          node.status({ fill: 'red', shape: 'ring', text: RED._('pcap-in.status.stopped') });
          node.error(`capture on ${iface} stopped (${signal ?? `exit ${code}`})${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}; retrying every ${RESTART_DELAY_MS / 1000} s`);
        }
        restartTimer = setTimeout(start, RESTART_DELAY_MS);
      });
    }

    start();
    const statusTimer = setInterval(() => {
      if (!child || rate.total === 0 && dropped === 0) return rate.sample();
      node.status({
        fill: dropped > 0 ? 'yellow' : 'green',
        shape: 'dot',
        text: RED._('pcap-in.status.rate', { rate: shortNumber(rate.sample()), total: shortNumber(rate.total), dropped: shortNumber(dropped) }),
      });
    }, 1000);

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearInterval(statusTimer);
      clearTimeout(restartTimer);
      batcher.close();
      node.status({});
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return done();
      const killTimer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      proc.once('exit', () => {
        clearTimeout(killTimer);
        done();
      });
      proc.disconnect(); // the capture process closes libpcap and exits
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
