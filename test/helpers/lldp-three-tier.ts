// A campus of `devices` devices in three tiers, as the device reports a poll would give: two core
// switches joined by a link, distribution pairs each uplinked to both cores, access switches each
// uplinked to both members of their pair, every fourth one over a two-link LAG to the first.
import type { LldpDeviceReport } from '../../nodes/common/lldp';

export function threeTierReports(devices = 50): LldpDeviceReport[] {
  const reports = new Map<string, LldpDeviceReport>();
  const add = (device: string, localPort: string, systemName: string, portId: string) => {
    const report = reports.get(device) ?? { device, source: 'lldpcli' as const, neighbors: [] };
    report.neighbors.push({ localPort, systemName, portId, portIdSubtype: 'ifname' });
    reports.set(device, report);
  };
  const link = (a: string, portA: string, b: string, portB: string) => { add(a, portA, b, portB); add(b, portB, a, portA); };
  const distribution = Math.max(2, 2 * Math.round((devices - 2) / 12));
  const access = devices - 2 - distribution;
  link('core1', 'Eth1/48', 'core2', 'Eth1/48');
  for (let d = 1; d <= distribution; d++) {
    link('core1', `Eth1/${d}`, `dist${d}`, 'Eth1/49');
    link('core2', `Eth1/${d}`, `dist${d}`, 'Eth1/50');
  }
  const downlinks = new Map<string, number>();
  const next = (dist: string) => { const n = (downlinks.get(dist) ?? 0) + 1; downlinks.set(dist, n); return `Gi1/0/${n}`; };
  for (let a = 1; a <= access; a++) {
    const pair = ((a - 1) % (distribution / 2)) * 2 + 1;
    const [first, second] = [`dist${pair}`, `dist${pair + 1}`];
    const name = `acc${a}`;
    link(first, next(first), name, 'Gi0/49');
    if (a % 4 === 0) link(first, next(first), name, 'Gi0/51');
    link(second, next(second), name, 'Gi0/50');
  }
  return [...reports.values()];
}
