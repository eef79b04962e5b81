// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec):
// base64(SHA-1(seed ‖ saddr ‖ daddr ‖ proto ‖ 0 ‖ sport ‖ dport)), endpoints ordered so both
// directions of a connection hash alike. ICMP type/code stand in for ports.
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

const TCP = 6, UDP = 17, SCTP = 132, ICMP = 1, ICMP6 = 58;

// Request/response ICMP types that form a two-way exchange: the "port" of the other side is the
// counterpart type (spec, "ICMP and ICMPv6").
const icmpCounterpart: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
const icmp6Counterpart: Record<number, number> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144 };

export interface CommunityIdTuple {
  sourceIp: string;
  destinationIp: string;
  protocol: number;
  /** Port, or the ICMP type for ICMP/ICMPv6. */
  sourcePort?: number;
  /** Port, or the ICMP code for ICMP/ICMPv6. */
  destinationPort?: number;
}

/** The Community ID v1 string ("1:<base64>"), or undefined when an address is not an IP. */
export function communityId(tuple: CommunityIdTuple, seed = 0): string | undefined {
  const src = ipBytes(tuple.sourceIp);
  const dst = ipBytes(tuple.destinationIp);
  if (!src || !dst || src.length !== dst.length) return undefined;
  const hasPorts = [TCP, UDP, SCTP, ICMP, ICMP6].includes(tuple.protocol);
  let sport = tuple.sourcePort ?? 0;
  let dport = tuple.destinationPort ?? 0;
  let oneWay = false;
  if (tuple.protocol === ICMP || tuple.protocol === ICMP6) {
    const table = tuple.protocol === ICMP ? icmpCounterpart : icmp6Counterpart;
    const counterpart = table[sport];
    if (counterpart === undefined) oneWay = true;
    else dport = counterpart;
  }
  let first = src, second = dst;
  const order = Buffer.compare(src, dst);
  if (!oneWay && (order > 0 || (order === 0 && sport > dport))) {
    [first, second] = [dst, src];
    [sport, dport] = [dport, sport];
  }
  const head = Buffer.alloc(2);
  head.writeUInt16BE(seed & 0xffff);
  const parts = [head, first, second, Buffer.from([tuple.protocol & 0xff, 0])];
  if (hasPorts) {
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(sport & 0xffff, 0);
    ports.writeUInt16BE(dport & 0xffff, 2);
    parts.push(ports);
  }
  return '1:' + createHash('sha1').update(Buffer.concat(parts)).digest('base64');
}

function ipBytes(address: string): Buffer | undefined {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!isIPv6(address)) return undefined;
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + ((b[0] << 8) | b[1]).toString(16) + ':' + ((b[2] << 8) | b[3]).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
