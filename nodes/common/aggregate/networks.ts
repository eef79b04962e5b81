// Masks an address down to its network (pmacct's src_net/dst_net with networks_mask): text in,
// "a.b.c.d/len" out, IPv6 in RFC 5952 form.
import { isIPv4, isIPv6 } from 'node:net';
import { ipv6ToString } from '../packet/text';

export function maskIPv4(address: string, bits: number): string | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const value = ((+parts[0] << 24) | (+parts[1] << 16) | (+parts[2] << 8) | +parts[3]) >>> 0;
  const masked = bits <= 0 ? 0 : (value & (0xffffffff << (32 - Math.min(bits, 32)))) >>> 0;
  return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${Math.max(0, Math.min(bits, 32))}`;
}

/** 16 bytes of an IPv6 address text (an embedded dotted quad too), undefined when it is not one. */
export function ipv6Bytes(text: string): Buffer | undefined {
  if (!isIPv6(text)) return undefined;
  let groups = text;
  // An embedded dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const o = dotted[1].split('.').map(Number);
    groups = `${text.slice(0, dotted.index)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail = ''] = groups.split('::');
  const h = head ? head.split(':') : [];
  const t = groups.includes('::') ? (tail ? tail.split(':') : []) : [];
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  all.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

export function maskIPv6(address: string, bits: number): string | undefined {
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
