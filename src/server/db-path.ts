/**
 * Checks the database path before SQLite sees it, and turns what SQLite throws while opening
 * and replaying into one line for the operator: what is wrong and what to do. Without this
 * each of these was a raw stack trace (issue 9).
 */
import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { StartupError } from "./startup-error.ts";

const SQLITE_HEADER = "SQLite format 3\0";

const code = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? "");

function reason(e: unknown): string {
  switch (code(e)) {
    case "EACCES": case "EPERM": return "permission denied";
    case "EROFS": return "read-only filesystem";
    case "ENOSPC": return "no space left";
    default: return code(e) || (e as Error).message;
  }
}

/** `path` is absolute. Throws StartupError for anything that would stop SQLite from opening it read-write. */
export function checkDatabasePath(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    if (code(e) === "ENOTDIR" || code(e) === "EEXIST") throw new StartupError(`cannot create the data directory ${dir}: part of that path is a file, not a directory; choose another --db`);
    throw new StartupError(`cannot create the data directory ${dir} (${reason(e)}): create it writable by this user, or choose another --db`);
  }
  if (!statSync(dir).isDirectory()) throw new StartupError(`the data directory ${dir} is not a directory; choose another --db`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new StartupError(`the data directory ${dir} is not writable (${reason(e)}): SQLite creates its -wal and -shm files beside the database, so make the directory writable by this user, or choose another --db`);
  }
  let st;
  try { st = statSync(path); } catch { return; } // no file yet: SQLite creates it
  if (st.isDirectory()) throw new StartupError(`${path} is a directory, not a database file: point --db at a file, e.g. --db ${path}/hubbub.db`);
  if (!st.isFile()) throw new StartupError(`${path} is not a regular file: point --db at a database file`);
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (e) {
    throw new StartupError(`the database ${path} is read-only (${reason(e)}): make it readable and writable by this user (chown/chmod), or choose another --db`);
  }
  if (st.size > 0 && readHeader(path) !== SQLITE_HEADER) {
    throw new StartupError(`${path} is not an SQLite database: point --db at the right file, or move this one aside to start a new, empty database`);
  }
}

function readHeader(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(SQLITE_HEADER.length);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("latin1");
  } finally {
    closeSync(fd);
  }
}

/** What SQLite threw while opening, migrating or replaying `path`, as one line. */
export function openFailure(path: string, e: unknown): StartupError {
  const c = code(e);
  const msg = (e as Error)?.message ?? String(e);
  if (c.startsWith("SQLITE_NOTADB")) return new StartupError(`${path} is not an SQLite database (${msg}): point --db at the right file, or move this one aside to start a new, empty database`);
  if (c.startsWith("SQLITE_CORRUPT")) return new StartupError(`the database ${path} is damaged (${msg}): restore it from a backup, or move it aside to start a new, empty database`);
  if (c.startsWith("SQLITE_READONLY")) return new StartupError(`the database ${path} is read-only (${msg}): make it and its -wal and -shm files writable by this user`);
  if (c.startsWith("SQLITE_FULL")) return new StartupError(`no space left to open the database ${path}: free disk space and start again`);
  if (c.startsWith("SQLITE_CANTOPEN")) return new StartupError(`cannot open the database ${path} (${msg}): check that it and its directory are readable and writable by this user`);
  if (c.startsWith("SQLITE_BUSY")) return new StartupError(`the database ${path} is locked by another program (${msg}): stop it and start again`);
  return new StartupError(`cannot open the database ${path}: ${msg}`);
}
