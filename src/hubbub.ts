#!/usr/bin/env bun
/**
 * The one entry of the `hubbub` binary (`bun run build` compiles it to dist/hubbub):
 *   hubbub serve [server flags]      the server (what `bun run src/main.ts` runs)
 *   hubbub backup | restore | log | import …  the operator tools (src/ops/)
 *   hubbub chat | send | …           the command-line client (src/cli/)
 * The server and the CLI stay runnable on their own and read process.argv when loaded, so the
 * dispatch hands each the argv it would have had if started directly, then loads it.
 */
const command = process.argv[2];
if (command === "serve") {
  process.argv.splice(2, 1);
  await import("./main.ts");
} else if (command === "backup" || command === "restore" || command === "log" || command === "import") {
  const { runOperatorCommand } = await import("./ops/main.ts");
  process.exitCode = await runOperatorCommand(process.argv.slice(2), process.env);
} else {
  await import("./cli/main.ts");
}
