// The topology model: devices, links between their ports, and the events of a diff.

export interface TopologyDevice {
  /** Matching key (normalised, lower case). */
  id: string;
  /** Display name (domain stripped as configured). */
  name: string;
  chassisId?: string;
  managementAddress?: string;
  description?: string;
  /** Enabled LLDP system capabilities ("router", "bridge", "station"...) as its neighbours report them. */
  capabilities?: string[];
  /** True when the device itself was polled (its own neighbour table is known). */
  polled: boolean;
}

export interface LinkEnd {
  device: string; // TopologyDevice.id
  port: string; // display form of the port, normalised
}

export type LinkState = 'up' | 'one-way';

export interface TopologyLink {
  /** Stable key: both ends, sorted. */
  id: string;
  a: LinkEnd;
  b: LinkEnd;
  state: LinkState;
  /** Devices whose neighbour table shows this link. */
  seenBy: string[];
}

export interface Topology {
  devices: TopologyDevice[];
  links: TopologyLink[];
  /** Neighbour entries left out because a port matched the management pattern. */
  excludedManagementLinks: number;
}

export type TopologyEventType = 'link-up' | 'link-down' | 'link-one-way' | 'device-appeared' | 'device-disappeared';

export interface TopologyEvent {
  type: TopologyEventType;
  link?: TopologyLink;
  device?: TopologyDevice;
}
