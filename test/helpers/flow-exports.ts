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

/** The datagrams softflowd sends for the capture `traffic` (NetFlow v9 or IPFIX). */
export function softflowdDatagrams(traffic: string, version: 9 | 10): Promise<Buffer[]> {
  return exportDatagrams((port) => run('softflowd', ['-r', traffic, '-n', `127.0.0.1:${port}`, '-v', String(version)]));
}

/**
 * An IPFIX datagram with its template and options template sets (set id 2, 3) taken out, the
 * header length fixed: the data sets of an exporter whose templates never arrive.
 */
export function ipfixWithoutTemplates(datagram: Buffer): Buffer {
  if (datagram.readUInt16BE(0) !== 10) throw new Error('not an IPFIX message');
  const kept: Buffer[] = [datagram.subarray(0, 16)];
  for (let off = 16; off + 4 <= datagram.length;) {
    const length = datagram.readUInt16BE(off + 2);
    if (length < 4) throw new Error(`set of length ${length} at ${off}`);
    if (datagram.readUInt16BE(off) >= 256) kept.push(datagram.subarray(off, off + length));
    off += length;
  }
  const out = Buffer.concat(kept);
  out.writeUInt16BE(out.length, 2);
  return out;
}
