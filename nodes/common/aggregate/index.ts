export * from './counts';
export * from './primitives';
export * from './key-table';
export * from './record-time';
export * from './record-filter';
export * from './aggregator';
export { maskAddress } from './networks';
