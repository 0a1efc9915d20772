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
import { broadcastHandler, healthHandler } from "./http.ts";
import { type Logger, jsonLogger } from "./logger.ts";
import { type SocketData, upgrade, websocketHandler } from "./transport.ts";
import { webRoutes } from "./web-routes.ts";

export interface RunningServer {
  url: string;
  port: number;
  config: Config;
  hub: Hub;
  startup: RebuildReport;
  /** Writes what is queued, snapshots, closes every connection with 1001, closes the log. */
  stop(): Promise<void>;
}

export async function startServer(overrides: Partial<Config> = {}, logger: Logger = jsonLogger()): Promise<RunningServer> {
  const config = finish({ ...DEFAULTS, ...overrides }, overrides);
  const log = await openEventLog({ path: config.db, synchronous: config.synchronous });
  const { projection, report } = rebuild(log);
  const startedAt = Date.now();
  let server: Bun.Server<SocketData> | undefined;
  const fanout = {
    publish: (topic: string, data: string | Uint8Array) => void server?.publish(topic, data, false),
  };
  const hub = new Hub(log, projection, fanout, config, createAuthenticator(config), logger);
  server = Bun.serve<SocketData>({
    hostname: config.host,
    port: config.port,
    development: false,
    routes: {
      ...(await webRoutes()),
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
  });
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
    },
  };
}
