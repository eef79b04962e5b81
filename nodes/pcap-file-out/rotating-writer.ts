// Writes packets of one capture source to pcap or pcapng files, rotating by size and/or age,
// gzip-compressing as it writes (streaming: no second pass over a closed file) and keeping N
// files or N days. Reports what it does as events.
import { createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip, type Gzip } from 'node:zlib';
import { PcapngWriter, PcapWriter } from '../common/pcap';
import type { CapturedPacket } from '../shared/packet-message';
import { namePattern, renderName } from './file-naming';

export interface RotationOptions {
  template: string; // path with %Y %m %d %H %M %S %s and {source}
  format: 'pcap' | 'pcapng';
  nanosecond: boolean;
  rotateBytes: number; // 0 = never by size
  rotateSeconds: number; // 0 = never by age
  gzip: boolean;
  keepFiles: number; // 0 = keep all
  keepDays: number; // 0 = keep all
}

export interface CaptureFileEvent {
  /** `recovered`: a file a previous run left open (a crash), finished at start. */
  event: 'opened' | 'rotated' | 'closed' | 'deleted' | 'recovered' | 'error';
  source: string;
  file: string;
  packets?: number;
  bytes?: number;
  reason?: string;
}

interface OpenFile {
  /** The file on disk: `.gz` when compressing. */
  path: string;
  /** Where records go: the gzip stream (piped into the file) or the file stream. */
  out: Writable;
  gzip?: Gzip;
  /** Resolves when the file is complete on disk. */
  closed: Promise<void>;
  /** Records of the current message, written as one chunk (one zlib call) by flush(). */
  pending: RecordBatch;
  linkType: number;
  openedAt: number;
  /** Uncompressed bytes written (what rotation by size counts), and up to where gzip was last synced. */
  bytes: number;
  syncedBytes: number;
  packets: number;
}

/** The records of one message in the file's format, gathered packet by packet and taken as one chunk. */
interface RecordBatch {
  readonly size: number;
  /** Adds the record of `p`; returns the bytes it takes. */
  add(p: CapturedPacket): number;
  /** Every record added since the last take, in one buffer. */
  take(): Buffer;
}

/**
 * Classic pcap: the packets are kept and their records written in place into one buffer at take()
 * (one allocation per message: no buffer per packet, no concatenation copy; the central's store
 * writes tens of thousands of packets a second).
 */
class PcapBatch implements RecordBatch {
  private packets: CapturedPacket[] = [];
  private bytes = 0;

  constructor(private readonly writer: PcapWriter) {}

  get size(): number {
    return this.packets.length;
  }

  add(p: CapturedPacket): number {
    const length = this.writer.recordLength(p.frame);
    this.packets.push(p);
    this.bytes += length;
    return length;
  }

  take(): Buffer {
    const chunk = Buffer.allocUnsafe(this.bytes);
    let offset = 0;
    for (const p of this.packets) offset = this.writer.writePacket(chunk, offset, p.frame, p, p.originalLength);
    this.packets = [];
    this.bytes = 0;
    return chunk;
  }
}

/** pcapng: each block built by the writer (its length depends on its options), concatenated at take(). */
class PcapngBatch implements RecordBatch {
  private blocks: Buffer[] = [];

  constructor(private readonly writer: PcapngWriter) {}

  get size(): number {
    return this.blocks.length;
  }

  add(p: CapturedPacket): number {
    const block = this.writer.packet(p.frame, p, { originalLength: p.originalLength });
    this.blocks.push(block);
    return block.length;
  }

  take(): Buffer {
    const chunk = this.blocks.length === 1 ? this.blocks[0] : Buffer.concat(this.blocks);
    this.blocks = [];
    return chunk;
  }
}

/** Beside each open file: removed when the file is finished, so one left behind marks a file a crash left open. */
const OPEN_MARKER = '.open';

/**
 * The markers of the files a previous run left open in `directory`, listed at once (synchronously):
 * a file this run opens afterwards, while the recovery runs, is never taken for one.
 */
export function filesLeftOpen(directory: string): string[] {
  try {
    return readdirSync(directory).filter((name) => name.endsWith(OPEN_MARKER));
  } catch {
    return [];
  }
}

/**
 * Finishes the files a previous run left open in `directory` (`markers`, from filesLeftOpen): a
 * `.gz` cut short is rewritten as a complete gzip file of what it holds (gzip syncs at least once a
 * second), an uncompressed one is compressed when gzip is on; each is reported as `recovered`.
 */
export async function recoverOpenFiles(directory: string, markers: string[], gzip: boolean, report: (e: CaptureFileEvent) => void): Promise<void> {
  for (const name of markers) {
    const path = join(directory, name.slice(0, -OPEN_MARKER.length));
    const source = '';
    const info = await stat(path).catch(() => undefined);
    const finished = info?.isFile() ? (path.endsWith('.gz') ? await repair(path, source, report) : gzip ? await compress(path, source, report) : path) : undefined;
    // The marker goes first: whoever hears "recovered" finds the directory as it stays.
    await unlink(join(directory, name)).catch(() => undefined);
    if (finished) report({ event: 'recovered', source, file: finished, bytes: info!.size });
  }
}

async function compress(path: string, source: string, report: (e: CaptureFileEvent) => void): Promise<string> {
  try {
    await pipeline(createReadStream(path), createGzip(), createWriteStream(`${path}.gz`));
    await unlink(path);
    return `${path}.gz`;
  } catch (err) {
    report({ event: 'error', source, file: path, reason: `compression failed: ${(err as Error).message}` });
    return path;
  }
}

/** A gzip file cut short by a crash, rewritten complete: everything up to its last sync point. */
async function repair(path: string, source: string, report: (e: CaptureFileEvent) => void): Promise<string> {
  try {
    await pipeline(createReadStream(path), createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }), createGzip(), createWriteStream(`${path}.repaired`));
    await rename(`${path}.repaired`, path);
  } catch (err) {
    await unlink(`${path}.repaired`).catch(() => undefined);
    report({ event: 'error', source, file: path, reason: `repair failed: ${(err as Error).message}` });
  }
  return path;
}

export class RotatingCaptureWriter {
  private current?: OpenFile;
  /** Compression and retention of closed files run one after another, in the background. */
  private housekeeping: Promise<void> = Promise.resolve();

  constructor(readonly source: string, private readonly options: RotationOptions, private readonly report: (e: CaptureFileEvent) => void) {}

  write(packet: CapturedPacket): void {
    const open = this.current;
    const frameBytes = packet.frame.length + 32;
    if (open && (open.linkType !== packet.linkType || (this.options.rotateBytes > 0 && open.bytes + frameBytes > this.options.rotateBytes && open.packets > 0))) {
      this.rotate('rotated');
    }
    const file = this.current ?? this.open(packet);
    file.bytes += file.pending.add(packet);
    file.packets++;
  }

  /** Writes the records of write() calls so far as one chunk: call it after each message. */
  flush(): void {
    const file = this.current;
    if (!file || file.pending.size === 0) return;
    file.out.write(file.pending.take());
  }

  /**
   * Called every second: rotates a file that is older than rotateSeconds, even when idle; syncs
   * the gzip stream, so a crash loses at most about a second of what was written.
   */
  tick(now = Date.now()): void {
    if (this.current && this.options.rotateSeconds > 0 && now - this.current.openedAt >= this.options.rotateSeconds * 1000) this.rotate('rotated');
    else if (this.current?.gzip && this.current.bytes > this.current.syncedBytes) {
      this.current.syncedBytes = this.current.bytes;
      this.current.gzip.flush(constants.Z_SYNC_FLUSH);
    }
  }

  /** Closes the open file and waits for compression and retention to finish. */
  async close(): Promise<void> {
    if (this.current) this.rotate('closed');
    await this.housekeeping;
  }

  private open(first: CapturedPacket): OpenFile {
    const time = new Date(Date.now());
    const name = renderName(this.options.template, time, this.source);
    mkdirSync(dirname(name), { recursive: true });
    // Two files opened within one tick of the name's resolution: number the later ones. The file
    // is created here, exclusively, so the next open sees it even before its stream has written.
    const suffix = this.options.gzip ? '.gz' : '';
    let base = name;
    let fd: number | undefined;
    for (let n = 1; fd === undefined; n++) {
      if (!existsSync(base) && !existsSync(`${base}.gz`)) {
        try {
          fd = openSync(`${base}${suffix}`, 'wx');
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
      base = withCounter(name, n);
    }
    const path = `${base}${suffix}`;
    writeFileSync(`${path}${OPEN_MARKER}`, '');
    const stream = createWriteStream(path, { fd });
    const failed = (err: Error) => this.report({ event: 'error', source: this.source, file: path, reason: err.message });
    stream.on('error', failed);
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    let gzip: Gzip | undefined;
    if (this.options.gzip) {
      gzip = createGzip();
      gzip.on('error', failed);
      gzip.pipe(stream);
    }
    const out: Writable = gzip ?? stream;
    const linkType = first.linkType;
    let pending: RecordBatch;
    if (this.options.format === 'pcapng') {
      const writer = new PcapngWriter({ interfaces: [{ linkType, name: first.interface || undefined, resolution: this.options.nanosecond ? 'ns' : 'us' }], userApplication: 'Wirescope' });
      out.write(writer.header());
      pending = new PcapngBatch(writer);
    } else {
      const writer = new PcapWriter({ linkType, nanosecond: this.options.nanosecond });
      out.write(writer.header());
      pending = new PcapBatch(writer);
    }
    this.current = { path, out, gzip, closed, pending, linkType, openedAt: time.getTime(), bytes: 0, syncedBytes: 0, packets: 0 };
    this.report({ event: 'opened', source: this.source, file: path });
    return this.current;
  }

  private rotate(event: 'rotated' | 'closed'): void {
    this.flush();
    const file = this.current!;
    this.current = undefined;
    file.out.end();
    this.housekeeping = this.housekeeping.then(async () => {
      await file.closed;
      await unlink(`${file.path}${OPEN_MARKER}`).catch(() => undefined);
      this.report({ event, source: this.source, file: file.path, packets: file.packets, bytes: file.bytes });
      await this.applyRetention(dirname(file.path));
    });
  }

  private async applyRetention(directory: string): Promise<void> {
    const { keepFiles, keepDays } = this.options;
    if (keepFiles <= 0 && keepDays <= 0) return;
    const pattern = namePattern(this.options.template, this.source);
    const openPath = this.current?.path;
    const files: Array<{ path: string; mtime: number }> = [];
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      const path = join(directory, name);
      if (!pattern.test(name) || path === openPath) continue;
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) files.push({ path, mtime: info.mtimeMs });
    }
    files.sort((a, b) => b.mtime - a.mtime || b.path.localeCompare(a.path));
    const cutoff = Date.now() - keepDays * 86400_000;
    // The open file counts as one of the N kept.
    const keep = keepFiles > 0 ? Math.max(0, keepFiles - (openPath ? 1 : 0)) : Infinity;
    for (const [index, file] of files.entries()) {
      if (index >= keep || (keepDays > 0 && file.mtime < cutoff)) {
        await unlink(file.path).then(
          () => this.report({ event: 'deleted', source: this.source, file: file.path }),
          (err: Error) => this.report({ event: 'error', source: this.source, file: file.path, reason: err.message }),
        );
      }
    }
  }
}

function withCounter(path: string, n: number): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return join(dirname(path), dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`);
}
