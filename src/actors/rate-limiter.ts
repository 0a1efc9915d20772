/** A token bucket: `rate` per second, bursts up to `burst`. */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();
  private denied = 0;

  constructor(private readonly rate: number, private readonly burst: number) {
    this.tokens = burst;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  take(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.denied = 0;
      return true;
    }
    this.denied += 1;
    return false;
  }

  /** Still sending after a whole burst's worth of refusals in a row: not a client that listens. */
  flooding(): boolean { return this.denied > this.burst; }

  /**
   * For costs known only after the work (bytes read and encoded): takes `n` even if that leaves
   * the bucket in debt; `inCredit` stays false until the debt is paid back at `rate`.
   */
  spend(n: number): void {
    this.refill();
    this.tokens -= n;
  }

  inCredit(): boolean {
    this.refill();
    return this.tokens > 0;
  }

  /** Milliseconds until the bucket is back in credit (0 when it is). */
  msUntilCredit(): number {
    this.refill();
    return this.tokens > 0 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  /** Refilled to the brim: the same as a fresh bucket, so it need not be kept. */
  full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }
}

/** The burst every bucket of a given rate allows: two seconds' worth, and never fewer than 20. */
export const burstFor = (rate: number): number => Math.max(2 * rate, 20);

/**
 * Token buckets by key (a user, an address). A bucket that has refilled is dropped at the next
 * sweep, since a fresh one would be identical: memory follows who is active, not who ever was.
 */
export class Budgets {
  private readonly buckets = new Map<string, RateLimiter>();

  constructor(private readonly rate: number, private readonly burst: number) {}

  of(key: string): RateLimiter {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new RateLimiter(this.rate, this.burst)));
    return b;
  }

  /** Drops refilled buckets; returns how many are kept. */
  sweep(): number {
    for (const [k, b] of this.buckets) if (b.full()) this.buckets.delete(k);
    return this.buckets.size;
  }

  get size(): number { return this.buckets.size; }
}
