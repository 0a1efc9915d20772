/**
 * Every setting, its flag, its environment variable and its default, in one place.
 * Precedence: flag > environment variable > default.
 */
import { hostname } from "node:os";
import { parseTrustedProxies } from "./client-address.ts";
import { parseArgs } from "node:util";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "../observability/log.ts";

export interface Config {
  host: string;
  port: number;
  /** SQLite file, or ":memory:". With --store, this node's local replica of the shared log. */
  db: string;
  /**
   * Cluster mode (preview, issue 10): a postgres:// URL of the engine every node appends to and
   * follows; unset = the single-node SQLite path, unchanged. See docs/architecture.md.
   */
  store: string | undefined;
  /** This node's name in a cluster (logs, PostgreSQL application_name); "" = hostname-pid (see nodeName). */
  nodeId: string;
  /**
   * Cluster mode: a node not heard from on the presence bus for this long is dropped, and its
   * users' presence goes offline on every other node (heartbeats go every fifth of it).
   */
  presenceTimeoutMs: number;
  /**
   * Cluster mode: when no read of the shared store has succeeded for this long, the node closes
   * its sockets with 4106 ("reconnect later"), keeps closing new ones and fails /ready, until
   * the store answers again.
   */
  storeTimeoutMs: number;
  synchronous: "NORMAL" | "FULL";
  /** "dev": hello names the user (trusted). "jwt": hello must carry an HS256 JWT signed with jwtSecret. */
  auth: "dev" | "jwt";
  jwtSecret: string | undefined;
  /** Longest a token may live, seconds: `exp` minus `iat` (or minus now, without `iat`). Tokens without `exp` are refused. */
  jwtMaxLifetime: number;
  /** When set, a token's `aud` must include it. */
  jwtAudience: string | undefined;
  /** When set, a token's `iss` must equal it. */
  jwtIssuer: string | undefined;
  /** Bearer token for POST /api/broadcast; unset disables the endpoint. */
  adminToken: string | undefined;
  /** Largest WebSocket frame accepted, bytes; larger closes with 1009. */
  maxPayload: number;
  /** Longest message text, characters. */
  maxText: number;
  /**
   * Frames per second per user, shared by all of the user's connections (token bucket, burst
   * 2 s worth); every frame after hello counts, pings and refused ones too. 0 = unlimited.
   */
  rateLimit: number;
  /**
   * WebSocket upgrades per second per client address (IPv6: per /64), token bucket with a
   * burst of 2 s worth (at least 20); over it, HTTP 429. 0 = unlimited.
   */
  connectRateLimit: number;
  /**
   * Bytes per second of history pages and resume replay one user may make the server read and
   * encode, across all of the user's connections (burst 2 s worth). Over it, `history` gets
   * `rate_limited` and a replay slows down to this pace. 0 = unlimited.
   */
  readRateLimit: number;
  /** Rooms one user may be a member of; a join beyond it gets too_many_rooms. 0 = unlimited. */
  maxRoomsPerUser: number;
  /** Connections one user may have open at once (hello'd); one more is closed with 4104. 0 = unlimited. */
  maxConnectionsPerUser: number;
  /** Connections one client address (IPv6: /64) may have open at once; one more is closed with 4105. 0 = unlimited. */
  maxConnectionsPerIp: number;
  /**
   * Seconds of silence after which Bun pings a socket; silent for as long again, it is closed.
   * Bun's timers tick every 4 s, so a dead peer is dropped within 2 × max(this, 4) rounded up to 4 s.
   */
  idleTimeout: number;
  /** The server's heartbeat to every connection, ms (told in welcome; clients ping only after 1.5 silent intervals). */
  heartbeatMs: number;
  /** A connection must say hello within this, ms. */
  helloTimeoutMs: number;
  /**
   * Until its hello is accepted, a socket may send at most this many frames (the hello included)…
   * and this many bytes in total; past either it is closed with 4004. Unauthenticated input is
   * kept tiny; the bytes must still fit the largest hello your clients send (~30 bytes per cursor).
   */
  preHelloFrames: number;
  preHelloBytes: number;
  /** A connection whose unsent backlog exceeds this is closed with 4200 (slow consumer, resume). */
  slowConsumerBytes: number;
  /** A presence leave is announced only after this grace, ms, so a quick reconnect does not flap. */
  presenceGraceMs: number;
  /** Keep only the newest N events per room stream (0 keeps everything); older cursors get `truncated`. */
  retain: number;
  /** Save a projection snapshot every N events, and at shutdown. */
  snapshotEvery: number;
  /** Browser origins allowed to open /ws besides the server's own; "*" allows any. */
  allowedOrigins: string[];
  /**
   * Host names (the `Host` header) this server answers to besides --host and, for a loopback or
   * wildcard bind, localhost/127.0.0.1/[::1] (wildcard: any IP literal too); others get 421. "*" allows any.
   */
  allowedHosts: string[];
  /**
   * Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client, for the
   * per-address limits and the logs; empty: the header is ignored (client-address.ts).
   */
  trustedProxies: string[];
  /** Under load (the previous commit carried 8+ events), a commit waits until this many ms after the previous one so more appends share it (0: every turn). */
  commitWindowMs: number;
  /** Most events one transaction carries; 1 turns group commit off (for the durability benchmark). */
  commitMaxEvents: number;
  // Start-up refusals (issue 9): see port-claim.ts and the README's Operations section.
  /** Share the port with other servers started with this flag (SO_REUSEPORT); off: a taken port stops start-up. */
  reusePort: boolean;
  /** Allow --auth dev on a non-loopback host, where it lets anyone on the network be anyone. */
  insecureDevOnNetwork: boolean;
  /** Least severe log level written (trace, debug, info, warn, error, fatal, silent). */
  logLevel: LogLevel;
  /** "json": NDJSON; "pretty": for people; "auto": pretty when stdout is a terminal, else json. */
  logFormat: "auto" | "json" | "pretty";
  /** "off" stops counting (GET /metrics answers 404): for measuring what metrics cost. */
  metrics: "on" | "off";
  /** Bearer token GET /metrics requires; unset leaves /metrics open (bind to a private address then). */
  metricsToken: string | undefined;
}

export const DEFAULTS: Config = {
  host: "127.0.0.1",
  port: 8080,
  db: "./data/hubbub.db",
  synchronous: "FULL",
  store: undefined,
  nodeId: "",
  presenceTimeoutMs: 10_000,
  storeTimeoutMs: 10_000,
  auth: "dev",
  jwtSecret: undefined,
  jwtMaxLifetime: 86_400,
  jwtAudience: undefined,
  jwtIssuer: undefined,
  adminToken: undefined,
  maxPayload: 64 * 1024,
  maxText: 4000,
  rateLimit: 200,
  connectRateLimit: 20,
  readRateLimit: 4 * 1024 * 1024,
  maxRoomsPerUser: 1000,
  maxConnectionsPerUser: 20,
  maxConnectionsPerIp: 200,
  idleTimeout: 15,
  heartbeatMs: 25_000,
  helloTimeoutMs: 10_000,
  preHelloFrames: 8,
  preHelloBytes: 64 * 1024,
  slowConsumerBytes: 4 * 1024 * 1024,
  presenceGraceMs: 2000,
  retain: 0,
  snapshotEvery: 50_000,
  allowedOrigins: [],
  allowedHosts: [],
  trustedProxies: [],
  commitWindowMs: 1,
  commitMaxEvents: 1000,
  reusePort: false,
  insecureDevOnNetwork: false,
  logLevel: "info",
  logFormat: "auto",
  metrics: "on",
  metricsToken: undefined,
};

/** flag name -> [env var, kind]. The README's configuration table is this table. */
export const FLAGS = {
  host: ["HUBBUB_HOST", "string"],
  port: ["HUBBUB_PORT", "number"],
  db: ["HUBBUB_DB", "string"],
  synchronous: ["HUBBUB_SYNCHRONOUS", "string"],
  store: ["HUBBUB_STORE", "string"],
  "node-id": ["HUBBUB_NODE_ID", "string"],
  "presence-timeout-ms": ["HUBBUB_PRESENCE_TIMEOUT_MS", "number"],
  "store-timeout-ms": ["HUBBUB_STORE_TIMEOUT_MS", "number"],
  auth: ["HUBBUB_AUTH", "string"],
  "jwt-secret": ["HUBBUB_JWT_SECRET", "string"],
  "jwt-max-lifetime": ["HUBBUB_JWT_MAX_LIFETIME", "number"],
  "jwt-audience": ["HUBBUB_JWT_AUDIENCE", "string"],
  "jwt-issuer": ["HUBBUB_JWT_ISSUER", "string"],
  "admin-token": ["HUBBUB_ADMIN_TOKEN", "string"],
  "max-payload": ["HUBBUB_MAX_PAYLOAD", "number"],
  "max-text": ["HUBBUB_MAX_TEXT", "number"],
  "rate-limit": ["HUBBUB_RATE_LIMIT", "number"],
  "connect-rate-limit": ["HUBBUB_CONNECT_RATE_LIMIT", "number"],
  "read-rate-limit": ["HUBBUB_READ_RATE_LIMIT", "number"],
  "max-rooms-per-user": ["HUBBUB_MAX_ROOMS_PER_USER", "number"],
  "max-connections-per-user": ["HUBBUB_MAX_CONNECTIONS_PER_USER", "number"],
  "max-connections-per-ip": ["HUBBUB_MAX_CONNECTIONS_PER_IP", "number"],
  "idle-timeout": ["HUBBUB_IDLE_TIMEOUT", "number"],
  "heartbeat-ms": ["HUBBUB_HEARTBEAT_MS", "number"],
  "hello-timeout-ms": ["HUBBUB_HELLO_TIMEOUT_MS", "number"],
  "pre-hello-frames": ["HUBBUB_PRE_HELLO_FRAMES", "number"],
  "pre-hello-bytes": ["HUBBUB_PRE_HELLO_BYTES", "number"],
  "slow-consumer-bytes": ["HUBBUB_SLOW_CONSUMER_BYTES", "number"],
  "presence-grace-ms": ["HUBBUB_PRESENCE_GRACE_MS", "number"],
  retain: ["HUBBUB_RETAIN", "number"],
  "snapshot-every": ["HUBBUB_SNAPSHOT_EVERY", "number"],
  "allowed-origins": ["HUBBUB_ALLOWED_ORIGINS", "string"],
  "allowed-hosts": ["HUBBUB_ALLOWED_HOSTS", "string"],
  "trusted-proxies": ["HUBBUB_TRUSTED_PROXIES", "string"],
  "commit-window-ms": ["HUBBUB_COMMIT_WINDOW_MS", "number"],
  "commit-max-events": ["HUBBUB_COMMIT_MAX_EVENTS", "number"],
  "reuse-port": ["HUBBUB_REUSE_PORT", "boolean"],
  "insecure-dev-on-network": ["HUBBUB_INSECURE_DEV_ON_NETWORK", "boolean"],
  "log-level": ["HUBBUB_LOG_LEVEL", "string"],
  "log-format": ["HUBBUB_LOG_FORMAT", "string"],
  metrics: ["HUBBUB_METRICS", "string"],
  "metrics-token": ["HUBBUB_METRICS_TOKEN", "string"],
} as const;

export class ConfigError extends Error {}

/** The node's name: --node-id, or hostname-pid (unique per process on one machine). */
export const nodeName = (c: Pick<Config, "nodeId">): string => c.nodeId || `${hostname()}-${process.pid}`;

/** A shorter HS256 secret can be brute-forced offline from any one token. */
export const MIN_JWT_SECRET_BYTES = 32;

/** A boolean env var: 1/true/yes or 0/false/no. */
function envBoolean(envName: string, v: string): boolean {
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new ConfigError(`${envName} must be 1/true/yes or 0/false/no, got "${v}"`);
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function parseConfig(argv: string[], env: Record<string, string | undefined>): Config {
  const options = Object.fromEntries(Object.entries(FLAGS).map(([f, [, kind]]) => [f, { type: kind === "boolean" ? "boolean" as const : "string" as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true }).values;
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const raw: Record<string, unknown> = {};
  for (const [flag, [envName, kind]] of Object.entries(FLAGS)) {
    if (kind === "boolean") {
      const given = values[flag] as boolean | undefined;
      const fromEnv = env[envName];
      if (given !== undefined) raw[camel(flag)] = given;
      else if (fromEnv !== undefined && fromEnv !== "") raw[camel(flag)] = envBoolean(envName, fromEnv);
      continue;
    }
    const v = (values[flag] as string | undefined) ?? env[envName];
    if (v === undefined || v === "") continue;
    if (kind === "number") {
      const n = Number(v);
      const fractionOk = flag === "rate-limit" || flag === "connect-rate-limit" || flag === "commit-window-ms";
      if (v.trim() === "" || !Number.isFinite(n) || n < 0 || (!fractionOk && !Number.isInteger(n))) {
        throw new ConfigError(`--${flag} (${envName}) must be a non-negative ${fractionOk ? "number" : "whole number"}, got "${v}"`);
      }
      raw[camel(flag)] = n;
    } else raw[camel(flag)] = v;
  }
  return finish({ ...DEFAULTS, ...raw } as Config, raw);
}

/** Checks a config made in code or from flags, and fills what follows from other settings. */
export function finish(c: Config, given: object = {}): Config {
  const g = given as Record<string, unknown>;
  if (typeof g.allowedOrigins === "string") c.allowedOrigins = g.allowedOrigins.split(",").map((s) => s.trim()).filter(Boolean);
  if (typeof g.allowedHosts === "string") c.allowedHosts = g.allowedHosts.split(",").map((s) => s.trim()).filter(Boolean);
  if (typeof g.trustedProxies === "string") c.trustedProxies = g.trustedProxies.split(",").map((s) => s.trim()).filter(Boolean);
  try { parseTrustedProxies(c.trustedProxies); } catch (e) { throw new ConfigError((e as Error).message); }
  if (c.synchronous !== "NORMAL" && c.synchronous !== "FULL") throw new ConfigError(`--synchronous must be NORMAL or FULL`);
  if (c.store !== undefined) {
    let u: URL | undefined;
    try { u = new URL(c.store); } catch { u = undefined; }
    if (!u || (u.protocol !== "postgres:" && u.protocol !== "postgresql:") || u.hostname === "") {
      throw new ConfigError("--store must be a postgres:// URL (postgres://user@host:5432/database); leave it unset for the single-node SQLite store");
    }
    if (c.db === ":memory:" || c.db.startsWith("file:")) throw new ConfigError("--store needs an on-disk --db: it is this node's replica of the shared log");
    // The replica is not the system of record: an ack waits for PostgreSQL's commit, and a node
    // re-reads from PostgreSQL whatever its replica lost (WAL + NORMAL loses at most the last
    // commits on power loss, never consistency). An fsync per followed batch on every node would
    // be paid N times per message for nothing. An explicit --synchronous still wins.
    if (g.synchronous === undefined) c.synchronous = "NORMAL";
  }
  if (!(c.presenceTimeoutMs >= 100)) throw new ConfigError("--presence-timeout-ms must be at least 100");
  if (!(c.storeTimeoutMs >= 100)) throw new ConfigError("--store-timeout-ms must be at least 100");
  if (c.nodeId !== "" && !/^[A-Za-z0-9._-]{1,64}$/.test(c.nodeId)) throw new ConfigError("--node-id must be 1-64 letters, digits, '.', '_' or '-'");
  if (c.auth !== "dev" && c.auth !== "jwt") throw new ConfigError(`--auth must be dev or jwt`);
  if (c.jwtSecret && g.auth === undefined) c.auth = "jwt";
  const jwtOnly = ([["jwt-secret", c.jwtSecret], ["jwt-audience", c.jwtAudience], ["jwt-issuer", c.jwtIssuer]] as const).filter(([, v]) => v).map(([f]) => `--${f}`);
  if (c.auth === "dev" && jwtOnly.length > 0) {
    throw new ConfigError(c.jwtSecret
      ? `--auth dev contradicts ${jwtOnly.join(", ")}: dev mode trusts names and would ignore the token settings; drop --auth dev to require tokens, or drop the token settings`
      : `${jwtOnly.join(", ")} need --jwt-secret (HUBBUB_JWT_SECRET): without it the server runs in dev mode and checks no tokens`);
  }
  if (c.auth === "jwt" && !c.jwtSecret) throw new ConfigError("--auth jwt needs --jwt-secret (HUBBUB_JWT_SECRET)");
  if (c.auth === "jwt" && Buffer.byteLength(c.jwtSecret!) < MIN_JWT_SECRET_BYTES) {
    throw new ConfigError(`--jwt-secret must be at least ${MIN_JWT_SECRET_BYTES} bytes (HS256 wants a 256-bit key; e.g. \`openssl rand -base64 32\`)`);
  }
  if (!(c.jwtMaxLifetime >= 1)) throw new ConfigError("--jwt-max-lifetime must be at least 1 second");
  if (c.port > 65535) throw new ConfigError("--port must be at most 65535");
  if (!(c.commitMaxEvents >= 1)) throw new ConfigError("--commit-max-events must be at least 1");
  if (!(c.preHelloFrames >= 1)) throw new ConfigError("--pre-hello-frames must be at least 1 (the hello itself)");
  if (!isLogLevel(c.logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  if (!["auto", "json", "pretty"].includes(c.logFormat)) throw new ConfigError("--log-format must be auto, json or pretty");
  if (c.metrics !== "on" && c.metrics !== "off") throw new ConfigError("--metrics must be on or off");
  if (c.idleTimeout > 960) throw new ConfigError("--idle-timeout must be at most 960 seconds (a Bun limit)");
  // The server publishes a heartbeat to every connection each interval: not a busy loop.
  if (!(c.heartbeatMs >= 100)) throw new ConfigError("--heartbeat-ms must be at least 100");
  if (c.auth === "dev" && !isLoopback(c.host) && !c.insecureDevOnNetwork) {
    throw new ConfigError(`--auth dev trusts any name, so on --host ${c.host} anyone who can reach the port can be anyone: set --jwt-secret, listen on 127.0.0.1, or pass --insecure-dev-on-network`);
  }
  return c;
}

export function helpText(): string {
  const lines = ["Usage: hubbub serve [options]   (from source: bun run src/main.ts [options])", "", "Options (flag, env var, default):"];
  for (const [flag, [envName]] of Object.entries(FLAGS)) {
    const d = DEFAULTS[camel(flag) as keyof Config];
    const shown = flag === "node-id" ? "(hostname-pid)" : typeof d === "boolean" ? (d ? "on" : "off") : Array.isArray(d) ? d.join(",") || "(none)" : d === undefined ? "(unset)" : String(d);
    lines.push(`  --${flag.padEnd(20)} ${envName.padEnd(28)} ${shown}`);
  }
  lines.push(
    "",
    "Boolean flags take no value; their env vars take 1/true/yes or 0/false/no.",
    "--store postgres://…: cluster mode (preview): several nodes, each with its own --db replica, share one PostgreSQL.",
    "--reuse-port: share the port with other servers that pass it too; otherwise a taken port stops start-up.",
    "--insecure-dev-on-network: allow --auth dev on a non-loopback --host (anyone on the network can be anyone).",
    "One server per database: it holds an OS lock on <db>.lock (freed when the process ends, kill -9 included).",
    "Exit codes: 0 stopped, 1 cannot start (port in use, database locked, unusable data path), 2 usage mistake,",
    "  3 cluster: the shared store's history changed under this node (its replica was moved aside; start it again to rebuild).",
    "HTTP: GET /health (liveness; 503 while commits fail, e.g. disk full), GET /ready (readiness; 503 while commits fail or stopping; cluster: also while the shared store is unreachable).",
  );
  return lines.join("\n");
}
