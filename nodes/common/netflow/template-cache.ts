// Template state per exporter and observation domain (RFC 7011 section 8, RFC 3954 section 5).
// Key: exporter address + domain (+ source port only when configured), so two exporters that
// reuse a template id, or one exporter with several domains, never see each other's layouts.
import type { IeDefinition } from './ie-registry';
import type { CompiledTemplate } from './compiled-reader';
import type { ColumnTemplate } from './column-reader';
import { StateIndex, type StateIndexStats } from '../flow/state-index';
import { newTrack, type SequenceTrack } from '../flow/sequence';

export const VARIABLE_LENGTH = 0xffff;

export interface TemplateField {
  ie: IeDefinition;
  /** Octets on the wire, or VARIABLE_LENGTH (RFC 7011 section 7). */
  length: number;
}

export interface Template {
  id: number;
  fields: TemplateField[];
  /** Leading fields that are options scope (0 for data templates). */
  scopeFieldCount: number;
  options: boolean;
  /** Smallest encoded record: fixed lengths plus one octet per variable-length field. */
  minRecordLength: number;
  learnedAt: number;
  /**
   * Fixed-offset readers for IPv4 [0] and IPv6 [1] exporters (the record's exporter-address field),
   * built on first use (compiled-reader.ts); null when the template needs the generic walk.
   */
  compiled?: Array<CompiledTemplate | null | undefined>;
  /** As `compiled`, the readers that write into typed arrays (column-reader.ts), for a decode with a ColumnSink. */
  columns?: Array<ColumnTemplate | null | undefined>;
  /** Whether the template itself carries a sampling interval (computed on first data set, for the enrich step). */
  carriesSampling?: boolean;
  /** Whether flowEndSysUpTime comes before flowStartSysUpTime in the template (computed on first data set). */
  endTimeFirst?: boolean;
}

/** A data set that arrived before its template, kept as a private copy. */
export interface PendingSet {
  templateId: number;
  body: Buffer;
  heldAt: number;
  /** Header context needed to decode it later (export time, sysUptime for v9). */
  exportTimeMs: number;
  sysUptimeMs?: number;
}

/** A template set seen before: its octets and the templates it defined (templated.ts refresh path). */
export interface TemplateSetMemo {
  bytes: Buffer;
  templates: Template[];
  /**
   * The consecutive template sets this one started, the last time all of them were refreshed:
   * their octets together and all their templates in order. Exporters resend the same block of
   * template sets (softflowd: 5 in every datagram); one compare then refreshes the whole block.
   */
  run?: { bytes: Buffer; templates: Template[] };
}

export interface DomainState {
  key: string;
  /** Sequence accounting of this exporter + domain. */
  track: SequenceTrack;
  templates: Map<number, Template>;
  pending: PendingSet[];
  /** Octets held in `pending`. */
  pendingBytes: number;
  /**
   * Template sets seen last, by set id * 65536 + first template id: the set's bytes and the
   * templates it defined. A resent identical set (exporters resend every few seconds) then only
   * refreshes those templates instead of being parsed again.
   */
  templateSets?: Map<number, TemplateSetMemo>;
}

export interface TemplateCacheLimits {
  /** Template lifetime without refresh, ms (RFC 7011 section 8.4 template timeout). */
  templateTtlMs: number;
  maxTemplatesPerDomain: number;
  maxDomains: number;
  /** A domain (with its templates and sequence counters) idle this long is dropped when room is needed. */
  domainTtlMs: number;
  maxPendingSetsPerDomain: number;
  /** Octets of held data sets across all domains. */
  maxPendingBytes: number;
  pendingTtlMs: number;
}

export interface SerializedTemplate {
  domain: string;
  id: number;
  options: boolean;
  scopeFieldCount: number;
  learnedAt: number;
  fields: Array<[pen: number, id: number, length: number, name: string, type: string]>;
}

export function minRecordLength(fields: TemplateField[]): number {
  let n = 0;
  for (const f of fields) n += f.length === VARIABLE_LENGTH ? 1 : f.length;
  return n;
}

export class TemplateCache {
  /** Per exporter (+ port) and domain; bounded, least recently used evicted (state-index.ts). */
  private readonly domains: StateIndex<DomainState>;
  private pendingBytes = 0;
  /**
   * Domains holding data sets, so that `sweepPending` finds the sets of an exporter that went
   * quiet (moved to another worker, stopped): nothing of that exporter arrives to expire them.
   */
  private readonly holding = new Set<DomainState>();
  templatesExpired = 0;
  templatesEvicted = 0;
  pendingDropped = 0;
  /**
   * Held sets dropped since `takeDrops`, per domain key: past the pending TTL (`ttl`), or refused
   * at a limit or gone with their evicted domain (`limit`). Bounded like the domains.
   */
  private drops = new Map<string, { ttl: number; limit: number }>();

  constructor(private readonly limits: TemplateCacheLimits) {
    this.domains = new StateIndex(limits.maxDomains, limits.domainTtlMs, (d) => {
      // Held sets of a dropped domain can never be decoded: counted as dropped.
      this.pendingDropped += d.pending.length;
      this.noteDrop(d, 'limit', d.pending.length);
      this.pendingBytes -= d.pendingBytes;
      this.holding.delete(d);
    });
  }

  find(address: string, scope: number, now: number): DomainState | undefined {
    return this.domains.find(address, scope, now);
  }

  /** A new domain state under `key`, making room by evicting the least recently used one. */
  create(address: string, scope: number, key: string, now: number): DomainState {
    const d: DomainState = { key, track: newTrack(key), templates: new Map(), pending: [], pendingBytes: 0 };
    return this.domains.add(address, scope, d, now);
  }

  domainStates(): IterableIterator<DomainState> {
    return this.domains.values();
  }

  stats(): StateIndexStats {
    return this.domains.stats();
  }

  /** Live template, or undefined (an expired one is removed and counted). */
  get(d: DomainState, id: number, now: number): Template | undefined {
    const t = d.templates.get(id);
    if (t && now - t.learnedAt > this.limits.templateTtlMs) {
      d.templates.delete(id);
      this.templatesExpired++;
      return undefined;
    }
    return t;
  }

  /**
   * Stores a template. At the per-domain limit an expired template makes room, else the one
   * learned (or refreshed) longest ago, counted in `templatesEvicted`.
   */
  set(d: DomainState, t: Template): 'added' | 'refreshed' | 'changed' {
    const old = d.templates.get(t.id);
    if (old && sameLayout(old, t)) {
      // Exporters resend templates constantly: keep the existing object (and its compiled reader).
      old.learnedAt = t.learnedAt;
      return 'refreshed';
    }
    if (!old && d.templates.size >= this.limits.maxTemplatesPerDomain) this.makeRoom(d, t.learnedAt);
    d.templates.set(t.id, t);
    return old ? 'changed' : 'added';
  }

  private makeRoom(d: DomainState, now: number): void {
    let stalest: Template | undefined;
    for (const t of d.templates.values()) if (!stalest || t.learnedAt < stalest.learnedAt) stalest = t;
    if (!stalest) return;
    d.templates.delete(stalest.id);
    d.templateSets?.clear();
    if (now - stalest.learnedAt > this.limits.templateTtlMs) this.templatesExpired++;
    else this.templatesEvicted++;
  }

  withdraw(d: DomainState, id: number | 'all-data' | 'all-options'): number {
    if (typeof id === 'number') return d.templates.delete(id) ? 1 : 0;
    let n = 0;
    for (const [tid, t] of d.templates) {
      if (t.options === (id === 'all-options')) { d.templates.delete(tid); n++; }
    }
    return n;
  }

  /** Holds a data set until its template arrives; false (and counted) when over a bound. */
  hold(d: DomainState, p: PendingSet): boolean {
    this.expirePending(d, p.heldAt);
    if (d.pending.length >= this.limits.maxPendingSetsPerDomain || this.pendingBytes + p.body.length > this.limits.maxPendingBytes) {
      this.pendingDropped++;
      d.track.pendingDropped++;
      this.noteDrop(d, 'limit', 1);
      return false;
    }
    d.pending.push(p);
    d.pendingBytes += p.body.length;
    this.pendingBytes += p.body.length;
    d.track.pendingSets = d.pending.length;
    this.holding.add(d);
    return true;
  }

  /** Removes and returns the held sets for a template id, oldest first. */
  takePending(d: DomainState, templateId: number, now: number): PendingSet[] {
    if (d.pending.length === 0) return [];
    this.expirePending(d, now);
    const taken = d.pending.filter((p) => p.templateId === templateId);
    if (taken.length) this.keepPending(d, d.pending.filter((p) => p.templateId !== templateId));
    return taken;
  }

  /** Drops (and counts, per exporter) every held set older than the pending TTL, whether or not its exporter still sends. */
  sweepPending(now: number): void {
    for (const d of this.holding) this.expirePending(d, now);
  }

  private expirePending(d: DomainState, now: number): void {
    const before = d.pending.length;
    if (before === 0) return;
    this.keepPending(d, d.pending.filter((p) => now - p.heldAt <= this.limits.pendingTtlMs));
    const expired = before - d.pending.length;
    this.pendingDropped += expired;
    d.track.pendingDropped += expired;
    this.noteDrop(d, 'ttl', expired);
  }

  private noteDrop(d: DomainState, reason: 'ttl' | 'limit', sets: number): void {
    if (sets === 0) return;
    let n = this.drops.get(d.key);
    if (!n) {
      // Nobody takes them: the oldest go (the totals above still count every drop).
      if (this.drops.size >= this.limits.maxDomains) this.drops.delete(this.drops.keys().next().value!);
      n = { ttl: 0, limit: 0 };
      this.drops.set(d.key, n);
    }
    n[reason] += sets;
  }

  /** The held sets dropped since the last call, per domain key, and forgets them. */
  takeDrops(): Map<string, { ttl: number; limit: number }> {
    const taken = this.drops;
    this.drops = new Map();
    return taken;
  }

  private keepPending(d: DomainState, kept: PendingSet[]): void {
    let bytes = 0;
    for (const p of kept) bytes += p.body.length;
    this.pendingBytes -= d.pendingBytes - bytes;
    d.pending = kept;
    d.pendingBytes = bytes;
    d.track.pendingSets = kept.length;
    if (kept.length === 0) this.holding.delete(d);
  }

  pendingCount(): number {
    let n = 0;
    for (const d of this.holding) n += d.pending.length;
    return n;
  }

  templateCount(): number {
    let n = 0;
    for (const d of this.domains.values()) n += d.templates.size;
    return n;
  }

  /** JSON-safe snapshot of every template, for persistence across restarts. */
  export(): SerializedTemplate[] {
    const out: SerializedTemplate[] = [];
    for (const d of this.domains.values()) {
      for (const t of d.templates.values()) {
        out.push({
          domain: d.key, id: t.id, options: t.options, scopeFieldCount: t.scopeFieldCount, learnedAt: t.learnedAt,
          fields: t.fields.map((f) => [f.ie.pen, f.ie.id, f.length, f.ie.name, f.ie.type]),
        });
      }
    }
    return out;
  }
}

function sameLayout(a: Template, b: Template): boolean {
  if (a.fields.length !== b.fields.length || a.scopeFieldCount !== b.scopeFieldCount) return false;
  for (let i = 0; i < a.fields.length; i++) {
    const x = a.fields[i], y = b.fields[i];
    if (x.ie.pen !== y.ie.pen || x.ie.id !== y.ie.id || x.length !== y.length) return false;
  }
  return true;
}
