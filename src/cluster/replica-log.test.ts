/**
 * The replica written behind (replica-log.ts): the EventLog contract with every append still in
 * memory, the same answers as a log written at once whatever the writes in between (property),
 * and what is written when.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { openBunSqliteLog } from "../store/sqlite/bun-sqlite.ts";
import { eventLogContract } from "../store/event-log.contract.ts";
import { StoreUnavailableError, type AppendRequest, type EventLog } from "../store/event-log.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import { ReplicaDivergedError } from "../actors/hub.ts";
import { ReplicaLog } from "./replica-log.ts";

// Written only when the contract makes it (close, prune, snapshot): every read is served over an unwritten tail.
const behind = (inner: EventLog) => new ReplicaLog(inner, { flushMs: 60_000 });
/**
 * Where a replica written behind departs from the port's contract, on purpose (replica-log.ts):
 * its events come from the engine, so they are storable and their cmids unique, and it checks
 * neither at append (a body that cannot be stored, a cmid repeated against what is already
 * written: both fail the write behind, which stops the log as a divergence).
 */
const NOT_FOR_A_REPLICA = new Set([
  "a failing batch keeps nothing and the next append continues gapless",
  "probeWrite commits on a healthy log and touches no event; a request that cannot be stored is not a storage refusal",
  "after reopening: same epoch, same heads, idempotency still holds, seqs continue",
]);
const host = { describe, test: (name: string, fn: () => void | Promise<void>, ms?: number) => NOT_FOR_A_REPLICA.has(name) ? test.skip(name, fn) : test(name, fn, ms) };
const paths = new WeakMap<EventLog, string>();
eventLogContract({ name: "replica written behind, bun:sqlite in memory", open: () => behind(openBunSqliteLog({ path: ":memory:" })) }, host);
eventLogContract({
  name: "replica written behind, bun:sqlite file",
  open: () => {
    const path = join(mkdtempSync(join(tmpdir(), "hubbub-replica-")), "log.db");
    const log = behind(openBunSqliteLog({ path }));
    paths.set(log, path);
    return log;
  },
  reopen: (log) => {
    const path = paths.get(log)!;
    log.close();
    const again = behind(openBunSqliteLog({ path }));
    paths.set(again, path);
    return again;
  },
}, host);

const STREAMS = ["room:a", "room:b", "dm:u|v"];
const AUTHORS = ["u", "v", "w"];

type Op =
  | { op: "append"; batch: { stream: number; author: number; kind: "message" | "joined"; cmid: boolean }[] }
  | { op: "flush" }
  | { op: "prune"; stream: number; keep: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("append" as const), batch: fc.array(fc.record({ stream: fc.nat(2), author: fc.nat(2), kind: fc.constantFrom("message" as const, "joined" as const), cmid: fc.boolean() }), { minLength: 1, maxLength: 5 }) }) },
  { weight: 2, arbitrary: fc.constant({ op: "flush" as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("prune" as const), stream: fc.nat(2), keep: fc.integer({ min: 1, max: 6 }) }) },
);

/** Every read of the port, over every stream, seq and author that matters here. */
function everything(log: EventLog): unknown {
  const out: Record<string, unknown> = { lastPos: log.lastPos(), heads: [...log.heads()].sort(), all: log.readAll(0, 1000), some: [1, 3, 7].map((p) => log.readAll(p, 2)) };
  for (const s of STREAMS) {
    const h = log.head(s);
    out[s] = {
      head: h, first: log.first(s),
      after: [0, 1, 2, h - 2, h - 1, h].map((seq) => [1, 2, 100].map((lim) => log.readAfter(s, seq, lim))),
      before: [1, 2, 3, h, h + 1, h + 5].map((seq) => [1, 3, 100].map((lim) => log.readBefore(s, seq, lim))),
      get: [0, 1, 2, h - 1, h, h + 1].map((seq) => log.get(s, seq) ?? null),
      unread: AUTHORS.flatMap((a) => [0, 2, h - 1].map((seq) => [log.countMessagesAfter(s, seq, a), log.countMessagesAfter(s, seq, a, 2)])),
    };
  }
  out.cmids = AUTHORS.flatMap((a) => Array.from({ length: 130 }, (_, c) => log.findByCmid(a, `c${c}`)).filter((e) => e !== undefined));
  return out;
}

describe("ReplicaLog", () => {
  test("property: whatever the appends and when the tail is written, it answers every read as a log written at once", () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 12 }), (ops, maxPending) => {
      const plain = openBunSqliteLog({ path: ":memory:" });
      const log = new ReplicaLog(openBunSqliteLog({ path: ":memory:" }), { flushMs: 60_000, maxPending });
      let at = 1;
      try {
        for (const o of ops) {
          if (o.op === "flush") log.flush();
          else if (o.op === "prune") expect(log.prune(STREAMS[o.stream]!, o.keep)).toBe(plain.prune(STREAMS[o.stream]!, o.keep));
          else {
            // Distinct cmids per author: the engine decides idempotency, so a replica never gets a repeat (see replica-log.ts).
            const batch: AppendRequest[] = o.batch.map((r) => ({ stream: STREAMS[r.stream]!, kind: r.kind, author: AUTHORS[r.author]!, body: { text: `t${at}` }, at: at++, ...(r.cmid ? { cmid: `c${at}` } : {}) }));
            expect(log.append(batch)).toEqual(plain.append(batch));
          }
          expect(everything(log)).toEqual(everything(plain));
        }
        log.flush();
        expect(everything(log.inner)).toEqual(everything(plain));
      } finally { log.close(); plain.close(); }
    }), { numRuns: 80 });
  });

  test("appends are written later, many in one transaction; the replica holds nothing of them before", async () => {
    const inner = createMemoryLog();
    let transactions = 0;
    const append = inner.append.bind(inner);
    inner.append = (r) => { transactions += 1; return append(r); };
    const log = new ReplicaLog(inner, { flushMs: 5 });
    for (let i = 0; i < 4; i++) log.append([{ stream: "room:a", kind: "message", author: "u", body: { text: `${i}` }, at: i, cmid: `c${i}` }]);
    expect(log.lastPos()).toBe(4);
    expect(log.readAfter("room:a", 0, 10).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(log.findByCmid("u", "c2")?.seq).toBe(3);
    expect(inner.lastPos()).toBe(0);
    const deadline = Date.now() + 5_000;
    while (inner.lastPos() < 4 && Date.now() < deadline) await Bun.sleep(2);
    expect(inner.readAll(0, 10).map((e) => e.pos)).toEqual([1, 2, 3, 4]);
    expect(transactions).toBe(1);
    expect(log.writes).toEqual({ transactions: 1, events: 4 });
    expect(log.unwritten).toBe(0);
  });

  test("a crash loses the unwritten tail only; what the dead log is given later never reaches the replica", () => {
    const log = new ReplicaLog(createMemoryLog(), { flushMs: 60_000 });
    log.append([{ stream: "room:a", kind: "message", author: "u", body: {}, at: 1 }]);
    log.flush();
    log.append([{ stream: "room:a", kind: "message", author: "u", body: {}, at: 2 }]);
    const replica = log.abandon();
    log.append([{ stream: "room:a", kind: "message", author: "u", body: {}, at: 3 }]);
    log.flush();
    expect(replica.lastPos()).toBe(1);
  });

  test("storage refusing a write keeps the tail and tries again; a replica that disagrees stops the log", async () => {
    const inner = createMemoryLog();
    let refuse = 1;
    const append = inner.append.bind(inner);
    inner.append = (r) => { if (refuse-- > 0) throw new StoreUnavailableError("disk full"); return append(r); };
    const retries: unknown[] = [];
    const log = new ReplicaLog(inner, { flushMs: 1 });
    log.onRetry = (e) => retries.push(e);
    log.append([{ stream: "room:a", kind: "message", author: "u", body: {}, at: 1, cmid: "x" }]);
    const deadline = Date.now() + 5_000;
    while (inner.lastPos() < 1 && Date.now() < deadline) await Bun.sleep(2);
    expect(retries.length).toBe(1);
    expect(inner.lastPos()).toBe(1);
    // The replica already holds (u, x): a tail that repeats it is not the engine's history.
    const failed: Error[] = [];
    log.onFailed = (e) => failed.push(e);
    log.append([{ stream: "room:b", kind: "message", author: "u", body: {}, at: 2, cmid: "x" }]);
    while (failed.length === 0 && Date.now() < deadline) await Bun.sleep(2);
    expect(failed[0]).toBeInstanceOf(ReplicaDivergedError);
    expect(() => log.append([{ stream: "room:b", kind: "message", author: "u", body: {}, at: 3 }])).toThrow(ReplicaDivergedError);
  });

  test("closing with a tail the storage refuses does not throw, and closes the replica (the tail is read again at the next start)", () => {
    const inner = createMemoryLog();
    let closed = false;
    inner.append = () => { throw new StoreUnavailableError("disk full"); };
    const close = inner.close.bind(inner);
    inner.close = () => { closed = true; close(); };
    const log = new ReplicaLog(inner, { flushMs: 60_000 });
    log.append([{ stream: "room:a", kind: "message", author: "u", body: {}, at: 1 }]);
    expect(() => log.close()).not.toThrow();
    expect(closed).toBe(true);
  });
});
