/**
 * The store benchmark under Node 20 with the better-sqlite3 adapter (it cannot load in Bun).
 * store.bench.ts runs this as `node --import tsx bench/store-node.ts <reps> <quick>` and reads
 * the rows as JSON from stdout.
 */
import Database from "better-sqlite3";
import { openEventLog } from "../src/store/open-log.ts";
import { measureSqliteAdapter, type RawDb } from "./lib/store-work.ts";
import { removeTempDbs } from "./lib/temp.ts";

const reps = Number(process.argv[2] ?? 3);
const quick = process.argv[3] === "quick";
try {
  const rows = await measureSqliteAdapter(
    "better-sqlite3 (Node 20)",
    (path, synchronous) => openEventLog({ path, synchronous }),
    (path) => new Database(path) as unknown as RawDb,
    reps, quick,
  );
  process.stdout.write(JSON.stringify(rows));
} finally {
  removeTempDbs();
}
