/** The EventLog (and the SQLite engine) on bun:sqlite, and the operator tools' read-only connection: the only file that imports it. */
import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { Engine } from "../engine/engine.ts";
import { createSqliteEngine, type SqliteEngineOptions } from "../engine/sqlite-engine.ts";
import type { EventLog, OpenOptions } from "../event-log.ts";
import { applyMigrations } from "./migrate.ts";
import { ensureParentDir, pragmas } from "./open-common.ts";
import * as schema from "./schema.ts";
import { createSqliteLog } from "./sqlite-log.ts";
import type { SqlParam, SqliteReader } from "./sqlite-reader.ts";

export function openBunSqliteLog(opts: OpenOptions): EventLog {
  const { client, db, hot } = openBunSqlite(opts);
  return createSqliteLog(db, (r) => (r as { changes: number }).changes, hot, () => client.close());
}

/** The engine port on the same file and tables (engine/sqlite-engine.ts). */
export function openBunSqliteEngine(opts: OpenOptions & SqliteEngineOptions): Engine {
  const { client, db, hot } = openBunSqlite(opts);
  return createSqliteEngine(db, hot, () => client.close(), opts);
}

function openBunSqlite(opts: OpenOptions) {
  ensureParentDir(opts.path);
  const client = new Database(opts.path, { create: true });
  for (const p of pragmas(opts)) client.run(p);
  const db = drizzle({ client, schema });
  applyMigrations(db);
  const hot = {
    prepareRun(sql: string) {
      const stmt = client.prepare(sql);
      return (...params: unknown[]) => stmt.run(...(params as never[])).changes;
    },
    prepareGet(sql: string) {
      const stmt = client.prepare(sql);
      return (...params: unknown[]) => (stmt.get(...(params as never[])) ?? undefined) as Record<string, unknown> | undefined;
    },
    immediate<T>(fn: () => T): T { return client.transaction(fn).immediate(); },
  };
  return { client, db, hot };
}

/** A read-only connection for the operator tools (see sqlite-reader.ts); the file must exist. */
export function openBunSqliteReader(path: string, opts: { writable?: boolean } = {}): SqliteReader {
  const client = opts.writable ? new Database(path, { readwrite: true, create: false }) : new Database(path, { readonly: true, create: false });
  client.run("PRAGMA busy_timeout = 5000");
  return {
    all: <T>(sql: string, ...params: SqlParam[]) => client.query(sql).all(...params) as T[],
    get: <T>(sql: string, ...params: SqlParam[]) => (client.query(sql).get(...params) as T | null) ?? undefined,
    iterate: <T>(sql: string, ...params: SqlParam[]) => client.query(sql).iterate(...params) as IterableIterator<T>,
    snapshot<T>(fn: () => T): T {
      client.run("BEGIN");
      try {
        return fn();
      } finally {
        client.run("COMMIT");
      }
    },
    vacuumInto(target: string) { client.query("VACUUM INTO ?").run(target); },
    run: (sql: string, ...params: SqlParam[]) => client.query(sql).run(...params).changes,
    close: () => client.close(),
  };
}
