// Exact counters: plain numbers while they are safe integers, bigint above 2^53 - 1 (the decoders
// hand out unsigned64 counts the same way), so a sum is never rounded.
export type Count = number | bigint;

/** a + b, exact. Inputs are non-negative integers (number or bigint). */
export function addCount(a: Count, b: Count): Count {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (sum <= Number.MAX_SAFE_INTEGER) return sum;
  }
  const sum = BigInt(a) + BigInt(b);
  return sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum;
}

/** a - b, exact (a >= b). */
export function subtractCount(a: Count, b: Count): Count {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const diff = BigInt(a) - BigInt(b);
  return diff <= BigInt(Number.MAX_SAFE_INTEGER) && diff >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(diff) : diff;
}

/** A record's count field as an exact non-negative integer; anything else is 0. */
export function countOf(value: unknown): Count {
  if (typeof value === 'number') return value >= 0 && Number.isInteger(value) ? value : 0;
  if (typeof value === 'bigint') return value >= 0n ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value) : 0;
  if (typeof value === 'string' && /^\d+$/.test(value)) return countOf(BigInt(value));
  return 0;
}
