// On-disk FIFO of bulk entries that keeps documents through an Elasticsearch outage and a
// Node-RED restart. Segment files (`seg-<n>.ndjson`) are appended to and read in order;
// `cursor.json` records how far the oldest segment has been acknowledged, so a restart replays
// exactly what was not yet indexed. Writes are synchronous and small (one batch at a time),
// which keeps the order and the cursor trivially consistent.
//
// Each record is one line framed as `<crc32 hex8> <length hex8> <json>\n`. A kill or power cut
// during an append leaves a torn last line; a bad disk leaves corrupt bytes. At open, every
// segment still to be replayed is checked: a torn tail is cut off, a record whose length or
// checksum does not match is dropped, both are counted (`damage`), and the segment is rewritten
// with the whole records only, so replay never meets a record it cannot read.
//
// Durability: by default appends are not fsynced. A crash or kill of Node-RED loses nothing
// (the kernel already holds the bytes); a power cut or kernel crash may lose the records written
// in the last seconds, and the framing makes sure what remains is read back correctly. With
// `fsync: true` every append is flushed to the disk before it counts as spooled.
import { appendFileSync, closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface SpoolEntry {
  index: string;
  op: 'index' | 'create';
  id?: string;
  routing?: string;
  /** The document's JSON text, exactly as it goes into the bulk body. */
  source: string;
}

export interface SpoolOptions {
  /** A new segment file starts when the last one reaches this size. */
  segmentBytes?: number;
  /** fsync each append (survives a power cut; costs a disk flush per write). */
  fsync?: boolean;
}

/** What the spool found unreadable and dropped (since it was opened). */
export interface SpoolDamage {
  /** Records cut off at the end of a segment (an append interrupted by a kill or power cut). */
  tornRecords: number;
  /** Whole lines whose length or checksum did not match (or that were not a bulk entry). */
  corruptRecords: number;
  /** Bytes removed from the segment files. */
  bytesDropped: number;
  /** One sentence per damaged segment, for the log. */
  notes: string[];
}

interface Cursor { segment: number; line: number }

const segmentName = (n: number) => `seg-${String(n).padStart(12, '0')}.ndjson`;
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** One framed record line (without the newline). */
function frameRecord(entry: SpoolEntry): string {
  const json = JSON.stringify(entry);
  const bytes = Buffer.from(json);
  return `${hex8(crc32(bytes))} ${hex8(bytes.length)} ${json}`;
}

/** The entry of a framed line, or undefined when its frame, checksum or content is wrong. */
function unframeRecord(line: string): SpoolEntry | undefined {
  let json: string;
  if (line.startsWith('{')) {
    json = line; // written by a version before framing: accepted when it parses
  } else {
    const m = /^([0-9a-f]{8}) ([0-9a-f]{8}) /.exec(line);
    if (!m) return undefined;
    const bytes = Buffer.from(line.slice(18));
    if (bytes.length !== parseInt(m[2], 16) || crc32(bytes) !== parseInt(m[1], 16)) return undefined;
    json = line.slice(18);
  }
  try {
    const entry = JSON.parse(json) as SpoolEntry;
    return entry && typeof entry.index === 'string' && typeof entry.source === 'string' && (entry.op === 'index' || entry.op === 'create') ? entry : undefined;
  } catch {
    return undefined;
  }
}

export class Spool {
  private segments: number[] = [];
  private cursor: Cursor = { segment: 0, line: 0 };
  /** Records of the oldest segment (undefined where unreadable), read once when replay reaches it. */
  private readRecords?: { segment: number; records: Array<SpoolEntry | undefined> };
  private totalBytes = 0;
  private totalDocs = 0;
  private readonly segmentBytes: number;
  private readonly fsync: boolean;
  readonly damage: SpoolDamage = { tornRecords: 0, corruptRecords: 0, bytesDropped: 0, notes: [] };

  constructor(readonly dir: string, readonly maxBytes: number, options: SpoolOptions = {}) {
    this.segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
    this.fsync = !!options.fsync;
    mkdirSync(dir, { recursive: true });
    this.segments = readdirSync(dir)
      .map((f) => /^seg-(\d+)\.ndjson$/.exec(f))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const cursorFile = join(dir, 'cursor.json');
    if (existsSync(cursorFile)) {
      try {
        const c = JSON.parse(readFileSync(cursorFile, 'utf8')) as Cursor;
        if (Number.isInteger(c.segment) && Number.isInteger(c.line) && c.line >= 0) this.cursor = c;
      } catch { /* a torn cursor: replay the oldest segment from its start (content-hash ids make that harmless) */ }
    }
    // Segments older than the cursor were fully acknowledged before a crash.
    for (const n of this.segments.filter((s) => s < this.cursor.segment)) rmSync(join(dir, segmentName(n)), { force: true });
    this.segments = this.segments.filter((s) => s >= this.cursor.segment);
    for (const n of [...this.segments]) {
      const skip = n === this.cursor.segment ? this.cursor.line : 0;
      const kept = this.check(n, skip);
      if (kept.docs === 0) {
        // Fully acknowledged just before a crash removed it, or nothing readable left.
        rmSync(join(dir, segmentName(n)), { force: true });
        this.segments = this.segments.filter((s) => s !== n);
        continue;
      }
      this.totalBytes += kept.bytes;
      this.totalDocs += kept.docs;
    }
  }

  /** Documents waiting in the spool. */
  get docs(): number { return this.totalDocs; }
  /** Bytes of the segment files on disk (acknowledged lines of the oldest included). */
  get bytes(): number { return this.totalBytes; }

  /** Appends in order; false (nothing written) when the size cap would be passed. */
  append(entries: SpoolEntry[]): boolean {
    if (entries.length === 0) return true;
    let text = '';
    for (const e of entries) text += frameRecord(e) + '\n';
    const size = Buffer.byteLength(text);
    if (this.totalBytes + size > this.maxBytes && this.totalDocs > 0) return false;
    let last = this.segments[this.segments.length - 1];
    const lastSize = last === undefined ? Infinity : statSync(join(this.dir, segmentName(last))).size;
    if (last === undefined || lastSize >= this.segmentBytes || (this.readRecords?.segment === last)) {
      // A new segment: never append to one that replay has already loaded into memory.
      last = Math.max(last ?? 0, this.cursor.segment) + 1;
      this.segments.push(last);
    }
    const file = join(this.dir, segmentName(last));
    if (this.fsync) {
      const fd = openSync(file, 'a');
      try { writeSync(fd, text); fdatasyncSync(fd); } finally { closeSync(fd); }
    } else {
      appendFileSync(file, text);
    }
    this.totalBytes += size;
    this.totalDocs += entries.length;
    return true;
  }

  /** The oldest entries not yet acknowledged, from the oldest segment, up to the limits (at least one when any exist). */
  peek(maxDocs: number, maxBytes: number): SpoolEntry[] {
    const out: SpoolEntry[] = [];
    this.skipUnreadable();
    const segment = this.segments[0];
    if (segment === undefined) return out;
    const records = this.recordsOf(segment);
    let bytes = 0;
    for (let i = segment === this.cursor.segment ? this.cursor.line : 0; i < records.length && out.length < maxDocs; i++) {
      const entry = records[i];
      if (!entry) continue;
      const size = entry.source.length + entry.index.length + 64;
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(entry);
      bytes += size;
    }
    return out;
  }

  /** Marks the `count` oldest entries as indexed (or reported as failed) and frees their segments. */
  ack(count: number): void {
    let remaining = count;
    while (remaining > 0 && this.segments.length > 0) {
      const segment = this.segments[0];
      if (this.cursor.segment !== segment) this.cursor = { segment, line: 0 };
      const records = this.recordsOf(segment);
      while (remaining > 0 && this.cursor.line < records.length) {
        if (records[this.cursor.line]) { remaining--; this.totalDocs--; }
        this.cursor.line++;
      }
      if (this.cursor.line >= records.length) this.removeOldest();
    }
    this.writeCursor();
  }

  /** Leaves an oldest segment whose remaining records are all unreadable (damage found while running). */
  private skipUnreadable(): void {
    while (this.segments.length > 1) {
      const segment = this.segments[0];
      const records = this.recordsOf(segment);
      const from = segment === this.cursor.segment ? this.cursor.line : 0;
      if (records.slice(from).some(Boolean)) return;
      this.removeOldest();
      this.writeCursor();
    }
  }

  private removeOldest(): void {
    const segment = this.segments.shift()!;
    const file = join(this.dir, segmentName(segment));
    this.totalBytes -= existsSync(file) ? statSync(file).size : 0;
    rmSync(file, { force: true });
    this.readRecords = undefined;
    this.cursor = { segment: segment + 1, line: 0 };
  }

  private writeCursor(): void {
    const cursorFile = join(this.dir, 'cursor.json');
    writeFileSync(cursorFile + '.tmp', JSON.stringify(this.cursor));
    renameSync(cursorFile + '.tmp', cursorFile);
  }

  /**
   * Checks segment `n` past its first `skip` (acknowledged) lines. A damaged segment is rewritten
   * with its unacknowledged whole records only (the cursor moves to its start).
   */
  private check(n: number, skip: number): { docs: number; bytes: number } {
    const file = join(this.dir, segmentName(n));
    const buf = readFileSync(file);
    const end = buf.lastIndexOf(0x0a) + 1; // bytes after the last newline: a torn record
    const lines = buf.subarray(0, end).toString('utf8').split('\n');
    lines.pop();
    let corrupt = 0;
    let corruptBytes = 0;
    const good: string[] = [];
    for (let i = skip; i < lines.length; i++) {
      if (unframeRecord(lines[i])) good.push(lines[i]);
      else { corrupt++; corruptBytes += Buffer.byteLength(lines[i]) + 1; }
    }
    const torn = end < buf.length ? 1 : 0;
    if (!torn && !corrupt) return { docs: Math.max(0, lines.length - skip), bytes: buf.length };
    const text = good.map((l) => l + '\n').join('');
    writeFileSync(file + '.tmp', text);
    renameSync(file + '.tmp', file);
    if (n === this.cursor.segment && this.cursor.line > 0) { this.cursor.line = 0; this.writeCursor(); }
    const bytes = Buffer.byteLength(text);
    this.damage.tornRecords += torn;
    this.damage.corruptRecords += corrupt;
    this.damage.bytesDropped += corruptBytes + buf.length - end;
    this.damage.notes.push(`${segmentName(n)}: ${[torn ? `a torn record of ${buf.length - end} bytes cut off the end` : '', corrupt ? `${corrupt} corrupt record(s) dropped` : ''].filter(Boolean).join(', ')}; ${good.length} whole record(s) kept`);
    return { docs: good.length, bytes };
  }

  private recordsOf(segment: number): Array<SpoolEntry | undefined> {
    if (this.readRecords?.segment === segment) return this.readRecords.records;
    let records: Array<SpoolEntry | undefined> = [];
    try {
      const lines = readFileSync(join(this.dir, segmentName(segment)), 'utf8').split('\n');
      lines.pop(); // after the last newline: nothing, or a record still being appended
      records = lines.map(unframeRecord);
    } catch { /* removed under us: nothing to replay from it */ }
    // Checked at open; damage appearing while running is still counted, never thrown.
    const from = segment === this.cursor.segment ? this.cursor.line : 0;
    for (let i = from; i < records.length; i++) {
      if (!records[i]) { this.damage.corruptRecords++; this.totalDocs--; }
    }
    this.readRecords = { segment, records };
    return records;
  }
}
