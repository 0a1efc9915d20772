/**
 * A writer process for the shared-file test (sqlite-engine.test.ts): appends `batches` batches
 * through the SQLite engine on `path`, then prints every acknowledged event as one JSON line.
 * It opens the engine, creates `<path>.ready-<id>`, and starts only once `<path>.go` exists, so
 * the test can start all writers at the same moment.
 *   bun run src/store/engine/testing/sqlite-writer.ts <path> <writer id> <batches>
 */
import { existsSync, writeFileSync } from "node:fs";
import { openBunSqliteEngine } from "../../sqlite/bun-sqlite.ts";
import type { StoredEvent } from "../engine.ts";

const [path, id, batches] = process.argv.slice(2);
if (!path || !id || !batches) throw new Error("usage: sqlite-writer.ts <path> <writer id> <batches>");
const engine = openBunSqliteEngine({ path });
writeFileSync(`${path}.ready-${id}`, "");
while (!existsSync(`${path}.go`)) await Bun.sleep(5); // a start barrier across processes
const acked: StoredEvent[] = [];
for (let b = 0; b < Number(batches); b++) {
  const n = 1 + (b % 5);
  const results = await engine.append(Array.from({ length: n }, (_, i) => ({
    stream: `room:${(b + i) % 4}`, kind: "message" as const, author: id, body: { text: `${id} ${b} ${i}` }, cmid: `${id}-${b}-${i}`, at: Date.now(),
  })));
  for (const r of results) if (r.status !== "rejected") acked.push(r.event);
  // Pause between transactions: SQLite's lock is not fair (a waiter sleeps in its busy handler
  // while the holder re-takes the lock at once), and the test wants the writers to interleave.
  await Bun.sleep(1 + Math.random() * 4);
}
await engine.close();
process.stdout.write(`${JSON.stringify(acked)}\n`);
