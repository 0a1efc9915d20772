/**
 * The EventLog contract against the better-sqlite3 adapter, under Node 20 (node:test + tsx).
 * better-sqlite3 cannot load inside Bun, so this file is kept out of `bun test` (bunfig.toml).
 */
import { describe, test } from "node:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBetterSqliteLog } from "../../src/store/sqlite/better-sqlite3.ts";
import { eventLogContract } from "../../src/store/event-log.contract.ts";
import type { EventLog } from "../../src/store/event-log.ts";
import { openEventLog } from "../../src/store/open-log.ts";

const host = {
  describe: (name: string, fn: () => void) => void describe(name, fn),
  test: (name: string, fn: () => void | Promise<void>) => void test(name, fn),
};

eventLogContract({ name: "better-sqlite3 in memory", open: () => openBetterSqliteLog({ path: ":memory:" }) }, host);

const paths = new WeakMap<EventLog, string>();
eventLogContract({
  name: "better-sqlite3 file (WAL)",
  open: () => {
    const path = join(mkdtempSync(join(tmpdir(), "hubbub-node-")), "log.db");
    const log = openBetterSqliteLog({ path });
    paths.set(log, path);
    return log;
  },
  reopen: (log) => {
    const path = paths.get(log)!;
    log.close();
    return openBetterSqliteLog({ path });
  },
}, host);

test("openEventLog picks better-sqlite3 outside Bun", async () => {
  const log = await openEventLog({ path: ":memory:" });
  const [o] = log.append([{ stream: "room:n", kind: "message", author: "node", body: { text: "from node" }, at: 1 }]);
  if (o?.event.seq !== 1 || typeof process.versions.bun === "string") throw new Error("wrong adapter or seq");
  log.close();
});
