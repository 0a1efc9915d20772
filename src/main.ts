/** `bun run src/main.ts`: start hubbub with flags and env vars (see --help). */
import { ConfigError, helpText, parseConfig } from "./server/config.ts";
import { type RunningServer, startServer } from "./server/start.ts";
import { StartupError } from "./server/startup-error.ts";

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
  let running: RunningServer;
  try {
    running = await startServer(config);
  } catch (e) {
    // One line, no stack: each refusal says what is wrong and what to do (startup-error.ts).
    const known = e instanceof StartupError || e instanceof ConfigError;
    console.error(`hubbub: ${known ? e.message : `cannot start: ${(e as Error)?.message ?? String(e)}${config.logLevel === "debug" || config.logLevel === "trace" ? "" : " (--log-level debug shows where)"}`}`);
    // A failure nobody anticipated: its stack is for whoever debugs it, on request.
    if (!known && (config.logLevel === "debug" || config.logLevel === "trace")) console.error((e as Error)?.stack ?? "");
    process.exit(e instanceof ConfigError ? 2 : e instanceof StartupError ? e.exitCode : 1);
  }
  // The banner: plain lines, first on stdout and exactly as before the structured log existed,
  // because people and scripts (and the tests) read them. Everything after is the log, and
  // `server.started` repeats what the banner says as fields.
  console.log(`hubbub listening on ${running.url}`);
  console.log(`data: ${running.config.db === ":memory:" ? "in memory (lost at exit)" : running.config.db} (${running.startup.replayed} events replayed in ${running.startup.ms.toFixed(0)} ms${running.startup.fromSnapshot ? " after a snapshot" : ""})`);
  console.log(`web client: open ${running.url}/ in a browser`);
  if (running.cluster) {
    const c = running.cluster;
    const rebuilt = c.movedAside === undefined ? "" : ` (the replica found at start held another epoch than the store, e.g. after a restore: it was moved to ${c.movedAside} and rebuilt)`;
    console.log(`cluster (preview): node ${c.node}, engine postgres ${c.store}, replica caught up from pos ${c.startPos} to ${running.hub.log.lastPos()}${rebuilt}`);
  }
  if (config.auth === "dev") console.log("warning: dev auth mode: users are trusted by name (set --jwt-secret to require tokens)");
  const log = running.logger;
  log.info("server started", {
    event: "server.started", url: running.url, db: running.config.db, auth: config.auth, replayed: running.startup.replayed,
    fromSnapshot: running.startup.fromSnapshot, ...running.timings, logLevel: config.logLevel, metrics: config.metrics,
    metricsTokenSet: config.metricsToken !== undefined, bun: Bun.version,
  });
  if (running.cluster?.movedAside !== undefined) log.warn("the replica held another epoch than the shared store: moved aside and rebuilt", { event: "cluster.replica_rebuilt", aside: running.cluster.movedAside });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("server stopping", { event: "server.stopping", signal });
    await running.stop();
    process.exit(0);
  };
  // Stopped by itself (cluster: the shared store's history changed under this node, exit 3, and it
  // rebuilds its replica from the store; or a followed event's commit path failed, exit 4, and it
  // rebuilds its state from its replica): say so, so a supervisor starts it again.
  void running.fatal.then(({ message, exitCode }) => {
    stopping = true;
    console.error(`hubbub: ${message}`);
    process.exit(exitCode);
  });
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

await main();
