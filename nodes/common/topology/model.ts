// Builds the topology from device reports. A link is the pair of its two ends (device, port);
// each report contributes the half it sees. Both halves → up; one half while the other device
// was polled too and does not see it → one-way (A hears B, B does not hear A).
import type { LldpDeviceReport, LldpNeighbor } from '../lldp/types';
import { deviceKey, displayDeviceName, interfaceKey, normalizeInterfaceName, type NameOptions } from './names';
import type { Topology, TopologyDevice, TopologyLink } from './types';

export interface TopologyOptions extends NameOptions {
  /** Ports matching this pattern (either end) are management links and left out. */
  excludePorts?: RegExp;
}

/** The usual out-of-band management port names. */
export const DEFAULT_MANAGEMENT_PORTS = /^(mgmt\d*|management\d*|ma\d|fxp\d|em\d|me\d)/i;

/** The remote port's name: its ID when it is a name, else the description (lldpd sends the MAC as ID). */
function remotePortName(neighbor: LldpNeighbor): string {
  const subtype = neighbor.portIdSubtype ?? '';
  const idIsName = neighbor.portId !== undefined && !/mac|network|address/i.test(subtype) && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(neighbor.portId);
  if (idIsName) return neighbor.portId!;
  return neighbor.portDescription || neighbor.portId || '?';
}

function remoteDeviceName(neighbor: LldpNeighbor): string {
  return neighbor.systemName || neighbor.chassisId || 'unknown';
}

function endKey(device: string, port: string): string {
  return `${device}|${interfaceKey(port)}`;
}

export function buildTopology(reports: readonly LldpDeviceReport[], options: TopologyOptions = {}): Topology {
  const exclude = options.excludePorts;
  const devices = new Map<string, TopologyDevice>();
  const byChassis = new Map<string, string>();
  const addDevice = (name: string, polled: boolean, extra: Partial<TopologyDevice>): string => {
    const id = deviceKey(name, options);
    const existing = devices.get(id);
    if (existing) {
      existing.polled ||= polled;
      existing.chassisId ??= extra.chassisId;
      existing.managementAddress ??= extra.managementAddress;
      existing.description ??= extra.description;
      existing.capabilities ??= extra.capabilities;
    } else {
      devices.set(id, { id, name: displayDeviceName(name, options), polled, ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) });
    }
    if (extra.chassisId) byChassis.set(extra.chassisId.toLowerCase(), id);
    return id;
  };
  for (const report of reports) addDevice(report.device, true, { chassisId: report.chassisId });

  let excluded = 0;
  const halves = new Map<string, { a: { device: string; port: string }; b: { device: string; port: string }; seenBy: Set<string> }>();
  for (const report of reports) {
    const local = deviceKey(report.device, options);
    for (const neighbor of report.neighbors) {
      const remotePort = remotePortName(neighbor);
      if (exclude && (exclude.test(neighbor.localPort) || exclude.test(remotePort))) { excluded++; continue; }
      // A neighbour without a system name is matched by chassis ID to a polled device when possible.
      const known = neighbor.chassisId ? byChassis.get(neighbor.chassisId.toLowerCase()) : undefined;
      const remote = !neighbor.systemName && known ? known : addDevice(remoteDeviceName(neighbor), false, {
        chassisId: neighbor.chassisId,
        managementAddress: neighbor.managementAddresses?.[0],
        description: neighbor.systemDescription,
        capabilities: neighbor.capabilities?.length ? neighbor.capabilities.map((c) => c.toLowerCase()) : undefined,
      });
      const ends = [
        { device: local, port: normalizeInterfaceName(neighbor.localPort) },
        { device: remote, port: normalizeInterfaceName(remotePort) },
      ].sort((x, y) => endKey(x.device, x.port).localeCompare(endKey(y.device, y.port)));
      const id = `${endKey(ends[0].device, ends[0].port)}--${endKey(ends[1].device, ends[1].port)}`;
      const half = halves.get(id) ?? { a: ends[0], b: ends[1], seenBy: new Set<string>() };
      half.seenBy.add(local);
      halves.set(id, half);
    }
  }

  const links: TopologyLink[] = [];
  for (const [id, { a, b, seenBy }] of halves) {
    const other = seenBy.has(a.device) ? b.device : a.device;
    const oneWay = seenBy.size === 1 && a.device !== b.device && devices.get(other)?.polled === true;
    links.push({ id, a, b, state: oneWay ? 'one-way' : 'up', seenBy: [...seenBy].sort() });
  }
  links.sort((x, y) => x.id.localeCompare(y.id));
  return { devices: [...devices.values()].sort((x, y) => x.id.localeCompare(y.id)), links, excludedManagementLinks: excluded };
}
