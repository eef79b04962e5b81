// IPv4 (RFC 791). Options are kept as a slice; the payload is bounded by Total Length so
// Ethernet padding is not taken for data.
import type { Packet } from './types';
import { EMPTY as EMPTY_IMPORT, addError as addErrorImport, Cursor } from './packet';
import { ipv4ToString as ipv4ToStringImport } from './text';

// Imports read once into local bindings (see dissect.ts: no loader getter per packet).
const EMPTY = EMPTY_IMPORT;
const addError = addErrorImport;
const ipv4ToString = ipv4ToStringImport;

export function ipv4(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  const avail = c.end - o;
  if (avail < 20) {
    addError(p, 'ipv4', o, `truncated IPv4 header: ${avail} of 20 bytes`);
    return false;
  }
  const v = b[o];
  if (v >> 4 !== 4) {
    addError(p, 'ipv4', o, `IP version ${v >> 4} in an IPv4 header`);
    return false;
  }
  const headerLength = (v & 0x0f) * 4;
  if (headerLength < 20) {
    addError(p, 'ipv4', o, `IPv4 header length ${headerLength} below 20`);
    return false;
  }
  if (avail < headerLength) {
    addError(p, 'ipv4', o, `truncated IPv4 header: ${avail} of ${headerLength} bytes`);
    return false;
  }
  let totalLength = (b[o + 2] << 8) | b[o + 3];
  // Total Length 0 is what captures of TCP segmentation offload show (the NIC fills it in):
  // like Wireshark, take the datagram to run to the end of the frame.
  if (totalLength === 0) totalLength = Math.min(avail, 65535);
  const flagsOffset = (b[o + 6] << 8) | b[o + 7];
  p.ipv4 = {
    version: 4,
    headerLength,
    dscp: b[o + 1] >> 2,
    ecn: b[o + 1] & 3,
    totalLength,
    identification: (b[o + 4] << 8) | b[o + 5],
    dontFragment: (flagsOffset & 0x4000) !== 0,
    moreFragments: (flagsOffset & 0x2000) !== 0,
    fragmentOffset: (flagsOffset & 0x1fff) * 8,
    ttl: b[o + 8],
    protocol: b[o + 9],
    checksum: (b[o + 10] << 8) | b[o + 11],
    source: ipv4ToString(b, o + 12),
    destination: ipv4ToString(b, o + 16),
    options: headerLength === 20 ? EMPTY : b.subarray(o + 20, o + headerLength),
  };
  p.layers.push('ipv4');
  if (totalLength < headerLength) {
    addError(p, 'ipv4', o + 2, `IPv4 total length ${totalLength} below the header length ${headerLength}`);
    c.offset = o + headerLength;
    return false;
  }
  // A shorter capture (snap length) keeps what is there; a longer frame is padding.
  if (o + totalLength < c.end) c.end = o + totalLength;
  c.offset = o + headerLength;
  // The fragment's data, for IpReassembler (only on fragments: a slice costs time on every packet).
  if ((flagsOffset & 0x3fff) !== 0) p.ipv4.payload = b.subarray(c.offset, c.end);
  // Only the first fragment holds the upper-layer header (what tshark does without reassembly).
  c.next = (flagsOffset & 0x1fff) === 0 ? b[o + 9] : -1;
  return true;
}
