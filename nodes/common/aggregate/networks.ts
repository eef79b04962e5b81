// Masks an address down to its network (pmacct's src_net/dst_net with networks_mask): text in,
// "a.b.c.d/len" out, IPv6 in RFC 5952 form.
import { isIPv4 } from 'node:net';
import { ipv6Bytes, ipv6ToString } from '../packet/text';

function maskIPv4(address: string, bits: number): string | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const value = ((+parts[0] << 24) | (+parts[1] << 16) | (+parts[2] << 8) | +parts[3]) >>> 0;
  const masked = bits <= 0 ? 0 : (value & (0xffffffff << (32 - Math.min(bits, 32)))) >>> 0;
  return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${Math.max(0, Math.min(bits, 32))}`;
}

function maskIPv6(address: string, bits: number): string | undefined {
  const b = ipv6Bytes(address);
  if (!b) return undefined;
  const len = Math.max(0, Math.min(bits, 128));
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    b[i] &= keep === 8 ? 0xff : (0xff << (8 - keep)) & 0xff;
  }
  return `${ipv6ToString(b, 0)}/${len}`;
}

/** The network of an IPv4 or IPv6 address text, or undefined when it is neither. */
export function maskAddress(address: string, bits4: number, bits6: number): string | undefined {
  if (isIPv4(address)) return maskIPv4(address, bits4);
  return maskIPv6(address, bits6);
}
