/**
 * Reads a server's memory after a full GC: the server must run with bench/lib/gc-on-signal.ts
 * preloaded and $GC_REPORT set to `file`. Two signals: the first collects, then a settle lets the
 * allocator hand back what was freed, the second collects again and reports.
 */
import { readFileSync } from "node:fs";
import type { ServerProc } from "./proc.ts";

export const GC_PRELOAD = new URL("./gc-on-signal.ts", import.meta.url).pathname;

export interface GcReading { rss: number; heapSize: number; heapCapacity: number; extraMemorySize: number; types?: Record<string, number> }

export async function gcReading(server: ServerProc, file: string, settleMs = 2000): Promise<GcReading> {
  const lines = () => { try { return readFileSync(file, "utf8").trim().split("\n").filter(Boolean); } catch { return []; } };
  const had = lines().length;
  server.proc.kill("SIGUSR2");
  while (lines().length === had) await Bun.sleep(20);
  await Bun.sleep(settleMs);
  server.proc.kill("SIGUSR2");
  while (lines().length === had + 1) await Bun.sleep(20);
  return JSON.parse(lines().at(-1)!) as GcReading;
}
