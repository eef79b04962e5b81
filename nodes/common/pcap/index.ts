// Public API of the capture-file library: streaming pcap/pcapng reader and writers.
export { CaptureTimestamp, CapturePacket, CaptureFormatError } from './types';
export type { CaptureInterface, CaptureFormat } from './types';
export { CaptureReader } from './reader';
export type { CaptureReaderOptions } from './reader';
export type { PcapngSection } from './pcapng';
export type { ClassicHeader } from './classic';
export { PCAP_MAGIC_MICROSECONDS, PCAP_MAGIC_NANOSECONDS } from './classic';
export { parseCaptureBuffer, readCaptureFile, readCaptureFileBatches, readCaptureStream, readCaptureBatches } from './files';
export type { ParsedCapture } from './files';
export { PcapWriter, PcapngWriter } from './writer';
export type { PcapWriterOptions, PcapngWriterOptions, PcapngInterfaceOptions, PcapngPacketOptions, WriteTimestamp } from './writer';
