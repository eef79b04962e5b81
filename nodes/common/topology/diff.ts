// Events between two polls: devices and links that appeared or went away, links that became one-way.
import type { Topology, TopologyEvent } from './types';

export function diffTopology(previous: Topology | undefined, next: Topology): TopologyEvent[] {
  const events: TopologyEvent[] = [];
  const before = previous ?? { devices: [], links: [], excludedManagementLinks: 0 };
  const oldDevices = new Map(before.devices.map((d) => [d.id, d]));
  const newDevices = new Map(next.devices.map((d) => [d.id, d]));
  for (const device of next.devices) if (!oldDevices.has(device.id)) events.push({ type: 'device-appeared', device });
  for (const device of before.devices) if (!newDevices.has(device.id)) events.push({ type: 'device-disappeared', device });

  const oldLinks = new Map(before.links.map((l) => [l.id, l]));
  const newLinks = new Map(next.links.map((l) => [l.id, l]));
  for (const link of next.links) {
    const old = oldLinks.get(link.id);
    if (link.state === 'one-way' && old?.state !== 'one-way') events.push({ type: 'link-one-way', link });
    else if (link.state === 'up' && old?.state !== 'up') events.push({ type: 'link-up', link });
  }
  for (const link of before.links) if (!newLinks.has(link.id)) events.push({ type: 'link-down', link });
  return events;
}
