// File names for rotated captures: strftime tokens (UTC) and {source}, plus the pattern that
// recognises the files a name template produces, for retention.
import { basename } from 'node:path';

const TOKENS: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getUTCFullYear()),
  m: (d) => String(d.getUTCMonth() + 1).padStart(2, '0'),
  d: (d) => String(d.getUTCDate()).padStart(2, '0'),
  H: (d) => String(d.getUTCHours()).padStart(2, '0'),
  M: (d) => String(d.getUTCMinutes()).padStart(2, '0'),
  S: (d) => String(d.getUTCSeconds()).padStart(2, '0'),
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  '%': () => '%',
};

/** Capture sources become part of a path: keep it to safe characters. */
function safeSource(source: string): string {
  return source.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'default';
}

export function renderName(template: string, time: Date, source: string): string {
  return template
    .replace(/%([YmdHMSs%])/g, (_m, token: string) => TOKENS[token](time))
    .replaceAll('{source}', safeSource(source));
}

/** Matches the base names `renderName` produces for this template (and our -N and .gz suffixes). */
export function namePattern(template: string, source: string): RegExp {
  const base = basename(template).replaceAll('{source}', safeSource(source));
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%([YmdHMSs%])/g, (_m, t: string) => (t === '%' ? '%' : t === 'Y' ? '\\d{4}' : t === 's' ? '\\d+' : '\\d{2}'));
  const dot = escaped.lastIndexOf('\\.');
  const stem = dot > 0 ? escaped.slice(0, dot) : escaped;
  const extension = dot > 0 ? escaped.slice(dot) : '';
  return new RegExp(`^${stem}(-\\d+)?${extension}(\\.gz)?$`);
}
