/**
 * Process gauges, our own rather than prom-client's collectDefaultMetrics (which has broken
 * under Bun before, oven-sh/bun#17716): resident memory, JS heap, and event-loop lag.
 *
 * Lag is measured by a timer that records how late it ran (every 100 ms while the process is
 * busy, once a second at rest: loop-lag.ts); the gauge shows the worst lateness of the last full
 * second, so a scrape every 15 s still sees a stall of one second's worst rather than whatever
 * the last sample happened to be.
 */
import { watchLoopLag } from "./loop-lag.ts";
import type { Metrics } from "./metrics.ts";

export function startProcessMetrics(m: Metrics): { stop(): void } {
  const rss = m.gauge({ name: "hubbub_process_resident_memory_bytes", help: "Resident set size of the server process." }).labels();
  const heap = m.gauge({ name: "hubbub_process_heap_used_bytes", help: "JavaScript heap in use." }).labels();
  const lag = m.gauge({ name: "hubbub_event_loop_lag_seconds", help: "Worst event-loop delay over the last second (a timer's lateness: every 100 ms while busy, every second at rest)." }).labels();
  const started = m.gauge({ name: "hubbub_process_start_time_seconds", help: "When the server process started, seconds since the epoch." }).labels();
  started.set(Math.round(Date.now() / 1000 - process.uptime()));
  m.onCollect(() => {
    const mem = process.memoryUsage();
    rss.set(mem.rss);
    heap.set(mem.heapUsed);
  });
  return watchLoopLag((worstMs) => lag.set(worstMs / 1000));
}
