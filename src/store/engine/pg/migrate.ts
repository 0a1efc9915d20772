/**
 * Applies the drizzle-kit migrations (./migrations, embedded in migrations.gen.ts by
 * scripts/embed-migrations.ts so a compiled binary has them) at engine open. The data is drizzle's
 * own `readMigrationFiles` output, and it records them in a `__drizzle_migrations` table of the same shape as
 * drizzle's pg migrator, in the engine's schema. What it adds: everything runs in ONE transaction
 * under an advisory lock, because several nodes start at once against one database, and drizzle's
 * migrator reads the applied list outside its transaction (two nodes would both apply 0000).
 */
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { PgClient } from "./client.ts";
import { PG_MIGRATIONS } from "./migrations.gen.ts";

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Creates `schema` if needed (when given) and applies pending migrations in it; idempotent, safe to race. */
export async function migratePg(client: PgClient, schema: string | undefined, migrations: MigrationMeta[] = PG_MIGRATIONS): Promise<void> {
  await client.begin(async (q) => {
    // One lock for every hubbub engine in this database: migrations are rare and quick.
    await q("SELECT pg_advisory_xact_lock(7461626275620001)");
    if (schema) await q(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await q(`CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
    const [last] = await q("SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1");
    const lastAt = last ? Number(last.created_at) : -1;
    for (const m of migrations) {
      if (m.folderMillis <= lastAt) continue;
      for (const stmt of m.sql) if (stmt.trim()) await q(stmt);
      await q("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ($1, $2)", [m.hash, m.folderMillis]);
    }
  });
}
