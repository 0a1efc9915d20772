/**
 * Which drizzle-kit migration folders are embedded in which generated module
 * (scripts/embed-migrations.ts writes them). Another database gets one more row here, its own
 * folder and module; nothing else in the embedding changes.
 */
import { readMigrationFiles } from "drizzle-orm/migrator";

export interface MigrationSet {
  /** drizzle-kit's `out` folder, relative to the repository root. */
  folder: string;
  /** The generated module, relative to the repository root. */
  module: string;
  /** The constant it exports. */
  name: string;
}

export const EMBEDDED_MIGRATION_SETS: readonly MigrationSet[] = [
  { folder: "src/store/sqlite/migrations", module: "src/store/sqlite/migrations.gen.ts", name: "SQLITE_MIGRATIONS" },
  { folder: "src/store/engine/pg/migrations", module: "src/store/engine/pg/migrations.gen.ts", name: "PG_MIGRATIONS" },
];

/**
 * The module's text. The data is exactly what drizzle's migrate() would read from the folder
 * (its own readMigrationFiles: SQL split at breakpoints, journal time, sha256), so applying the
 * embedded copy is the same operation as migrate({migrationsFolder}).
 */
export function renderMigrationsModule(set: MigrationSet, absoluteFolder: string): string {
  const migrations = readMigrationFiles({ migrationsFolder: absoluteFolder });
  return [
    `// Generated from ${set.folder} by scripts/embed-migrations.ts (npm run db:generate). Do not edit.`,
    `import type { MigrationMeta } from "drizzle-orm/migrator";`,
    ``,
    `export const ${set.name}: MigrationMeta[] = ${JSON.stringify(migrations, null, 2)};`,
    ``,
  ].join("\n");
}
