import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { OpenOptions } from "./event-log.ts";

export function ensureParentDir(path: string): void {
  if (path !== ":memory:" && !path.startsWith("file:")) mkdirSync(dirname(path), { recursive: true });
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
