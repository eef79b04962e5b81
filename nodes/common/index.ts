export * from './ecs';
export * from './es';
