export * from './ast';
export { parseFilter } from './parse';
export { compileFilter, frameFilter, type FramePredicate } from './frame';
