/**
 * Loading a whole existing history into an EMPTY PostgreSQL engine, keeping every event's pos,
 * seq, cmid and bytes, and the history's epoch: the move from one SQLite node to a cluster
 * (`hubbub import`, src/ops/import.ts). Because epoch, seqs and positions are unchanged, a client's
 * cursors from the single node stay valid: it resumes on any cluster node exactly where it stopped.
 *
 * Everything runs in ONE transaction holding the log_meta lock, so the store is either still
 * empty or holds the whole history with its heads and facts — never half of it, and no node can
 * append in between (appends take the same lock first).
 */
import type { EventRow } from "../../event-log.ts";
import type { Fact } from "../engine.ts";
import type { PgClient, PgQuery } from "./client.ts";
import { migratePg } from "./migrate.ts";

export interface LoadSource {
  /** The history's id, kept so that cursors stay meaningful. */
  epoch: string;
  /** The events in ascending pos, gapless from 1, in pages; each body copied byte for byte. */
  pages: Iterable<EventRow[]>;
  /** The facts that hold after the last event (asked once every page has been read). */
  facts(): Fact[];
}

export interface LoadReport { events: number; streams: number; facts: number; lastPos: number }

/** The store is not empty: nothing was written. */
export class StoreNotEmptyError extends Error {}

const INSERT = `INSERT INTO events (pos, stream, seq, kind, author, at, cmid, body)
  SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::int8[], $7::text[], $8::text[])`;
const HEADS = `INSERT INTO heads (stream, seq) SELECT * FROM unnest($1::text[], $2::int8[])`;
const FACTS = `INSERT INTO facts (scope, key) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`;

export async function loadIntoEmptyPg(client: PgClient, schema: string | undefined, source: LoadSource): Promise<LoadReport> {
  await migratePg(client, schema);
  // The row an engine creates at open; created here too when no node has opened the store yet.
  await client.query(`INSERT INTO log_meta (id, epoch, pos) VALUES (1, $1, 0) ON CONFLICT (id) DO NOTHING`, [source.epoch]);
  return client.begin(async (q: PgQuery) => {
    const [meta] = await q(`SELECT pos FROM log_meta WHERE id = 1 FOR UPDATE`);
    const [any] = await q(`SELECT 1 AS one FROM events LIMIT 1`);
    if (Number(meta?.pos ?? 0) !== 0 || any) {
      throw new StoreNotEmptyError(`the shared store already holds events (head pos ${Number(meta?.pos ?? 0)}): import only into an empty one`);
    }
    const heads = new Map<string, number>();
    let last = 0;
    for (const page of source.pages) {
      if (page.length === 0) continue;
      for (const r of page) {
        // The engine's invariants, checked before a row is sent: a tailer trusts them.
        if (r.pos !== last + 1) throw new Error(`positions must be gapless: pos ${r.pos} follows ${last}`);
        if (r.seq !== (heads.get(r.stream) ?? 0) + 1) throw new Error(`${r.stream}: seq ${r.seq} follows ${heads.get(r.stream) ?? 0}`);
        heads.set(r.stream, r.seq);
        last = r.pos;
      }
      await q(INSERT, [
        page.map((r) => r.pos), page.map((r) => r.stream), page.map((r) => r.seq), page.map((r) => r.kind),
        page.map((r) => r.author), page.map((r) => r.at), page.map((r) => r.cmid), page.map((r) => r.body),
      ]);
    }
    if (heads.size > 0) await q(HEADS, [[...heads.keys()], [...heads.values()]]);
    const facts = source.facts();
    if (facts.length > 0) await q(FACTS, [facts.map((f) => f.scope), facts.map((f) => f.key)]);
    // The epoch is the history's: the source's, not the random one an engine may have chosen.
    await q(`UPDATE log_meta SET pos = $1, epoch = $2 WHERE id = 1`, [last, source.epoch]);
    return { events: last, streams: heads.size, facts: facts.length, lastPos: last };
  });
}
