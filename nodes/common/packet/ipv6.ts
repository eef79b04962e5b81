// IPv6 (RFC 8200) and its extension headers, walked until an upper-layer protocol.
import type { IPv6ExtensionHeader, Packet } from './types';
import { addError as addErrorImport, Cursor } from './packet';
import { ipv6ToString as ipv6ToStringImport } from './text';

// Imports read once into local bindings (see dissect.ts: no loader getter per packet).
const addError = addErrorImport;
const ipv6ToString = ipv6ToStringImport;

const IPPROTO_HOPOPTS = 0;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_AH = 51;
const IPPROTO_DSTOPTS = 60;
const IPPROTO_NONE = 59;
const MAX_EXTENSIONS = 16;

export function ipv6(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  const avail = c.end - o;
  if (avail < 40) {
    addError(p, 'ipv6', o, `truncated IPv6 header: ${avail} of 40 bytes`);
    return false;
  }
  const w = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  if (w >>> 28 !== 6) {
    addError(p, 'ipv6', o, `IP version ${w >>> 28} in an IPv6 header`);
    return false;
  }
  const payloadLength = (b[o + 4] << 8) | b[o + 5];
  const nextHeader = b[o + 6];
  const extensions: IPv6ExtensionHeader[] = [];
  const h: Packet['ipv6'] & {} = {
    version: 6,
    trafficClass: (w >>> 20) & 0xff,
    flowLabel: w & 0xfffff,
    payloadLength,
    nextHeader,
    hopLimit: b[o + 7],
    source: ipv6ToString(b, o + 8),
    destination: ipv6ToString(b, o + 24),
    extensions,
    protocol: nextHeader,
  };
  p.ipv6 = h;
  p.layers.push('ipv6');
  // Payload Length 0 with a Hop-by-Hop header is a jumbogram (RFC 2675): keep the frame's end.
  if (!(payloadLength === 0 && nextHeader === IPPROTO_HOPOPTS) && o + 40 + payloadLength < c.end) {
    c.end = o + 40 + payloadLength;
  }
  let pos = o + 40;
  let next = nextHeader;
  for (let n = 0; n < MAX_EXTENSIONS; n++) {
    if (next !== IPPROTO_HOPOPTS && next !== IPPROTO_ROUTING && next !== IPPROTO_FRAGMENT && next !== IPPROTO_DSTOPTS && next !== IPPROTO_AH) break;
    if (c.end - pos < 8) {
      addError(p, 'ipv6', pos, `truncated IPv6 extension header ${next}: ${c.end - pos} of 8 bytes`);
      h.protocol = next;
      c.offset = pos;
      return false;
    }
    let length: number;
    if (next === IPPROTO_FRAGMENT) {
      length = 8; // RFC 8200 4.5: fixed size
      const fo = (b[pos + 2] << 8) | b[pos + 3];
      h.fragment = {
        offset: fo & 0xfff8,
        moreFragments: (fo & 1) !== 0,
        identification: b.readUInt32BE(pos + 4),
        nextHeader: b[pos],
        data: b.subarray(pos + 8, c.end),
      };
    } else if (next === IPPROTO_AH) {
      length = (b[pos + 1] + 2) * 4; // RFC 4302 2.2: in 32-bit words, minus 2
    } else {
      length = (b[pos + 1] + 1) * 8; // RFC 8200 4.3-4.6: 8-octet units, not counting the first 8
    }
    if (c.end - pos < length) {
      addError(p, 'ipv6', pos, `truncated IPv6 extension header ${next}: ${c.end - pos} of ${length} bytes`);
      h.protocol = next;
      c.offset = pos;
      return false;
    }
    extensions.push({ type: next, length });
    next = b[pos];
    pos += length;
    // After the Fragment header of a non-first fragment come data bytes, not headers.
    if (h.fragment !== undefined && h.fragment.offset !== 0) break;
  }
  h.protocol = next;
  c.offset = pos;
  // Non-first fragments carry no upper-layer header.
  c.next = h.fragment && h.fragment.offset !== 0 ? -1 : next === IPPROTO_NONE ? -1 : next;
  return true;
}
