import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { lockDatabase } from "./db-lock.ts";
import { StartupError } from "./startup-error.ts";

const tempDb = () => join(mkdtempSync(join(tmpdir(), "hubbub-lock-")), "h.db");

test("a second lock on the same database is refused, also in the same process (flock is per open file); release frees it", () => {
  const db = tempDb();
  const first = lockDatabase(db);
  expect(JSON.parse(readFileSync(`${db}.lock`, "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
  let err: unknown;
  try { lockDatabase(db); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(StartupError);
  expect((err as StartupError).message).toContain(`database ${db} is in use by another hubbub (pid ${process.pid} on ${hostname()}, started `);
  first.release();
  first.release(); // twice is harmless
  lockDatabase(db).release();
});

test("a stale record in the lock file (its process is gone) does not block: only a held lock does", () => {
  const db = tempDb();
  Bun.write(`${db}.lock`, JSON.stringify({ pid: 999999, host: "elsewhere", startedAt: "2020-01-01T00:00:00.000Z" }));
  const lock = lockDatabase(db);
  expect(JSON.parse(readFileSync(`${db}.lock`, "utf8")).pid).toBe(process.pid);
  lock.release();
});
