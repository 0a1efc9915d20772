/**
 * `hubbub backup PATH`: an online backup with SQLite's VACUUM INTO, taken through a read-only
 * connection while the server goes on serving. The copy holds every event committed before it
 * started. It is written under a temporary name in PATH's directory (created empty with mode
 * 0600 first, so it is never readable by others), checked, fsync'd, then moved into place in one
 * step: PATH is always either what it was or a whole, checked backup.
 */
import { existsSync, linkSync, renameSync, statSync, unlinkSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SqliteReader } from "../store/sqlite/sqlite-reader.ts";
import { OpsError } from "./errors.ts";
import { checkCopy, createPrivateTemp, syncPath } from "./files.ts";

export interface BackupReport {
  path: string;
  bytes: number;
  events: number;
  lastPos: number;
  ms: number;
}

export function backup(source: SqliteReader, sourcePath: string, target: string, force: boolean): BackupReport {
  const t0 = performance.now();
  const abs = resolve(target);
  if (abs === resolve(sourcePath)) throw new OpsError(`${abs} is the database itself: back it up to another path`);
  const dir = dirname(abs);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new OpsError(`directory ${dir} does not exist (create it first)`);
  if (existsSync(abs)) {
    if (statSync(abs).isDirectory()) throw new OpsError(`${abs} is a directory: give a file path`);
    if (!force) throw new OpsError(`${abs} exists (add --force to replace it)`);
  }
  const tmp = createPrivateTemp(abs);
  try {
    source.vacuumInto(tmp);
    const { events, lastPos } = checkCopy(tmp);
    syncPath(tmp);
    place(tmp, abs, force);
    syncPath(dir);
    return { path: abs, bytes: statSync(abs).size, events, lastPos, ms: performance.now() - t0 };
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}

/** Without --force, link() refuses to replace a file that appeared meanwhile; rename() replaces atomically. */
function place(tmp: string, abs: string, force: boolean): void {
  if (force) return renameSync(tmp, abs);
  try {
    linkSync(tmp, abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new OpsError(`${abs} exists (add --force to replace it)`);
    throw e;
  }
}
