/** File steps the backup and the restore share: a private temporary file, a checked copy, fsync. */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { openBunSqliteReader } from "../store/sqlite/bun-sqlite.ts";
import { OpsError } from "./errors.ts";

/** An empty file beside `target` (same filesystem, so a rename is atomic), mode 0600 from birth. */
export function createPrivateTemp(target: string): string {
  const tmp = resolve(dirname(target), `.${basename(target)}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  closeSync(openSync(tmp, "wx", 0o600));
  return tmp;
}

/** A copy must be a sound hubbub database before it replaces anything. Returns what it holds. */
export function checkCopy(path: string): { events: number; lastPos: number } {
  const copy = openBunSqliteReader(path);
  try {
    const problems = copy.all<{ quick_check: string }>("PRAGMA quick_check").map((r) => r.quick_check).filter((r) => r !== "ok");
    if (problems.length > 0) throw new OpsError(`the copy failed SQLite's quick_check: ${problems[0]}`);
    const r = copy.get<{ n: number; last: number | null }>("SELECT count(*) AS n, max(pos) AS last FROM events");
    return { events: r?.n ?? 0, lastPos: r?.last ?? 0 };
  } finally {
    copy.close();
  }
}

/** fsync a file, or a directory (so a rename in it survives a power loss). */
export function syncPath(path: string): void {
  const fd = openSync(path, "r");
  try { fsyncSync(fd); } finally { closeSync(fd); }
}
