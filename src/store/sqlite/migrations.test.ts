/** The embedded migrations are the folder's, and applying them is drizzle's migrate() to the letter. */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { applyMigrations } from "./migrate.ts";
import { EMBEDDED_MIGRATION_SETS, renderMigrationsModule } from "../migration-sets.ts";
import { SQLITE_MIGRATIONS } from "./migrations.gen.ts";
import { openBunSqliteLog } from "./bun-sqlite.ts";

const root = new URL("../../..", import.meta.url).pathname;
const folder = join(root, "src/store/sqlite/migrations");
const schemaOf = (c: Database) => c.query("SELECT type, name, sql FROM sqlite_master ORDER BY name").all();
const bookkeeping = (c: Database) => c.query("SELECT hash, created_at FROM __drizzle_migrations ORDER BY id").all();

describe("embedded migrations", () => {
  test("every generated module matches its folder (else: npm run db:generate)", async () => {
    for (const set of EMBEDDED_MIGRATION_SETS) {
      const onDisk = await Bun.file(join(root, set.module)).text();
      expect(onDisk).toBe(renderMigrationsModule(set, join(root, set.folder)));
    }
    expect(SQLITE_MIGRATIONS).toEqual(readMigrationFiles({ migrationsFolder: folder }));
  });

  test("applying them gives the schema and bookkeeping migrate({migrationsFolder}) gives", () => {
    const viaFolder = new Database(":memory:");
    migrate(drizzle({ client: viaFolder }), { migrationsFolder: folder });
    const embedded = new Database(":memory:");
    applyMigrations(drizzle({ client: embedded }));
    expect(schemaOf(embedded)).toEqual(schemaOf(viaFolder));
    expect(bookkeeping(embedded)).toEqual(bookkeeping(viaFolder));
    expect(bookkeeping(embedded)).toHaveLength(SQLITE_MIGRATIONS.length);
  });

  test("a database migrated from the folder (older servers) is left as it is, and the log opens on it", () => {
    const dir = mkdtempSync(join(tmpdir(), "hubbub-migrate-"));
    try {
      const path = join(dir, "old.db");
      const old = new Database(path);
      migrate(drizzle({ client: old }), { migrationsFolder: folder });
      const before = bookkeeping(old);
      old.close();
      const log = openBunSqliteLog({ path });
      log.append([{ stream: "room:a", kind: "joined", author: "amy", body: {}, at: 1 }]);
      log.close();
      const after = new Database(path, { readonly: true });
      expect(bookkeeping(after)).toEqual(before);
      after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
