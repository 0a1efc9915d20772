/** `bun run src/main.ts`: start hubbub with flags and env vars (see --help). */
import { ConfigError, helpText, parseConfig } from "./server/config.ts";
import { startServer } from "./server/start.ts";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(helpText());
    return;
  }
  let config;
  try {
    config = parseConfig(argv, process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`hubbub: ${e.message} (see --help)`);
      process.exit(2);
    }
    throw e;
  }
  const running = await startServer(config);
  console.log(`hubbub listening on ${running.url}`);
  console.log(`data: ${config.db === ":memory:" ? "in memory (lost at exit)" : config.db} (${running.startup.replayed} events replayed in ${running.startup.ms.toFixed(0)} ms${running.startup.fromSnapshot ? " after a snapshot" : ""})`);
  console.log(`web client: open ${running.url}/ in a browser`);
  if (config.auth === "dev") console.log("warning: dev auth mode: users are trusted by name (set --jwt-secret to require tokens)");
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

await main();
