/** The EventLog on better-sqlite3, for Node and Deno (it cannot load inside Bun): the only file that imports it. */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import type { EventLog, OpenOptions } from "../event-log.ts";
import { applyMigrations } from "./migrate.ts";
import { ensureParentDir, pragmas } from "./open-common.ts";
import * as schema from "./schema.ts";
import { createSqliteLog } from "./sqlite-log.ts";

export function openBetterSqliteLog(opts: OpenOptions): EventLog {
  ensureParentDir(opts.path);
  const client = new Database(opts.path);
  for (const p of pragmas(opts)) client.exec(p);
  const db = drizzle({ client, schema });
  applyMigrations(db);
  const hot = {
    prepareRun(sql: string) {
      const stmt = client.prepare(sql);
      return (...params: unknown[]) => stmt.run(...params).changes;
    },
    immediate<T>(fn: () => T): T { return client.transaction(fn).immediate(); },
  };
  return createSqliteLog(db, (r) => (r as { changes: number }).changes, hot, () => client.close());
}
