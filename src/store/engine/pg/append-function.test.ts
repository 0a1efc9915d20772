/**
 * hubbub_append (migrations/0001_append_function.sql), the PostgreSQL engine's whole append in one
 * statement: that the engine sends nothing else, what the function answers when called directly,
 * and that a write it cannot complete keeps nothing of the batch. The rules it decides (duplicates,
 * guards, effects, seqs) are the engine contract's, run against every engine in engine.test.ts.
 * Also its NOTIFY (migration 0002): the head, and the commit's events when they fit.
 */
import { describe, expect, test } from "bun:test";
import { msg, SLOW } from "../engine.contract.ts";
import { createPgSchema, PG_URL } from "../testing/pg.ts";
import { bunSqlClient } from "./bun-sql.ts";
import type { PgClient } from "./client.ts";
import { parseHint } from "./pg-engine.ts";
import type { StoredEvent } from "../engine.ts";

describe("hubbub_append", () => {
  test("an append is ONE statement, the function call: no BEGIN, no other statement", async () => {
    const s = await createPgSchema();
    try {
      const sent: string[] = [];
      let transactions = 0;
      const counting = (c: PgClient): PgClient => ({
        ...c,
        query: (text, params) => { sent.push(text); return c.query(text, params); },
        begin: (fn) => { transactions++; return c.begin((q) => fn((text, params) => { sent.push(text); return q(text, params); })); },
      });
      const e = await s.open({ client: (o) => counting(bunSqlClient(o)) });
      sent.length = 0;
      transactions = 0;
      const member = { scope: "room:o", key: "u" };
      const results = await e.append([
        { ...msg("room:o", "u", "j"), kind: "joined", guard: { forbid: [member] }, effects: { add: [member] } },
        { ...msg("room:o", "u", "m1"), guard: { require: [member] } },
        msg("room:o", "u", "m1"),
      ]);
      expect(results.map((r) => r.status)).toEqual(["appended", "appended", "duplicate"]);
      expect(transactions).toBe(0);
      expect(sent).toEqual(["SELECT hubbub_append($1, $2) AS r"]);
    } finally {
      await s.dispose();
    }
  }, SLOW);

  test("called directly: appends, answers a committed (cmid, author) with the original, a repeat with its index, a refusal with the fact's index", async () => {
    const s = await createPgSchema();
    const raw = bunSqlClient({ url: PG_URL, schema: s.schema, max: 1 });
    try {
      await s.open(); // migrates the schema and creates log_meta's row
      const call = async (batch: unknown[]) => JSON.parse(String((await raw.query("SELECT hubbub_append($1, 'ch') AS r", [JSON.stringify(batch)]))[0]!.r)) as unknown[];
      const m = (c: string, b = `{"text":"${c}"}`) => ({ s: "room:d", k: "message", a: "u", t: 7, c, b });
      expect(await call([m("c1"), m("c1"), m("c2")])).toEqual([[1, 1], ["r", 0], [2, 2]]);
      // The same cmid from the same author later, whatever its body now: the original comes back.
      expect(await call([m("c1", `{"text":"changed"}`), { ...m("c1"), a: "v" }])).toEqual([
        ["d", 1, "room:d", 1, "message", "u", 7, "c1", `{"text":"c1"}`],
        [3, 3], // another author's c1 is another message
      ]);
      const f = ["room:d", "u"];
      expect(await call([
        { ...m("c4"), rq: [["room:d", "x"], f] }, // require[0] missing
        { ...m("c5"), k: "joined", fb: [f], ad: [f] },
        { ...m("c6"), fb: [["room:d", "y"], f] }, // forbid[1] present, added just before in this batch
        { ...m("c7"), rq: [f] },
      ])).toEqual([["m", 0], [4, 4], ["p", 1], [5, 5]]);
      expect((await raw.query("SELECT pos FROM log_meta"))[0]!.pos).toBe("5");
    } finally {
      await raw.close();
      await s.dispose();
    }
  }, SLOW);

  test("a seq that conflicts with a stored event fails the whole append: no event, head, fact or position of the batch is kept", async () => {
    const s = await createPgSchema();
    const raw = bunSqlClient({ url: PG_URL, schema: s.schema, max: 1 });
    try {
      const e = await s.open();
      await e.append([msg("room:c", "u", "c1"), msg("room:c", "u", "c2")]);
      // Damage the stream's head, so that the next seq the function assigns is already taken.
      await raw.query("UPDATE heads SET seq = 1 WHERE stream = 'room:c'");
      const member = { scope: "room:other", key: "u" };
      await expect(e.append([
        { ...msg("room:other", "u", "o1"), kind: "joined", effects: { add: [member] } },
        msg("room:c", "u", "c3"),
      ])).rejects.toThrow(/events_stream_seq/);
      expect(await e.head()).toEqual({ epoch: e.epoch, pos: 2 });
      expect(await e.streamHead("room:other")).toBe(0);
      expect(await e.holds(member)).toBe(false);
      expect((await raw.query("SELECT count(*)::int AS n FROM events"))[0]!.n).toBe(2);
    } finally {
      await raw.close();
      await s.dispose();
    }
  }, SLOW);

  test("the NOTIFY carries the commit's events exactly as readAfter returns them; a commit too big for a payload only its head", async () => {
    const s = await createPgSchema();
    try {
      const writer = await s.open();
      const follower = await s.open();
      const hints: { pos: number; events?: StoredEvent[] }[] = [];
      let listening!: () => void;
      const ready = new Promise<void>((r) => { listening = r; });
      let seen!: () => void;
      const both = new Promise<void>((r) => { seen = r; });
      const w = await follower.watch({ onHead: (pos, events) => { hints.push({ pos, events }); if (hints.length === 2) seen(); }, onListening: () => listening() });
      await ready;
      const member = { scope: "room:n", key: "u" };
      await writer.append([
        { ...msg("room:n", "u", "j"), kind: "joined", effects: { add: [member] } },
        { ...msg("room:n", "u", "m", "ünïcödé, a \u0000 and \"quotes\""), guard: { require: [member] } },
        msg("room:o", "v"),
      ]);
      await writer.append([msg("room:n", "u", "big", "x".repeat(9000))]);
      await both;
      await w.stop();
      expect(hints[0]).toEqual({ pos: 3, events: await follower.readAfter(0, 3) });
      expect(hints[1]).toEqual({ pos: 4, events: undefined });
    } finally {
      await s.dispose();
    }
  }, SLOW);

  test("a watcher that says what it knows gets no hint at or before it (its own commits are not decoded again)", async () => {
    const s = await createPgSchema();
    try {
      const writer = await s.open();
      const follower = await s.open();
      const heads: number[] = [];
      let listening!: () => void;
      const ready = new Promise<void>((r) => { listening = r; });
      let seen!: () => void;
      const last = new Promise<void>((r) => { seen = r; });
      const w = await follower.watch({ onHead: (pos) => { heads.push(pos); if (pos === 4) seen(); }, onListening: () => listening(), known: () => 3 });
      await ready;
      await writer.append([msg("room:k", "u", "a"), msg("room:k", "u", "b")]);
      await writer.append([msg("room:k", "u", "c")]);
      await writer.append([msg("room:k", "u", "d")]);
      await last;
      await w.stop();
      expect(heads).toEqual([4]);
    } finally {
      await s.dispose();
    }
  }, SLOW);

  test("parseHint: a head alone, a head with its events, and payloads that are no hint or carry unusable events", () => {
    expect(parseHint("7")).toEqual({ pos: 7 });
    expect(parseHint(`2 [[1, "room:a", 1, "message", "u", 5, "c", {"text":"a"}], [2, "room:a", 2, "left", "u", 6, null, {}]]`)).toEqual({
      pos: 2,
      events: [
        { stream: "room:a", seq: 1, pos: 1, at: 5, author: "u", kind: "message", body: { text: "a" }, cmid: "c" },
        { stream: "room:a", seq: 2, pos: 2, at: 6, author: "u", kind: "left", body: {} },
      ],
    });
    expect(parseHint("")).toBeUndefined();
    expect(parseHint("x")).toBeUndefined();
    expect(parseHint("0")).toBeUndefined();
    expect(parseHint("3 [not json")).toEqual({ pos: 3 });
    expect(parseHint("3 []")).toEqual({ pos: 3 });
    // The last event must be the announced head, or the events are not this hint's.
    expect(parseHint(`3 [[2, "room:a", 2, "message", "u", 5, null, {}]]`)).toEqual({ pos: 3 });
  });
});
