/**
 * `hubbub restore BACKUP`: puts a backup in place of the database, with the server stopped.
 *
 * - It takes the server's own start-up lock (`<db>.lock`), so it refuses while a server runs
 *   on the database, and no server can start while it works.
 * - The restored log gets a NEW epoch. Events after the backup are gone, and their seqs will be
 *   given to new events; a client that saw the lost ones would otherwise take the new events at
 *   those seqs for ones it already has. With a new epoch every client drops its cursors and
 *   starts afresh (docs/protocol.md), which is the truth: this is another log.
 * - The current database is not deleted: it and its -wal (which may hold its last commits) are
 *   renamed aside, `<db>.replaced-<time>`; its -shm (only an index of the -wal) is removed, so
 *   nothing of the old file is ever read as part of the new one.
 * - The copy is made (VACUUM INTO a 0600 file beside the database), re-epoched, checked and
 *   fsync'd before it is renamed into place.
 */
import { chownSync, existsSync, renameSync, statSync, unlinkSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type DbLock, lockDatabase } from "../server/db-lock.ts";
import { openBunSqliteReader } from "../store/sqlite/bun-sqlite.ts";
import type { SqliteReader } from "../store/sqlite/sqlite-reader.ts";
import { OpsError } from "./errors.ts";
import { checkCopy, createPrivateTemp, syncPath } from "./files.ts";

export interface RestoreReport {
  path: string;
  events: number;
  lastPos: number;
  epoch: string;
  /** Where the replaced database went, if there was one. */
  aside: string | undefined;
}

export function restore(backup: SqliteReader, backupPath: string, dbPath: string, force: boolean): RestoreReport {
  const db = resolve(dbPath);
  if (db === resolve(backupPath)) throw new OpsError(`${db} is the database itself: restore from a backup file`);
  const dir = dirname(db);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new OpsError(`directory ${dir} does not exist (create it first)`);
  let lock: DbLock;
  try {
    lock = lockDatabase(db);
  } catch (e) {
    throw new OpsError((e as Error).message.replace(/, or give this one another --db$/, ""));
  }
  try {
    const exists = existsSync(db);
    if (exists && statSync(db).isDirectory()) throw new OpsError(`${db} is a directory, not a database file`);
    if (exists && !force) throw new OpsError(`${db} exists: restoring replaces it (it is kept aside); add --force`);
    const tmp = createPrivateTemp(db);
    try {
      // Run as root (sudo hubbub restore …), the new file would be root's and the server, running
      // as its own user, could not open it: it takes the owner of the file it replaces (or of the
      // data directory), and so does the lock file, in case this run created it.
      const owner = statSync(exists ? db : dir);
      keepOwner(tmp, owner);
      keepOwner(lock.path, owner);
      backup.vacuumInto(tmp);
      const epoch = renewEpoch(tmp);
      const { events, lastPos } = checkCopy(tmp);
      syncPath(tmp);
      const aside = exists ? moveAside(db) : undefined;
      renameSync(tmp, db);
      syncPath(dir);
      return { path: db, events, lastPos, epoch, aside };
    } finally {
      if (existsSync(tmp)) unlinkSync(tmp);
    }
  } finally {
    lock.release();
  }
}

function keepOwner(path: string, of: { uid: number; gid: number }): void {
  if (process.getuid?.() !== 0) return; // only root can give a file away; others already own what they write
  chownSync(path, of.uid, of.gid);
}

function renewEpoch(path: string): string {
  const epoch = crypto.randomUUID();
  const copy = openBunSqliteReader(path, { writable: true });
  try {
    copy.run("INSERT INTO meta (key, value) VALUES ('epoch', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", epoch);
  } finally {
    copy.close();
  }
  return epoch;
}

function moveAside(db: string): string {
  const aside = `${db}.replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  if (existsSync(`${db}-wal`)) renameSync(`${db}-wal`, `${aside}-wal`);
  if (existsSync(`${db}-shm`)) unlinkSync(`${db}-shm`);
  renameSync(db, aside);
  return aside;
}
