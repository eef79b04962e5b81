// Maps a decoded LLDPDU onto the neighbour record shared by every source.
import type { Lldpdu, LldpNeighbor } from './types';

/** The neighbour a received LLDPDU describes, as seen on `localPort` (the port it arrived on). */
export function neighborFromLldpdu(du: Lldpdu, localPort: string): LldpNeighbor {
  const neighbor: LldpNeighbor = {
    localPort,
    chassisId: du.chassisId.value,
    portId: du.portId.value,
    portIdSubtype: du.portId.subtypeName,
    ttl: du.ttl,
  };
  if (du.portDescription !== undefined) neighbor.portDescription = du.portDescription;
  if (du.systemName !== undefined) neighbor.systemName = du.systemName;
  if (du.systemDescription !== undefined) neighbor.systemDescription = du.systemDescription;
  if (du.capabilities) neighbor.capabilities = du.capabilities.enabled;
  if (du.managementAddresses.length) neighbor.managementAddresses = du.managementAddresses.map((m) => m.address);
  return neighbor;
}
