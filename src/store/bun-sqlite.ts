/** The EventLog on bun:sqlite: the only file that imports it. */
import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { EventLog, OpenOptions } from "./event-log.ts";
import { applyMigrations } from "./migrate.ts";
import { ensureParentDir, pragmas } from "./open-common.ts";
import * as schema from "./schema.ts";
import { createSqliteLog } from "./sqlite-log.ts";

export function openBunSqliteLog(opts: OpenOptions): EventLog {
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
    immediate<T>(fn: () => T): T { return client.transaction(fn).immediate(); },
  };
  return createSqliteLog(db, (r) => (r as { changes: number }).changes, hot, () => client.close());
}
