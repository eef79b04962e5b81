// Index names from a pattern with strftime tokens, filled from the document's own time in UTC
// (never the wall clock), so a late or replayed document lands in the index of its day.

const tokenPattern = /%([YmdH%])/g;

/** `flows-%Y.%m.%d` + 2024-03-01T05:00Z -> `flows-2024.03.01`. Only %Y %m %d %H and %% are tokens. */
export function formatIndexName(pattern: string, time: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return pattern.replace(tokenPattern, (_, token: string) => {
    switch (token) {
      case 'Y': return String(time.getUTCFullYear());
      case 'm': return pad(time.getUTCMonth() + 1);
      case 'd': return pad(time.getUTCDate());
      case 'H': return pad(time.getUTCHours());
      default: return '%';
    }
  });
}

/**
 * `formatIndexName` for one pattern, remembering the names of recent hours: documents of a stream
 * share a handful of days, and building the name once per document was a regular expression each.
 */
export class IndexNamer {
  private readonly byHour = new Map<number, string>();

  constructor(private readonly pattern: string) {}

  private lastHour = NaN;
  private lastName = '';

  name(time: Date): string {
    return this.nameAt(time.getTime());
  }

  /** The name for a time in epoch milliseconds. */
  nameAt(ms: number): string {
    // %H is the finest token, so every time of one UTC hour gets the same name.
    const hour = Math.floor(ms / 3_600_000);
    // A stream's documents mostly share the hour of the one before: no map lookup for them.
    if (hour === this.lastHour) return this.lastName;
    let name = this.byHour.get(hour);
    if (name === undefined) {
      name = formatIndexName(this.pattern, new Date(ms));
      if (this.byHour.size >= 256) this.byHour.clear(); // bounded: replays of old data span many hours
      this.byHour.set(hour, name);
    }
    this.lastHour = hour;
    this.lastName = name;
    return name;
  }
}

export function hasTimeTokens(pattern: string): boolean {
  return /%[YmdH]/.test(pattern);
}

/** The index wildcard that matches every name of the pattern: `flows-%Y.%m.%d` -> `flows-*`. */
export function indexWildcard(pattern: string): string {
  const tokens = [...pattern.matchAll(/%[YmdH]/g)];
  if (tokens.length === 0) return pattern.replace(/%%/g, '%');
  const first = tokens[0].index!;
  const last = tokens[tokens.length - 1].index! + 2;
  return pattern.slice(0, first).replace(/%%/g, '%') + '*' + pattern.slice(last).replace(/%%/g, '%');
}

export interface IndexPeriod { start: Date; end: Date }

/**
 * The time span an index name of the pattern covers (start inclusive, end exclusive), or
 * undefined when the name does not match the pattern. The finest token decides the span.
 */
export function indexPeriod(pattern: string, name: string): IndexPeriod | undefined {
  const order: string[] = [];
  const regexText = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%([YmdH%])/g, (_, token: string) => {
    if (token === '%') return '%';
    order.push(token);
    return token === 'Y' ? '(\\d{4})' : '(\\d{2})';
  });
  const match = new RegExp(`^${regexText}$`).exec(name);
  if (!match || order.length === 0) return undefined;
  const parts: Record<string, number> = { Y: 1970, m: 1, d: 1, H: 0 };
  order.forEach((token, i) => { parts[token] = Number(match[i + 1]); });
  const start = new Date(Date.UTC(parts.Y, parts.m - 1, parts.d, parts.H));
  // Reject impossible names such as 2024.02.31 instead of letting Date roll them over.
  if (start.getUTCMonth() !== parts.m - 1 || start.getUTCDate() !== parts.d) return undefined;
  const end = new Date(start);
  if (order.includes('H')) end.setUTCHours(end.getUTCHours() + 1);
  else if (order.includes('d')) end.setUTCDate(end.getUTCDate() + 1);
  else if (order.includes('m')) end.setUTCMonth(end.getUTCMonth() + 1);
  else end.setUTCFullYear(end.getUTCFullYear() + 1);
  return { start, end };
}

/** Names of the pattern whose whole span ended more than `days` days before `now`. */
export function indicesPastRetention(pattern: string, names: string[], now: Date, days: number): string[] {
  const cutoff = now.getTime() - days * 86_400_000;
  return names.filter((name) => {
    const period = indexPeriod(pattern, name);
    return period !== undefined && period.end.getTime() <= cutoff;
  });
}

/**
 * An ISO date-time without a zone. Elasticsearch reads it as UTC; JavaScript's Date would read it
 * in the host's zone and put the document in another day's index than the one its time is in.
 */
const zoneless = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/**
 * Oldest-first names of the pattern to delete so that the pattern's indices together take at most
 * `maxBytes`. The newest index (the one being written) is never chosen; names that do not parse as
 * a period of the pattern are neither counted nor deleted.
 */
export function indicesOverSize(pattern: string, indices: Array<{ name: string; bytes: number }>, maxBytes: number): string[] {
  const dated = indices
    .map((i) => ({ ...i, period: indexPeriod(pattern, i.name) }))
    .filter((i): i is typeof i & { period: IndexPeriod } => i.period !== undefined)
    .sort((a, b) => a.period.start.getTime() - b.period.start.getTime());
  let total = dated.reduce((n, i) => n + i.bytes, 0);
  const out: string[] = [];
  for (const index of dated.slice(0, -1)) {
    if (total <= maxBytes) break;
    out.push(index.name);
    total -= index.bytes;
  }
  return out;
}

/** A document's time from a field (a dotted path or a literal key): Date, epoch ms or a date string. */
export function documentTime(doc: Record<string, unknown>, field: string): Date | undefined {
  let value: unknown = field in doc ? doc[field] : undefined;
  if (value === undefined) {
    value = field.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), doc);
  }
  let time: Date | undefined;
  if (value instanceof Date) time = value;
  else if (typeof value === 'number') time = new Date(value);
  else if (typeof value === 'string' && value !== '') time = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(zoneless.test(value) ? value + 'Z' : value);
  return time && !Number.isNaN(time.getTime()) ? time : undefined;
}
