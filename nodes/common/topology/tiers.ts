// Tiers (rows of the picture, top to bottom) and clusters (sites, racks) of devices.
// A device's tier comes from, in this order: the explicit rules of the configuration, the usual
// naming conventions (core…, dist…/agg…, acc…/leaf…), then its LLDP system capabilities. Names go
// before capabilities because capabilities are coarse: a layer-3 distribution switch advertises
// router+bridge just like a core switch does, while its name says which it is.
import type { TopologyDevice } from './types';

/** "pattern value": an exact name, a glob ("core*", "sw-?1") or a /regular expression/ (case-insensitive). */
export interface NameRule { pattern: string; value: string }

export interface TierOptions {
  /** Tier names, top row first. */
  tiers?: readonly string[];
  /** Explicit device → tier rules; the first match wins. */
  rules?: readonly NameRule[];
  /** Fall back to name conventions and LLDP capabilities (default true). */
  auto?: boolean;
}

export const DEFAULT_TIERS = ['core', 'distribution', 'access', 'host'] as const;
/** The row of devices nothing says anything about, below the configured tiers. */
export const OTHER_TIER = 'other';

/** Naming conventions, by tier name; used only for the tiers that are configured. */
const NAME_CONVENTIONS: Record<string, RegExp> = {
  core: /(^|[^a-z])(core|spine|cr\d|bb\d|backbone)/i,
  distribution: /(^|[^a-z])(dist|distribution|agg|ds\d|dr\d)/i,
  access: /(^|[^a-z])(acc|access|leaf|tor|as\d|edge)/i,
  host: /(^|[^a-z])(host|srv|server|pc\d|phone|ap\d|printer)/i,
};

/** The tier LLDP capabilities suggest: a pure router is core, router+bridge distribution, a bridge access, the rest hosts. */
function tierFromCapabilities(capabilities: readonly string[] | undefined): string | undefined {
  if (!capabilities?.length) return undefined;
  const has = (name: string) => capabilities.some((c) => c.toLowerCase().startsWith(name));
  if (has('router') && !has('bridge')) return 'core';
  if (has('router')) return 'distribution';
  if (has('bridge') || has('repeater') || has('wlan')) return 'access';
  return 'host';
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Compiles a rule pattern; throws on a bad regular expression (configuration errors surface at deploy). */
export function compilePattern(pattern: string): RegExp {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  if (regex) return new RegExp(regex[1], regex[2].includes('i') ? regex[2] : `${regex[2]}i`);
  return globToRegExp(pattern);
}

/** "pattern value" lines ("#" comments); the value is the rest of the line after the first blank. */
export function parseNameRules(text: string | undefined): NameRule[] {
  const rules: NameRule[] = [];
  for (const raw of (text ?? '').split('\n')) {
    const line = raw.replace(/(^|\s)#.*/, '').trim();
    if (!line) continue;
    const match = /^(\/(?:\\.|[^/])*\/[a-z]*|\S+)\s+(.+)$/.exec(line);
    if (!match) throw new Error(`bad rule "${line}": expected "pattern value"`);
    compilePattern(match[1]);
    rules.push({ pattern: match[1], value: match[2].trim() });
  }
  return rules;
}

/** The first rule matching the device's id or display name. */
export function matchRule(rules: readonly NameRule[], device: Pick<TopologyDevice, 'id' | 'name'>): string | undefined {
  for (const rule of rules) {
    const pattern = compilePattern(rule.pattern);
    if (pattern.test(device.name) || pattern.test(device.id)) return rule.value;
  }
  return undefined;
}

export interface TierAssignment {
  /** Tier names as drawn, top first (the configured ones, plus "other" when a device fell through). */
  names: string[];
  /** Device id → index into names. */
  tierOf: Map<string, number>;
}

export function assignTiers(devices: readonly TopologyDevice[], options: TierOptions = {}): TierAssignment {
  const names = [...(options.tiers?.length ? options.tiers : DEFAULT_TIERS)].map((t) => t.trim()).filter(Boolean);
  const index = new Map(names.map((name, i) => [name.toLowerCase(), i]));
  const auto = options.auto !== false;
  const tierOf = new Map<string, number>();
  let other = false;
  for (const device of devices) {
    const candidates = [
      matchRule(options.rules ?? [], device),
      auto ? Object.keys(NAME_CONVENTIONS).find((tier) => index.has(tier) && NAME_CONVENTIONS[tier].test(device.name)) : undefined,
      auto ? tierFromCapabilities(device.capabilities) : undefined,
    ];
    const tier = candidates.map((c) => (c === undefined ? undefined : index.get(c.toLowerCase()))).find((i) => i !== undefined);
    if (tier === undefined) other = true;
    tierOf.set(device.id, tier ?? names.length);
  }
  if (other) names.push(OTHER_TIER);
  return { names, tierOf };
}
