/**
 * One server per database file: an exclusive flock on a sidecar file `<db>.lock`, held for
 * the server's whole life and dropped by the kernel when the process ends, however it ends
 * (kill -9 never leaves a stale lock; flock.ts says why flock).
 *
 * The lock is on the sidecar, never on the database itself, on purpose: operator tools
 * (backup, log verify/export) open the database while the server runs and must not need it.
 * The sidecar holds a one-line JSON record of the holder (pid, host, start time), written only
 * after the lock is taken, so a refused server can say who holds it.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { tryLockExclusive } from "./flock.ts";
import { StartupError } from "./startup-error.ts";

export interface LockHolder { pid: number; host: string; startedAt: string }

export interface DbLock {
  readonly path: string;
  /** Drops the lock (the kernel also does at exit). The file stays: removing it would race a new holder. */
  release(): void;
}

export const lockPathFor = (dbPath: string): string => `${dbPath}.lock`;

/** `dbPath` must be absolute (the message names it). Throws StartupError when another process holds it. */
export function lockDatabase(dbPath: string): DbLock {
  const path = lockPathFor(dbPath);
  let fd: number;
  try {
    fd = openSync(path, "a+"); // created if missing, never truncated before we hold the lock
  } catch (e) {
    throw new StartupError(`cannot open the lock file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): make it and its directory writable by this user`);
  }
  let locked: boolean;
  try {
    locked = tryLockExclusive(fd);
  } catch (e) {
    closeSync(fd);
    throw new StartupError(`cannot lock ${path} (${(e as Error).message}): put the database on a local filesystem that supports file locks`);
  }
  if (!locked) {
    closeSync(fd);
    throw new StartupError(`database ${dbPath} is in use by ${describeHolder(readHolder(path))}: stop that server first, or give this one another --db`);
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  ftruncateSync(fd, 0);
  writeSync(fd, JSON.stringify(holder) + "\n", 0);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      closeSync(fd); // closing the last descriptor of the open file drops the flock
    },
  };
}

export function readHolder(lockPath: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(lockPath, "utf8")) as Partial<LockHolder>;
    if (typeof h.pid === "number" && typeof h.host === "string" && typeof h.startedAt === "string") return h as LockHolder;
  } catch {
    // Empty or half-written: the holder is between taking the lock and writing its record.
  }
  return undefined;
}

const describeHolder = (h: LockHolder | undefined): string =>
  h ? `another hubbub (pid ${h.pid} on ${h.host}, started ${h.startedAt})` : "another hubbub (holder not recorded yet)";
