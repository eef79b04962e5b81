// The demo's live exporters: softflowd (NetFlow v9) and pmacctd (nfprobe, IPFIX) read the bundled
// capture over and over and export to the demo's flow collector. Each pass first rewrites the
// capture's packet times so it ends now: the exporters take flow times from the packets, and the
// dashboard bins by flow time, so a capture from the past would never reach its live bins.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classicMagic, PCAP_HEADER_LENGTH } from '../nodes/common/pcap/classic';

/** A classic pcap's bytes with every packet moved by the same amount so the last one is at `endSeconds`. */
export function restampCapture(capture: Buffer, endSeconds: number): Buffer {
  const magic = classicMagic(capture.readUInt32LE(0));
  if (!magic) throw new Error('the demo capture must be a classic pcap');
  const out = Buffer.from(capture);
  const read = (pos: number) => (magic.littleEndian ? out.readUInt32LE(pos) : out.readUInt32BE(pos));
  const write = (value: number, pos: number) => (magic.littleEndian ? out.writeUInt32LE(value, pos) : out.writeUInt32BE(value, pos));
  const records: number[] = [];
  for (let pos = PCAP_HEADER_LENGTH; pos + magic.recordHeaderLength <= out.length; pos += magic.recordHeaderLength + read(pos + 8)) records.push(pos);
  if (records.length === 0) return out;
  const shift = endSeconds - read(records[records.length - 1]);
  for (const pos of records) write(read(pos) + shift, pos);
  return out;
}

export interface LiveExporters {
  /** Passes completed by both exporters. */
  readonly passes: number;
  /** Ends the loop and the exporter running now. */
  stop(): Promise<void>;
}

/**
 * Runs softflowd then pmacctd over `capture` (stamped now, written into `workDir`) every
 * `periodMs`, exporting to 127.0.0.1:`port`, until stop(). An exporter that fails is reported
 * through `log` and tried again on the next pass.
 */
export function startExporters(capture: string, port: number, workDir: string, periodMs: number, log: (line: string) => void): LiveExporters {
  const original = readFileSync(capture);
  const stamped = join(workDir, 'traffic-now.pcap');
  const conf = join(workDir, 'pmacctd-nfprobe.conf');
  writeFileSync(conf, [
    'daemonize: false', `pcap_savefile: ${stamped}`, 'plugins: nfprobe', `nfprobe_receiver: 127.0.0.1:${port}`,
    'nfprobe_version: 10', 'aggregate: src_host, dst_host, src_port, dst_port, proto', '',
  ].join('\n'));
  const commands: Array<[string, string[]]> = [
    ['softflowd', ['-r', stamped, '-n', `127.0.0.1:${port}`, '-v', '9']],
    ['pmacctd', ['-f', conf]],
  ];
  let current: ChildProcess | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const state = { passes: 0 };

  const run = (command: string, args: string[]) => new Promise<void>((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    current = child;
    let stderr = '';
    child.stderr!.on('data', (c) => { if (stderr.length < 4000) stderr += c; });
    child.on('error', (err) => log(`demo: ${command}: ${err.message}`));
    // pmacctd may exit 1 when its core sees the nfprobe plugin finish first; what it sent still counts.
    child.on('close', (code, signal) => {
      current = undefined;
      if (!stopped && signal) log(`demo: ${command} ended by ${signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      resolve();
    });
  });

  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      writeFileSync(stamped, restampCapture(original, Math.floor(Date.now() / 1000)));
      for (const [command, args] of commands) {
        if (stopped) break;
        await run(command, args);
      }
      if (stopped) break;
      state.passes++;
      await new Promise<void>((resolve) => { wake = resolve; timer = setTimeout(resolve, Math.max(0, periodMs - (Date.now() - started))); });
    }
  })();

  return {
    get passes() { return state.passes; },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      current?.kill('SIGTERM');
      await loop;
    },
  };
}
