/**
 * `bun run build [--outfile PATH]`: the one-file binary (default dist/hubbub) holding the server,
 * the web app, the CLI and the operator tools. Migrations are embedded first (a generated
 * module); the web app's HTML import is bundled and embedded by `bun build --compile` itself.
 * --bytecode is left out: it does not support the entries' top-level await.
 */
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { embedMigrations } from "./embed-migrations.ts";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({ options: { outfile: { type: "string", default: `${root}dist/hubbub` } } });
const outfile = values.outfile!;

for (const m of embedMigrations()) console.log(`wrote ${m}`);
const t0 = performance.now();
const build = Bun.spawnSync(
  [process.execPath, "build", "src/hubbub.ts", "--compile", "--minify", "--sourcemap", "--outfile", outfile],
  { cwd: root, stdout: "inherit", stderr: "inherit" },
);
if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
const mib = statSync(outfile).size / 2 ** 20;
console.log(`built ${outfile}: ${mib.toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
