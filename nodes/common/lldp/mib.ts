// LLDP-MIB (IEEE 802.1AB-2005 annex 12, root 1.0.8802.1.1.2): the objects a poller walks and the
// mapping of walked varbinds onto a device report.
import { CAPABILITY_NAMES, PORT_SUBTYPES } from './constants';
import { familyAddressText, macText, printableOrHex } from './text';
import type { LldpDeviceReport, LldpNeighbor } from './types';

const ROOT = '1.0.8802.1.1.2.1';
export const LLDP_MIB = {
  /** lldpLocalSystemData: chassis ID, system name/description, lldpLocPortTable. */
  localSystemData: `${ROOT}.3`,
  /** lldpRemoteSystemsData: lldpRemTable and lldpRemManAddrTable. */
  remoteSystemsData: `${ROOT}.4`,
  locChassisIdSubtype: `${ROOT}.3.1.0`,
  locChassisId: `${ROOT}.3.2.0`,
  locSysName: `${ROOT}.3.3.0`,
  locPortEntry: `${ROOT}.3.7.1`,
  remEntry: `${ROOT}.4.1.1`,
  remManAddrEntry: `${ROOT}.4.2.1`,
} as const;

export type MibValue = Buffer | string | number | bigint | null;
export interface MibVarbind { oid: string; value: MibValue }

function bytes(value: MibValue): Buffer {
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(value === null || value === undefined ? '' : String(value));
}
function text(value: MibValue): string { return bytes(value).toString('utf8'); }
function int(value: MibValue): number { return typeof value === 'number' ? value : Number(value); }

/** A chassis/port ID (LldpChassisId/LldpPortId): MAC and network-address subtypes decoded. */
function idText(subtype: number, value: MibValue, macSubtype: number, networkSubtype: number): string {
  const b = bytes(value);
  if (subtype === macSubtype && b.length === 6) return macText(b);
  if (subtype === networkSubtype && b.length > 1) return familyAddressText(b[0], b.subarray(1));
  return printableOrHex(b);
}

/** LldpSystemCapabilitiesMap is an SNMP BITS value: bit 0 is the most significant bit of octet 0. */
function capabilityNames(value: MibValue): string[] {
  const b = bytes(value);
  return CAPABILITY_NAMES.filter((_, bit) => bit < b.length * 8 && (b[bit >> 3] & (0x80 >> (bit & 7))) !== 0);
}

/** Splits "prefix.column.index..." into column and index arcs when the OID is under `prefix`. */
function columnOf(oid: string, prefix: string): { column: number; index: number[] } | undefined {
  const bare = oid.startsWith('.') ? oid.slice(1) : oid;
  if (!bare.startsWith(prefix + '.')) return undefined;
  const arcs = bare.slice(prefix.length + 1).split('.').map(Number);
  return { column: arcs[0], index: arcs.slice(1) };
}

/** Local port name: the port ID when it is a name (alias, ifName, local), else the description. */
function localPortName(columns: Map<number, MibValue>, portNumber: number): string {
  const subtype = int(columns.get(2) ?? 0);
  const id = columns.get(3);
  if (id !== undefined && [1, 5, 7].includes(subtype)) return text(id);
  const description = columns.get(4);
  if (description !== undefined && text(description)) return text(description);
  return id !== undefined ? idText(subtype, id, 3, 4) : String(portNumber);
}

/**
 * Device report from the varbinds of a walk of lldpLocalSystemData and lldpRemoteSystemsData.
 * `fallbackName` (the polled address) names a device that has no lldpLocSysName.
 */
export function reportFromLldpMib(varbinds: readonly MibVarbind[], fallbackName: string): LldpDeviceReport {
  let chassisSubtype = 0;
  let chassisValue: MibValue | undefined;
  let systemName: string | undefined;
  const localPorts = new Map<number, Map<number, MibValue>>();
  const remotes = new Map<string, { localPort: number; columns: Map<number, MibValue> }>();
  const remoteAddresses = new Map<string, string[]>();
  for (const { oid, value } of varbinds) {
    const bare = oid.startsWith('.') ? oid.slice(1) : oid;
    if (bare === LLDP_MIB.locChassisIdSubtype) chassisSubtype = int(value);
    else if (bare === LLDP_MIB.locChassisId) chassisValue = value;
    else if (bare === LLDP_MIB.locSysName) systemName = text(value);
    let cell = columnOf(bare, LLDP_MIB.locPortEntry);
    if (cell && cell.index.length === 1) {
      const columns = localPorts.get(cell.index[0]) ?? new Map<number, MibValue>();
      columns.set(cell.column, value);
      localPorts.set(cell.index[0], columns);
      continue;
    }
    // lldpRemEntry INDEX { lldpRemTimeMark, lldpRemLocalPortNum, lldpRemIndex }
    cell = columnOf(bare, LLDP_MIB.remEntry);
    if (cell && cell.index.length === 3) {
      const key = cell.index.join('.');
      const row = remotes.get(key) ?? { localPort: cell.index[1], columns: new Map<number, MibValue>() };
      row.columns.set(cell.column, value);
      remotes.set(key, row);
      continue;
    }
    // lldpRemManAddrEntry INDEX { ...lldpRemEntry index, lldpRemManAddrSubtype, lldpRemManAddr }
    // with the address as a length-prefixed OCTET STRING in the index (RFC 2578 7.7).
    cell = columnOf(bare, LLDP_MIB.remManAddrEntry);
    if (cell && cell.index.length >= 5 && cell.column === 3) {
      const key = cell.index.slice(0, 3).join('.');
      const family = cell.index[3];
      const length = cell.index[4];
      const address = familyAddressText(family, Buffer.from(cell.index.slice(5, 5 + length)));
      const list = remoteAddresses.get(key) ?? [];
      if (!list.includes(address)) list.push(address);
      remoteAddresses.set(key, list);
    }
  }
  const neighbors: LldpNeighbor[] = [];
  for (const [key, { localPort, columns }] of remotes) {
    const portColumns = localPorts.get(localPort) ?? new Map<number, MibValue>();
    const neighbor: LldpNeighbor = { localPort: localPortName(portColumns, localPort) };
    const chassisIdSubtype = int(columns.get(4) ?? 0);
    const portIdSubtype = int(columns.get(6) ?? 0);
    if (columns.has(5)) neighbor.chassisId = idText(chassisIdSubtype, columns.get(5)!, 4, 5);
    if (columns.has(7)) neighbor.portId = idText(portIdSubtype, columns.get(7)!, 3, 4);
    if (portIdSubtype) neighbor.portIdSubtype = PORT_SUBTYPES[portIdSubtype] ?? `reserved ${portIdSubtype}`;
    if (columns.has(8)) neighbor.portDescription = text(columns.get(8)!);
    if (columns.has(9)) neighbor.systemName = text(columns.get(9)!);
    if (columns.has(10)) neighbor.systemDescription = text(columns.get(10)!);
    if (columns.has(12)) neighbor.capabilities = capabilityNames(columns.get(12)!);
    const addresses = remoteAddresses.get(key);
    if (addresses) neighbor.managementAddresses = addresses;
    neighbors.push(neighbor);
  }
  const report: LldpDeviceReport = { device: systemName || fallbackName, source: 'snmp', neighbors };
  if (chassisValue !== undefined) report.chassisId = idText(chassisSubtype, chassisValue, 4, 5);
  return report;
}
