// Conveniences over CaptureReader: a whole buffer, a Readable, or a file path.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { CaptureReader, CaptureReaderOptions } from './reader';
import type { PcapngSection } from './pcapng';
import { CaptureFormat, CaptureFormatError, CaptureInterface, CapturePacket } from './types';

export interface ParsedCapture {
  format?: CaptureFormat;
  packets: CapturePacket[];
  interfaces: CaptureInterface[];
  sections: PcapngSection[];
  /** pcapng blocks that were skipped (name resolution, decryption secrets, custom, unknown). */
  skippedBlocks: number;
  /** Set when the capture is truncated or corrupt; `packets` holds everything before it. */
  error?: CaptureFormatError;
}

/** Parses a capture held in memory. Never throws for bad input: see `error`. */
export function parseCaptureBuffer(buf: Buffer, options?: CaptureReaderOptions): ParsedCapture {
  const reader = new CaptureReader(options);
  const packets = reader.feed(buf);
  const error = reader.end();
  return { format: reader.format, packets, interfaces: reader.interfaces, sections: reader.sections, skippedBlocks: reader.skippedBlocks, error };
}

/**
 * Reads a stream chunk by chunk and yields packets in batches (one array per chunk), which
 * avoids one promise per packet. Throws the CaptureFormatError after yielding every packet
 * that preceded it.
 */
export async function* readCaptureBatches(
  input: Readable | AsyncIterable<Buffer>,
  options?: CaptureReaderOptions,
): AsyncGenerator<CapturePacket[], void, undefined> {
  const reader = new CaptureReader(options);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const packets = reader.feed(chunk);
    if (packets.length > 0) yield packets;
    if (reader.error) break;
  }
  const error = reader.end();
  if (error) {
    if ('destroy' in input && typeof input.destroy === 'function') input.destroy();
    throw error;
  }
}

/** Async iterator of packets from a Readable (see readCaptureBatches for errors). */
export async function* readCaptureStream(
  input: Readable | AsyncIterable<Buffer>,
  options?: CaptureReaderOptions,
): AsyncGenerator<CapturePacket, void, undefined> {
  for await (const batch of readCaptureBatches(input, options)) yield* batch;
}

/** Async iterator over the packets of a pcap or pcapng file, streaming (bounded memory). */
export function readCaptureFile(path: string, options?: CaptureReaderOptions & { highWaterMark?: number }): AsyncGenerator<CapturePacket, void, undefined> {
  return readCaptureStream(createReadStream(path, { highWaterMark: options?.highWaterMark ?? 1 << 20 }), options);
}

/** Like readCaptureFile, one array per read chunk. */
export function readCaptureFileBatches(path: string, options?: CaptureReaderOptions & { highWaterMark?: number }): AsyncGenerator<CapturePacket[], void, undefined> {
  return readCaptureBatches(createReadStream(path, { highWaterMark: options?.highWaterMark ?? 1 << 20 }), options);
}
