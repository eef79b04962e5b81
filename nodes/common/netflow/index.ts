export { IeRegistry, REVERSE_PEN, type AbstractType, type IeDefinition } from './ie-registry';
export { parseElementDefinitions } from './element-definitions';
export type { SerializedTemplate } from './template-cache';
export * as flowEncoder from './encoder';
