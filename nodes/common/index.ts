// The decoder library: pure TypeScript, no Node-RED imports (exports["./decoders"]).
export * from './pcap';
export * from './packet';
export * from './ecs';
export * from './es';
