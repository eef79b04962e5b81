// Big-endian unsigned integers as every flow protocol carries them (NetFlow/IPFIX fields of
// 1..8 octets, sFlow's XDR hypers): a number when exact, a bigint above 2^53-1.

const TWO_32 = 4294967296;
/** Largest high word for which hi * 2^32 + lo stays an exact double (2^53 - 1). */
const SAFE_HIGH = 0x1fffff;

/** Unsigned big-endian integer of 1..8 octets: number when exact, bigint above 2^53-1. */
export function readUnsigned(buf: Buffer, off: number, len: number): number | bigint {
  if (len <= 4) {
    if (len === 4) return buf.readUInt32BE(off);
    if (len === 2) return buf.readUInt16BE(off);
    if (len === 1) return buf[off];
    return buf.readUIntBE(off, len);
  }
  // 5..8 octets (callers guarantee len <= 8).
  const hiLen = len - 4;
  const hi = hiLen === 4 ? buf.readUInt32BE(off) : buf.readUIntBE(off, hiLen);
  const lo = buf.readUInt32BE(off + hiLen);
  if (hi <= SAFE_HIGH) return hi * TWO_32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** 8-octet unsigned as readUnsigned gives it, without the length switch (hot paths). */
export function readUnsigned64(b: Buffer, o: number): number | bigint {
  const hi = b[o] * 16777216 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
  const lo = b[o + 4] * 16777216 + ((b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]);
  return hi <= SAFE_HIGH ? hi * TWO_32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}
