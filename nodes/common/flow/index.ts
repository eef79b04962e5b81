// The flow pipeline's entry point: FlowDecoder (every protocol) and the shapes it returns.
export { FlowDecoder, type FlowDecoderOptions } from './flow-decoder';
export * from './types';
export { FileTemplateStore, KeyValueTemplateStore, MemoryTemplateStore, type KeyValue, type LoadedTemplates, type TemplateStore } from './template-store';
