// Where a decoder's learned templates live across restarts: a small store interface with three
// adapters (memory, a JSON file, a key-value store such as a Node-RED context). The decoder keeps
// its live templates in memory (netflow/template-cache.ts); a store holds the snapshot
// `FlowDecoder.exportTemplates()` gives and hands it back as `options.templates` after a restart,
// so the node only picks the adapter. A snapshot that cannot be read never stops decoding: `load`
// says why and the decoder starts empty (exporters resend their templates within minutes).
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { SerializedTemplate } from '../netflow/template-cache';

export interface LoadedTemplates {
  templates: SerializedTemplate[];
  /** Why the saved snapshot was not usable (the templates are then empty); absent when fine or none saved. */
  error?: string;
}

export interface TemplateStore {
  /** The snapshot saved last; empty when none. Never throws. */
  load(): LoadedTemplates;
  /** Replaces the snapshot. */
  save(templates: SerializedTemplate[]): Promise<void>;
}

/** Keeps the snapshot in this process (a decoder re-created after a redeploy, tests). */
export class MemoryTemplateStore implements TemplateStore {
  private templates: SerializedTemplate[] = [];

  load(): LoadedTemplates {
    return { templates: [...this.templates] };
  }

  async save(templates: SerializedTemplate[]): Promise<void> {
    this.templates = [...templates];
  }
}

/** A key-value store with synchronous get/set (a Node-RED node context, a Map-like cache). */
export interface KeyValue {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** Keeps the snapshot under one key of a key-value store (the flow collector: its node context). */
export class KeyValueTemplateStore implements TemplateStore {
  constructor(private readonly kv: KeyValue, private readonly key: string) {}

  load(): LoadedTemplates {
    const value = this.kv.get(this.key);
    if (value === undefined || value === null) return { templates: [] };
    return checked(value, `stored value "${this.key}"`);
  }

  async save(templates: SerializedTemplate[]): Promise<void> {
    this.kv.set(this.key, templates);
  }
}

/** File contents: a marked envelope, so another JSON file given by mistake is refused, not half-read. */
const FORMAT = 'wirescope-flow-templates';
const VERSION = 1;

/**
 * Keeps the snapshot in a JSON file. A save writes a temporary file beside it, flushes it to disk
 * and renames it over the old one, so a crash mid-save leaves the previous snapshot, never a torn
 * one; a file torn or edited anyway loads as empty with an error naming the file and the fault.
 */
export class FileTemplateStore implements TemplateStore {
  constructor(readonly path: string) {}

  load(): LoadedTemplates {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { templates: [] };
      return { templates: [], error: `template file ${this.path} cannot be read: ${(err as Error).message}; starting with no templates` };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return { templates: [], error: `template file ${this.path} is corrupt (not complete JSON: ${(err as Error).message}); starting with no templates` };
    }
    const envelope = parsed as { format?: unknown; version?: unknown; templates?: unknown } | null;
    if (!envelope || typeof envelope !== 'object' || envelope.format !== FORMAT) {
      return { templates: [], error: `template file ${this.path} is not a ${FORMAT} file; starting with no templates` };
    }
    if (envelope.version !== VERSION) {
      return { templates: [], error: `template file ${this.path} has version ${String(envelope.version)}, this decoder reads ${VERSION}; starting with no templates` };
    }
    return checked(envelope.templates, `template file ${this.path}`);
  }

  async save(templates: SerializedTemplate[]): Promise<void> {
    const temporary = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const body = JSON.stringify({ format: FORMAT, version: VERSION, savedAt: new Date().toISOString(), templates });
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.writeFile(body, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temporary, this.path);
    } catch (err) {
      await unlink(temporary).catch(() => undefined);
      throw err;
    }
  }
}

/** The snapshot when every entry has the serialized shape; else empty, with what is wrong. */
function checked(value: unknown, what: string): LoadedTemplates {
  if (!Array.isArray(value)) return { templates: [], error: `${what} holds no template list; starting with no templates` };
  const bad = value.findIndex((t) => !isSerializedTemplate(t));
  if (bad >= 0) return { templates: [], error: `${what}: entry ${bad} is not a saved template; starting with no templates` };
  return { templates: value as SerializedTemplate[] };
}

function isSerializedTemplate(t: unknown): t is SerializedTemplate {
  const s = t as SerializedTemplate | null;
  return !!s && typeof s === 'object' && typeof s.domain === 'string' && Number.isInteger(s.id)
    && typeof s.options === 'boolean' && Number.isInteger(s.scopeFieldCount) && typeof s.learnedAt === 'number'
    && Array.isArray(s.fields) && s.fields.every((f) => Array.isArray(f) && Number.isInteger(f[0]) && Number.isInteger(f[1]) && Number.isInteger(f[2]));
}
