/**
 * Event-loop lag: a timer that records how late it ran. A loop blocked for L ms across a tick's
 * due time makes that tick late by up to L, so the ticks' spacing bounds what is seen: every
 * block is reported as at least its length minus the spacing.
 *
 * The spacing adapts, because a waking timer is not free: on an idle server a 100 ms timer was
 * half of all its CPU (10 wake-ups a second, each also waking the allocator's scavenger thread:
 * +0.2 % of a core in a bare Bun process; bench/results/analysis.md). So the timer ticks every
 * 100 ms while the process is busy — it used at least 5 % of a core since the last tick, or a
 * tick ran 10 ms late — and for a second after; otherwise once a second. Under load the reading
 * is exactly that of a 100 ms timer; at rest a block is still seen, as at least its length minus
 * one second, and the work that blocked switches the timer back to 100 ms.
 */

export const FAST_MS = 100;
export const SLOW_MS = 1000;
/** The gauge's window: the worst lateness over at least this long is reported. */
export const WINDOW_MS = 1000;
/** A tick this late means the loop was busy, whatever the CPU says (a blocking fsync uses none). */
const BUSY_LATE_MS = 10;
/** Share of one core used since the last tick above which the process counts as busy. */
const BUSY_CPU_SHARE = 0.05;

/** What the watcher reads and schedules with; the default is the process's own. */
export interface LagClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** CPU milliseconds the process has used (all threads). */
  cpuMs(): number;
  /** Runs `f` once after `ms`; must not keep the process alive. */
  after(ms: number, f: () => void): { cancel(): void };
}

export const processClock: LagClock = {
  now: () => performance.now(),
  cpuMs: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
  after: (ms, f) => {
    const t = setTimeout(f, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** Calls `report` with the worst lateness (ms) of each window of at least WINDOW_MS. */
export function watchLoopLag(report: (worstMs: number) => void, clock: LagClock = processClock): { stop(): void } {
  let delay = FAST_MS; // a starting server is busy
  let last = clock.now();
  let lastCpu = clock.cpuMs();
  let lastBusy = last;
  let windowFrom = last;
  let worst = 0;
  let timer: { cancel(): void } | undefined;
  const tick = () => {
    const now = clock.now();
    const cpu = clock.cpuMs();
    const late = Math.max(0, now - last - delay);
    worst = Math.max(worst, late);
    if (late >= BUSY_LATE_MS || cpu - lastCpu >= BUSY_CPU_SHARE * (now - last)) lastBusy = now;
    // Ten 100 ms ticks make a window, as before; so does one 1 s tick.
    if (now - windowFrom >= WINDOW_MS - FAST_MS / 2) {
      report(worst);
      worst = 0;
      windowFrom = now;
    }
    delay = now - lastBusy < WINDOW_MS ? FAST_MS : SLOW_MS;
    last = now;
    lastCpu = cpu;
    timer = clock.after(delay, tick);
  };
  timer = clock.after(delay, tick);
  return { stop: () => timer?.cancel() };
}
