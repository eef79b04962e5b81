// A generated G.711 RTP stream in a pcap file, with loss, reordering, a duplicate and jitter set
// exactly (nanosecond timestamps), so tests can compare RFC 3550 figures with tshark's.
import { PcapWriter } from '../../nodes/common/pcap/writer';

export interface RtpPacketPlan {
  sequence: number;
  rtpTimestamp: number;
  /** Capture time, seconds since the epoch, as seconds + nanoseconds. */
  seconds: number;
  nanoseconds: number;
}

export interface RtpStreamPlan {
  ssrc: number;
  packets: RtpPacketPlan[]; // in arrival (file) order
  sourcePort: number;
  destinationPort: number;
}

/** Sent every 20 ms (160 samples at 8 kHz); sequence and RTP timestamp both wrap during the stream. */
export function planRtpStream(options: { count?: number; lose?: number[]; swap?: number[]; duplicate?: number[]; seed?: number } = {}): RtpStreamPlan {
  const count = options.count ?? 600;
  const lose = new Set(options.lose ?? [50, 51, 52, 300]);
  let seed = options.seed ?? 42;
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const firstSequence = 65000;
  const firstTimestamp = 0xffff_f000;
  const order: number[] = [];
  for (let i = 0; i < count; i++) if (!lose.has(i)) order.push(i);
  for (const i of options.swap ?? [100]) {
    const at = order.indexOf(i);
    [order[at], order[at + 1]] = [order[at + 1], order[at]];
  }
  for (const i of options.duplicate ?? [200]) order.splice(order.indexOf(i) + 1, 0, i);
  const startNs = 1_700_000_000n * 1_000_000_000n;
  let previous = 0n;
  const packets = order.map((i) => {
    // Nominal send time plus up to 15 ms of network delay, in whole nanoseconds; kept increasing.
    let at = startNs + BigInt(i) * 20_000_000n + BigInt(Math.floor(rand() * 15_000_000));
    if (at <= previous) at = previous + 1_000_000n;
    previous = at;
    return {
      sequence: (firstSequence + i) & 0xffff,
      rtpTimestamp: (firstTimestamp + i * 160) >>> 0,
      seconds: Number(at / 1_000_000_000n),
      nanoseconds: Number(at % 1_000_000_000n),
    };
  });
  return { ssrc: 0x1234abcd, packets, sourcePort: 40000, destinationPort: 5004 };
}

/** Ethernet + IPv4 + UDP + RTP (PT 0, 160 bytes of µ-law silence) for one packet. */
export function rtpFrame(plan: RtpStreamPlan, p: RtpPacketPlan): Buffer {
  const rtp = Buffer.alloc(12 + 160, 0xff);
  rtp[0] = 0x80;
  rtp[1] = 0; // PCMU
  rtp.writeUInt16BE(p.sequence, 2);
  rtp.writeUInt32BE(p.rtpTimestamp, 4);
  rtp.writeUInt32BE(plan.ssrc, 8);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(plan.sourcePort, 0);
  udp.writeUInt16BE(plan.destinationPort, 2);
  udp.writeUInt16BE(8 + rtp.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + rtp.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  Buffer.from([192, 0, 2, 10]).copy(ip, 12);
  Buffer.from([198, 51, 100, 20]).copy(ip, 16);
  let sum = 0;
  for (let o = 0; o < 20; o += 2) sum += ip.readUInt16BE(o);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  const eth = Buffer.from('020000000002020000000001' + '0800', 'hex');
  return Buffer.concat([eth, ip, udp, rtp]);
}

export function rtpPcap(plan: RtpStreamPlan): Buffer {
  const writer = new PcapWriter({ nanosecond: true });
  return Buffer.concat([writer.header(), ...plan.packets.map((p) => writer.packet(rtpFrame(plan, p), { seconds: p.seconds, nanoseconds: p.nanoseconds }))]);
}
