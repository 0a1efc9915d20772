import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type { OpenOptions } from "../event-log.ts";

/**
 * Makes the database's directory (0700 when new) and, when the file is new, creates it empty with
 * mode 0600 before SQLite opens it: the log holds every DM, and SQLite gives the -wal and -shm
 * files the database's own mode. (SQLite alone would create 0644: any local user could read it.)
 * An existing file keeps the mode its operator gave it.
 */
export function ensureParentDir(path: string): void {
  if (path === ":memory:" || path.startsWith("file:")) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

/** WAL lets readers run beside the single writer; busy_timeout covers a second process opening the file. */
export function pragmas(opts: OpenOptions): string[] {
  return [
    "PRAGMA journal_mode = WAL",
    `PRAGMA synchronous = ${opts.synchronous ?? "FULL"}`,
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
  ];
}
