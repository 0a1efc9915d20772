/**
 * The EventLog over any synchronous drizzle SQLite database. The bun:sqlite and better-sqlite3
 * adapters differ only in how they open the file; all queries live here, written once.
 */
import { and, asc, desc, eq, gt, lt, max, min, ne, sql } from "drizzle-orm";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { EventBody, EventKind } from "../protocol/index.ts";
import type { AppendOutcome, AppendRequest, EventLog, Snapshot, StoredEvent } from "./event-log.ts";
import * as schema from "./schema.ts";

const { events, meta, snapshots } = schema;

// The drivers differ in their run-result type; nothing here reads it except through `changesOf`.
// biome-ignore lint: the second type parameter is the driver's run result, deliberately erased.
export type SyncSqliteDb = BaseSQLiteDatabase<"sync", any, typeof schema>; // any: driver-specific run result

type Row = typeof events.$inferSelect;

function toEvent(r: Row): StoredEvent {
  const e: StoredEvent = {
    stream: r.stream, seq: r.seq, pos: r.pos, at: r.at, author: r.author,
    kind: r.kind as EventKind, body: JSON.parse(r.body) as EventBody,
  };
  if (r.cmid !== null) e.cmid = r.cmid;
  return e;
}

export function createSqliteLog(db: SyncSqliteDb, changesOf: (result: unknown) => number, close: () => void): EventLog {
  const p = sql.placeholder;
  const insert = db.insert(events).values({
    pos: p("pos"), stream: p("stream"), seq: p("seq"), kind: p("kind"),
    author: p("author"), at: p("at"), cmid: p("cmid"), body: p("body"),
  }).onConflictDoNothing().prepare();
  const byCmid = db.select().from(events)
    .where(and(eq(events.author, p("author")), eq(events.cmid, p("cmid")))).prepare();
  const after = db.select().from(events)
    .where(and(eq(events.stream, p("stream")), gt(events.seq, p("seq"))))
    .orderBy(asc(events.seq)).limit(p("limit")).prepare();
  const before = db.select().from(events)
    .where(and(eq(events.stream, p("stream")), lt(events.seq, p("seq"))))
    .orderBy(desc(events.seq)).limit(p("limit")).prepare();
  const all = db.select().from(events).where(gt(events.pos, p("pos"))).orderBy(asc(events.pos)).limit(p("limit")).prepare();
  const one = db.select().from(events).where(and(eq(events.stream, p("stream")), eq(events.seq, p("seq")))).prepare();
  const firstSeq = db.select({ v: min(events.seq) }).from(events).where(eq(events.stream, p("stream"))).prepare();
  const unreadRows = db.select({ one: sql`1` }).from(events).where(and(
    eq(events.stream, p("stream")), gt(events.seq, p("seq")), eq(events.kind, "message"), ne(events.author, p("author")),
  )).limit(p("max")).as("unread_rows");
  const unread = db.select({ n: sql<number>`count(*)` }).from(unreadRows).prepare();

  const heads = new Map<string, number>();
  for (const r of db.select({ stream: events.stream, head: max(events.seq) }).from(events).groupBy(events.stream).all()) {
    heads.set(r.stream, r.head ?? 0);
  }
  let lastPos = db.select({ v: max(events.pos) }).from(events).get()?.v ?? 0;

  let epoch = db.select().from(meta).where(eq(meta.key, "epoch")).get()?.value;
  if (!epoch) {
    epoch = crypto.randomUUID();
    db.insert(meta).values({ key: "epoch", value: epoch }).run();
  }

  function appendOne(req: AppendRequest, batchHeads: Map<string, number>, pos: number): AppendOutcome {
    const seq = (batchHeads.get(req.stream) ?? heads.get(req.stream) ?? 0) + 1;
    const body = JSON.stringify(req.body);
    const result = insert.run({
      pos, stream: req.stream, seq, kind: req.kind, author: req.author, at: req.at, cmid: req.cmid ?? null, body,
    });
    if (changesOf(result) === 1) {
      batchHeads.set(req.stream, seq);
      const event: StoredEvent = { stream: req.stream, seq, pos, at: req.at, author: req.author, kind: req.kind, body: req.body };
      if (req.cmid !== undefined) event.cmid = req.cmid;
      return { event, duplicate: false };
    }
    const original = req.cmid === undefined ? undefined : byCmid.get({ author: req.author, cmid: req.cmid });
    if (!original) throw new Error(`append conflict on ${req.stream}#${seq} that is not a duplicate cmid`);
    return { event: toEvent(original), duplicate: true };
  }

  return {
    epoch,
    append(requests) {
      if (requests.length === 0) return [];
      const batchHeads = new Map<string, number>();
      let pos = lastPos;
      const outcomes = db.transaction(() => requests.map((req) => {
        const o = appendOne(req, batchHeads, pos + 1);
        if (!o.duplicate) pos += 1;
        return o;
      }), { behavior: "immediate" });
      // Only after COMMIT: the in-memory heads must never run ahead of what is durable.
      for (const [s, h] of batchHeads) heads.set(s, h);
      lastPos = pos;
      return outcomes;
    },
    readAfter: (stream, seq, limit) => after.all({ stream, seq, limit }).map(toEvent),
    readBefore: (stream, seq, limit) => before.all({ stream, seq, limit }).map(toEvent).reverse(),
    readAll: (pos, limit) => all.all({ pos, limit }).map(toEvent),
    head: (stream) => heads.get(stream) ?? 0,
    first(stream) {
      const v = firstSeq.get({ stream })?.v;
      return v ?? (heads.get(stream) ?? 0) + 1;
    },
    heads: () => new Map(heads),
    lastPos: () => lastPos,
    findByCmid(author, cmid) {
      const r = byCmid.get({ author, cmid });
      return r ? toEvent(r) : undefined;
    },
    get(stream, seq) {
      const r = one.get({ stream, seq });
      return r ? toEvent(r) : undefined;
    },
    countMessagesAfter: (stream, seq, author, max = -1) =>
      Number(unread.get({ stream, seq, author, max: Number.isFinite(max) ? max : -1 })?.n ?? 0),
    prune(stream, keep) {
      const cut = (heads.get(stream) ?? 0) - keep;
      if (cut <= 0) return 0;
      return changesOf(db.delete(events).where(and(eq(events.stream, stream), sql`${events.seq} <= ${cut}`)).run());
    },
    loadSnapshot(name): Snapshot | undefined {
      const r = db.select().from(snapshots).where(eq(snapshots.name, name)).get();
      return r ? { pos: r.pos, version: r.version, data: r.data } : undefined;
    },
    saveSnapshot(name, s) {
      db.insert(snapshots).values({ name, ...s })
        .onConflictDoUpdate({ target: snapshots.name, set: { pos: s.pos, version: s.version, data: s.data } }).run();
    },
    close,
  };
}
