// zmq out's packed sending: the packets of one source collected across input messages into one
// packed data message (capture protocol, one frame of length-prefixed records) of at most
// `maxPackets` packets and about `maxBytes` octets, sent when full or `flushMs` after its first
// packet. One frame per message instead of one per packet is what lets a receiver keep up: ZeroMQ
// makes one Buffer per received frame.
import type { CapturedFrame } from '../common/capture-protocol';

/** Octets of packet data per packed message at most (a packet larger than this goes alone). */
export const PACK_MAX_BYTES = 256 * 1024;
/** How long the first packet of a partial message waits for more. */
export const PACK_FLUSH_MS = 5;

export class CapturePacker {
  /** Per source, the packets waiting, in arrival order, and their octets. */
  private readonly waiting = new Map<string, { packets: CapturedFrame[]; bytes: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxPackets: number,
    private readonly maxBytes: number,
    private readonly flushMs: number,
    /** One message's worth of packets of `source`, in order. */
    private readonly emit: (source: string, packets: CapturedFrame[]) => void,
  ) {}

  add(source: string, packets: readonly CapturedFrame[]): void {
    for (const packet of packets) {
      let w = this.waiting.get(source);
      if (w && w.bytes + packet.frame.length > this.maxBytes) {
        this.flushSource(source);
        w = undefined;
      }
      if (!w) {
        w = { packets: [], bytes: 0 };
        this.waiting.set(source, w);
      }
      w.packets.push(packet);
      w.bytes += packet.frame.length;
      if (w.packets.length >= this.maxPackets) this.flushSource(source);
    }
    if (this.waiting.size > 0) this.timer ??= setTimeout(() => { this.timer = undefined; this.flush(); }, this.flushMs);
  }

  /** Packets waiting, over every source. */
  get pending(): number {
    let n = 0;
    for (const w of this.waiting.values()) n += w.packets.length;
    return n;
  }

  /** Sends everything waiting now (before an event, so it keeps its place, and at close). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const source of [...this.waiting.keys()]) this.flushSource(source);
  }

  /** Stops the timer; whatever waits is left (the node is gone). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }

  private flushSource(source: string): void {
    const w = this.waiting.get(source);
    this.waiting.delete(source);
    if (w && w.packets.length) this.emit(source, w.packets);
  }
}
