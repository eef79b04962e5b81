// Datagrams moved between the collector's threads: packed end to end into one buffer that is
// transferred (not copied) with the message, their exporters and arrival times beside it.
import type { Exporter } from '../common';
import type { DatagramBatch } from './decode-messages';

export class DatagramBatcher {
  private chunks: Buffer[] = [];
  private addresses: string[] = [];
  private ports: number[] = [];
  private receivedAt: number[] = [];
  /** Octets held. */
  bytes = 0;

  get length(): number {
    return this.chunks.length;
  }

  add(datagram: Buffer, exporter: Exporter, receivedAt: number): void {
    this.chunks.push(datagram);
    this.bytes += datagram.length;
    this.addresses.push(exporter.address);
    this.ports.push(exporter.port);
    this.receivedAt.push(receivedAt);
  }

  /** The batch as a message (send it with `[batch.buffer]` as the transfer list); the batcher starts empty. */
  take(): DatagramBatch {
    // One copy into a buffer of its own, which then moves to the other thread without another.
    const buffer = new ArrayBuffer(this.bytes);
    const bytes = new Uint8Array(buffer);
    let at = 0;
    for (const c of this.chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    const batch: DatagramBatch = { kind: 'datagrams', buffer, lengths: this.chunks.map((c) => c.length), addresses: this.addresses, ports: this.ports, receivedAt: this.receivedAt };
    this.chunks = [];
    this.addresses = [];
    this.ports = [];
    this.receivedAt = [];
    this.bytes = 0;
    return batch;
  }
}

/** Each datagram of a batch (a view into its buffer), with its exporter and arrival time. */
export function forEachDatagram(batch: DatagramBatch, each: (datagram: Buffer, exporter: Exporter, receivedAt: number) => void): void {
  let at = 0;
  for (let i = 0; i < batch.lengths.length; i++) {
    each(Buffer.from(batch.buffer, at, batch.lengths[i]), { address: batch.addresses[i], port: batch.ports[i] }, batch.receivedAt[i]);
    at += batch.lengths[i];
  }
}
