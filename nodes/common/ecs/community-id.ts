// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec):
// base64(SHA-1(seed ‖ saddr ‖ daddr ‖ proto ‖ 0 ‖ sport ‖ dport)), endpoints ordered so both
// directions of a connection hash alike. ICMP type/code stand in for ports.
import crypto, { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { writeIpv6Bytes } from '../packet/text';

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

// One scratch buffer for every call (the function is synchronous): seed, two addresses, protocol,
// pad and ports take at most 2 + 16 + 16 + 2 + 4 octets. Shaping calls this once per document.
const scratch = Buffer.alloc(40);
const sourceBytes = Buffer.alloc(16);
const destinationBytes = Buffer.alloc(16);
// One-shot hashing (Node >= 21.7) skips a Hash object per call; Node 20 takes the stream API.
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Buffer, encoding: 'base64') => string }).hash;
const sha1Base64 = oneShot ? (data: Buffer) => oneShot('sha1', data, 'base64') : (data: Buffer) => createHash('sha1').update(data).digest('base64');

/** The Community ID v1 string ("1:<base64>"), or undefined when an address is not an IP. */
export function communityId(tuple: CommunityIdTuple, seed = 0): string | undefined {
  const srcLength = ipBytes(tuple.sourceIp, sourceBytes);
  const dstLength = ipBytes(tuple.destinationIp, destinationBytes);
  if (!srcLength || srcLength !== dstLength) return undefined;
  const hasPorts = tuple.protocol === TCP || tuple.protocol === UDP || tuple.protocol === SCTP || tuple.protocol === ICMP || tuple.protocol === ICMP6;
  let sport = tuple.sourcePort ?? 0;
  let dport = tuple.destinationPort ?? 0;
  let oneWay = false;
  if (tuple.protocol === ICMP || tuple.protocol === ICMP6) {
    const table = tuple.protocol === ICMP ? icmpCounterpart : icmp6Counterpart;
    const counterpart = table[sport];
    if (counterpart === undefined) oneWay = true;
    else dport = counterpart;
  }
  let first = sourceBytes, second = destinationBytes;
  const order = compareBytes(sourceBytes, destinationBytes, srcLength);
  if (!oneWay && (order > 0 || (order === 0 && sport > dport))) {
    [first, second] = [destinationBytes, sourceBytes];
    [sport, dport] = [dport, sport];
  }
  let at = scratch.writeUInt16BE(seed & 0xffff, 0);
  at += first.copy(scratch, at, 0, srcLength);
  at += second.copy(scratch, at, 0, srcLength);
  scratch[at++] = tuple.protocol & 0xff;
  scratch[at++] = 0;
  if (hasPorts) {
    at = scratch.writeUInt16BE(sport & 0xffff, at);
    at = scratch.writeUInt16BE(dport & 0xffff, at);
  }
  return '1:' + sha1Base64(scratch.subarray(0, at));
}

function compareBytes(a: Buffer, b: Buffer, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Writes the address's octets into `out`: 4 (IPv4), 16 (IPv6) or 0 when it is not an IP. */
function ipBytes(address: string, out: Buffer): number {
  if (isIPv4(address)) {
    let octet = 0, index = 0;
    for (let i = 0; i < address.length; i++) {
      const c = address.charCodeAt(i);
      if (c === 46) { out[index++] = octet; octet = 0; } else octet = octet * 10 + (c - 48);
    }
    out[index] = octet;
    return 4;
  }
  return writeIpv6Bytes(address, out, 0) ? 16 : 0;
}
