// The walk: link layer -> IP -> transport -> tunnel payload (dissected again into `inner`).
// Never throws for bad input; each layer records its problem in `packet.errors` and stops.
import { LinkType as LinkTypeImport, Packet } from './types';
import { Cursor, EMPTY as EMPTY_IMPORT, addError as addErrorImport, newPacket as newPacketImport } from './packet';
import * as link from './link';
import { ipv4 as ipv4Import } from './ipv4';
import { ipv6 as ipv6Import } from './ipv6';
import * as l4 from './l4';
import * as tunnel from './tunnel';

// The layer functions and constants are read once into module-local bindings: under a loader
// that turns every import into a getter (tsx's esbuild CommonJS interop), each use through the
// import pays for that getter on every packet; a local constant costs nothing to the JIT.
const LINK_NULL = LinkTypeImport.NULL;
const LINK_ETHERNET = LinkTypeImport.ETHERNET;
const LINK_RAW = LinkTypeImport.RAW;
const LINK_LOOP = LinkTypeImport.LOOP;
const LINK_LINUX_SLL = LinkTypeImport.LINUX_SLL;
const LINK_IPV4 = LinkTypeImport.IPV4;
const LINK_IPV6 = LinkTypeImport.IPV6;
const LINK_LINUX_SLL2 = LinkTypeImport.LINUX_SLL2;
const addError = addErrorImport;
const EMPTY = EMPTY_IMPORT;
const newPacket = newPacketImport;
const ethernet = link.ethernet;
const linuxSll = link.linuxSll;
const linuxSll2 = link.linuxSll2;
const loopback = link.loopback;
const rawIp = link.rawIp;
const ipv4 = ipv4Import;
const ipv6 = ipv6Import;
const tcp = l4.tcp;
const udp = l4.udp;
const icmp = l4.icmp;
const gre = tunnel.gre;
const vxlan = tunnel.vxlan;
const ETHERTYPE_IPV4 = link.ETHERTYPE_IPV4;
const ETHERTYPE_IPV6 = link.ETHERTYPE_IPV6;
const ETHERTYPE_TEB = link.ETHERTYPE_TEB;
const IPPROTO_ICMP = l4.IPPROTO_ICMP;
const IPPROTO_TCP = l4.IPPROTO_TCP;
const IPPROTO_UDP = l4.IPPROTO_UDP;
const IPPROTO_GRE = l4.IPPROTO_GRE;
const IPPROTO_ICMPV6 = l4.IPPROTO_ICMPV6;
const VXLAN_PORT = tunnel.VXLAN_PORT;

/** Tunnels inside tunnels are followed this deep; beyond, the rest stays in `payload`. */
export const MAX_TUNNEL_DEPTH = 4;

export interface DissectOptions {
  /** Do not follow GRE and VXLAN into `inner` (cheaper when only the outer headers matter). */
  noTunnels?: boolean;
}

/** Dissects one captured frame of the given LINKTYPE_* value. */
export function dissect(frame: Buffer, linkType: number, options?: DissectOptions): Packet {
  return walk(frame, linkType, 0, options?.noTunnels === true);
}

/**
 * One cursor per tunnel depth, reused by every call: the walk is synchronous and an inner walk
 * (depth + 1) never touches the cursor of the walk that entered it.
 */
const CURSORS: Cursor[] = [];
for (let d = 0; d <= MAX_TUNNEL_DEPTH; d++) CURSORS.push({ offset: 0, end: 0, next: -1 });

function walk(b: Buffer, linkType: number, depth: number, noTunnels: boolean): Packet {
  const p = newPacket(linkType);
  const c = CURSORS[depth];
  c.offset = 0;
  c.end = b.length;
  c.next = -1;
  let ok: boolean;
  switch (linkType) {
    case LINK_ETHERNET:
      ok = ethernet(b, c, p);
      break;
    case LINK_LINUX_SLL:
      ok = linuxSll(b, c, p);
      break;
    case LINK_LINUX_SLL2:
      ok = linuxSll2(b, c, p);
      break;
    case LINK_NULL:
      ok = loopback(b, c, p, false);
      break;
    case LINK_LOOP:
      ok = loopback(b, c, p, true);
      break;
    case LINK_RAW:
      ok = rawIp(b, c, p);
      break;
    case LINK_IPV4:
      c.next = ETHERTYPE_IPV4;
      ok = true;
      break;
    case LINK_IPV6:
      c.next = ETHERTYPE_IPV6;
      ok = true;
      break;
    default:
      addError(p, 'link', 0, `link type ${linkType} is not dissected`);
      ok = false;
  }
  if (ok) network(b, c, p, depth, noTunnels);
  // Nothing left (a pure ACK...): the shared empty Buffer, as for absent options (no slice).
  if (c.offset < c.end) p.payload = b.subarray(c.offset, c.end);
  return p;
}

/** From an EtherType in `c.next` down to the transport payload. */
function network(b: Buffer, c: Cursor, p: Packet, depth: number, noTunnels: boolean): void {
  if (c.next === ETHERTYPE_IPV4) {
    if (!ipv4(b, c, p)) return;
  } else if (c.next === ETHERTYPE_IPV6) {
    if (!ipv6(b, c, p)) return;
  } else {
    return;
  }
  // (`as number`: TypeScript keeps the EtherType narrowing across the calls above)
  switch (c.next as number) {
    case IPPROTO_TCP:
      tcp(b, c, p);
      return;
    case IPPROTO_UDP:
      if (!udp(b, c, p)) return;
      if (p.udp!.destinationPort === VXLAN_PORT && !noTunnels && vxlan(b, c, p)) {
        enter(b, c, p, LINK_ETHERNET, depth, noTunnels);
      }
      return;
    case IPPROTO_ICMP:
      icmp(b, c, p, false);
      return;
    case IPPROTO_ICMPV6:
      icmp(b, c, p, true);
      return;
    case IPPROTO_GRE:
      if (noTunnels || !gre(b, c, p)) return;
      {
        const inner: number = c.next;
        if (inner === ETHERTYPE_TEB) enter(b, c, p, LINK_ETHERNET, depth, noTunnels);
        else if (inner === ETHERTYPE_IPV4) enter(b, c, p, LINK_IPV4, depth, noTunnels);
        else if (inner === ETHERTYPE_IPV6) enter(b, c, p, LINK_IPV6, depth, noTunnels);
      }
      return;
    default:
      return;
  }
}

/** Dissects the tunnel payload `b[c.offset, c.end)` as its own frame into `p.inner`. */
function enter(b: Buffer, c: Cursor, p: Packet, linkType: number, depth: number, noTunnels: boolean): void {
  if (depth + 1 > MAX_TUNNEL_DEPTH) {
    addError(p, p.tunnel?.kind ?? 'tunnel', c.offset, `tunnel nesting deeper than ${MAX_TUNNEL_DEPTH}`);
    return;
  }
  const inner = walk(b.subarray(c.offset, c.end), linkType, depth + 1, noTunnels);
  p.inner = inner;
  // The outer `layers` lists the whole stack, outermost first (see Packet.layers).
  for (const layer of inner.layers) p.layers.push(layer);
}
