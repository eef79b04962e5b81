// tshark as the reference LLDP decoder: the fields we compare, per frame, as tshark prints them.
import { execFileSync } from 'node:child_process';
import type { Lldpdu } from '../../nodes/common/lldp';

/** tshark field → the same value from our decode, printed the way tshark prints it. */
export const COMPARED_FIELDS: Record<string, (du: Lldpdu) => string> = {
  'lldp.chassis.subtype': (du) => String(du.chassisId.subtype),
  'lldp.chassis.id.mac': (du) => (du.chassisId.subtype === 4 ? du.chassisId.value : ''),
  'lldp.port.subtype': (du) => String(du.portId.subtype),
  'lldp.port.id.mac': (du) => (du.portId.subtype === 3 ? du.portId.value : ''),
  'lldp.time_to_live': (du) => String(du.ttl),
  'lldp.tlv.system.name': (du) => du.systemName ?? '',
  'lldp.port.desc': (du) => du.portDescription ?? '',
  'lldp.tlv.system_cap': (du) => (du.capabilities ? '0x' + du.capabilities.supportedBits.toString(16).padStart(4, '0') : ''),
  'lldp.tlv.enable_system_cap': (du) => (du.capabilities ? '0x' + du.capabilities.enabledBits.toString(16).padStart(4, '0') : ''),
  'lldp.mgn.addr.ip4': (du) => du.managementAddresses.filter((m) => m.family === 1).map((m) => m.address).join(','),
  'lldp.mgn.interface.number': (du) => du.managementAddresses.map((m) => m.interfaceNumber).join(','),
  'lldp.ieee.802_1.port_vlan.id': (du) => (du.dot1.portVlanId !== undefined ? String(du.dot1.portVlanId) : ''),
  'lldp.ieee.802_1.vlan.name': (du) => du.dot1.vlanNames.map((v) => v.name).join(','),
  'lldp.ieee.802_3.max_frame_size': (du) => (du.dot3.maxFrameSize !== undefined ? String(du.dot3.maxFrameSize) : ''),
  'lldp.ieee.802_3.pmd_mau_type': (du) => (du.dot3.macPhy ? '0x' + du.dot3.macPhy.operationalMauType.toString(16).padStart(4, '0') : ''),
  'lldp.ieee.802_3.mdi_power_class': (du) => (du.dot3.power ? String(du.dot3.power.powerClass) : ''),
  'lldp.media.subtype.class': (du) => (du.med.capabilities ? String(du.med.capabilities.deviceType) : ''),
  'lldp.media.app_type': (du) => du.med.networkPolicies.map((p) => p.applicationType).join(','),
  'lldp.media.vlan_id': (du) => du.med.networkPolicies.map((p) => p.vlanId).join(','),
  'lldp.media.dscp': (du) => du.med.networkPolicies.map((p) => p.dscp).join(','),
};

/** One row per frame of the file (all frames, LLDP or not), each a field → text map. */
export function tsharkLldpFields(pcapPath: string): Record<string, string>[] {
  const fields = Object.keys(COMPARED_FIELDS);
  const out = execFileSync('tshark', ['-r', pcapPath, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,',
    ...fields.flatMap((f) => ['-e', f]), '-e', '_ws.malformed', '-e', 'eth.type'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l.length > 0).map((line) => {
    const values = line.split('\t');
    const row: Record<string, string> = {};
    [...fields, '_ws.malformed', 'eth.type'].forEach((f, i) => { row[f] = values[i] ?? ''; });
    return row;
  });
}
