/**
 * Opens the right adapter for the runtime: bun:sqlite under Bun, better-sqlite3 elsewhere,
 * the in-memory log when asked. Dynamic imports keep each driver out of runtimes that lack it.
 */
import type { EventLog, OpenOptions } from "./event-log.ts";

export type StoreKind = "sqlite" | "memory";

export async function openEventLog(opts: OpenOptions & { kind?: StoreKind }): Promise<EventLog> {
  if (opts.kind === "memory") return (await import("./memory-log.ts")).createMemoryLog();
  if (typeof process !== "undefined" && process.versions.bun) {
    return (await import("./sqlite/bun-sqlite.ts")).openBunSqliteLog(opts);
  }
  return (await import("./sqlite/better-sqlite3.ts")).openBetterSqliteLog(opts);
}
