/**
 * `hubbub import --db FILE --store postgres://…`: moves a single node's SQLite history into an
 * empty PostgreSQL store, so that cluster nodes (docs/deploy.md) start from it.
 *
 * - It takes the server's lock on FILE (as restore does): the single node must be stopped, and
 *   stays stopped while the history is copied, so nothing is committed behind the copy.
 * - Every event keeps its pos, seq, cmid and stored bytes, and the store takes the file's epoch:
 *   a client's cursors stay valid, and it resumes on any node exactly where it stopped.
 * - The engine's facts (membership and whatever else src/cluster/guards.ts derives from events)
 *   are computed by folding the same guards' effects over the history in order, so the store's
 *   guards see exactly what they would have seen had the cluster written the log itself.
 * - A log pruned by retention (a room starting after #1) is refused: a node's replica numbers
 *   every stream from #1 (hub.applyFollowed), so it could not follow such a history.
 */
import { resolve } from "node:path";
import { guarded } from "../cluster/guards.ts";
import type { EventBody, EventKind } from "../protocol/index.ts";
import { redactUrl } from "../server/cluster-storage.ts";
import { type DbLock, lockDatabase } from "../server/db-lock.ts";
import { factKey } from "../store/engine/plan.ts";
import type { Fact } from "../store/engine/engine.ts";
import { loadIntoEmptyPg, StoreNotEmptyError } from "../store/engine/pg/load.ts";
import type { PgClient } from "../store/engine/pg/client.ts";
import type { SqliteReader } from "../store/sqlite/sqlite-reader.ts";
import { OpsError } from "./errors.ts";
import { EVENT_COLUMNS, type EventRow } from "./rows.ts";

export interface ImportReport { events: number; streams: number; facts: number; epoch: string; store: string; ms: number }

/** Rows per INSERT: one round trip each, a few MB at most. */
const PAGE = 2_000;

export async function importToStore(db: SqliteReader, dbPath: string, storeUrl: string, connect: (url: string) => PgClient): Promise<ImportReport> {
  const t0 = performance.now();
  let lock: DbLock;
  try {
    lock = lockDatabase(resolve(dbPath));
  } catch (e) {
    throw new OpsError(`${(e as Error).message.replace(/, or give this one another --db$/, "")} (stop the server before importing its log)`);
  }
  try {
    const epoch = db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'epoch'")?.value;
    if (!epoch) throw new OpsError(`${dbPath} has no epoch: it is not a hubbub log a server has opened`);
    checkImportable(db, dbPath);

    const facts = new Map<string, Fact>();
    const pages = function* (): Generator<EventRow[]> {
      for (let after = 0; ;) {
        const rows = db.all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE pos > ? ORDER BY pos LIMIT ?`, after, PAGE);
        if (rows.length === 0) return;
        for (const r of rows) fold(facts, r);
        after = rows[rows.length - 1]!.pos;
        yield rows;
      }
    };
    const client = connect(storeUrl);
    try {
      const r = await loadIntoEmptyPg(client, undefined, { epoch, pages: pages(), facts: () => [...facts.values()] });
      return { events: r.events, streams: r.streams, facts: r.facts, epoch, store: redactUrl(storeUrl), ms: performance.now() - t0 };
    } catch (e) {
      if (e instanceof StoreNotEmptyError) throw new OpsError(`${redactUrl(storeUrl)}: ${e.message}`);
      throw new OpsError(`import into ${redactUrl(storeUrl)} failed, nothing was written: ${(e as Error)?.message ?? String(e)}`);
    } finally {
      await client.close().catch(() => {});
    }
  } finally {
    lock.release();
  }
}

/** Refuses, in one line each, what a cluster could not follow: pruned streams, gaps in pos. */
function checkImportable(db: SqliteReader, dbPath: string): void {
  const pruned = db.get<{ stream: string; first: number }>("SELECT stream, MIN(seq) AS first FROM events GROUP BY stream HAVING MIN(seq) > 1 LIMIT 1");
  if (pruned) {
    throw new OpsError(`${pruned.stream} starts at #${pruned.first} in ${dbPath}: retention pruned this log, and cluster nodes number every stream from #1, so a pruned log cannot be imported`);
  }
  const span = db.get<{ n: number; last: number | null }>("SELECT COUNT(*) AS n, MAX(pos) AS last FROM events");
  if (span && span.last !== null && span.last !== span.n) {
    throw new OpsError(`${dbPath} has ${span.n} events but its last pos is ${span.last}: positions have gaps (run hubbub log verify), so it cannot be imported`);
  }
}

/** Applies one event's guard effects (removals, then additions), as the engine does when it appends it. */
function fold(facts: Map<string, Fact>, r: EventRow): void {
  const req = guarded({ stream: r.stream, kind: r.kind as EventKind, author: r.author, body: JSON.parse(r.body) as EventBody, at: r.at });
  for (const f of req.effects?.remove ?? []) facts.delete(factKey(f));
  for (const f of req.effects?.add ?? []) facts.set(factKey(f), f);
}
