// Public API of the capture-file library: streaming pcap/pcapng reader and writers.
//
//   const reader = new CaptureReader();
//   socket.on('data', (chunk) => { for (const p of reader.feed(chunk)) use(p); });
//   socket.on('end', () => { const err = reader.end(); if (err) report(err.offset, err.message); });
//
//   for await (const batch of readCaptureFileBatches('x.pcapng')) ...   // bounded memory, any size
//   const { packets, error } = parseCaptureBuffer(buf);                   // never throws for bad input
//
//   const w = new PcapngWriter({ interfaces: [{ linkType: 1, name: 'eth0', resolution: 'ns' }] });
//   out.write(w.header()); out.write(w.packet(frame, { seconds, nanoseconds }));
//
// Formats: classic pcap in both byte orders with the microsecond (a1b2c3d4) and nanosecond
// (a1b23c4d) magics; pcapng (draft-ietf-opsawg-pcapng) with SHB in both byte orders, several
// sections, IDB (per-interface link type, if_name, if_description, if_tsresol, if_tsoffset),
// EPB, SPB, the obsolete PB, options and comments; other blocks are skipped.
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
