// Construction helpers shared by the layer dissectors.
import type { DissectError, Packet } from './types';

/** Shared empty slice for absent options and payloads (saves a subarray per packet). */
export const EMPTY = Buffer.alloc(0);

/** A fresh Packet with every field present (one hidden class for all packets). */
export function newPacket(linkType: number): Packet {
  return {
    linkType,
    layers: [],
    cooked: undefined,
    ethernet: undefined,
    vlans: [],
    ipv4: undefined,
    ipv6: undefined,
    tcp: undefined,
    udp: undefined,
    icmp: undefined,
    tunnel: undefined,
    inner: undefined,
    payload: EMPTY,
    errors: [],
  };
}

export function addError(p: Packet, layer: string, offset: number, message: string): void {
  const e: DissectError = { layer, offset, message };
  p.errors.push(e);
}

/**
 * Where the walk stands: `offset` is the next unread byte, `end` the end of the current
 * protocol data unit (IP total length trims Ethernet padding), `next` the protocol number to
 * dissect next (an EtherType at L2, an IP protocol number at L3), -1 when there is nothing more.
 */
export interface Cursor {
  offset: number;
  end: number;
  next: number;
}
