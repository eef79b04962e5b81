// Transport headers: TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792) and ICMPv6 (RFC 4443).
import type { Packet } from './types';
import { EMPTY as EMPTY_IMPORT, addError as addErrorImport, Cursor } from './packet';

// Imports read once into local bindings (see dissect.ts: no loader getter per packet).
const EMPTY = EMPTY_IMPORT;
const addError = addErrorImport;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_GRE = 47;
export const IPPROTO_ICMPV6 = 58;

export function tcp(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  const avail = c.end - o;
  if (avail < 20) {
    addError(p, 'tcp', o, `truncated TCP header: ${avail} of 20 bytes`);
    return false;
  }
  const headerLength = (b[o + 12] >> 4) * 4;
  if (headerLength < 20) {
    addError(p, 'tcp', o + 12, `TCP data offset ${headerLength} below 20`);
    return false;
  }
  if (avail < headerLength) {
    addError(p, 'tcp', o, `truncated TCP header: ${avail} of ${headerLength} bytes`);
    return false;
  }
  p.tcp = {
    sourcePort: (b[o] << 8) | b[o + 1],
    destinationPort: (b[o + 2] << 8) | b[o + 3],
    sequence: ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0,
    acknowledgment: ((b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]) >>> 0,
    headerLength,
    flags: ((b[o + 12] & 1) << 8) | b[o + 13],
    window: (b[o + 14] << 8) | b[o + 15],
    checksum: (b[o + 16] << 8) | b[o + 17],
    urgentPointer: (b[o + 18] << 8) | b[o + 19],
    options: headerLength === 20 ? EMPTY : b.subarray(o + 20, o + headerLength),
  };
  p.layers.push('tcp');
  c.offset = o + headerLength;
  c.next = -1;
  return true;
}

export function udp(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  const avail = c.end - o;
  if (avail < 8) {
    addError(p, 'udp', o, `truncated UDP header: ${avail} of 8 bytes`);
    return false;
  }
  const length = (b[o + 4] << 8) | b[o + 5];
  p.udp = {
    sourcePort: (b[o] << 8) | b[o + 1],
    destinationPort: (b[o + 2] << 8) | b[o + 3],
    length,
    checksum: (b[o + 6] << 8) | b[o + 7],
  };
  p.layers.push('udp');
  c.offset = o + 8;
  c.next = -1;
  if (length < 8) {
    // 0 is legal only for IPv6 jumbograms (RFC 2675); otherwise the header is malformed.
    if (length !== 0) addError(p, 'udp', o + 4, `UDP length ${length} below 8`);
  } else if (o + length < c.end) {
    c.end = o + length;
  }
  return true;
}

/** ICMP and ICMPv6 share the type | code | checksum start; the 8-byte header ends with 4 type-specific bytes. */
export function icmp(b: Buffer, c: Cursor, p: Packet, v6: boolean): boolean {
  const o = c.offset;
  const avail = c.end - o;
  const name = v6 ? 'icmpv6' : 'icmp';
  if (avail < 4) {
    addError(p, name, o, `truncated ${name} header: ${avail} of 4 bytes`);
    return false;
  }
  p.icmp = { type: b[o], code: b[o + 1], checksum: (b[o + 2] << 8) | b[o + 3] };
  p.layers.push(name);
  c.offset = o + Math.min(8, avail);
  c.next = -1;
  return true;
}
