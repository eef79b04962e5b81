// Real exports of a capture: softflowd and pmacctd (nfprobe) read a pcap and export NetFlow v9 /
// IPFIX to a UDP socket of ours; the datagrams they sent are kept for replay.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeUdpPort } from './node-red';

/** Runs an exporter to completion; pmacctd may exit 1 when its core sees the plugin go first, what it exported is what counts. */
function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve) => execFile(cmd, args, { timeout: 60_000 }, () => resolve()));
}

/** The datagrams one exporter run sends to a UDP socket of ours. */
async function exportDatagrams(start: (port: number) => Promise<void>): Promise<Buffer[]> {
  const port = await freeUdpPort();
  const socket = createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (m) => datagrams.push(m));
  await new Promise<void>((r) => socket.bind(port, '127.0.0.1', () => r()));
  await start(port);
  await new Promise((r) => setTimeout(r, 500));
  socket.close();
  return datagrams;
}

/**
 * Four exports of the capture `traffic`: softflowd v9, pmacctd nfprobe v9, softflowd IPFIX,
 * pmacctd nfprobe IPFIX (in that order); `dir` holds pmacctd's configuration files.
 */
export async function exportCapture(traffic: string, dir: string): Promise<Buffer[][]> {
  const runs: Buffer[][] = [];
  for (const version of [9, 10]) {
    runs.push(await exportDatagrams((port) => run('softflowd', ['-r', traffic, '-n', `127.0.0.1:${port}`, '-v', String(version)])));
    runs.push(await exportDatagrams((port) => {
      const conf = join(dir, `nfprobe${version}.conf`);
      writeFileSync(conf, ['daemonize: false', `pcap_savefile: ${traffic}`, 'plugins: nfprobe', `nfprobe_receiver: 127.0.0.1:${port}`, `nfprobe_version: ${version}`, 'aggregate: src_host, dst_host, src_port, dst_port, proto', ''].join('\n'));
      return run('pmacctd', ['-f', conf]);
    }));
  }
  return runs;
}
