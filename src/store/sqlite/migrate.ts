/**
 * Applies the embedded migrations (migrations.gen.ts) with drizzle's own migrator.
 * drizzle's `migrate(db, {migrationsFolder})` is `readMigrationFiles(folder)` followed by
 * `db.dialect.migrate(migrations, db.session)`; we make the second call with the same data read
 * at build time instead of from disk, so the server, the tests and the one-file binary run the
 * same SQL through the same code (the __drizzle_migrations bookkeeping included).
 */
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { SyncSqliteDb } from "./sqlite-log.ts";
import { SQLITE_MIGRATIONS } from "./migrations.gen.ts";

/** The two members drizzle marks @internal; stable across 0.3x–0.45 (checked by every store test that opens a log). */
interface DrizzleInternals {
  dialect: { migrate(migrations: MigrationMeta[], session: unknown): void };
  session: unknown;
}

export function applyMigrations(db: SyncSqliteDb, migrations: MigrationMeta[] = SQLITE_MIGRATIONS): void {
  const internals = db as unknown as DrizzleInternals;
  internals.dialect.migrate(migrations, internals.session);
}
