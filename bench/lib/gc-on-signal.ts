/**
 * Preloaded into a server under measurement (`bun --preload bench/lib/gc-on-signal.ts …`): on
 * SIGUSR2 it runs a full GC and writes one JSON line of memory figures to the file named by
 * $GC_REPORT. RSS read from outside at an arbitrary moment includes whatever garbage the last
 * allocation burst left for the collector (with $GC_TYPES set, the line also has JSC's live
 * object counts by type: a census; with $GC_SHRINK, Bun.shrink() runs after the GC, to see what
 * JSC's idle shrink would give back); after a forced GC both servers are read in the same
 * state, so RSS per connection compares what each keeps, not when its GC last ran.
 */
import { appendFileSync } from "node:fs";
import { heapStats } from "bun:jsc";

const report = process.env.GC_REPORT;
process.on("SIGUSR2", () => {
  Bun.gc(true);
  if (process.env.GC_SHRINK) Bun.shrink();
  if (!report) return;
  const h = heapStats();
  const m = process.memoryUsage();
  appendFileSync(report, JSON.stringify({ rss: m.rss, heapSize: h.heapSize, heapCapacity: h.heapCapacity, extraMemorySize: h.extraMemorySize, ...(process.env.GC_TYPES ? { types: h.objectTypeCounts } : {}) }) + "\n");
});
