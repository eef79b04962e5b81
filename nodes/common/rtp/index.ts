// RTP receive statistics (RFC 3550) from captured frames; no payload is ever kept.
export { parseRtpHeader, STATIC_CLOCK_RATES } from './header';
export type { RtpHeader } from './header';
export { RtpStream } from './stream';
export type { RtpStreamKey, RtpStreamStats } from './stream';
export { estimateMos } from './mos';
export type { MosEstimate } from './mos';
export { RtpTracker } from './tracker';
export type { RtpReport, RtpTrackerCounters, RtpTrackerOptions } from './tracker';
