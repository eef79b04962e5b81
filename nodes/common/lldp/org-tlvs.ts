// Organisationally specific TLVs (type 127): IEEE 802.1 (802.1AB-2016 annex D / 802.1Q annex D),
// IEEE 802.3 (802.3-2018 clause 79) and ANSI/TIA-1057 LLDP-MED. Each decoder gets the info string
// after the OUI and subtype, and returns false when it cannot read it (the caller keeps it raw).
import { MED_CAPABILITY_NAMES } from './constants';
import { bitNames, hexText, tlvText } from './text';
import type { Dot1Info, Dot3Info, LinkAggregation, MedInfo } from './types';

function linkAggregation(info: Buffer): LinkAggregation | undefined {
  if (info.length < 5) return undefined;
  const status = info[0];
  return { capable: (status & 1) !== 0, enabled: (status & 2) !== 0, portId: info.readUInt32BE(1) };
}

export function decodeDot1(subtype: number, info: Buffer, dot1: Dot1Info): boolean {
  switch (subtype) {
    case 1: // Port VLAN ID
      if (info.length < 2) return false;
      dot1.portVlanId = info.readUInt16BE(0);
      return true;
    case 2: // Port and protocol VLAN ID
      if (info.length < 3) return false;
      dot1.protocolVlans.push({ supported: (info[0] & 2) !== 0, enabled: (info[0] & 4) !== 0, vlanId: info.readUInt16BE(1) });
      return true;
    case 3: { // VLAN name
      if (info.length < 3 || info.length < 3 + info[2]) return false;
      dot1.vlanNames.push({ vlanId: info.readUInt16BE(0), name: tlvText(info.subarray(3, 3 + info[2])) });
      return true;
    }
    case 4: // Protocol identity
      if (info.length < 1 || info.length < 1 + info[0]) return false;
      dot1.protocolIdentities.push(hexText(info.subarray(1, 1 + info[0])));
      return true;
    case 5: // VID usage digest
      if (info.length < 4) return false;
      dot1.vidUsageDigest = info.readUInt32BE(0);
      return true;
    case 6: // Management VID
      if (info.length < 2) return false;
      dot1.managementVid = info.readUInt16BE(0);
      return true;
    case 7: { // Link aggregation (moved here from 802.3 by 802.1AX)
      const value = linkAggregation(info);
      if (!value) return false;
      dot1.linkAggregation = value;
      return true;
    }
    default:
      return false;
  }
}

export function decodeDot3(subtype: number, info: Buffer, dot3: Dot3Info): boolean {
  switch (subtype) {
    case 1: // MAC/PHY configuration/status (79.3.1)
      if (info.length < 5) return false;
      dot3.macPhy = {
        autonegSupported: (info[0] & 1) !== 0,
        autonegEnabled: (info[0] & 2) !== 0,
        advertisedCapabilities: info.readUInt16BE(1),
        operationalMauType: info.readUInt16BE(3),
      };
      return true;
    case 2: { // Power via MDI (79.3.2), with the 802.3at fields when present
      if (info.length < 3) return false;
      const support = info[0];
      dot3.power = {
        portClass: (support & 1) !== 0 ? 'PSE' : 'PD',
        pseMdiPowerSupported: (support & 2) !== 0,
        pseMdiPowerEnabled: (support & 4) !== 0,
        psePairsControllable: (support & 8) !== 0,
        psePowerPair: info[1],
        powerClass: info[2],
      };
      if (info.length >= 8) {
        const typeSourcePriority = info[3];
        dot3.power.powerType = typeSourcePriority >> 6;
        dot3.power.powerSource = (typeSourcePriority >> 4) & 3;
        dot3.power.powerPriority = typeSourcePriority & 3;
        dot3.power.pdRequestedPowerWatts = info.readUInt16BE(4) / 10;
        dot3.power.pseAllocatedPowerWatts = info.readUInt16BE(6) / 10;
      }
      return true;
    }
    case 3: { // Link aggregation (deprecated, same layout as the 802.1 one)
      const value = linkAggregation(info);
      if (!value) return false;
      dot3.linkAggregation = value;
      return true;
    }
    case 4: // Maximum frame size (79.3.4)
      if (info.length < 2) return false;
      dot3.maxFrameSize = info.readUInt16BE(0);
      return true;
    default:
      return false;
  }
}

const INVENTORY_FIELDS: Record<number, keyof MedInfo['inventory']> = {
  5: 'hardwareRevision',
  6: 'firmwareRevision',
  7: 'softwareRevision',
  8: 'serialNumber',
  9: 'manufacturer',
  10: 'model',
  11: 'assetId',
};

export function decodeMed(subtype: number, info: Buffer, med: MedInfo): boolean {
  switch (subtype) {
    case 1: { // LLDP-MED capabilities (TIA-1057 10.2.2)
      if (info.length < 3) return false;
      const bits = info.readUInt16BE(0);
      med.capabilities = { bits, capabilities: bitNames(bits, MED_CAPABILITY_NAMES), deviceType: info[2] };
      return true;
    }
    case 2: { // Network policy (10.2.3): application type, then U T X VLAN(12) L2 priority(3) DSCP(6)
      if (info.length < 4) return false;
      const policy = info.readUIntBE(1, 3);
      med.networkPolicies.push({
        applicationType: info[0],
        unknown: (policy & 0x800000) !== 0,
        tagged: (policy & 0x400000) !== 0,
        vlanId: (policy >> 9) & 0xfff,
        priority: (policy >> 6) & 7,
        dscp: policy & 0x3f,
      });
      return true;
    }
    case 3: { // Location identification (10.2.4)
      if (info.length < 1) return false;
      const format = info[0];
      const data = info.subarray(1);
      med.locations.push({ format, data: format === 3 ? data.toString('utf8') : hexText(data) });
      return true;
    }
    case 4: { // Extended power-via-MDI (10.2.5), power in units of 0.1 W
      if (info.length < 3) return false;
      med.extendedPower = {
        powerType: info[0] >> 6,
        powerSource: (info[0] >> 4) & 3,
        powerPriority: info[0] & 0xf,
        powerWatts: info.readUInt16BE(1) / 10,
      };
      return true;
    }
    default: {
      const field = INVENTORY_FIELDS[subtype];
      if (!field) return false;
      med.inventory[field] = tlvText(info);
      return true;
    }
  }
}
