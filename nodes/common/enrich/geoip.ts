// GeoIP and AS enrichment from .mmdb files: country, city, location and AS of the source and
// destination addresses. Several files can be given (a City and an ASN database, or the IPv4 and
// IPv6 halves ip-location-db ships); for each field the first file that answers wins. Answers are
// cached per address (bounded LRU), and the cache is forgotten when a file reloads.
import type { Response } from 'maxmind';
import type { FlowRecord } from '../flow/types';
import { LruCache } from './lru';
import { MmdbFile } from './mmdb';
import { destinationAddress, sourceAddress, type EnrichContext, type EnrichStep } from './types';

/** What the databases say about one address (record fields without the source/destination prefix). */
export interface GeoAnswer {
  CountryIsoCode?: string;
  CountryName?: string;
  CityName?: string;
  Location?: { lat: number; lon: number };
  AsNumber?: number;
  AsOrganization?: string;
}

export interface GeoIpOptions {
  /** .mmdb file paths. */
  files: string[];
  /** Addresses whose answers are kept (0 turns the cache off). */
  cacheSize?: number;
  /** Check the files for changes every N ms (0: never). */
  watchIntervalMs?: number;
  /** Language of country and city names in GeoIP2-style databases (default 'en'). */
  language?: string;
  onLoad?: (file: MmdbFile, error?: Error) => void;
}

const NOTHING: GeoAnswer = Object.freeze({});

/** An answer with its record fields laid out for each side, so applying it is a plain copy. */
interface Cached {
  answer: GeoAnswer;
  /** The record fields of each side, ready for Object.assign (V8 copies a small plain object faster than keyed stores). */
  source: Record<string, unknown>;
  destination: Record<string, unknown>;
}

const FIELDS: Array<keyof GeoAnswer> = ['CountryIsoCode', 'CountryName', 'CityName', 'Location', 'AsNumber', 'AsOrganization'];

export class GeoIpStep implements EnrichStep {
  readonly name = 'geoip';
  readonly files: MmdbFile[];
  private readonly cache: LruCache<string, Cached>;
  private readonly language: string;
  private generations = -1;
  private lookups = 0;
  private found = 0;
  private notFound = 0;
  private errors = 0;

  constructor(options: GeoIpOptions) {
    if (options.files.length === 0) throw new Error('GeoIP needs at least one .mmdb file');
    this.files = options.files.map((path) => new MmdbFile(path, { watchIntervalMs: options.watchIntervalMs, onLoad: options.onLoad }));
    this.cache = new LruCache(options.cacheSize ?? 100_000);
    this.language = options.language || 'en';
  }

  /** Loads every file; resolves when each has been tried (failures are in the counters). */
  async open(): Promise<void> {
    await Promise.all(this.files.map((f) => f.open()));
  }

  apply(record: FlowRecord): void {
    this.checkGenerations();
    const source = sourceAddress(record);
    if (source) Object.assign(record, this.cached(source).source);
    const destination = destinationAddress(record);
    if (destination) Object.assign(record, this.cached(destination).destination);
  }

  /** What the databases say about one address (cached). */
  answer(address: string): GeoAnswer {
    this.checkGenerations();
    return this.cached(address).answer;
  }

  private cached(address: string): Cached {
    let entry = this.cache.get(address);
    if (entry === undefined) {
      const answer = this.lookup(address);
      entry = { answer, source: fields(answer, 'source'), destination: fields(answer, 'destination') };
      this.cache.set(address, entry);
    }
    return entry;
  }

  private lookup(address: string): GeoAnswer {
    this.lookups++;
    const v6 = address.includes(':');
    const answer: GeoAnswer = {};
    let any = false;
    for (const file of this.files) {
      let data: Response | null;
      try {
        data = file.get(address, v6);
      } catch {
        this.errors++;
        continue;
      }
      if (data && mapMmdbRecord(data as MmdbData, answer, this.language)) any = true;
    }
    if (any) this.found++;
    else this.notFound++;
    return any ? answer : NOTHING;
  }

  private checkGenerations(): void {
    let sum = 0;
    for (const f of this.files) sum += f.generation;
    if (sum !== this.generations) {
      this.generations = sum;
      this.cache.clear();
    }
  }

  counters(): Record<string, unknown> {
    return {
      lookups: this.lookups, found: this.found, notFound: this.notFound, errors: this.errors,
      cache: this.cache.counters(), files: this.files.map((f) => f.counters()),
    };
  }

  close(): void {
    for (const f of this.files) f.close();
  }
}

type MmdbData = Record<string, unknown>;

function fields(answer: GeoAnswer, side: 'source' | 'destination'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of FIELDS) if (answer[key] !== undefined) out[side + key] = answer[key];
  return out;
}

/**
 * Reads the layouts in use into `into`, keeping fields already set (an earlier file wins):
 * MaxMind GeoIP2/GeoLite2 and DB-IP (`country.iso_code`, `country.names`, `city.names`,
 * `location.latitude`, `autonomous_system_number`), ip-location-db (`country_code`, `city`,
 * `latitude`, `longitude`) and IPinfo (`country`, `asn` as "AS123", `as_name`).
 * Returns whether the data had any field we use.
 */
function mapMmdbRecord(data: MmdbData, into: GeoAnswer, language = 'en'): boolean {
  let any = false;
  const set = <K extends keyof GeoAnswer>(key: K, value: GeoAnswer[K] | undefined) => {
    if (value === undefined) return;
    any = true;
    if (into[key] === undefined) into[key] = value;
  };
  const country = obj(data.country) ?? obj(data.registered_country);
  set('CountryIsoCode', text(country?.iso_code) ?? text(data.country_code) ?? (typeof data.country === 'string' && /^[A-Z]{2}$/.test(data.country) ? data.country : undefined));
  set('CountryName', name(country?.names, language) ?? text(data.country_name));
  set('CityName', name(obj(data.city)?.names, language) ?? text(data.city));
  const location = obj(data.location);
  const lat = finite(location?.latitude) ?? finite(data.latitude);
  const lon = finite(location?.longitude) ?? finite(data.longitude);
  if (lat !== undefined && lon !== undefined) set('Location', { lat, lon });
  const asn = data.autonomous_system_number ?? data.asn;
  set('AsNumber', typeof asn === 'number' ? asn : typeof asn === 'string' && /^(AS)?\d+$/i.test(asn) ? Number(asn.replace(/^AS/i, '')) : undefined);
  set('AsOrganization', text(data.autonomous_system_organization) ?? text(data.as_name));
  return any;
}

function obj(v: unknown): MmdbData | undefined {
  return v && typeof v === 'object' ? (v as MmdbData) : undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function name(names: unknown, language: string): string | undefined {
  const n = obj(names);
  return n ? text(n[language]) ?? text(n.en) : undefined;
}
