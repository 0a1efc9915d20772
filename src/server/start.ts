/**
 * Starts hubbub: open the log, rebuild the read model, wire the actors to Bun.serve.
 * Used by main.ts, by the tests (port 0, a temp db) and by anyone embedding the server.
 */
import { Hub } from "../actors/hub.ts";
import { CloseCode } from "../protocol/index.ts";
import { rebuild, type RebuildReport } from "../projections/snapshot.ts";
import { openEventLog } from "../store/open-log.ts";
import { createAuthenticator } from "./auth.ts";
import { type Config, DEFAULTS, finish } from "./config.ts";
import { checkDatabasePath, openFailure } from "./db-path.ts";
import { type DbLock, lockDatabase } from "./db-lock.ts";
import { assertPortFree, bindPort } from "./port-claim.ts";
import { broadcastHandler, healthHandler } from "./http.ts";
import { type Logger, jsonLogger } from "./logger.ts";
import { type SocketData, upgrade, websocketHandler } from "./transport.ts";
import { webRoutes } from "./web-routes.ts";
import { resolve } from "node:path";
import type { EventLog } from "../store/event-log.ts";

export interface RunningServer {
  url: string;
  port: number;
  config: Config;
  hub: Hub;
  startup: RebuildReport;
  /** Writes what is queued, snapshots, closes every connection with 1001, closes the log. */
  stop(): Promise<void>;
}

/**
 * Throws StartupError (one line for the operator, see startup-error.ts) when the port is taken,
 * the database is held by another server, or the database cannot be opened; nothing is left
 * held or open when it throws.
 */
export async function startServer(overrides: Partial<Config> = {}, logger: Logger = jsonLogger()): Promise<RunningServer> {
  const config = finish({ ...DEFAULTS, ...overrides }, overrides);
  const onDisk = config.db !== ":memory:" && !config.db.startsWith("file:");
  if (onDisk) config.db = resolve(config.db);
  // Quick answer before any work; the sound check is at bind time (port-claim.ts).
  if (!config.reusePort) assertPortFree(config.host, config.port);
  let lock: DbLock | undefined;
  let log: EventLog | undefined;
  try {
    if (onDisk) {
      checkDatabasePath(config.db);
      lock = lockDatabase(config.db);
    }
    return await run(config, logger, lock, (log = await openLog(config, onDisk)));
  } catch (e) {
    try { log?.close(); } catch { /* already failing: the first error is the one to report */ }
    lock?.release();
    throw e;
  }
}

async function openLog(config: Config, onDisk: boolean): Promise<EventLog> {
  try {
    return await openEventLog({ path: config.db, synchronous: config.synchronous });
  } catch (e) {
    throw onDisk ? openFailure(config.db, e) : e;
  }
}

async function run(config: Config, logger: Logger, lock: DbLock | undefined, log: EventLog): Promise<RunningServer> {
  let rebuilt;
  try {
    rebuilt = rebuild(log);
  } catch (e) {
    throw openFailure(config.db, e);
  }
  const { projection, report } = rebuilt;
  const startedAt = Date.now();
  let server: Bun.Server<SocketData> | undefined;
  const fanout = {
    publish: (topic: string, data: string | Uint8Array) => void server?.publish(topic, data, false),
  };
  const hub = new Hub(log, projection, fanout, config, createAuthenticator(config), logger);
  const routes = await webRoutes();
  const { bound, claim } = bindPort(config.host, config.port, config.reusePort, () => Bun.serve<SocketData>({
    hostname: config.host,
    port: config.port,
    reusePort: config.reusePort,
    development: false,
    routes: {
      ...routes,
      "/health": healthHandler(hub, report, startedAt),
      "/api/broadcast": { POST: broadcastHandler(hub, config) },
    },
    fetch(req, srv) {
      if (new URL(req.url).pathname === "/ws") return upgrade(req, srv, config);
      return new Response("not found\n", { status: 404 });
    },
    websocket: websocketHandler(hub, config),
    error(e) {
      logger.error("http", e);
      return new Response("internal error\n", { status: 500 });
    },
  }));
  server = bound;
  const sweep = setInterval(() => hub.sweepSlowConsumers(), 1000);
  const port = server.port as number;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    port,
    config,
    hub,
    startup: report,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweep);
      hub.shutdown(CloseCode.GoingAway, "server shutting down");
      await server?.stop(true);
      log.close();
      claim.release();
      lock?.release();
    },
  };
}
