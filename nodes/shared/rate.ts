// Counts events and turns them into a per-second rate for a node's status line.
export class RateMeter {
  total = 0;
  private lastTotal = 0;
  private lastAt = Date.now();

  add(n = 1): void {
    this.total += n;
  }

  /** Events per second since the previous call. */
  sample(now = Date.now()): number {
    const elapsed = (now - this.lastAt) / 1000;
    const rate = elapsed > 0 ? (this.total - this.lastTotal) / elapsed : 0;
    this.lastTotal = this.total;
    this.lastAt = now;
    return rate;
  }
}

/** 1234567 -> "1.2M", 5300 -> "5.3k": short enough for a status dot. */
export function shortNumber(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}
