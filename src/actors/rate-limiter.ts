/** A token bucket per connection: `rate` commands per second, bursts up to `burst`. */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();
  private denied = 0;

  constructor(private readonly rate: number, private readonly burst: number) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
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
}
