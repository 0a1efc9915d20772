/**
 * The engine on an SQLite file: the same `events` and `meta` tables (and epoch) as the EventLog
 * (../sqlite-log.ts), so a single-node server can later append through this port with no
 * migration of its data. Async on top of the synchronous drivers: the transaction itself runs in
 * one synchronous BEGIN IMMEDIATE … COMMIT block.
 *
 * Unlike the EventLog, nothing is cached in memory: heads and the global pos are read inside the
 * transaction, so several processes may append to one file (BEGIN IMMEDIATE serialises them, so
 * commit order = pos order here too). Requires that the storage is never pruned at the head of a
 * stream (prune keeps ≥ 1 event per stream), since the next pos and seq are read as max + 1.
 */
import { and, asc, eq, getTableName, gt, sql } from "drizzle-orm";
import type { HotPath, SyncSqliteDb } from "../sqlite/sqlite-log.ts";
import * as schema from "../sqlite/schema.ts";
import { toEvent } from "../sqlite/sqlite-log.ts";
import { EngineError, type Engine, type StoredEvent, type WatchHandlers } from "./engine.ts";
import { planBatch, resultsOf } from "./plan.ts";

const { events, meta, facts } = schema;

type Row = typeof events.$inferSelect;

export interface SqliteEngineOptions {
  /**
   * How often a watcher checks `PRAGMA data_version` for commits by other processes (this
   * instance's own commits wake watchers at once). Default 5 ms.
   */
  watchPollMs?: number;
}

/** The driver calls the engine takes raw (drizzle's prepared-statement wrapper costs ~5 µs a call, see ../sqlite-log.ts). */
export interface EngineHotPath extends HotPath {
  /** Prepares `sql`; the function returns the first row (column name → value), if any. */
  prepareGet(sql: string): (...params: unknown[]) => Record<string, unknown> | undefined;
}

export function createSqliteEngine(db: SyncSqliteDb, hot: EngineHotPath, close: () => void, opts: SqliteEngineOptions = {}): Engine {
  const p = sql.placeholder;
  const insertSql = db.insert(events).values({
    pos: p("pos"), stream: p("stream"), seq: p("seq"), kind: p("kind"),
    author: p("author"), at: p("at"), cmid: p("cmid"), body: p("body"),
  }).toSQL().sql;
  const columns = /\(([^)]*)\)\s+values/i.exec(insertSql)?.[1]?.replace(/["`\s]/g, "");
  if (columns !== "pos,stream,seq,kind,author,at,cmid,body") throw new Error(`unexpected insert column order: ${columns}`);
  const insert = hot.prepareRun(insertSql);
  const addFact = hot.prepareRun(db.insert(facts).values({ scope: p("scope"), key: p("key") }).onConflictDoNothing().toSQL().sql);
  const removeFact = hot.prepareRun(db.delete(facts).where(and(eq(facts.scope, p("scope")), eq(facts.key, p("key")))).toSQL().sql);
  // The SQL of the hot reads is drizzle's, from the schema; only the call is raw.
  const byCmid = hot.prepareGet(db.select().from(events).where(and(eq(events.cmid, p("cmid")), eq(events.author, p("author")))).toSQL().sql);
  const factRow = hot.prepareGet(db.select({ one: sql<number>`1` }).from(facts).where(and(eq(facts.scope, p("scope")), eq(facts.key, p("key")))).toSQL().sql);
  // Drizzle maps selected columns by position and emits no alias, so these two name theirs by hand.
  const streamHead = hot.prepareGet(`SELECT max(seq) AS v FROM ${getTableName(events)} WHERE stream = ?`);
  const lastPos = hot.prepareGet(`SELECT max(pos) AS v FROM ${getTableName(events)}`);
  const dataVersion = hot.prepareGet("PRAGMA data_version");
  const after = db.select().from(events).where(gt(events.pos, p("pos"))).orderBy(asc(events.pos)).limit(p("limit")).prepare();
  const epochRow = db.select().from(meta).where(eq(meta.key, "epoch")).prepare();
  const readVersion = () => Number(dataVersion()?.data_version ?? 0);
  const readLastPos = () => Number(lastPos()?.v ?? 0);
  const readStreamHead = (stream: string) => Number(streamHead(stream)?.v ?? 0);
  const holdsNow = (f: { scope: string; key: string }) => factRow(f.scope, f.key) !== undefined;

  const readEpoch = () => epochRow.get()?.value;
  let epoch = readEpoch();
  if (!epoch) {
    epoch = crypto.randomUUID();
    db.insert(meta).values({ key: "epoch", value: epoch }).onConflictDoNothing().run();
    epoch = readEpoch()!;
  }

  // Heads and the global pos, cached between this connection's own commits. `PRAGMA data_version`
  // changes exactly when ANOTHER connection has committed, so inside the transaction an unchanged
  // version proves the cache exact; otherwise it is dropped and re-read. One process appending
  // alone never re-reads; several processes on one file stay correct.
  const cachedHeads = new Map<string, number>();
  let cachedPos: number | undefined;
  let cachedVersion = -1;

  let closed = false;
  const watchers = new Set<WatchHandlers>();
  let poller: ReturnType<typeof setInterval> | undefined;
  let seenVersion = 0;
  const open = () => { if (closed) throw new EngineError("closed", "the engine is closed", false); };
  const wake = (pos: number) => { for (const w of watchers) w.onHead(pos); };
  const startPolling = () => {
    seenVersion = readVersion();
    poller = setInterval(() => {
      // data_version changes when ANOTHER connection commits; this instance's own commits wake directly.
      const v = readVersion();
      if (v !== seenVersion) { seenVersion = v; wake(readLastPos()); }
    }, opts.watchPollMs ?? 5);
    poller.unref?.();
  };

  function appendTx(requests: Parameters<Engine["append"]>[0]) {
    const version = readVersion();
    if (version !== cachedVersion) { cachedHeads.clear(); cachedPos = undefined; cachedVersion = version; }
    const posBefore = cachedPos ?? readLastPos();
    cachedPos = posBefore;
    const plan = planBatch(requests, {
      original: (author, cmid) => { const r = byCmid(cmid, author); return r ? toEvent(r as Row) : undefined; },
      holds: holdsNow,
    });
    const before = new Map<string, number>();
    for (const s of plan.counts.keys()) {
      let h = cachedHeads.get(s);
      if (h === undefined) cachedHeads.set(s, (h = readStreamHead(s)));
      before.set(s, h);
    }
    const results = resultsOf(requests, plan, (s) => before.get(s) ?? 0, posBefore);
    plan.items.forEach((it, i) => {
      const r = results[i]!;
      if (it.type !== "append" || r.status !== "appended") return;
      const e = r.event;
      // Column order of insertSql: pos, stream, seq, kind, author, at, cmid, body.
      insert(e.pos, e.stream, e.seq, e.kind, e.author, e.at, e.cmid ?? null, it.body);
    });
    for (const { fact, holds } of plan.factChanges.values()) (holds ? addFact : removeFact)(fact.scope, fact.key);
    const heads = new Map<string, number>();
    for (const [s, n] of plan.counts) heads.set(s, before.get(s)! + n);
    return { results, heads, pos: posBefore + plan.appended };
  }

  return {
    kind: "sqlite",
    epoch,
    async append(requests) {
      open();
      if (requests.length === 0) return [];
      let done;
      try {
        done = hot.immediate(() => appendTx(requests));
      } catch (e) {
        cachedVersion = -1; // whatever the failed transaction read is not to be trusted
        throw e;
      }
      // Only after COMMIT: the cache must never run ahead of what is durable.
      for (const [s, h] of done.heads) cachedHeads.set(s, h);
      const appended = done.pos > (cachedPos ?? 0);
      cachedPos = done.pos;
      if (appended) queueMicrotask(() => wake(done.pos));
      return done.results;
    },
    async readAfter(pos, limit) { open(); return after.all({ pos, limit }).map(toEvent); },
    async head() {
      open();
      return { epoch: readEpoch() ?? "", pos: readLastPos() };
    },
    async renewEpoch(expected) {
      open();
      db.update(meta).set({ value: crypto.randomUUID() }).where(and(eq(meta.key, "epoch"), eq(meta.value, expected))).run();
      return readEpoch() ?? "";
    },
    async streamHead(stream) { open(); return readStreamHead(stream); },
    async holds(f) { open(); return holdsNow(f); },
    async watch(handlers) {
      open();
      watchers.add(handlers);
      if (!poller) startPolling();
      queueMicrotask(() => handlers.onListening?.());
      return {
        stop: async () => {
          watchers.delete(handlers);
          if (watchers.size === 0 && poller) { clearInterval(poller); poller = undefined; }
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (poller) clearInterval(poller);
      watchers.clear();
      close();
    },
  };
}
