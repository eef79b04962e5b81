// Records what an exporter sends to the collector: tcpdump on loopback writes every UDP datagram
// for the collector's port to a pcap, which tshark then decodes as the reference (flow-tshark.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { waitUntil } from './node-red';
import { readUdpDatagrams } from './flow-pcap';

/** Payload of the datagram that closes a capture (see `finish`); the collector counts it as a bad datagram. */
export const CAPTURE_MARKER = Buffer.from('wirescope: end of capture');

export class LoopbackCapture {
  private constructor(readonly file: string, private readonly port: number, private readonly tcpdump: ChildProcess) {}

  /** Starts tcpdump on `lo` for UDP datagrams to `port`; resolves once it is capturing. */
  static async start(file: string, port: number): Promise<LoopbackCapture> {
    // -U: each packet is written when it is captured, so the file can be read while it grows.
    // -Z root: stay root, the file lives in a private (0700) temp dir.
    const tcpdump = spawn('tcpdump', ['-i', 'lo', '-n', '-U', '-Z', 'root', '-w', file, 'udp', 'and', 'dst', 'port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      tcpdump.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('listening on')) resolve();
      });
      tcpdump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${stderr}`)));
      tcpdump.once('error', reject);
    });
    return new LoopbackCapture(file, port, tcpdump);
  }

  /**
   * Call once the exporter has sent everything: sends a marker datagram to the port and stops
   * once the marker is in the file. Loopback hands each datagram to tcpdump while it is sent, in
   * order, so everything the exporter sent before is in the file too — no waiting on a clock.
   */
  async finish(): Promise<void> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => socket.send(CAPTURE_MARKER, this.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    socket.close();
    await waitUntil(`the end-of-capture marker in ${this.file}`, () => this.hasMarker(), 15_000);
    await this.stop();
  }

  private hasMarker(): boolean {
    if (!existsSync(this.file)) return false;
    try {
      return readUdpDatagrams(this.file).some((d) => d.payload.equals(CAPTURE_MARKER));
    } catch {
      return false; // a packet half written at this instant
    }
  }

  async stop(): Promise<void> {
    if (this.tcpdump.exitCode !== null || this.tcpdump.signalCode !== null) return;
    const exited = new Promise((r) => this.tcpdump.once('exit', r));
    this.tcpdump.kill('SIGINT');
    await exited;
  }
}
