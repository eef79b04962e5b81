export * from './index-name';
export * from './document';
export * from './template';
export * from './errors';
export * from './spool';
export * from './bulk-indexer';
export * from './aggregates';
