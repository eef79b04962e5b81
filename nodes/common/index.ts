export * from './netflow';
export * as sflow from './sflow';
