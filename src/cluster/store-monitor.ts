/**
 * Is the shared store reachable? A probe (a cheap read: the engine's head) runs every `probeMs`,
 * one at a time; when none has succeeded for `timeoutMs` — failing or hanging alike — the store is
 * *down* (`onDown`), and the first success after that brings it *up* (`onUp`). A node closes its
 * sockets on down (they cannot be served: nothing can be acked or followed) and takes
 * connections again on up; see docs/architecture.md, "Cluster mode".
 */

export interface StoreMonitorOptions {
  timeoutMs: number;
  /** Default: a quarter of timeoutMs, at most 1 s. */
  probeMs?: number;
  probe(): Promise<unknown>;
  onDown(down: { since: number; error: string }): void;
  onUp(downForMs: number): void;
  /** Runs on every probe tick while down (e.g. to close connections that came in meanwhile). */
  whileDown?(): void;
  /** The clock (tests pass their own and call `tick()` themselves). */
  now?: () => number;
}

export class StoreMonitor {
  private readonly now: () => number;
  private lastOk: number;
  private lastError = "no answer yet";
  private probing = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Set while the store is down: since when nothing succeeded, and the last error. */
  down: { since: number; error: string } | undefined;

  constructor(private readonly opts: StoreMonitorOptions) {
    this.now = opts.now ?? Date.now;
    this.lastOk = this.now();
  }

  start(): void {
    const probeMs = this.opts.probeMs ?? Math.min(1000, Math.max(10, Math.floor(this.opts.timeoutMs / 4)));
    this.lastOk = this.now();
    this.timer = setInterval(() => void this.tick(), probeMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One probe period: the timer calls it; the returned promise settles with the probe (for tests). */
  tick(): Promise<void> {
    if (this.down) this.opts.whileDown?.();
    else if (this.now() - this.lastOk > this.opts.timeoutMs) {
      this.down = { since: this.lastOk, error: this.lastError };
      this.opts.onDown(this.down);
    }
    if (this.probing) return Promise.resolve(); // a hung probe counts as failing until it settles
    this.probing = true;
    return this.opts.probe().then(
      () => {
        this.lastOk = this.now();
        const was = this.down;
        this.down = undefined;
        if (was) this.opts.onUp(this.lastOk - was.since);
      },
      (e: unknown) => { this.lastError = (e as Error)?.message ?? String(e); },
    ).finally(() => { this.probing = false; });
  }
}
