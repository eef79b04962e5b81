// Neighbour table built from received LLDPDUs (passive listening), as 802.1AB 9.2.7 keeps its
// remote systems MIB: one entry per (local port, chassis ID, port ID), dropped when its TTL runs
// out or a shutdown LLDPDU (TTL 0) arrives.
import { decodeLldpFrame } from './decode';
import { neighborFromLldpdu } from './neighbor';
import type { LldpDeviceReport, LldpNeighbor } from './types';

interface Entry { neighbor: LldpNeighbor; expiresAt: number }

export type ObserveResult =
  | { kind: 'not-lldp' }
  | { kind: 'error'; errors: string[] }
  | { kind: 'neighbor'; neighbor: LldpNeighbor; isNew: boolean }
  | { kind: 'shutdown'; neighbor: LldpNeighbor };

export class PassiveNeighborTable {
  private readonly entries = new Map<string, Entry>();

  /** Feeds one Ethernet frame received on `localPort` at `nowMs`. */
  observe(frame: Buffer, localPort: string, nowMs: number): ObserveResult {
    const decoded = decodeLldpFrame(frame);
    if (!decoded) return { kind: 'not-lldp' };
    if (!decoded.lldpdu) return { kind: 'error', errors: decoded.errors };
    const neighbor = neighborFromLldpdu(decoded.lldpdu, localPort);
    const key = `${localPort}|${decoded.lldpdu.chassisId.value}|${decoded.lldpdu.portId.value}`;
    if (decoded.lldpdu.ttl === 0) {
      this.entries.delete(key);
      return { kind: 'shutdown', neighbor };
    }
    const isNew = !this.entries.has(key);
    this.entries.set(key, { neighbor, expiresAt: nowMs + decoded.lldpdu.ttl * 1000 });
    return { kind: 'neighbor', neighbor, isNew };
  }

  /** Drops entries whose TTL has run out; returns how many. */
  expire(nowMs: number): number {
    let dropped = 0;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= nowMs) { this.entries.delete(key); dropped++; }
    return dropped;
  }

  /** The table as the report of the listening device. */
  report(localName: string, nowMs: number): LldpDeviceReport {
    this.expire(nowMs);
    return { device: localName, source: 'passive', neighbors: [...this.entries.values()].map((e) => e.neighbor) };
  }
}
