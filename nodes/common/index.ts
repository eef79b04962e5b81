// The decoder library: pure TypeScript, no Node-RED imports (exports["./decoders"]).
export * from './pcap';
export * from './packet';
export * from './netflow';
export * as sflow from './sflow';
