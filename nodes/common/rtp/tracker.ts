// Finds RTP in captured frames and keeps one RtpStream per SSRC + addresses; decides when a
// stream is due for a periodic report and when it has ended. Time here is capture time, so a
// file replayed at full speed reports the same as the live traffic it recorded.
import { dissectL2L4, newL2L4Summary } from '../packet/fast';
import { ipv4ToString, ipv6ToString } from '../packet/text';
import { parseRtpHeader, STATIC_CLOCK_RATES } from './header';
import { estimateMos, type MosEstimate } from './mos';
import { RtpStream, type RtpStreamStats } from './stream';

export interface RtpTrackerOptions {
  /** UDP ports (either end) to look at; empty = every UDP datagram that parses as RTP. */
  ports?: Array<number | [number, number]>;
  /** Clock rates of dynamic payload types (96–127), by payload type. */
  clockRates?: Record<number, number>;
  /** Seconds of capture time between periodic reports of a stream; 0 = none. */
  reportInterval?: number;
  /** Seconds without a packet after which a stream has ended. */
  idleTimeout?: number;
  /** Assumed one-way network delay for the MOS estimate, ms. */
  networkDelayMs?: number;
  /** Streams tracked at once; packets of further streams are counted and dropped. */
  maxStreams?: number;
}

export interface RtpReport extends RtpStreamStats {
  kind: 'periodic' | 'end';
  mos?: MosEstimate;
  /** Of `missing`, the sequence numbers that vanished where the capture path (side channel) reported a gap. */
  captureMissing: number;
  /** `missing` − `captureMissing`: lost on the network before capture. */
  networkMissing: number;
}

export interface RtpTrackerCounters {
  frames: number;
  rtp: number;
  notUdp: number;
  notRtp: number;
  portFiltered: number;
  tooManyStreams: number;
}

interface Tracked {
  stream: RtpStream;
  nextReport: number;
  /** The capture path lost packets since this stream's last packet: its next jump is that loss. */
  gapPending: boolean;
  captureMissing: number;
}

export class RtpTracker {
  readonly counters: RtpTrackerCounters = { frames: 0, rtp: 0, notUdp: 0, notRtp: 0, portFiltered: 0, tooManyStreams: 0 };
  private readonly streams = new Map<string, Tracked>();
  private readonly summary = newL2L4Summary();
  private readonly clockRateOf: (pt: number) => number | undefined;
  private readonly interval: number;
  private readonly idle: number;
  private latest = 0;

  constructor(private readonly options: RtpTrackerOptions = {}) {
    const dynamic = options.clockRates ?? {};
    this.clockRateOf = (pt) => dynamic[pt] ?? STATIC_CLOCK_RATES[pt];
    this.interval = options.reportInterval ?? 5;
    this.idle = options.idleTimeout ?? 10;
  }

  get streamCount(): number { return this.streams.size; }

  /** Adds one captured frame (capture time in seconds + nanoseconds); returns the reports now due. */
  add(frame: Buffer, linkType: number, seconds: number, nanoseconds: number): RtpReport[] {
    const time = seconds + nanoseconds / 1e9;
    this.counters.frames += 1;
    const s = dissectL2L4(frame, linkType, this.summary);
    if (s.protocol !== 17 || s.sourcePort < 0 || s.fragment) {
      this.counters.notUdp += 1;
      return this.expire(time);
    }
    if (!this.portWanted(s.sourcePort) && !this.portWanted(s.destinationPort)) {
      this.counters.portFiltered += 1;
      return this.expire(time);
    }
    const header = parseRtpHeader(frame.subarray(s.payloadOffset, s.payloadOffset + s.payloadLength));
    if (!header) {
      this.counters.notRtp += 1;
      return this.expire(time);
    }
    this.counters.rtp += 1;
    const address = (offset: number) => (s.ipVersion === 4 ? ipv4ToString(frame, offset) : ipv6ToString(frame, offset));
    const source = address(s.sourceOffset);
    const destination = address(s.destinationOffset);
    const id = `${header.ssrc}|${source}|${s.sourcePort}|${destination}|${s.destinationPort}`;
    let tracked = this.streams.get(id);
    if (!tracked) {
      if (this.streams.size >= (this.options.maxStreams ?? 10000)) {
        this.counters.tooManyStreams += 1;
        return this.expire(time);
      }
      const key = { ssrc: header.ssrc, sourceAddress: source, sourcePort: s.sourcePort, destinationAddress: destination, destinationPort: s.destinationPort };
      tracked = { stream: new RtpStream(key, this.clockRateOf), nextReport: time + this.interval, gapPending: false, captureMissing: 0 };
      this.streams.set(id, tracked);
    }
    if (tracked.gapPending) {
      // The sequence numbers this packet skips went missing in the capture path's gap, not on the network.
      const before = tracked.stream.stats().missing;
      tracked.stream.add(header, seconds, nanoseconds);
      tracked.captureMissing += Math.max(0, tracked.stream.stats().missing - before);
      tracked.gapPending = false;
    } else {
      tracked.stream.add(header, seconds, nanoseconds);
    }
    const reports = this.expire(time);
    if (this.interval > 0 && time >= tracked.nextReport) {
      tracked.nextReport = time + this.interval;
      reports.push(this.report(tracked, 'periodic'));
    }
    return reports;
  }

  /**
   * The capture path (sequence numbers of the capture protocol) lost packets just before the next
   * ones: each stream's next sequence jump is attributed to it instead of to the network.
   */
  captureGap(): void {
    for (const tracked of this.streams.values()) tracked.gapPending = true;
  }

  /** Ends streams idle for the timeout, judged by the newest capture time seen (or `now`). */
  expire(now: number): RtpReport[] {
    if (now > this.latest) this.latest = now;
    const reports: RtpReport[] = [];
    for (const [id, tracked] of this.streams) {
      if (this.latest - tracked.stream.lastSeen > this.idle) {
        this.streams.delete(id);
        reports.push(this.report(tracked, 'end'));
      }
    }
    return reports;
  }

  /** End-of-stream reports for every stream (end of a file, redeploy). */
  flush(): RtpReport[] {
    const reports = [...this.streams.values()].map((t) => this.report(t, 'end'));
    this.streams.clear();
    return reports;
  }

  private portWanted(port: number): boolean {
    const ports = this.options.ports;
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => (Array.isArray(p) ? port >= p[0] && port <= p[1] : port === p));
  }

  private report(tracked: Tracked, kind: RtpReport['kind']): RtpReport {
    const stats = tracked.stream.stats();
    const mos = stats.jitterMs === undefined ? undefined : estimateMos(stats.payloadType, stats.lossPercent, stats.jitterMs, this.options.networkDelayMs ?? 20);
    const captureMissing = Math.min(tracked.captureMissing, stats.missing);
    return { kind, ...stats, ...(mos ? { mos } : {}), captureMissing, networkMissing: stats.missing - captureMissing };
  }
}
