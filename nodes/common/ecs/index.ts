export * from './community-id';
export * from './protocols';
export * from './flow-to-ecs';
export * from './enrichment';
export * from './ecs-json';
