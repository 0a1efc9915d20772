import { describe, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBunSqliteLog } from "./sqlite/bun-sqlite.ts";
import { eventLogContract } from "./event-log.contract.ts";
import type { EventLog } from "./event-log.ts";
import { createMemoryLog } from "./memory-log.ts";

const host = { describe, test };

eventLogContract({ name: "memory", open: createMemoryLog }, host);
eventLogContract({ name: "bun:sqlite in memory", open: () => openBunSqliteLog({ path: ":memory:" }) }, host);

const paths = new WeakMap<EventLog, string>();
eventLogContract({
  name: "bun:sqlite file (WAL)",
  open: () => {
    const path = join(mkdtempSync(join(tmpdir(), "hubbub-log-")), "log.db");
    const log = openBunSqliteLog({ path });
    paths.set(log, path);
    return log;
  },
  reopen: (log) => {
    const path = paths.get(log)!;
    log.close();
    return openBunSqliteLog({ path });
  },
}, host);
