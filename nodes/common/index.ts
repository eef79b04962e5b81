export * from './lldp';
export * from './topology';
