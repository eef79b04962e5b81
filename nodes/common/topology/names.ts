// Name normalisation, so the two ends of a link agree on what they call each device and port:
// "sw1.example.com" ≡ "SW1", "GigabitEthernet0/1" ≡ "Gi0/1", "Ethernet1/1" ≡ "Eth1/1" ≡ "Et1/1".

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const HAS_COLON = /:/; // IPv6 address or MAC: never a domain name

export interface NameOptions {
  /** Strip everything after the first dot of a host name (default true); IP addresses are kept. */
  stripDomain?: boolean;
  /** Or only these suffixes (".example.com"); used instead of stripDomain when given. */
  domainSuffixes?: readonly string[];
}

/** Display name of a device: domain suffix removed as configured, case kept. */
export function displayDeviceName(name: string, options: NameOptions = {}): string {
  const trimmed = name.trim();
  if (IPV4.test(trimmed) || HAS_COLON.test(trimmed)) return trimmed;
  if (options.domainSuffixes?.length) {
    const lower = trimmed.toLowerCase();
    const suffix = options.domainSuffixes.find((s) => lower.endsWith(s.toLowerCase().replace(/^\.?/, '.')));
    return suffix ? trimmed.slice(0, trimmed.length - suffix.replace(/^\.?/, '.').length) : trimmed;
  }
  if (options.stripDomain === false) return trimmed;
  const dot = trimmed.indexOf('.');
  return dot > 0 ? trimmed.slice(0, dot) : trimmed;
}

/** Identity of a device for matching: the display name, lower case. */
export function deviceKey(name: string, options: NameOptions = {}): string {
  return displayDeviceName(name, options).toLowerCase();
}

/**
 * Interface type prefixes and the short form both ends are reduced to. The long forms are
 * Cisco/Arista full names; the short forms are what "show ... brief" and LLDP port IDs print.
 * Longest prefixes first, so "TenGigabitEthernet" wins over "GigabitEthernet". Vendors print these
 * capitalised; lower-case names are host interfaces (Linux "eth0") and are left alone.
 */
const INTERFACE_PREFIXES: [RegExp, string][] = [
  [/^(hundredgigabitethernet|hundredgige|hu)(?=\d)/i, 'Hu'],
  [/^(fortygigabitethernet|fortygige|fo)(?=\d)/i, 'Fo'],
  [/^(twentyfivegigabitethernet|twentyfivegige|twe)(?=\d)/i, 'Twe'],
  [/^(tengigabitethernet|tengige|te)(?=\d)/i, 'Te'],
  [/^(fivegigabitethernet|fivegige)(?=\d)/i, 'Fi'],
  [/^(twogigabitethernet|twogige|tw)(?=\d)/i, 'Tw'],
  [/^(gigabitethernet|gige|gi)(?=\d)/i, 'Gi'],
  [/^(fastethernet|fa)(?=\d)/i, 'Fa'],
  [/^(ethernet|eth|et)(?=\d)/i, 'Eth'],
  [/^(port-channel|portchannel|po)(?=\d)/i, 'Po'],
  [/^(management|mgmt|ma)(?=\d)/i, 'Mgmt'],
  [/^(loopback|lo)(?=\d)/i, 'Lo'],
  [/^(vlan|vl)(?=\d)/i, 'Vlan'],
];

/** Short canonical interface name: "GigabitEthernet1/0/16" → "Gi1/0/16", "Ethernet1" → "Eth1". */
export function normalizeInterfaceName(name: string): string {
  const compact = name.trim().replace(/\s+(?=\d)/, '');
  if (!/^[A-Z]/.test(compact)) return compact;
  for (const [pattern, short] of INTERFACE_PREFIXES) {
    if (pattern.test(compact)) return compact.replace(pattern, short);
  }
  return compact;
}

/** Identity of a port for matching. */
export function interfaceKey(name: string): string {
  return normalizeInterfaceName(name).toLowerCase();
}
