/** The three engines as contract-test harnesses: fresh storage per test, disposed after. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBunSqliteEngine } from "../../sqlite/bun-sqlite.ts";
import type { EngineHarness } from "../engine.contract.ts";
import type { Engine } from "../engine.ts";
import { createMemoryEngine, MemoryEngineStorage } from "../memory-engine.ts";
import { createPgSchema } from "./pg.ts";

export const memoryHarness: EngineHarness = {
  name: "memory",
  async create() {
    const storage = new MemoryEngineStorage();
    const opened: Engine[] = [];
    return {
      async open() { const e = createMemoryEngine(storage); opened.push(e); return e; },
      async dispose() { for (const e of opened) await e.close(); },
    };
  },
};

export const sqliteHarness: EngineHarness = {
  name: "sqlite (bun:sqlite file, one connection per instance)",
  async create() {
    const dir = mkdtempSync(join(tmpdir(), "hubbub-engine-"));
    const opened: Engine[] = [];
    return {
      async open() { const e = openBunSqliteEngine({ path: join(dir, "log.db") }); opened.push(e); return e; },
      async dispose() {
        for (const e of opened) await e.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const pgHarness: EngineHarness = {
  name: "postgres (Bun.SQL, a schema per test)",
  async create() {
    const s = await createPgSchema();
    return { open: () => s.open(), dispose: () => s.dispose() };
  },
};

export const allHarnesses = [memoryHarness, sqliteHarness, pgHarness];
