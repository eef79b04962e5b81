export * from './types';
export { buildTopology, DEFAULT_MANAGEMENT_PORTS } from './model';
export type { TopologyOptions } from './model';
export { diffTopology } from './diff';
export { topologyToDot, addDotDefaults, dotQuote, CHANGE_COLORS } from './dot';
export type { DotAttributes, DotOptions } from './dot';
export { normalizeInterfaceName, interfaceKey, displayDeviceName, deviceKey } from './names';
export type { NameOptions } from './names';
