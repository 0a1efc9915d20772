/**
 * Starts hubbub: open the log, rebuild the read model, wire the actors to Bun.serve.
 * Used by main.ts, by the tests (port 0, a temp db) and by anyone embedding the server.
 */
import { Hub } from "../actors/hub.ts";
import { BunFanout } from "../fanout/bun.ts";
import { CloseCode } from "../protocol/index.ts";
import { rebuild, type RebuildReport } from "../projections/snapshot.ts";
import { openEventLog } from "../store/open-log.ts";
import { createAuthenticator } from "./auth.ts";
import { type Config, DEFAULTS, finish } from "./config.ts";
import { checkDatabasePath, openFailure } from "./db-path.ts";
import { type DbLock, lockDatabase } from "./db-lock.ts";
import { assertPortFree, bindPort } from "./port-claim.ts";
import { ConnectionGate } from "./connection-gate.ts";
import { broadcastHandler, healthHandler, readyHandler } from "./http.ts";
import type { Logger } from "../observability/log.ts";
import { metricsHandler } from "./metrics-route.ts";
import { createLogger, createObservability } from "./observability.ts";
import { type SocketData, upgrade, websocketHandler } from "./transport.ts";
import { webApp } from "./web-app.ts";
import { front } from "./front.ts";
import { hostPolicy } from "./host-check.ts";
import { parseTrustedProxies } from "./client-address.ts";
import { resolve } from "node:path";
import type { EventLog } from "../store/event-log.ts";
import type { Engine } from "../store/engine/engine.ts";
import { nodeName } from "./config.ts";
import { type ClusterNode, startClusterNode } from "../cluster/node.ts";
import { ReplicaLog } from "../cluster/replica-log.ts";
import { alignReplica, moveReplicaAside, openClusterEngine, openClusterPresenceBus, redactUrl } from "./cluster-storage.ts";
import { StartupError } from "./startup-error.ts";
import { OpenLog } from "./open-log.ts";

export interface RunningServer {
  url: string;
  port: number;
  config: Config;
  hub: Hub;
  startup: RebuildReport;
  /** How long each start-up step took, ms. */
  timings: { openMs: number; replayMs: number; listenMs: number; totalMs: number };
  logger: Logger;
  /** Cluster mode only: the node's name, the shared store (password hidden) and its engine. */
  cluster?: {
    node: string; store: string; engine: Engine; startPos: number;
    /** Where the replica found at start went, when it held another epoch than the store (it was rebuilt). */
    movedAside?: string;
  };
  /** Writes what is queued, snapshots, closes every connection with 1001, closes the log. */
  stop(): Promise<void>;
  /**
   * Settles when the server stopped by itself and the process should exit with `exitCode`
   * (cluster mode: the shared store's history changed under this node; see docs/architecture.md).
   */
  fatal: Promise<{ message: string; exitCode: number }>;
}

class DivergedReplicaError extends Error {}

/** Milliseconds to one decimal, for the log. */
const ms = (x: number): number => Math.round(x * 10) / 10;

/**
 * `logger` defaults to pino on stdout as the config says (--log-level, --log-format).
 * Throws StartupError (one line for the operator, see startup-error.ts) when the port is taken,
 * the database is held by another server, or the database cannot be opened; nothing is left
 * held or open when it throws.
 */
export async function startServer(overrides: Partial<Config> = {}, logger?: Logger): Promise<RunningServer> {
  const t0 = performance.now();
  const config = finish({ ...DEFAULTS, ...overrides }, overrides);
  const onDisk = config.db !== ":memory:" && !config.db.startsWith("file:");
  if (onDisk) config.db = resolve(config.db);
  // Quick answer before any work; the sound check is at bind time (port-claim.ts).
  if (!config.reusePort) assertPortFree(config.host, config.port);
  let lock: DbLock | undefined;
  let log: EventLog | undefined;
  let engine: Engine | undefined;
  let cluster: ClusterStorage | undefined;
  try {
    if (onDisk) {
      checkDatabasePath(config.db);
      lock = lockDatabase(config.db);
    }
    // Cluster mode (--store): the shared engine first, then this node's replica in its history.
    if (config.store !== undefined) engine = await openClusterEngine(config.store, nodeName(config));
    log = await openLog(config, onDisk);
    if (engine) {
      const opened = log;
      log = undefined; // alignReplica closes it when it must
      const aligned = await alignReplica(opened, engine, config.db, () => openLog(config, onDisk));
      log = aligned.log;
      cluster = { engine, movedAside: aligned.movedAside };
    }
    return await run(config, logger ?? createLogger(config), lock, log, { t0, opened: performance.now() }, cluster);
  } catch (e) {
    try { log?.close(); } catch { /* already failing: the first error is the one to report */ }
    await engine?.close().catch(() => {});
    if (e instanceof DivergedReplicaError) {
      // Same epoch, other history (an older backup of the store): caught by the tailer's check of
      // the replica's last event. The replica is a copy of the store, so it can be rebuilt.
      e = new StartupError(`the shared store's history is not the replica's (${e.message}): the replica was moved to ${moveReplicaAside(config.db)}; start again and it is rebuilt from the store`);
    }
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

/** Cluster mode: the shared engine and where the replica found at start went, if it was rebuilt. */
interface ClusterStorage { engine: Engine; movedAside?: string }

async function run(config: Config, logger: Logger, lock: DbLock | undefined, log: EventLog, t: { t0: number; opened: number }, cluster?: ClusterStorage): Promise<RunningServer> {
  const engine = cluster?.engine;
  let rebuilt;
  try {
    rebuilt = rebuild(log);
  } catch (e) {
    throw openFailure(config.db, e);
  }
  // Cluster mode: the replica is written behind the apply block, many commits per transaction
  // (cluster/replica-log.ts); reads see every applied event. `log.close()` below writes the rest.
  if (engine) {
    const replica = new ReplicaLog(log);
    replica.onRetry = (e) => logger.warn("writing the replica failed; retrying", { event: "cluster.replica_retry", error: (e as Error)?.message ?? String(e) });
    log = replica;
  }
  const { projection, report } = rebuilt;
  const startedAt = Date.now();
  let server: Bun.Server<SocketData> | undefined;
  const obs = createObservability(config, logger);
  const { metrics } = obs;
  const bunFanout = new BunFanout();
  // With metrics on, the fan-out also counts deliveries per publish (one Map lookup); off, nothing extra.
  const fanout = obs.countDeliveries(bunFanout);
  const hub = new Hub(log, projection, fanout, config, createAuthenticator(config), logger, metrics);
  obs.watch(hub);
  let node: ClusterNode | undefined;
  let fatal!: (f: { message: string; exitCode: number }) => void;
  const fatalStop = new Promise<{ message: string; exitCode: number }>((resolve) => { fatal = resolve; });
  // The replica holds another history than the store: serving it would hand out stale state and
  // cursors that mean something else there. Stop (clients reconnect to other nodes; the new
  // epoch makes them start afresh), move the replica aside, and exit so a supervisor restarts
  // the node, which then rebuilds its replica from the store.
  let running: RunningServer | undefined;
  let divergedAtStart: string | undefined;
  const divergedStop = async (why: string) => {
    if (!running) return void (divergedAtStart = why); // start-up fails below, and startServer moves the replica aside
    logger.error(`the shared store's history is not this node's replica's (${why}): stopping; the replica is moved aside and rebuilt from the store at the next start`, undefined, { event: "cluster.diverged" });
    await running.stop();
    let message: string;
    try {
      message = `the shared store's history changed under this node (${why}): its replica was moved to ${moveReplicaAside(config.db)}; start the node again and it rebuilds the replica from the store`;
    } catch (e) {
      message = `the shared store's history changed under this node (${why}), and moving ${config.db} aside failed (${(e as Error)?.message ?? String(e)}): move it away by hand and start the node again`;
    }
    fatal({ message, exitCode: 3 });
  };
  // A followed event is in the replica but its commit path (projection, publish) failed: this
  // node's state and subscribers missed it. Stop (clients resume elsewhere from their cursors) and
  // exit 4, so a supervisor restarts the node, which rebuilds its projection from the replica.
  const commitPathStop = async (why: string, event: string, message: string) => {
    logger.error(`stopping: ${why}`, undefined, { event });
    await running?.stop();
    fatal({ message, exitCode: 4 });
  };
  let brokenAtStart: string | undefined;
  const brokenStop = async (why: string) => {
    if (!running) return void (brokenAtStart = why); // the start-up catch-up fails below
    await commitPathStop(why, "cluster.commit_path_failed", `this node stopped applying the shared store's events (${why}); start it again and it rebuilds its state from its replica`);
  };
  // The same on a single node: a committed event whose commit path failed is in the log but not in
  // the projection nor on the wire. Stop and exit 4; the restart rebuilds the projection from the log.
  if (!engine) {
    hub.whenCommitPathFails((why) => void commitPathStop(why, "server.commit_path_failed",
      `this server stopped after an internal failure (${why}); start it again and it rebuilds its state from its log`));
  }
  const startPos = log.lastPos();
  if (engine) {
    const presenceBus = await openClusterPresenceBus(config.store!, nodeName(config));
    node = startClusterNode(hub, engine, logger, {
      commitMaxEvents: config.commitMaxEvents, node: nodeName(config), presenceBus, presenceTimeoutMs: config.presenceTimeoutMs, storeTimeoutMs: config.storeTimeoutMs,
      onDiverged: (why) => void divergedStop(why),
      onCommitPathFailed: (why) => void brokenStop(why),
    });
    // Catch up with the shared log before taking connections (a node down for a while replays
    // what it missed into its replica here). Generous: a new replica of a big log copies all of it.
    try {
      await node.presence.start();
      await node.caughtUp(600_000);
    } catch (e) {
      await node.stop().catch(() => {});
      if (brokenAtStart !== undefined) throw new StartupError(`catching up with the shared store failed: ${brokenAtStart}`);
      throw divergedAtStart !== undefined ? new DivergedReplicaError(divergedAtStart) : e;
    }
  }
  const gate = new ConnectionGate(config);
  const openLog = new OpenLog(logger);
  const hosts = hostPolicy(config);
  const trusted = parseTrustedProxies(config.trustedProxies);
  const fetch = front({
    hosts,
    routes: {
      "/health": { GET: healthHandler(hub, report, startedAt) },
      "/ready": { GET: readyHandler(hub, () => stopped) },
      "/api/broadcast": { POST: broadcastHandler(hub, config) },
      "/metrics": { GET: metricsHandler(obs.exposition, config.metricsToken) },
    },
    web: webApp(),
    upgrade: (req, srv) => upgrade(req, srv, config, gate, hosts, trusted),
  });
  const listening = performance.now();
  const { bound, claim } = bindPort(config.host, config.port, config.reusePort, () => Bun.serve<SocketData>({
    hostname: config.host,
    port: config.port,
    reusePort: config.reusePort,
    development: false,
    fetch,
    websocket: websocketHandler(hub, config, gate, openLog),
    error(e) {
      logger.error("http handler failed", e, { event: "http.failed" });
      return new Response("internal error\n", { status: 500 });
    },
  }));
  server = bound;
  bunFanout.attach(bound);
  let stopped = false;
  const sweep = setInterval(() => {
    metrics.slowConsumerCloses.inc(hub.sweepSlowConsumers());
    hub.sweepBudgets();
    gate.sweep();
    openLog.flush();
  }, 1000);
  const heartbeat = setInterval(() => hub.heartbeat(), config.heartbeatMs);
  const done = performance.now();
  const port = server.port as number;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  running = {
    url: `http://${host}:${port}`,
    port,
    config,
    hub,
    startup: report,
    cluster: engine ? { node: nodeName(config), store: redactUrl(config.store ?? ""), engine, startPos, movedAside: cluster?.movedAside } : undefined,
    timings: { openMs: ms(t.opened - t.t0), replayMs: ms(report.ms), listenMs: ms(done - listening), totalMs: ms(done - t.t0) },
    logger,
    async stop() {
      if (stopped) return;
      stopped = true;
      const s0 = performance.now();
      const connections = hub.connections.size;
      clearInterval(sweep);
      clearInterval(heartbeat);
      openLog.flush();
      obs.stop();
      // Cluster: commit what is queued into the engine and stop following before the replica closes.
      await node?.stop().catch((e: unknown) => logger.error("cluster stop failed", e, { event: "cluster.stop_failed" }));
      hub.shutdown(CloseCode.GoingAway, "server shutting down");
      await server?.stop(true);
      const lastPos = log.lastPos();
      log.close();
      await engine?.close().catch(() => {});
      claim.release();
      lock?.release();
      logger.info("server stopped", { event: "server.stopped", ms: ms(performance.now() - s0), connections, lastPos });
    },
    fatal: fatalStop,
  };
  return running;
}
