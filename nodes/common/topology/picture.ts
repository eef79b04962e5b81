// The picture of a topology, before any layout: which devices and links are drawn and how (new,
// one-way, down since…, gone), each device's tier and cluster, and its ports as label cells —
// ports towards upper tiers in the top row, the others in the bottom row, the ports of links to
// the same neighbour side by side (a LAG's members form one group).
import type { LostItem } from './history';
import { assignTiers, matchRule, type NameRule, type TierOptions } from './tiers';
import { interfaceKey } from './names';
import type { Topology, TopologyDevice, TopologyEvent, TopologyLink } from './types';

export type Mark = 'up' | 'new' | 'one-way' | 'down' | 'gone' | 'unpolled';

export interface PicturePort { cell: string; name: string; mark: Mark }
/** Ports of one device towards one neighbour, in one row; more than one = a bundle (LAG). */
export interface PortGroup { neighbor: string; ports: PicturePort[] }

export interface PictureDevice {
  id: string;
  name: string;
  address?: string;
  tier: number;
  cluster?: string;
  mark: 'up' | 'new' | 'gone' | 'unpolled';
  since?: number;
  top: PortGroup[];
  bottom: PortGroup[];
}

export interface PictureLink {
  id: string;
  /** The end in the upper tier (or the first, in the same tier): edges run top to bottom. */
  tail: { device: string; cell: string };
  head: { device: string; cell: string };
  mark: 'up' | 'new' | 'one-way' | 'down';
  /** Both ends in one tier row: drawn sideways between the two boxes. */
  flat: boolean;
  /** One-way: the arrow starts at the end that still hears its neighbour. */
  hearer?: 'tail' | 'head';
  since?: number;
}

export interface Picture {
  tiers: string[];
  /**
   * False when every device is in one tier: nothing says which row a device belongs to, so the
   * layout ranks them by their links instead of putting them all in one row.
   */
  ranked: boolean;
  devices: PictureDevice[];
  links: PictureLink[];
  /** Kinds present, for the legend. */
  kinds: Mark[];
}

export interface PictureOptions {
  /** Events of the last diff (new links/devices are marked; not for a baseline). */
  events?: readonly TopologyEvent[];
  /** Links and devices that went away and are still drawn. */
  lost?: readonly LostItem[];
  tiers?: TierOptions;
  /** Device → cluster label (site, rack). */
  clusters?: readonly NameRule[];
}

function portOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

export function buildPicture(topology: Topology, options: PictureOptions = {}): Picture {
  const isNew = new Set<string>();
  for (const e of options.events ?? []) {
    if (e.type === 'link-up' && e.link) isNew.add(`link:${e.link.id}`);
    if (e.type === 'device-appeared' && e.device) isNew.add(`device:${e.device.id}`);
  }
  const present = new Set(topology.devices.map((d) => d.id));
  const lostDevices: { device: TopologyDevice; since?: number }[] = [];
  const lostLinks: { link: TopologyLink; since: number }[] = [];
  for (const item of options.lost ?? []) {
    if (item.device && !present.has(item.device.id)) { lostDevices.push({ device: item.device, since: item.since }); present.add(item.device.id); }
    if (item.link) lostLinks.push({ link: item.link, since: item.since });
  }
  // A lost link may end at a device that is no longer reported: draw that device as gone too.
  for (const { link } of lostLinks) {
    for (const end of [link.a, link.b]) {
      if (!present.has(end.device)) { lostDevices.push({ device: { id: end.device, name: end.device, polled: false } }); present.add(end.device); }
    }
  }

  const allDevices = [...topology.devices, ...lostDevices.map((l) => l.device)];
  const { names, tierOf } = assignTiers(allDevices, options.tiers);
  const ranked = new Set(tierOf.values()).size > 1;
  const devices = new Map<string, PictureDevice & { ports: Map<string, { row: 'top' | 'bottom'; neighbor: string; port: PicturePort }> }>();
  for (const device of topology.devices) {
    devices.set(device.id, {
      id: device.id, name: device.name, address: device.managementAddress, tier: tierOf.get(device.id)!,
      cluster: options.clusters ? matchRule(options.clusters, device) : undefined,
      mark: isNew.has(`device:${device.id}`) ? 'new' : device.polled ? 'up' : 'unpolled',
      top: [], bottom: [], ports: new Map(),
    });
  }
  for (const { device, since } of lostDevices) {
    devices.set(device.id, {
      id: device.id, name: device.name, address: device.managementAddress, tier: tierOf.get(device.id)!,
      cluster: options.clusters ? matchRule(options.clusters, device) : undefined, mark: 'gone', since, top: [], bottom: [], ports: new Map(),
    });
  }

  const cellOf = (deviceId: string, port: string, neighbor: string, row: 'top' | 'bottom', mark: Mark): string => {
    const device = devices.get(deviceId)!;
    const key = interfaceKey(port);
    const existing = device.ports.get(key);
    if (existing) {
      // Two links on one port (a hub, or a stale entry beside a new one): the worse mark shows.
      if (existing.port.mark === 'up' || existing.port.mark === 'new') existing.port.mark = mark;
      return existing.port.cell;
    }
    const cell = `p${device.ports.size}`;
    device.ports.set(key, { row, neighbor, port: { cell, name: port, mark } });
    return cell;
  };

  const links: PictureLink[] = [];
  const addLink = (link: TopologyLink, mark: PictureLink['mark'], since?: number) => {
    const [upper, lower] = tierOf.get(link.a.device)! <= tierOf.get(link.b.device)! ? [link.a, link.b] : [link.b, link.a];
    const flat = ranked && tierOf.get(upper.device) === tierOf.get(lower.device);
    const tail = { device: upper.device, cell: cellOf(upper.device, upper.port, lower.device, 'bottom', mark) };
    const head = { device: lower.device, cell: cellOf(lower.device, lower.port, upper.device, flat ? 'bottom' : 'top', mark) };
    const picture: PictureLink = { id: link.id, tail, head, mark, flat, since };
    if (mark === 'one-way') picture.hearer = link.seenBy.includes(upper.device) ? 'tail' : 'head';
    links.push(picture);
  };
  for (const link of topology.links) addLink(link, link.state === 'one-way' ? 'one-way' : isNew.has(`link:${link.id}`) ? 'new' : 'up');
  const drawn = new Set(topology.links.map((l) => l.id));
  for (const { link, since } of lostLinks) if (!drawn.has(link.id)) { drawn.add(link.id); addLink(link, 'down', since); }

  for (const device of devices.values()) {
    for (const row of ['top', 'bottom'] as const) {
      const groups = new Map<string, PicturePort[]>();
      for (const entry of device.ports.values()) {
        if (entry.row !== row) continue;
        groups.set(entry.neighbor, [...(groups.get(entry.neighbor) ?? []), entry.port]);
      }
      device[row] = [...groups].map(([neighbor, ports]) => ({ neighbor, ports: ports.sort((a, b) => portOrder(a.name, b.name)) }))
        .sort((a, b) => portOrder(a.ports[0].name, b.ports[0].name));
    }
  }

  const kinds = new Set<Mark>();
  for (const d of devices.values()) if (d.mark !== 'up') kinds.add(d.mark);
  for (const l of links) if (l.mark !== 'up') kinds.add(l.mark);
  const pictureDevices = [...devices.values()].map(({ ports: _ports, ...device }) => device).sort((a, b) => a.id.localeCompare(b.id));
  return { tiers: names, ranked, devices: pictureDevices, links, kinds: [...kinds] };
}
