#!/usr/bin/env node
/**
 * The `hubbub` command of the npm package (`npm install -g`): the command-line client, bundled
 * for Node into one file at pack time (scripts/build-node-cli.ts), so installing it needs neither
 * Bun nor the checkout. The server and the operator tools run on Bun (bun:sqlite, Bun.serve):
 * they live in the one-file binary (`bun run build`) and in a checkout (src/hubbub.ts).
 */
/** What src/hubbub.ts sends to the server or to src/ops/ rather than to the CLI. */
const BUN_ONLY = ["serve", "backup", "restore", "log"];
const command = process.argv[2];
if (command !== undefined && BUN_ONLY.includes(command)) {
  process.stderr.write(`hubbub: usage: "hubbub ${command}" runs on Bun: use the one-file binary (bun run build in a checkout makes dist/hubbub) or npm start in a checkout; this package's hubbub is the client only\n`);
  process.exitCode = 2;
} else {
  await import("./cli/main.ts");
}
