// LLDPDU decoder (IEEE 802.1AB-2016 clause 8). Reads straight from the frame; never throws on bad
// input — a TLV that overruns the frame or a missing mandatory TLV is reported in `errors`.
import { CAPABILITY_NAMES, CHASSIS_SUBTYPES, LLDP_ETHERTYPE, OUI, PORT_SUBTYPES, TlvType } from './constants';
import { decodeDot1, decodeDot3, decodeMed } from './org-tlvs';
import { bitNames, familyAddressText, hexText, macText, printableOrHex, tlvText } from './text';
import type { LldpDecodeResult, Lldpdu, ManagementAddress, TypedId } from './types';

/** Chassis/port ID value as text: MAC and network address subtypes decoded, names as UTF-8. */
function typedId(subtype: number, value: Buffer, names: Record<number, string>, macSubtype: number, networkSubtype: number): TypedId {
  let text: string;
  if (subtype === macSubtype && value.length === 6) text = macText(value);
  else if (subtype === networkSubtype && value.length >= 1) text = familyAddressText(value[0], value.subarray(1));
  else text = printableOrHex(value);
  return { subtype, subtypeName: names[subtype] ?? `reserved ${subtype}`, value: text };
}

/** 8.5.9: address string length (subtype + address), subtype, address, interface numbering, OID. */
function managementAddress(value: Buffer): ManagementAddress | string {
  if (value.length < 9) return `management address TLV too short (${value.length} bytes)`;
  const addressLength = value[0];
  if (addressLength < 2 || addressLength > 32 || 1 + addressLength + 6 > value.length) {
    return `management address length ${addressLength} does not fit its TLV (${value.length} bytes)`;
  }
  const family = value[1];
  const address = familyAddressText(family, value.subarray(2, 1 + addressLength));
  let offset = 1 + addressLength;
  const interfaceSubtype = value[offset];
  const interfaceNumber = value.readUInt32BE(offset + 1);
  offset += 5;
  const oidLength = value[offset];
  if (offset + 1 + oidLength > value.length) return `management address OID length ${oidLength} overruns its TLV`;
  const result: ManagementAddress = { family, address, interfaceSubtype, interfaceNumber };
  if (oidLength > 0) result.oid = hexText(value.subarray(offset + 1, offset + 1 + oidLength));
  return result;
}

function emptyLldpdu(): Lldpdu {
  return {
    chassisId: { subtype: 0, subtypeName: '', value: '' },
    portId: { subtype: 0, subtypeName: '', value: '' },
    ttl: 0,
    managementAddresses: [],
    dot1: { protocolVlans: [], vlanNames: [], protocolIdentities: [] },
    dot3: {},
    med: { networkPolicies: [], locations: [], inventory: {} },
    organizational: [],
    reserved: [],
  };
}

/** Decodes the TLV sequence of an LLDPDU (the payload after the Ethernet header). */
export function decodeLldpdu(pdu: Buffer): LldpDecodeResult {
  const errors: string[] = [];
  const du = emptyLldpdu();
  const seen = new Set<number>();
  let offset = 0;
  let index = 0;
  let ended = false;
  while (offset + 2 <= pdu.length) {
    const header = pdu.readUInt16BE(offset);
    const type = header >> 9;
    const length = header & 0x1ff;
    const start = offset + 2;
    if (start + length > pdu.length) {
      errors.push(`TLV ${index} (type ${type}) length ${length} overruns the LLDPDU at offset ${offset} (${pdu.length - start} bytes left)`);
      break;
    }
    const value = pdu.subarray(start, start + length);
    offset = start + length;
    // 8.2: the first three TLVs are chassis ID, port ID, TTL, in that order.
    if (index < 3 && type !== index + 1) errors.push(`TLV ${index} is type ${type}, expected mandatory type ${index + 1}`);
    index++;
    if (type === TlvType.END) { ended = true; break; }
    switch (type) {
      case TlvType.CHASSIS_ID:
      case TlvType.PORT_ID: {
        if (length < 2 || length > 256) { errors.push(`${type === 1 ? 'chassis' : 'port'} ID TLV length ${length} outside 2..256`); break; }
        if (seen.has(type)) { errors.push(`duplicate ${type === 1 ? 'chassis' : 'port'} ID TLV`); break; }
        du[type === 1 ? 'chassisId' : 'portId'] = type === 1
          ? typedId(value[0], value.subarray(1), CHASSIS_SUBTYPES, 4, 5)
          : typedId(value[0], value.subarray(1), PORT_SUBTYPES, 3, 4);
        break;
      }
      case TlvType.TTL:
        if (length < 2) { errors.push(`TTL TLV length ${length} < 2`); break; }
        du.ttl = value.readUInt16BE(0);
        break;
      case TlvType.PORT_DESCRIPTION:
        du.portDescription = tlvText(value);
        break;
      case TlvType.SYSTEM_NAME:
        du.systemName = tlvText(value);
        break;
      case TlvType.SYSTEM_DESCRIPTION:
        du.systemDescription = tlvText(value);
        break;
      case TlvType.SYSTEM_CAPABILITIES: {
        if (length < 4) { errors.push(`system capabilities TLV length ${length} < 4`); break; }
        const supportedBits = value.readUInt16BE(0);
        const enabledBits = value.readUInt16BE(2);
        du.capabilities = { supportedBits, enabledBits, supported: bitNames(supportedBits, CAPABILITY_NAMES), enabled: bitNames(enabledBits, CAPABILITY_NAMES) };
        break;
      }
      case TlvType.MANAGEMENT_ADDRESS: {
        const address = managementAddress(value);
        if (typeof address === 'string') errors.push(address);
        else du.managementAddresses.push(address);
        break;
      }
      case TlvType.ORGANIZATIONAL: {
        if (length < 4) { errors.push(`organisational TLV length ${length} < 4`); break; }
        const oui = [value[0], value[1], value[2]].map((b) => b.toString(16).padStart(2, '0')).join('-');
        const subtype = value[3];
        const info = value.subarray(4);
        const decoded = oui === OUI.IEEE_8021 ? decodeDot1(subtype, info, du.dot1)
          : oui === OUI.IEEE_8023 ? decodeDot3(subtype, info, du.dot3)
          : oui === OUI.TIA_MED ? decodeMed(subtype, info, du.med)
          : false;
        if (!decoded) du.organizational.push({ oui, subtype, info: hexText(info) });
        break;
      }
      default:
        du.reserved.push({ type, value: hexText(value) });
    }
    seen.add(type);
  }
  if (!ended && errors.length === 0) errors.push('LLDPDU has no End Of LLDPDU TLV');
  for (const [type, name] of [[1, 'chassis ID'], [2, 'port ID'], [3, 'TTL']] as const) {
    if (!seen.has(type)) errors.push(`mandatory ${name} TLV missing`);
  }
  if (!seen.has(1) || !seen.has(2) || !seen.has(3)) return { errors };
  return { lldpdu: du, errors };
}

/**
 * Decodes an Ethernet frame carrying an LLDPDU (EtherType 0x88cc, possibly behind 802.1Q tags).
 * Returns undefined when the frame is not LLDP at all.
 */
export function decodeLldpFrame(frame: Buffer): (LldpDecodeResult & { source: string; destination: string }) | undefined {
  if (frame.length < 14) return undefined;
  let offset = 12;
  let etherType = frame.readUInt16BE(offset);
  while ((etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100) && offset + 6 <= frame.length) {
    offset += 4;
    etherType = frame.readUInt16BE(offset);
  }
  if (etherType !== LLDP_ETHERTYPE) return undefined;
  return {
    destination: macText(frame.subarray(0, 6)),
    source: macText(frame.subarray(6, 12)),
    ...decodeLldpdu(frame.subarray(offset + 2)),
  };
}
