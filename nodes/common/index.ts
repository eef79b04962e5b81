// The decoder library: pure TypeScript, no Node-RED imports (exports["./decoders"]).
export * from './pcap';
export * from './packet';
export * from './capture-protocol';
export * from './rtp';
export * from './filter';
export * from './flow';
export * from './netflow';
export * from './enrich';
export * as sflow from './sflow';
export * from './lldp';
export * from './topology';
export * from './ecs';
export * from './es';
export * as sflowEncoder from './sflow/encoder';
export * from './aggregate';
