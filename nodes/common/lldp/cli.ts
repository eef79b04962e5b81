// Parsers for "show lldp neighbors [detail]" text of Cisco IOS/IOS-XE, NX-OS, Arista EOS and
// Juniper Junos (table, and the per-neighbour detail blocks). Each returns neighbour records; lines it does not know are skipped (the vendors
// add fields between releases), but a text with no recognisable neighbour table is an error.
import { normalizeMac } from './text';
import type { LldpNeighbor } from './types';

export type CliPlatform = 'ios' | 'iosxe' | 'nxos' | 'eos' | 'junos';
export const CLI_PLATFORMS: readonly CliPlatform[] = ['ios', 'iosxe', 'nxos', 'eos', 'junos'];

/** The command each platform answers with the most detail we parse. */
export const CLI_COMMANDS: Record<CliPlatform, string> = {
  ios: 'show lldp neighbors detail',
  iosxe: 'show lldp neighbors detail',
  nxos: 'show lldp neighbors detail',
  eos: 'show lldp neighbors detail',
  junos: 'show lldp neighbors',
};

/** Cisco capability letters ("Capability codes" legend of the IOS/NX-OS output). */
const CISCO_CAPABILITIES: Record<string, string> = {
  R: 'router', B: 'bridge', T: 'telephone', C: 'docsis', W: 'wlan-ap', P: 'repeater', S: 'station', O: 'other',
};

function ciscoCapabilities(value: string): string[] {
  return value.split(/[,\s]+/).filter(Boolean).map((code) => CISCO_CAPABILITIES[code] ?? code.toLowerCase());
}

function notAdvertised(value: string): boolean {
  return value === '' || /not advertised/i.test(value);
}

/** IOS / IOS-XE / NX-OS "show lldp neighbors detail": one "key: value" block per neighbour. */
function parseCiscoDetail(text: string): LldpNeighbor[] {
  const neighbors: LldpNeighbor[] = [];
  let current: LldpNeighbor | undefined;
  let pendingDescription = false;
  let inAddresses = false;
  const start = (): LldpNeighbor => {
    current = { localPort: '' };
    neighbors.push(current);
    return current;
  };
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trimEnd();
    if (pendingDescription) {
      // IOS prints "System Description:" alone, the text on the next lines.
      if (line.trim() && current) { current.systemDescription = line.trim(); pendingDescription = false; }
      continue;
    }
    const match = /^\s*([A-Za-z][A-Za-z /-]*?)\s*:\s?(.*)$/.exec(line);
    if (inAddresses) {
      const address = /^\s+(?:IP|IPV6|IPv6|OID):\s*(\S+)/.exec(line);
      if (address && current) { (current.managementAddresses ??= []).push(address[1]); continue; }
      inAddresses = false;
    }
    if (!match) continue;
    const key = match[1].toLowerCase();
    const value = match[2].trim();
    switch (key) {
      case 'local intf': // IOS: opens a record
        start().localPort = value;
        break;
      case 'chassis id': {
        const record = current && current.chassisId === undefined ? current : start();
        record.chassisId = normalizeMac(value);
        break;
      }
      case 'local port id': // NX-OS
        if (current) current.localPort = value;
        break;
      case 'port id':
        if (current && !notAdvertised(value)) current.portId = normalizeMac(value);
        break;
      case 'port description':
        if (current && !notAdvertised(value)) current.portDescription = value;
        break;
      case 'system name':
        if (current && !notAdvertised(value)) current.systemName = value;
        break;
      case 'system description':
        if (current) {
          if (value) current.systemDescription = value;
          else pendingDescription = true;
        }
        break;
      case 'time remaining':
        if (current) current.ttl = Number.parseInt(value, 10);
        break;
      case 'enabled capabilities':
        if (current && !notAdvertised(value)) current.capabilities = ciscoCapabilities(value);
        break;
      case 'management address': // NX-OS
        if (current && !notAdvertised(value)) (current.managementAddresses ??= []).push(value);
        break;
      case 'management addresses': // IOS, addresses on the following lines
        inAddresses = true;
        break;
      default:
        break;
    }
  }
  return neighbors.filter((n) => n.chassisId !== undefined);
}

function unquote(value: string): string {
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

/** Arista EOS "show lldp neighbors detail": "Interface X detected N LLDP neighbors:" sections. */
function parseEosDetail(text: string): LldpNeighbor[] {
  const neighbors: LldpNeighbor[] = [];
  let localPort = '';
  let current: LldpNeighbor | undefined;
  // "Port ID" also appears inside the link aggregation TLV; only the one after "Port ID type" is the port.
  let expect: 'chassis' | 'port' | 'address' | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim().replace(/^- /, '');
    let m = /^Interface (\S+) detected \d+ LLDP neighbors:/.exec(line);
    if (m) { localPort = m[1]; current = undefined; continue; }
    if (/^Neighbor \S+/.test(line)) { current = { localPort }; neighbors.push(current); expect = undefined; continue; }
    if (!current) continue;
    m = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = m[2];
    if (key === 'chassis id type') expect = 'chassis';
    else if (key === 'port id type') { expect = 'port'; current.portIdSubtype = value.replace(/\s*\(\d+\)$/, '').toLowerCase(); }
    else if (key === 'management address subtype') expect = 'address';
    else if (key === 'chassis id' && expect === 'chassis') { current.chassisId = normalizeMac(unquote(value)); expect = undefined; }
    else if (key === 'port id' && expect === 'port') { current.portId = unquote(value); expect = undefined; }
    else if (key === 'management address' && expect === 'address') {
      (current.managementAddresses ??= []).push(normalizeMac(unquote(value)));
      expect = undefined;
    } else if (key === 'time to live') current.ttl = Number.parseInt(value, 10);
    else if (key === 'port description') current.portDescription = unquote(value);
    else if (key === 'system name') current.systemName = unquote(value);
    else if (key === 'system description') current.systemDescription = unquote(value);
    else if (key === 'enabled capabilities') current.capabilities = value.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
  }
  return neighbors;
}

/** Column start offsets of a fixed-width table, from the header's column titles. */
function columns(header: string, titles: readonly string[]): number[] | undefined {
  const offsets = titles.map((title) => header.indexOf(title));
  return offsets.every((o, i) => o >= 0 && (i === 0 || o > offsets[i - 1])) ? offsets : undefined;
}

function cells(line: string, offsets: number[]): string[] {
  return offsets.map((start, i) => line.slice(start, i + 1 < offsets.length ? offsets[i + 1] : undefined).trim());
}

/** IOS / NX-OS "show lldp neighbors": Device ID, Local Intf, Hold-time, Capability, Port ID. */
function parseCiscoTable(text: string): LldpNeighbor[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => /^Device ID\s+Local Intf/.test(l));
  if (headerIndex < 0) return [];
  const offsets = columns(lines[headerIndex], ['Device ID', 'Local Intf', 'Hold-time', 'Capability', 'Port ID'])!;
  const neighbors: LldpNeighbor[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    if (!line.trim() || /^Total entries/.test(line)) break;
    const [systemName, localPort, holdTime, capability, portId] = cells(line, offsets);
    if (!systemName || !localPort) continue;
    const neighbor: LldpNeighbor = { localPort, systemName, portId };
    if (/^\d+$/.test(holdTime)) neighbor.ttl = Number(holdTime);
    if (capability) neighbor.capabilities = ciscoCapabilities(capability);
    neighbors.push(neighbor);
  }
  return neighbors;
}

/** Junos "show lldp neighbors": Local Interface, Parent Interface, Chassis Id, Port info, System Name. */
function parseJunosTable(text: string): LldpNeighbor[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => /^Local Interface\s+/.test(l));
  if (headerIndex < 0) return [];
  const titles = lines[headerIndex].includes('Parent Interface')
    ? ['Local Interface', 'Parent Interface', 'Chassis Id', 'Port info', 'System Name']
    : ['Local Interface', 'Chassis Id', 'Port info', 'System Name'];
  const offsets = columns(lines[headerIndex], titles);
  if (!offsets) return [];
  const neighbors: LldpNeighbor[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    if (!line.trim()) continue;
    const values = cells(line, offsets);
    const row = Object.fromEntries(titles.map((t, i) => [t, values[i]]));
    if (!row['Local Interface']) continue;
    const neighbor: LldpNeighbor = { localPort: row['Local Interface'], chassisId: normalizeMac(row['Chassis Id']), portId: row['Port info'] };
    if (row['System Name']) neighbor.systemName = row['System Name'];
    neighbors.push(neighbor);
  }
  return neighbors;
}

/**
 * Junos neighbour detail ("show lldp neighbors interface <if>", and "show lldp neighbors detail" on
 * releases that have it): one "LLDP Neighbor Information:" block per neighbour, with a "Local
 * Information:" part ("Local Interface", "Local Port ID" = the local ifIndex, not the remote port)
 * and a "Neighbour Information:" part, followed by "System capabilities", "Management address" and
 * "Organization Info" sub-sections whose "Index", "Address", "Info" keys belong to that sub-section.
 */
function parseJunosDetail(text: string): LldpNeighbor[] {
  const neighbors: LldpNeighbor[] = [];
  let current: LldpNeighbor | undefined;
  let section: 'local' | 'neighbor' | 'capabilities' | 'management' | 'organization' | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    const heading = line.toLowerCase();
    if (/^lldp neighbou?r information:$/.test(heading)) { current = { localPort: '' }; neighbors.push(current); section = undefined; continue; }
    if (!current) continue;
    if (heading === 'local information:') { section = 'local'; continue; }
    if (/^neighbou?r information:$/.test(heading)) { section = 'neighbor'; continue; }
    if (heading === 'system capabilities') { section = 'capabilities'; continue; }
    if (heading === 'management address') { section = 'management'; continue; }
    if (heading === 'organization info') { section = 'organization'; continue; }
    // "Index: 13 Time to live: 120 Time mark: ... Age: 20 secs" (several fields on one line)
    const ttl = /\bTime to live:\s*(\d+)/i.exec(line);
    if (ttl && section === 'local') { current.ttl = Number(ttl[1]); continue; }
    const m = /^([A-Za-z][A-Za-z /()-]*?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    if (section === 'local') {
      if (key === 'local interface') current.localPort = value;
    } else if (section === 'neighbor') {
      if (key === 'chassis id') current.chassisId = normalizeMac(value);
      else if (key === 'port type') current.portIdSubtype = value.toLowerCase();
      else if (key === 'port id') current.portId = normalizeMac(value);
      else if (key === 'port description' && value) current.portDescription = value;
      else if (key === 'system name' && value) current.systemName = value;
      else if (key === 'system description' && value) current.systemDescription = value;
    } else if (section === 'capabilities') {
      if (key === 'enabled') current.capabilities = value.split(/\s+/).filter(Boolean).map((c) => c.toLowerCase());
    } else if (section === 'management') {
      if (key === 'address' && value) (current.managementAddresses ??= []).push(value);
    }
  }
  return neighbors.filter((n) => n.localPort && n.chassisId !== undefined);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0].slice(0, 120);
}

/**
 * Neighbours from the text of "show lldp neighbors [detail]" on `platform`.
 * Throws when the text holds neither a neighbour table nor detail blocks (an error message,
 * a wrong command, a pager prompt), so a poll never mistakes that for "no neighbours".
 */
export function parseCliNeighbors(text: string, platform: CliPlatform): LldpNeighbor[] {
  const looksEmpty = /Total entries displayed:\s*0\b/.test(text) || /^\s*$/.test(text);
  let neighbors: LldpNeighbor[];
  if (platform === 'eos') {
    if (!/detected \d+ LLDP neighbors/.test(text) && !/^Device ID|^Port\s+Neighbor Device ID/m.test(text) && !looksEmpty) {
      throw new Error(`EOS output has no "Interface ... detected N LLDP neighbors" section: ${firstLine(text)}`);
    }
    neighbors = parseEosDetail(text);
  } else if (platform === 'junos') {
    if (/^\s*LLDP Neighbou?r Information:\s*$/im.test(text) && /^\s*Neighbou?r Information:\s*$/im.test(text)) neighbors = parseJunosDetail(text);
    else if (/^Local Interface\s+/m.test(text) || looksEmpty) neighbors = parseJunosTable(text);
    else throw new Error(`Junos output has no "Local Interface ..." table header nor "LLDP Neighbor Information:" blocks: ${firstLine(text)}`);
  } else if (/^\s*Chassis id:/im.test(text)) {
    neighbors = parseCiscoDetail(text);
  } else if (/^Device ID\s+Local Intf/m.test(text)) {
    neighbors = parseCiscoTable(text);
  } else if (looksEmpty) {
    neighbors = [];
  } else {
    throw new Error(`${platform} output has neither "Chassis id:" blocks nor a "Device ID  Local Intf" table: ${firstLine(text)}`);
  }
  return neighbors;
}
