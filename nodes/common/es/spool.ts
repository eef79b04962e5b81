// On-disk FIFO of bulk entries that keeps documents through an Elasticsearch outage and a
// Node-RED restart. Segment files of newline-delimited JSON (`seg-<n>.ndjson`) are appended to
// and read in order; `cursor.json` records how far the oldest segment has been acknowledged,
// so a restart replays exactly what was not yet indexed. Writes are synchronous and small
// (one batch at a time), which keeps the order and the cursor trivially consistent.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SpoolEntry {
  index: string;
  op: 'index' | 'create';
  id?: string;
  routing?: string;
  /** The document's JSON text, exactly as it goes into the bulk body. */
  source: string;
}

interface Cursor { segment: number; line: number }

const segmentName = (n: number) => `seg-${String(n).padStart(12, '0')}.ndjson`;

export class Spool {
  private segments: number[] = [];
  private cursor: Cursor = { segment: 0, line: 0 };
  /** Lines of the oldest segment, read once when replay reaches it. */
  private readLines?: { segment: number; lines: string[] };
  private totalBytes = 0;
  private totalDocs = 0;

  constructor(readonly dir: string, readonly maxBytes: number, private readonly segmentBytes = 8 * 1024 * 1024) {
    mkdirSync(dir, { recursive: true });
    this.segments = readdirSync(dir)
      .map((f) => /^seg-(\d+)\.ndjson$/.exec(f))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const cursorFile = join(dir, 'cursor.json');
    if (existsSync(cursorFile)) {
      try { this.cursor = JSON.parse(readFileSync(cursorFile, 'utf8')) as Cursor; } catch { this.cursor = { segment: 0, line: 0 }; }
    }
    // Segments older than the cursor were fully acknowledged before a crash.
    for (const n of this.segments.filter((s) => s < this.cursor.segment)) rmSync(join(dir, segmentName(n)), { force: true });
    this.segments = this.segments.filter((s) => s >= this.cursor.segment);
    for (const n of [...this.segments]) {
      const text = readFileSync(join(dir, segmentName(n)), 'utf8');
      let lines = countLines(text);
      if (n === this.cursor.segment) lines -= Math.min(lines, this.cursor.line);
      if (lines === 0) {
        // Fully acknowledged just before a crash removed it.
        rmSync(join(dir, segmentName(n)), { force: true });
        this.segments = this.segments.filter((s) => s !== n);
        continue;
      }
      this.totalBytes += Buffer.byteLength(text);
      this.totalDocs += lines;
    }
  }

  /** Documents waiting in the spool. */
  get docs(): number { return this.totalDocs; }
  /** Bytes of the segment files on disk (acknowledged lines of the oldest included). */
  get bytes(): number { return this.totalBytes; }

  /** Appends in order; false (nothing written) when the size cap would be passed. */
  append(entries: SpoolEntry[]): boolean {
    if (entries.length === 0) return true;
    const text = entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const size = Buffer.byteLength(text);
    if (this.totalBytes + size > this.maxBytes && this.totalDocs > 0) return false;
    let last = this.segments[this.segments.length - 1];
    const lastSize = last === undefined ? Infinity : statSync(join(this.dir, segmentName(last))).size;
    if (last === undefined || lastSize >= this.segmentBytes || (this.readLines?.segment === last)) {
      // A new segment: never append to one that replay has already loaded into memory.
      last = Math.max(last ?? 0, this.cursor.segment) + 1;
      this.segments.push(last);
    }
    appendFileSync(join(this.dir, segmentName(last)), text);
    this.totalBytes += size;
    this.totalDocs += entries.length;
    return true;
  }

  /** The oldest entries not yet acknowledged, from the oldest segment, up to the limits (at least one when any exist). */
  peek(maxDocs: number, maxBytes: number): SpoolEntry[] {
    const out: SpoolEntry[] = [];
    const segment = this.segments[0];
    if (segment === undefined) return out;
    const lines = this.linesOf(segment, true);
    let bytes = 0;
    for (let i = segment === this.cursor.segment ? this.cursor.line : 0; i < lines.length && out.length < maxDocs; i++) {
      const size = Buffer.byteLength(lines[i]);
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(JSON.parse(lines[i]) as SpoolEntry);
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
      const lines = this.linesOf(segment, true);
      const take = Math.min(remaining, lines.length - this.cursor.line);
      this.cursor.line += take;
      remaining -= take;
      this.totalDocs -= take;
      if (this.cursor.line >= lines.length) {
        const file = join(this.dir, segmentName(segment));
        this.totalBytes -= existsSync(file) ? statSync(file).size : 0;
        rmSync(file, { force: true });
        this.segments.shift();
        this.readLines = undefined;
        this.cursor = { segment: segment + 1, line: 0 };
      }
    }
    const cursorFile = join(this.dir, 'cursor.json');
    writeFileSync(cursorFile + '.tmp', JSON.stringify(this.cursor));
    renameSync(cursorFile + '.tmp', cursorFile);
  }

  private linesOf(segment: number, cache: boolean): string[] {
    if (this.readLines?.segment === segment) return this.readLines.lines;
    const text = readFileSync(join(this.dir, segmentName(segment)), 'utf8');
    const lines = text.split('\n').filter((l) => l !== '');
    if (cache) this.readLines = { segment, lines };
    return lines;
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
