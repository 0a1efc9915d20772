/**
 * The event log's tables (drizzle schema; migrations are generated from this by drizzle-kit).
 * The database, not the code, enforces the two invariants that matter:
 * (stream, seq) is unique, and (cmid, author) is unique, so a retried send can never append twice.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const events = sqliteTable(
  "events",
  {
    /** Global position: increases across all streams, assigned inside the append transaction. */
    pos: integer("pos").primaryKey(),
    stream: text("stream").notNull(),
    /** Gapless from 1 within a stream. */
    seq: integer("seq").notNull(),
    kind: text("kind").notNull(),
    author: text("author").notNull(),
    /** Server time in ms since the epoch. */
    at: integer("at").notNull(),
    cmid: text("cmid"),
    /** JSON object. */
    body: text("body").notNull(),
  },
  (t) => [
    uniqueIndex("events_stream_seq").on(t.stream, t.seq),
    // cmid first, author second: the same uniqueness, but time-ordered cmids (newCmid, which the
    // SDK uses) then all land at the right edge of the index, so a transaction dirties one index
    // page instead of one per message. Measured (bun:sqlite, FULL, 10 rows per transaction, 200k
    // rows already): 9.6 µs per row against 22 µs for (author, cmid) with random UUIDs.
    uniqueIndex("events_cmid_author").on(t.cmid, t.author).where(sql`${t.cmid} IS NOT NULL`),
    index("events_kind").on(t.kind).where(sql`${t.kind} <> 'message'`),
  ],
);

/** Small key/value facts about the log, such as its epoch. */
export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** Projection snapshots: the state as of `pos`, so start-up replays only what came after. */
export const snapshots = sqliteTable("snapshots", {
  name: text("name").primaryKey(),
  pos: integer("pos").notNull(),
  version: integer("version").notNull(),
  data: text("data").notNull(),
});

/**
 * Facts the engine keeps beside the log (src/store/engine/engine.ts): a row means the fact holds.
 * Written only by the engine, in the same transaction as the event that implies it.
 */
export const facts = sqliteTable("facts", {
  scope: text("scope").notNull(),
  key: text("key").notNull(),
}, (t) => [primaryKey({ columns: [t.scope, t.key] })]);
