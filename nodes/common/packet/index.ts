// Public API of the packet dissectors.
//
//   const p = dissect(frame, linkType);   // never throws; problems are in p.errors with offsets
//   p.layers      -> ['eth', 'vlan', 'ipv4', 'udp', 'vxlan', 'eth', 'ipv4', 'tcp']
//   p.inner       -> the GRE / VXLAN payload dissected the same way (at most MAX_TUNNEL_DEPTH deep)
//   p.payload     -> a slice of `frame` after the last header
//
//   const s = dissectL2L4(frame, linkType, reused);  // numbers and offsets only, no strings
//   const r = new IpReassembler({ maxDatagrams, maxBytes, timeoutMs }); r.push(p, captureMs)
//
// Link types: Ethernet (1, with 802.1Q / 802.1ad / 0x9100 tags), NULL (0), LOOP (108), RAW (101),
// IPV4 (228), IPV6 (229), LINUX_SLL (113), LINUX_SLL2 (276).
export * from './types';
export { dissect, MAX_TUNNEL_DEPTH } from './dissect';
export type { DissectOptions } from './dissect';
export { IpReassembler } from './reassembly';
export type { ReassemblerOptions, ReassemblerCounters, ReassembledDatagram } from './reassembly';
export { ipv6Bytes, ipv6ToString, ipv4ToString, macToString } from './text';
export { dissectL2L4, newL2L4Summary } from './fast';
export type { L2L4Summary } from './fast';
