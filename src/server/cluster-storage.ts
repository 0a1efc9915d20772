/**
 * Opening a cluster node's storage at start-up: the shared engine (PostgreSQL) and this node's
 * local replica, which must belong to the engine's history. Part of the server's start-up (its
 * failures are StartupErrors), so it lives here, above src/cluster/. Bun only, like the server.
 */
import { existsSync, renameSync } from "node:fs";
import { openBunSqliteReader } from "../store/sqlite/bun-sqlite.ts";
import type { Engine } from "../store/engine/engine.ts";
import type { EventLog } from "../store/event-log.ts";
import { StartupError } from "./startup-error.ts";
import type { PresenceBus } from "../cluster/presence-bus.ts";

/** The store URL without its password, for logs and the start-up line. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export async function openClusterEngine(url: string, node: string): Promise<Engine> {
  const { openPgEngine } = await import("../store/engine/pg/pg-engine.ts");
  try {
    return await openPgEngine({ url, applicationName: `hubbub-${node}`.slice(0, 63), max: 4 });
  } catch (e) {
    throw new StartupError(`cannot open the shared store ${redactUrl(url)}: ${(e as Error)?.message ?? String(e)}`);
  }
}

/**
 * The presence bus: LISTEN/NOTIFY on its own connections (one to send: the tracker sends one
 * statement at a time; Bun.SQL's LISTEN takes one more), so presence never waits behind appends.
 */
export async function openClusterPresenceBus(url: string, node: string): Promise<PresenceBus> {
  const [{ bunSqlClient }, { pgPresenceBus }] = await Promise.all([import("../store/engine/pg/bun-sql.ts"), import("../cluster/pg-presence-bus.ts")]);
  return pgPresenceBus(bunSqlClient({ url, max: 1, applicationName: `hubbub-${node}-presence`.slice(0, 63) }), "hubbub_presence");
}

/**
 * A replica whose shared store's history changed under it is moved aside (kept for whoever wants
 * to look, never read again) so that the next start builds a new one from the store. The log must
 * be closed. Returns the new name of the database file.
 */
export function moveReplicaAside(path: string): string {
  const aside = `${path}.diverged-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  renameSync(path, aside);
  for (const suffix of ["-wal", "-shm"]) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  return aside;
}

/** The `meta` row that says a database file is a cluster node's replica: a copy of a store's history, never its only copy. */
const ROLE_KEY = "role";
const REPLICA_ROLE = "cluster-replica";

function roleOf(path: string): string | undefined {
  const db = openBunSqliteReader(path);
  try {
    return db.get<{ value: string }>("SELECT value FROM meta WHERE key = ?", ROLE_KEY)?.value;
  } finally {
    db.close();
  }
}

const MARK_REPLICA = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING";

function markReplica(path: string): void {
  const db = openBunSqliteReader(path, { writable: true });
  try {
    db.run(MARK_REPLICA, ROLE_KEY, REPLICA_ROLE);
  } finally {
    db.close();
  }
}

const onDisk = (path: string) => path !== ":memory:" && !path.startsWith("file:");

/**
 * The replica shares the engine's epoch, so a cursor (and a welcome's epoch) means the same on
 * every node, and it is marked as a replica. A new, empty replica takes the engine's epoch. A
 * replica of another epoch (the store got a new one after a restore, or this is another cluster's
 * replica) is a copy of some store's history: it is moved aside and rebuilt (`movedAside` says
 * where it went). Any other database of another history — a single-node database given as --db by
 * mistake, the only copy of its history — is refused: the operator decides (`hubbub import`).
 */
export async function alignReplica(log: EventLog, engine: Engine, path: string, reopen: () => Promise<EventLog>): Promise<{ log: EventLog; movedAside?: string }> {
  if (log.epoch === engine.epoch) {
    if (onDisk(path)) markReplica(path);
    return { log };
  }
  let movedAside: string | undefined;
  if (log.lastPos() > 0) {
    const replica = onDisk(path) && roleOf(path) === REPLICA_ROLE;
    log.close();
    if (!replica) {
      throw new StartupError(`--db ${path} holds another history (epoch ${log.epoch}) than the shared store (epoch ${engine.epoch}), and it is not a cluster replica (a single-node database?): import it into an empty store with \`hubbub import\`, or move it away and start again, and this node builds its replica from the store`);
    }
    movedAside = moveReplicaAside(path);
    log = await reopen();
    if (log.epoch === engine.epoch) return { log, movedAside };
  }
  log.close();
  const db = openBunSqliteReader(path, { writable: true });
  try {
    db.run("UPDATE meta SET value = ? WHERE key = 'epoch'", engine.epoch);
    // Marked in the same open as the epoch it now shares with the store.
    if (onDisk(path)) db.run(MARK_REPLICA, ROLE_KEY, REPLICA_ROLE);
  } finally {
    db.close();
  }
  return { log: await reopen(), movedAside };
}
