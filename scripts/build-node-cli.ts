/**
 * `bun run scripts/build-node-cli.ts [--outfile PATH]` (run by `npm pack` as prepack): bundles the
 * command-line client into one ES module for Node 20+ (default dist/hubbub.mjs), the bin of the
 * npm package. Everything it imports is inlined (the SDK, the protocol, @msgpack/msgpack, ws), so
 * the installed command starts without Bun, TypeScript or node_modules lookups.
 * ws's optional native helpers stay out: ws falls back to JavaScript when they are missing.
 */
import { chmodSync, statSync } from "node:fs";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({ options: { outfile: { type: "string", default: `${root}dist/hubbub.mjs` } } });
const outfile = values.outfile!;

const t0 = performance.now();
const build = Bun.spawnSync(
  [process.execPath, "build", "src/hubbub-node.ts", "--target=node", "--format=esm", "--minify",
    "--external", "bufferutil", "--external", "utf-8-validate", "--outfile", outfile],
  { cwd: root, stdout: "inherit", stderr: "inherit" },
);
if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
chmodSync(outfile, 0o755);
const kib = statSync(outfile).size / 1024;
console.log(`built ${outfile}: ${kib.toFixed(0)} KiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
