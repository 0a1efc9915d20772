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
import { and, asc, eq, gt, max, sql } from "drizzle-orm";
import type { EventBody, EventKind } from "../../protocol/index.ts";
import type { HotPath, SyncSqliteDb } from "../sqlite-log.ts";
import * as schema from "../schema.ts";
import { EngineError, type Engine, type StoredEvent, type WatchHandlers } from "./engine.ts";
import { planBatch, resultsOf } from "./plan.ts";

const { events, meta, facts } = schema;

type Row = typeof events.$inferSelect;

function toEvent(r: Row): StoredEvent {
  const e: StoredEvent = {
    stream: r.stream, seq: r.seq, pos: r.pos, at: r.at, author: r.author,
    kind: r.kind as EventKind, body: JSON.parse(r.body) as EventBody,
  };
  if (r.cmid !== null) e.cmid = r.cmid;
  return e;
}

export interface SqliteEngineOptions {
  /**
   * How often a watcher checks `PRAGMA data_version` for commits by other processes (this
   * instance's own commits wake watchers at once). Default 5 ms.
   */
  watchPollMs?: number;
}

export function createSqliteEngine(db: SyncSqliteDb, hot: HotPath, close: () => void, opts: SqliteEngineOptions = {}): Engine {
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
  const byCmid = db.select().from(events).where(and(eq(events.cmid, p("cmid")), eq(events.author, p("author")))).prepare();
  const factRow = db.select({ one: sql<number>`1` }).from(facts).where(and(eq(facts.scope, p("scope")), eq(facts.key, p("key")))).prepare();
  const streamHead = db.select({ v: max(events.seq) }).from(events).where(eq(events.stream, p("stream"))).prepare();
  const lastPos = db.select({ v: max(events.pos) }).from(events).prepare();
  const after = db.select().from(events).where(gt(events.pos, p("pos"))).orderBy(asc(events.pos)).limit(p("limit")).prepare();
  const epochRow = db.select().from(meta).where(eq(meta.key, "epoch")).prepare();
  const dataVersion = db.select({ v: sql<number>`data_version` }).from(sql`pragma_data_version`).prepare();

  const readEpoch = () => epochRow.get()?.value;
  let epoch = readEpoch();
  if (!epoch) {
    epoch = crypto.randomUUID();
    db.insert(meta).values({ key: "epoch", value: epoch }).onConflictDoNothing().run();
    epoch = readEpoch()!;
  }

  let closed = false;
  const watchers = new Set<WatchHandlers>();
  let poller: ReturnType<typeof setInterval> | undefined;
  let seenVersion = 0;
  const open = () => { if (closed) throw new EngineError("closed", "the engine is closed", false); };
  const wake = (pos: number) => { for (const w of watchers) w.onHead(pos); };
  const startPolling = () => {
    seenVersion = Number(dataVersion.get()?.v ?? 0);
    poller = setInterval(() => {
      // data_version changes when ANOTHER connection commits; this instance's own commits wake directly.
      const v = Number(dataVersion.get()?.v ?? 0);
      if (v !== seenVersion) { seenVersion = v; wake(lastPos.get()?.v ?? 0); }
    }, opts.watchPollMs ?? 5);
    poller.unref?.();
  };

  return {
    kind: "sqlite",
    epoch,
    async append(requests) {
      open();
      if (requests.length === 0) return [];
      const { results, appended } = hot.immediate(() => {
        const posBefore = lastPos.get()?.v ?? 0;
        const plan = planBatch(requests, {
          original: (author, cmid) => { const r = byCmid.get({ author, cmid }); return r ? toEvent(r) : undefined; },
          holds: (f) => factRow.get({ scope: f.scope, key: f.key }) !== undefined,
        });
        const before = new Map<string, number>();
        for (const s of plan.counts.keys()) before.set(s, streamHead.get({ stream: s })?.v ?? 0);
        const results = resultsOf(requests, plan, (s) => before.get(s) ?? 0, posBefore);
        plan.items.forEach((it, i) => {
          const r = results[i]!;
          if (it.type !== "append" || r.status !== "appended") return;
          const e = r.event;
          // Column order of insertSql: pos, stream, seq, kind, author, at, cmid, body.
          insert(e.pos, e.stream, e.seq, e.kind, e.author, e.at, e.cmid ?? null, it.body);
        });
        for (const { fact, holds } of plan.factChanges.values()) (holds ? addFact : removeFact)(fact.scope, fact.key);
        return { results, appended: plan.appended > 0 ? posBefore + plan.appended : 0 };
      });
      if (appended > 0) queueMicrotask(() => wake(appended));
      return results;
    },
    async readAfter(pos, limit) { open(); return after.all({ pos, limit }).map(toEvent); },
    async head() {
      open();
      return { epoch: readEpoch() ?? "", pos: lastPos.get()?.v ?? 0 };
    },
    async streamHead(stream) { open(); return streamHead.get({ stream })?.v ?? 0; },
    async holds(f) { open(); return factRow.get({ scope: f.scope, key: f.key }) !== undefined; },
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
