// One MaxMind-format database file (.mmdb: GeoLite2/GeoIP2, DB-IP, IPinfo, ip-location-db) read
// with MaxMind's `maxmind` reader. The file is watched (stat polling, which also sees a file
// replaced by rename) and reloaded when it changes; a file that does not open as a database
// leaves the last good one in use and the error in `lastError`.
import { promises as fsp, watchFile, unwatchFile, type Stats } from 'node:fs';
import { Reader, type Response } from 'maxmind';

export interface MmdbFileOptions {
  /** How often the file is checked for changes (ms); 0 never reloads. */
  watchIntervalMs?: number;
  /** Called after each (re)load attempt, with the error when it failed. */
  onLoad?: (file: MmdbFile, error?: Error) => void;
}

export interface MmdbFileCounters {
  path: string;
  loaded: boolean;
  databaseType?: string;
  ipVersion?: number;
  buildEpoch?: string;
  loads: number;
  loadErrors: number;
  lastError?: string;
}

export class MmdbFile {
  private reader?: Reader<Response>;
  private loads = 0;
  private loadErrors = 0;
  lastError?: Error;
  private loading?: Promise<void>;
  private closed = false;
  private listener?: (now: Stats, before: Stats) => void;

  constructor(readonly path: string, private readonly options: MmdbFileOptions = {}) {}

  /** Loads the file (and starts watching it). Never rejects: a failure is in `lastError`. */
  open(): Promise<void> {
    const interval = this.options.watchIntervalMs ?? 0;
    if (interval > 0) {
      this.listener = (now, before) => {
        if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) void this.reload();
      };
      watchFile(this.path, { interval, persistent: false }, this.listener);
    }
    return this.reload();
  }

  /** Reads the file again; a bad file keeps the previous database. */
  reload(): Promise<void> {
    // Changes that arrive during a load are folded into one more load after it.
    const run = async (): Promise<void> => {
      try {
        const buffer = await fsp.readFile(this.path);
        const reader = openDatabase(buffer, this.path);
        if (this.closed) return;
        this.reader = reader;
        this.loads++;
        this.lastError = undefined;
        this.options.onLoad?.(this);
      } catch (err) {
        if (this.closed) return;
        this.loadErrors++;
        this.lastError = err as Error;
        this.options.onLoad?.(this, err as Error);
      }
    };
    const next = (this.loading ?? Promise.resolve()).then(run);
    this.loading = next;
    return next;
  }

  get loaded(): boolean {
    return this.reader !== undefined;
  }

  /** 4 (IPv4 only) or 6 (IPv6, usually with IPv4 mapped in). */
  get ipVersion(): number | undefined {
    return this.reader?.metadata.ipVersion;
  }

  /** The data record for an address, or null when the database holds none (or is not loaded). */
  get(address: string, v6: boolean): Response | null {
    const reader = this.reader;
    // An IPv6 address in an IPv4-only tree would walk the wrong bits (libmaxminddb refuses it too).
    if (!reader || (v6 && reader.metadata.ipVersion !== 6)) return null;
    return reader.get(address);
  }

  counters(): MmdbFileCounters {
    const m = this.reader?.metadata;
    return {
      path: this.path,
      loaded: !!m,
      ...(m ? { databaseType: m.databaseType, ipVersion: m.ipVersion, buildEpoch: m.buildEpoch.toISOString() } : {}),
      loads: this.loads,
      loadErrors: this.loadErrors,
      ...(this.lastError ? { lastError: this.lastError.message } : {}),
    };
  }

  close(): void {
    this.closed = true;
    if (this.listener) unwatchFile(this.path, this.listener);
  }
}

/**
 * Opens a database buffer and proves it readable: the reader parses only the metadata up front,
 * so a truncated or damaged search tree would otherwise fail on the first lookups instead.
 */
function openDatabase(buffer: Buffer, path: string): Reader<Response> {
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(buffer);
  } catch (err) {
    throw new Error(`${path} is not a MaxMind database (.mmdb): ${(err as Error).message}`);
  }
  const m = reader.metadata;
  const expectedTree = m.searchTreeSize + 16; // the tree, then 16 zero bytes, then the data section
  if (m.nodeCount <= 0 || expectedTree > buffer.length) {
    throw new Error(`${path} is damaged: its search tree needs ${expectedTree} bytes, the file has ${buffer.length}`);
  }
  try {
    for (const probe of m.ipVersion === 6 ? ['1.1.1.1', '8.8.8.8', '2001:db8::1', '2a00::1'] : ['1.1.1.1', '8.8.8.8', '100.64.0.1']) reader.get(probe);
  } catch (err) {
    throw new Error(`${path} is damaged: a lookup failed (${(err as Error).message})`);
  }
  return reader;
}
