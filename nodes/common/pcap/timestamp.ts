// Exact conversion of pcapng timestamps (64-bit counts of if_tsresol units) to seconds + ns.
// pcapng draft (draft-ietf-opsawg-pcapng) section 4.2: if_tsresol's high bit selects a power of
// two, otherwise a power of ten; the default is 10^-6 s. A 64-bit count does not fit a double,
// so the common decimal resolutions are divided exactly with 16-bit long division and the rare
// ones (binary, finer than 1 ns) go through BigInt.
import { CaptureTimestamp } from './types';

const TWO_32 = 4294967296;
const TWO_21 = 2097152;

export interface TimestampUnit {
  base: 10 | 2;
  exponent: number;
  /** units per second, when base 10 and exponent <= 9 (the exact fast path) */
  divisor: number;
  /** nanoseconds per unit for the fast path */
  nsPerUnit: number;
}

function timestampUnit(base: 10 | 2, exponent: number): TimestampUnit {
  const fast = base === 10 && exponent <= 9;
  return {
    base,
    exponent,
    divisor: fast ? 10 ** exponent : 0,
    nsPerUnit: fast ? 10 ** (9 - exponent) : 0,
  };
}

export const MICROSECONDS = timestampUnit(10, 6);

/** Decode the if_tsresol option byte. */
export function unitFromTsresol(byte: number): TimestampUnit {
  return byte & 0x80 ? timestampUnit(2, byte & 0x7f) : timestampUnit(10, byte & 0x7f);
}

/** Converts `high * 2^32 + low` units (plus if_tsoffset seconds) into an exact timestamp. */
export function unitsToTimestamp(high: number, low: number, unit: TimestampUnit, offsetSeconds: number): CaptureTimestamp {
  const d = unit.divisor;
  if (d !== 0) {
    let seconds: number;
    let rest: number;
    if (high < TWO_21) {
      // The count is below 2^53: exact as a double. Float division may round up across an
      // integer, so fix the quotient with the (exact) remainder.
      const value = high * TWO_32 + low;
      seconds = Math.floor(value / d);
      rest = value - seconds * d;
      if (rest < 0) {
        seconds -= 1;
        rest += d;
      } else if (rest >= d) {
        seconds += 1;
        rest -= d;
      }
    } else {
      // Long division in base 2^16; every intermediate stays below 2^46.
      const digits = [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff];
      seconds = 0;
      rest = 0;
      for (const digit of digits) {
        const cur = rest * 65536 + digit;
        const q = Math.floor(cur / d);
        rest = cur - q * d;
        seconds = seconds * 65536 + q;
      }
    }
    return new CaptureTimestamp(seconds + offsetSeconds, rest * unit.nsPerUnit);
  }
  const value = (BigInt(high) << 32n) | BigInt(low);
  const perSecond = unit.base === 10 ? 10n ** BigInt(unit.exponent) : 1n << BigInt(unit.exponent);
  const seconds = value / perSecond;
  const fraction = value % perSecond;
  // Round down to whole nanoseconds (finer resolutions cannot be represented).
  const ns = (fraction * 1_000_000_000n) / perSecond;
  return new CaptureTimestamp(Number(seconds) + offsetSeconds, Number(ns));
}
