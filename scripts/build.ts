/**
 * `bun run build [--outfile PATH]`: the one-file binary (default dist/hubbub) holding the server,
 * the web app, the CLI and the operator tools. Migrations are compiled in from their generated
 * module (checked fresh first); the web app's HTML import is bundled and embedded by
 * `bun build --compile` itself.
 * --bytecode is left out: it does not support the entries' top-level await.
 */
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { embedMigrations } from "./embed-migrations.ts";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({ options: { outfile: { type: "string", default: `${root}dist/hubbub` } } });
const outfile = values.outfile!;

// A stale embedded module means the sources disagree (drizzle-kit ran, the embed step did not):
// say so instead of quietly rewriting a source file, so the fix is committed, not just built.
const stale = embedMigrations(true);
if (stale.length > 0) {
  console.error(`${stale.join(", ")}: stale, run npm run db:generate (it embeds the migrations) and commit the result`);
  process.exit(1);
}
const t0 = performance.now();
const build = Bun.spawnSync(
  [process.execPath, "build", "src/hubbub.ts", "--compile", "--minify", "--sourcemap", "--outfile", outfile],
  { cwd: root, stdout: "inherit", stderr: "inherit" },
);
if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
const mib = statSync(outfile).size / 2 ** 20;
console.log(`built ${outfile}: ${mib.toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
