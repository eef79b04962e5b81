// Bounds-checked XDR cursor (RFC 4506 big-endian, 4-octet alignment) for sFlow v5 structures.
import * as text from '../packet/text';
import * as integers from '../flow/integers';
import * as wire from './wire';

// Module-local bindings: one lookup at load, not an export getter per call (tsx/CJS output).
const ipv4 = text.ipv4ToString, ipv6 = text.ipv6ToString, mac = text.macToString;
const readUnsigned64 = integers.readUnsigned64;
const ADDRESS_TYPE = wire.ADDRESS_TYPE;

export class XdrTruncated extends Error {}

export class Xdr {
  constructor(readonly buf: Buffer, public off: number, public end: number) {}

  need(n: number): void {
    if (n < 0 || this.off + n > this.end) throw new XdrTruncated(`needs ${n} octets at ${this.off}, ${this.end - this.off} left`);
  }
  u32(): number {
    const o = this.off;
    if (o + 4 > this.end) this.need(4); // throws
    const b = this.buf;
    this.off = o + 4;
    return b[o] * 16777216 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
  }
  /** int: two's complement. */
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.off);
    this.off += 4;
    return v;
  }
  /** unsigned hyper: number when exact, bigint above 2^53-1. */
  u64(): number | bigint {
    this.need(8);
    const v = readUnsigned64(this.buf, this.off);
    this.off += 8;
    return v;
  }
  float(): number {
    this.need(4);
    const v = this.buf.readFloatBE(this.off);
    this.off += 4;
    return v;
  }
  /** Variable-length opaque: 4-octet length then the bytes padded to 4. */
  opaque(max = Infinity): Buffer {
    const len = this.u32();
    if (len > max) throw new XdrTruncated(`opaque of ${len} octets exceeds ${max}`);
    this.need(len);
    const b = this.buf.subarray(this.off, this.off + len);
    this.off += (len + 3) & ~3;
    if (this.off > this.end) this.off = this.end;
    return b;
  }
  string(): string {
    return this.opaque().toString('utf8');
  }
  fixed(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += (n + 3) & ~3;
    if (this.off > this.end) this.off = this.end;
    return b;
  }
  ipv4(): string {
    this.need(4);
    const s = ipv4(this.buf, this.off);
    this.off += 4;
    return s;
  }
  ipv6(): string {
    this.need(16);
    const s = ipv6(this.buf, this.off);
    this.off += 16;
    return s;
  }
  /** sFlow `address`: IPv4, IPv6, or unknown (no bytes). */
  address(): string | undefined {
    const type = this.u32();
    if (type === ADDRESS_TYPE.ipv4) return this.ipv4();
    if (type === ADDRESS_TYPE.ipv6) return this.ipv6();
    if (type === ADDRESS_TYPE.unknown) return undefined;
    throw new XdrTruncated(`unknown address type ${type}`);
  }
  mac(): string {
    this.need(6);
    const s = mac(this.buf, this.off);
    this.off += 8; // mac is opaque[6] padded to 8
    return s;
  }
}
