// Link layers: Ethernet II with 802.1Q / 802.1ad / QinQ tags, Linux cooked SLL and SLL2,
// BSD NULL/LOOP and raw IP (https://www.tcpdump.org/linktypes.html).
import type { Packet } from './types';
import { addError as addErrorImport, Cursor } from './packet';
import { hexBytes as hexBytesImport, macToString as macToStringImport } from './text';

// Imports read once into local bindings (see dissect.ts: no loader getter per packet).
const addError = addErrorImport;
const hexBytes = hexBytesImport;
const macToString = macToStringImport;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_TEB = 0x6558; // transparent Ethernet bridging (GRE)
/** TPIDs of VLAN tags: 802.1Q C-tag, 802.1ad S-tag, and the pre-standard QinQ 0x9100. */
export const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100]);
const MAX_VLAN_TAGS = 8;

/** Ethernet II header and any VLAN tags; leaves the EtherType in `c.next`. */
export function ethernet(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  if (c.end - o < 14) {
    addError(p, 'eth', o, `truncated Ethernet header: ${c.end - o} of 14 bytes`);
    return false;
  }
  let type = (b[o + 12] << 8) | b[o + 13];
  p.layers.push('eth');
  let pos = o + 14;
  while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && p.vlans.length < MAX_VLAN_TAGS) {
    // 802.1Q tag: TPID (already read) | PCP (3) | DEI (1) | VID (12), then the next type.
    if (c.end - pos < 4) {
      addError(p, 'vlan', pos, `truncated VLAN tag: ${c.end - pos} of 4 bytes`);
      p.ethernet = { destination: macToString(b, o), source: macToString(b, o + 6), etherType: type };
      return false;
    }
    const tci = (b[pos] << 8) | b[pos + 1];
    p.vlans.push({ tpid: type, pcp: tci >> 13, dei: (tci & 0x1000) !== 0, id: tci & 0x0fff });
    p.layers.push('vlan');
    type = (b[pos + 2] << 8) | b[pos + 3];
    pos += 4;
  }
  p.ethernet = { destination: macToString(b, o), source: macToString(b, o + 6), etherType: type };
  c.offset = pos;
  // Values up to 1500 are an 802.3 length (LLC follows), not an EtherType: nothing more here.
  c.next = type > 1500 ? type : -1;
  return true;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16 bytes). */
export function linuxSll(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  if (c.end - o < 16) {
    addError(p, 'sll', o, `truncated Linux cooked header: ${c.end - o} of 16 bytes`);
    return false;
  }
  const addressLength = Math.min(b.readUInt16BE(o + 4), 8);
  const protocol = b.readUInt16BE(o + 14);
  const addressType = b.readUInt16BE(o + 2);
  p.cooked = {
    version: 1,
    packetType: b.readUInt16BE(o),
    addressType,
    address: hexBytes(b, o + 6, addressLength),
    protocol,
  };
  p.layers.push('sll');
  c.offset = o + 16;
  c.next = cookedNext(addressType, protocol);
  return true;
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 20 bytes, protocol first). */
export function linuxSll2(b: Buffer, c: Cursor, p: Packet): boolean {
  const o = c.offset;
  if (c.end - o < 20) {
    addError(p, 'sll2', o, `truncated Linux cooked v2 header: ${c.end - o} of 20 bytes`);
    return false;
  }
  const protocol = b.readUInt16BE(o);
  const addressType = b.readUInt16BE(o + 8);
  p.cooked = {
    version: 2,
    packetType: b[o + 10],
    addressType,
    address: hexBytes(b, o + 12, Math.min(b[o + 11], 8)),
    protocol,
    interfaceIndex: b.readUInt32BE(o + 4),
  };
  p.layers.push('sll2');
  c.offset = o + 20;
  c.next = cookedNext(addressType, protocol);
  return true;
}

function cookedNext(addressType: number, protocol: number): number {
  // ARPHRD_NETLINK (824) carries a netlink protocol, and protocol values below 1536 are
  // Linux pseudo-protocols (ETH_P_802_3, ETH_P_802_2...), not EtherTypes.
  if (addressType === 824 || protocol <= 1500) return -1;
  return protocol;
}

/**
 * BSD loopback: a 4-byte address family, in the capturing host's byte order (NULL) or
 * big-endian (LOOP). AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 23 (Windows),
 * 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
 */
export function loopback(b: Buffer, c: Cursor, p: Packet, bigEndian: boolean): boolean {
  const o = c.offset;
  if (c.end - o < 4) {
    addError(p, 'null', o, `truncated loopback header: ${c.end - o} of 4 bytes`);
    return false;
  }
  let family = bigEndian ? b.readUInt32BE(o) : b.readUInt32LE(o);
  if (!bigEndian && family > 0xffff) family = b.readUInt32BE(o); // written big-endian
  p.layers.push('null');
  c.offset = o + 4;
  if (family === 2) c.next = ETHERTYPE_IPV4;
  else if (family === 10 || family === 23 || family === 24 || family === 28 || family === 30) c.next = ETHERTYPE_IPV6;
  else {
    addError(p, 'null', o, `unknown loopback address family ${family}`);
    c.next = -1;
  }
  return true;
}

/** Raw IP: the version nibble says which IP. */
export function rawIp(b: Buffer, c: Cursor, p: Packet): boolean {
  if (c.end - c.offset < 1) {
    addError(p, 'raw', c.offset, 'empty raw IP frame');
    return false;
  }
  const version = b[c.offset] >> 4;
  if (version === 4) c.next = ETHERTYPE_IPV4;
  else if (version === 6) c.next = ETHERTYPE_IPV6;
  else {
    addError(p, 'raw', c.offset, `raw IP frame with IP version ${version}`);
    return false;
  }
  return true;
}
