// Public API of the packet dissectors.
export * from './types';
export { dissect, MAX_TUNNEL_DEPTH } from './dissect';
export type { DissectOptions } from './dissect';
export { IpReassembler } from './reassembly';
export type { ReassemblerOptions, ReassemblerCounters, ReassembledDatagram } from './reassembly';
export { ipv6ToString, ipv4ToString, macToString } from './text';
export { dissectL2L4, newL2L4Summary } from './fast';
export type { L2L4Summary } from './fast';
