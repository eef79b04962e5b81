export { decodeSflow, type SflowState } from './sflow-decoder';
export { dissectSampledHeader, type HeaderFields } from './sampled-header';
