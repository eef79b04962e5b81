// Tunnels whose inner frame is dissected again: GRE (RFC 2784 with the RFC 2890 key and
// sequence extensions) and VXLAN (RFC 7348, UDP port 4789).
import type { Packet } from './types';
import { addError as addErrorImport, Cursor } from './packet';

// Imports read once into local bindings (see dissect.ts: no loader getter per packet).
const addError = addErrorImport;

export const VXLAN_PORT = 4789;

/** GRE header; on success leaves the inner protocol type (an EtherType) in `c.next`. */
export function gre(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  if (c.end - o < 4) {
    addError(p, 'gre', o, `truncated GRE header: ${c.end - o} of 4 bytes`);
    return false;
  }
  const flags = (b[o] << 8) | b[o + 1];
  const protocol = (b[o + 2] << 8) | b[o + 3];
  p.tunnel = { kind: 'gre', protocol };
  p.layers.push('gre');
  const version = flags & 7;
  if (version !== 0) {
    // Version 1 is the PPTP "enhanced GRE" (RFC 2637) carrying PPP: not dissected further.
    c.offset = o + 4;
    c.next = -1;
    return true;
  }
  const checksumPresent = (flags & 0x8000) !== 0;
  const routingPresent = (flags & 0x4000) !== 0; // RFC 1701 source routing, deprecated by RFC 2784
  let length = 4 + (checksumPresent || routingPresent ? 4 : 0);
  let keyAt = -1;
  if (flags & 0x2000) {
    keyAt = o + length;
    length += 4;
  }
  if (flags & 0x1000) length += 4;
  if (c.end - o < length) {
    addError(p, 'gre', o, `truncated GRE header: ${c.end - o} of ${length} bytes`);
    return false;
  }
  if (keyAt >= 0) p.tunnel.key = b.readUInt32BE(keyAt);
  c.offset = o + length;
  if (routingPresent) {
    addError(p, 'gre', o, 'GRE source routing (RFC 1701) is not supported');
    c.next = -1;
    return false;
  }
  c.next = protocol;
  return true;
}

/** VXLAN header: flags (I bit = VNI valid), 24 reserved bits, VNI, 8 reserved bits; Ethernet follows. */
export function vxlan(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  if (c.end - o < 8) {
    addError(p, 'vxlan', o, `truncated VXLAN header: ${c.end - o} of 8 bytes`);
    return false;
  }
  p.tunnel = { kind: 'vxlan', vni: (b[o + 4] << 16) | (b[o + 5] << 8) | b[o + 6] };
  p.layers.push('vxlan');
  c.offset = o + 8;
  return true;
}
