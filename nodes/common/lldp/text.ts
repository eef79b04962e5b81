// Text forms of the binary fields LLDP carries.
import { ipv6ToString } from '../packet/text';
import { ADDRESS_FAMILY } from './constants';

export function macText(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function hexText(bytes: Buffer): string {
  return bytes.toString('hex');
}

/** Address in an IANA family: IPv4/IPv6 as text, 802 MAC as aa:bb:.., anything else hex. */
export function familyAddressText(family: number, bytes: Buffer): string {
  if (family === ADDRESS_FAMILY.IPV4 && bytes.length === 4) return [...bytes].join('.');
  if (family === ADDRESS_FAMILY.IPV6 && bytes.length === 16) return ipv6ToString(bytes, 0);
  if (family === ADDRESS_FAMILY.MAC && bytes.length === 6) return macText(bytes);
  return hexText(bytes);
}

/** UTF-8 when the bytes are printable text, hex otherwise (a port ID may be any octet string). */
export function printableOrHex(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /^[^\x00-\x1f\x7f\ufffd]*$/.test(text) ? text : hexText(bytes);
}

export function bitNames(bits: number, names: readonly string[]): string[] {
  return names.filter((_, index) => (bits & (1 << index)) !== 0);
}

/** Cisco "aabb.ccdd.eeff" and "aa-bb-cc-dd-ee-ff" → "aa:bb:cc:dd:ee:ff"; anything else trimmed, unchanged. */
export function normalizeMac(text: string): string {
  const trimmed = text.trim();
  const isMac = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(trimmed) || /^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i.test(trimmed);
  return isMac ? trimmed.toLowerCase().replace(/[.:-]/g, '').match(/../g)!.join(':') : trimmed;
}

/** A text TLV; some agents (Extreme XOS) NUL-terminate their strings, which is not part of the text. */
export function tlvText(value: Buffer): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  return value.toString('utf8', 0, end);
}
