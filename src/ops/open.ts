/** Opens a hubbub database read-only for an operator tool, or says in one line why it cannot. */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { openBunSqliteReader } from "../store/sqlite/bun-sqlite.ts";
import type { SqliteReader } from "../store/sqlite/sqlite-reader.ts";
import { OpsError } from "./errors.ts";

const TABLES = ["events", "meta", "snapshots"];

export function openDatabase(path: string): { reader: SqliteReader; path: string } {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new OpsError(`no database at ${abs} (give --db PATH or set HUBBUB_DB)`);
  if (statSync(abs).isDirectory()) throw new OpsError(`${abs} is a directory, not a database file (give --db PATH)`);
  let reader: SqliteReader;
  try {
    reader = openBunSqliteReader(abs);
  } catch (e) {
    throw new OpsError(`cannot open ${abs}: ${(e as Error).message}`);
  }
  let tables: string[];
  try {
    tables = reader.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r.name);
  } catch (e) {
    reader.close();
    throw new OpsError(`${abs} is not an SQLite database (${(e as Error).message})`);
  }
  const missing = TABLES.filter((t) => !tables.includes(t));
  if (missing.length > 0) {
    reader.close();
    throw new OpsError(`${abs} is not a hubbub database (no ${missing.join(", ")} table)`);
  }
  return { reader, path: abs };
}
