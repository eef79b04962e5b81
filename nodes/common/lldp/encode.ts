// LLDPDU encoder: builds exact frames for tests (round trips, fuzzing, edge cases) and for
// anything that wants to speak LLDP. TLV layout per IEEE 802.1AB-2016 8.4/8.5.
import { LLDP_ETHERTYPE, LLDP_MULTICAST, TlvType } from './constants';

export interface Tlv {
  type: number;
  value: Buffer;
}

function macBytes(mac: string): Buffer {
  const bytes = Buffer.from(mac.replace(/[:.-]/g, ''), 'hex');
  if (bytes.length !== 6) throw new Error(`not a MAC address: ${mac}`);
  return bytes;
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** Builders for the TLVs we need; `raw` covers everything else. */
export const tlv = {
  raw: (type: number, value: Buffer): Tlv => ({ type, value }),
  chassisMac: (mac: string): Tlv => ({ type: TlvType.CHASSIS_ID, value: Buffer.concat([Buffer.of(4), macBytes(mac)]) }),
  chassisLocal: (text: string): Tlv => ({ type: TlvType.CHASSIS_ID, value: Buffer.concat([Buffer.of(7), Buffer.from(text)]) }),
  portName: (name: string): Tlv => ({ type: TlvType.PORT_ID, value: Buffer.concat([Buffer.of(5), Buffer.from(name)]) }),
  portMac: (mac: string): Tlv => ({ type: TlvType.PORT_ID, value: Buffer.concat([Buffer.of(3), macBytes(mac)]) }),
  ttl: (seconds: number): Tlv => { const v = Buffer.alloc(2); v.writeUInt16BE(seconds); return { type: TlvType.TTL, value: v }; },
  portDescription: (text: string): Tlv => ({ type: TlvType.PORT_DESCRIPTION, value: Buffer.from(text) }),
  systemName: (text: string): Tlv => ({ type: TlvType.SYSTEM_NAME, value: Buffer.from(text) }),
  systemDescription: (text: string): Tlv => ({ type: TlvType.SYSTEM_DESCRIPTION, value: Buffer.from(text) }),
  capabilities: (supported: number, enabled: number): Tlv => {
    const v = Buffer.alloc(4);
    v.writeUInt16BE(supported, 0);
    v.writeUInt16BE(enabled, 2);
    return { type: TlvType.SYSTEM_CAPABILITIES, value: v };
  },
  managementIPv4: (address: string, ifIndex: number): Tlv => {
    const v = Buffer.alloc(12);
    v[0] = 5; // subtype + 4 address bytes
    v[1] = 1; // IANA IPv4
    ipv4Bytes(address).copy(v, 2);
    v[6] = 2; // ifIndex numbering
    v.writeUInt32BE(ifIndex, 7);
    v[11] = 0; // no OID
    return { type: TlvType.MANAGEMENT_ADDRESS, value: v };
  },
  organizational: (oui: string, subtype: number, info: Buffer): Tlv => ({
    type: TlvType.ORGANIZATIONAL,
    value: Buffer.concat([Buffer.from(oui.replace(/[-:]/g, ''), 'hex'), Buffer.of(subtype), info]),
  }),
  end: (): Tlv => ({ type: TlvType.END, value: Buffer.alloc(0) }),
};

export function encodeLldpdu(tlvs: readonly Tlv[]): Buffer {
  const parts: Buffer[] = [];
  for (const { type, value } of tlvs) {
    if (type < 0 || type > 127) throw new Error(`TLV type ${type} outside 0..127`);
    if (value.length > 511) throw new Error(`TLV type ${type} value of ${value.length} bytes exceeds 511`);
    const header = Buffer.alloc(2);
    header.writeUInt16BE((type << 9) | value.length);
    parts.push(header, value);
  }
  return Buffer.concat(parts);
}

/** Ethernet II frame to the nearest-bridge address, padded to the 60-byte minimum. */
export function encodeLldpFrame(sourceMac: string, tlvs: readonly Tlv[]): Buffer {
  const header = Buffer.alloc(14);
  macBytes(LLDP_MULTICAST).copy(header, 0);
  macBytes(sourceMac).copy(header, 6);
  header.writeUInt16BE(LLDP_ETHERTYPE, 12);
  const frame = Buffer.concat([header, encodeLldpdu(tlvs)]);
  return frame.length >= 60 ? frame : Buffer.concat([frame, Buffer.alloc(60 - frame.length)]);
}
