// GeoIP and AS enrichment from .mmdb files: country, city, location and AS of the source and
// destination addresses. Several files can be given (a City and an ASN database, or the IPv4 and
// IPv6 halves ip-location-db ships); for each field the first file that answers wins. Used alone
// this step looks every address up; FlowEnricher puts its answers in the cache it shares with the
// networks step (addresses.ts), which is forgotten when a file reloads (`onReload`).
import type { Response } from 'maxmind';
import type { FlowRecord } from '../flow/types';
import { MmdbFile } from './mmdb';
import { destinationAddress, sourceAddress, type EnrichStep } from './types';

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
  /** Check the files for changes every N ms (0: never). */
  watchIntervalMs?: number;
  /** Language of country and city names in GeoIP2-style databases (default 'en'). */
  language?: string;
  onLoad?: (file: MmdbFile, error?: Error) => void;
}

export const NO_GEO: GeoAnswer = Object.freeze({});

export class GeoIpStep implements EnrichStep {
  readonly name = 'geoip';
  readonly files: MmdbFile[];
  private readonly language: string;
  private readonly reloadListeners: Array<() => void> = [];
  private lookups = 0;
  private found = 0;
  private notFound = 0;
  private errors = 0;

  constructor(options: GeoIpOptions) {
    if (options.files.length === 0) throw new Error('GeoIP needs at least one .mmdb file');
    const onLoad = (file: MmdbFile, error?: Error) => {
      if (!error) for (const listener of this.reloadListeners) listener();
      options.onLoad?.(file, error);
    };
    this.files = options.files.map((path) => new MmdbFile(path, { watchIntervalMs: options.watchIntervalMs, onLoad }));
    this.language = options.language || 'en';
  }

  /** Loads every file; resolves when each has been tried (failures are in the counters). */
  async open(): Promise<void> {
    await Promise.all(this.files.map((f) => f.open()));
  }

  /** Calls `listener` whenever a file (re)loads, so caches of answers know to forget. */
  onReload(listener: () => void): void {
    this.reloadListeners.push(listener);
  }

  apply(record: FlowRecord): void {
    const source = sourceAddress(record);
    if (source) writeSourceGeo(record, this.answer(source));
    const destination = destinationAddress(record);
    if (destination) writeDestinationGeo(record, this.answer(destination));
  }

  /** What the databases say about one address (looked up in every file, no cache). */
  answer(address: string): GeoAnswer {
    this.lookups++;
    const v6 = address.includes(':');
    // Every answer has the same keys in the same order (one object shape), so reading them is fast.
    const answer: GeoAnswer = { CountryIsoCode: undefined, CountryName: undefined, CityName: undefined, Location: undefined, AsNumber: undefined, AsOrganization: undefined };
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
    if (!any) {
      this.notFound++;
      return NO_GEO;
    }
    this.found++;
    // The location object is shared by every record of the address: nobody may change it.
    if (answer.Location) Object.freeze(answer.Location);
    return answer;
  }

  counters(): Record<string, unknown> {
    return { lookups: this.lookups, found: this.found, notFound: this.notFound, errors: this.errors, files: this.files.map((f) => f.counters()) };
  }

  close(): void {
    for (const f of this.files) f.close();
  }
}

// One store per field with a constant name, so V8 keeps these monomorphic and fast (a copy through
// Object.assign or a computed key costs several times more per record).
export function writeSourceGeo(record: FlowRecord, g: GeoAnswer): void {
  if (g === NO_GEO) return;
  if (g.CountryIsoCode !== undefined) record.sourceCountryIsoCode = g.CountryIsoCode;
  if (g.CountryName !== undefined) record.sourceCountryName = g.CountryName;
  if (g.CityName !== undefined) record.sourceCityName = g.CityName;
  if (g.Location !== undefined) record.sourceLocation = g.Location;
  if (g.AsNumber !== undefined) record.sourceAsNumber = g.AsNumber;
  if (g.AsOrganization !== undefined) record.sourceAsOrganization = g.AsOrganization;
}

export function writeDestinationGeo(record: FlowRecord, g: GeoAnswer): void {
  if (g === NO_GEO) return;
  if (g.CountryIsoCode !== undefined) record.destinationCountryIsoCode = g.CountryIsoCode;
  if (g.CountryName !== undefined) record.destinationCountryName = g.CountryName;
  if (g.CityName !== undefined) record.destinationCityName = g.CityName;
  if (g.Location !== undefined) record.destinationLocation = g.Location;
  if (g.AsNumber !== undefined) record.destinationAsNumber = g.AsNumber;
  if (g.AsOrganization !== undefined) record.destinationAsOrganization = g.AsOrganization;
}

type MmdbData = Record<string, unknown>;

/**
 * Reads the layouts in use into `into`, keeping fields already set (an earlier file wins):
 * MaxMind GeoIP2/GeoLite2 and DB-IP (`country.iso_code`, `country.names`, `city.names`,
 * `location.latitude`, `autonomous_system_number`), ip-location-db (`country_code`, `city`,
 * `latitude`, `longitude`) and IPinfo (`country`, `asn` as "AS123", `as_name`).
 * Returns whether the data had any field we use.
 */
export function mapMmdbRecord(data: MmdbData, into: GeoAnswer, language = 'en'): boolean {
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
