/**
 * Embeds drizzle-kit's migration folders in TypeScript modules, so the server applies them
 * without reading files at run time: a `bun build --compile` binary has no migrations folder
 * beside it. Run by `npm run db:generate` (after drizzle-kit); `npm run build` checks it, and
 * src/store/sqlite/migrations.test.ts fails when a module is stale.
 *
 *   bun run scripts/embed-migrations.ts          writes every module that changed
 *   bun run scripts/embed-migrations.ts --check  exits 1 if one is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import { EMBEDDED_MIGRATION_SETS, renderMigrationsModule } from "../src/store/migration-sets.ts";

const root = new URL("..", import.meta.url).pathname;

/** Returns the modules that were stale (and, unless `check`, are now rewritten). */
export function embedMigrations(check = false): string[] {
  const stale: string[] = [];
  for (const set of EMBEDDED_MIGRATION_SETS) {
    const text = renderMigrationsModule(set, `${root}${set.folder}`);
    const path = `${root}${set.module}`;
    let old = "";
    try { old = readFileSync(path, "utf8"); } catch { /* not generated yet */ }
    if (old === text) continue;
    stale.push(set.module);
    if (!check) writeFileSync(path, text);
  }
  return stale;
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  const stale = embedMigrations(check);
  for (const m of stale) console.log(check ? `${m} is stale: run npm run db:generate` : `wrote ${m}`);
  process.exitCode = check && stale.length > 0 ? 1 : 0;
}
