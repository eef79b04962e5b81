export * from './capture-protocol';
