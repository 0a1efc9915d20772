import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { createMemoryLog } from "../store/memory-log.ts";
import { type AppendOutcome, type AppendRequest, type EventLog, StoreUnavailableError } from "../store/event-log.ts";
import { AppendError, Journal, type JournalOptions } from "./journal.ts";

const req = (stream: string, cmid?: string, text = "t"): AppendRequest => ({ stream, kind: "message", author: "u", body: { text }, cmid, at: 1 });
/** A request the log cannot store: JSON.stringify throws on a BigInt, so its whole transaction fails. */
const poison = (cmid: string): AppendRequest => ({ ...req("room:a", cmid), body: { text: 1n as unknown as string } });
const turn = () => new Promise((r) => setImmediate(r));

/** The journal's clock (performance.now) held still, moved by hand: "moments ago" and "a window ago" are facts, not races. */
let now = 1_000_000;
let clockSpy: { mockRestore(): void } | undefined;
const holdClock = () => { now = 1_000_000; clockSpy = spyOn(performance, "now").mockImplementation(() => now); };
afterEach(() => { clockSpy?.mockRestore(); clockSpy = undefined; });

/** Polls (each turn, up to a deadline) until the journal has made `n` transactions. */
async function transactions(j: { stats: { transactions: number } }, n: number, timeoutMs = 5000): Promise<number> {
  for (const deadline = Date.now() + timeoutMs; j.stats.transactions < n && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 5));
  return j.stats.transactions;
}
const journal = (log: EventLog = createMemoryLog(), opts: Partial<JournalOptions> = {}) =>
  new Journal(log, { maxBatch: 1000, maxQueued: 10_000, coalesceMs: 0, coalesceAfter: 1, onError: () => {}, ...opts });
const describeResult = (r: AppendOutcome[] | AppendError) =>
  r instanceof AppendError ? r.code : r.map((o) => `${o.event.stream}#${o.event.seq}${o.duplicate ? "(dup)" : ""}`).join(",");

describe("Journal (group commit)", () => {
  test("everything submitted in one turn is one transaction; callbacks run after commit, in order", async () => {
    const log = createMemoryLog();
    const j = journal(log);
    const calls: string[] = [];
    for (let i = 0; i < 50; i++) {
      j.submit([req("room:a", `c${i}`)], (r) => {
        calls.push(`${i}:${(r as AppendOutcome[])[0]!.event.seq}`);
        expect(log.head("room:a")).toBe(50); // the whole batch is durable before any callback
      });
    }
    expect(log.head("room:a")).toBe(0);
    await turn();
    expect(calls).toEqual(Array.from({ length: 50 }, (_, i) => `${i}:${i + 1}`));
    expect(j.stats).toMatchObject({ transactions: 1, events: 50, largestBatch: 50, failedBatches: 0 });
  });

  test("appends submitted in different turns are different transactions", async () => {
    const j = journal();
    j.submit([req("room:a")], () => {});
    await turn();
    j.submit([req("room:a")], () => {});
    j.submit([req("room:b")], () => {});
    await turn();
    expect(j.stats).toMatchObject({ transactions: 2, events: 3, largestBatch: 2 });
  });

  test("a submission of several requests gets exactly its own outcomes, duplicates included", async () => {
    const log = createMemoryLog();
    log.append([req("room:a", "old")]);
    const j = journal(log);
    const results: string[] = [];
    j.submit([req("room:a", "x"), req("user:u")], (r) => results.push(describeResult(r)));
    j.submit([req("room:a", "old"), req("room:b")], (r) => results.push(describeResult(r)));
    j.submit([req("room:a", "x")], (r) => results.push(describeResult(r))); // same batch as its original
    await turn();
    expect(results).toEqual(["room:a#2,user:u#1", "room:a#1(dup),room:b#1", "room:a#2(dup)"]);
    expect(j.stats).toMatchObject({ transactions: 1, events: 5 });
  });

  test("a long queue becomes several transactions of at most maxBatch events, in submission order", async () => {
    const log = createMemoryLog();
    const j = journal(log, { maxBatch: 10 });
    const order: number[] = [];
    for (let i = 0; i < 25; i++) j.submit([req("room:a", `c${i}`)], (r) => order.push((r as AppendOutcome[])[0]!.event.seq));
    await turn();
    expect(j.stats).toMatchObject({ transactions: 3, events: 25, largestBatch: 10 });
    expect(order).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  test("a burst of big messages is split by text size, one transaction per turn, so other work runs between them", async () => {
    const log = createMemoryLog();
    const j = journal(log, { maxBatch: 1000, maxBatchChars: 10_000 });
    const text = "x".repeat(3_900);
    const events: string[] = [];
    for (let i = 0; i < 6; i++) j.submit([{ ...req("room:a", `big${i}`), body: { text } }], () => events.push(`commit ${j.stats.transactions}`));
    // Work that a bystander's ping stands for, queued after the burst arrived.
    setImmediate(() => events.push("other work"));
    while (j.stats.events < 6) await turn();
    // 100 + 3,900 characters each: two per 10,000-character batch, three transactions.
    expect(j.stats).toMatchObject({ transactions: 3, events: 6, largestBatch: 2 });
    expect(events.indexOf("other work")).toBeGreaterThan(0);
    expect(events.indexOf("other work")).toBeLessThan(events.length - 1);
  });

  test("a submission larger than maxBatch is still written, whole, in one transaction", async () => {
    const j = journal(createMemoryLog(), { maxBatch: 3 });
    let got = 0;
    j.submit(Array.from({ length: 7 }, () => req("room:a")), (r) => { got = (r as AppendOutcome[]).length; });
    await turn();
    expect(got).toBe(7);
    expect(j.stats).toMatchObject({ transactions: 1, largestBatch: 7 });
  });

  test("one bad request fails alone: its neighbours are retried one by one and succeed", async () => {
    const log = createMemoryLog();
    const errors: unknown[] = [];
    const j = journal(log, { onError: (e) => errors.push(e) });
    const results: string[] = [];
    const record = (name: string) => (r: AppendOutcome[] | AppendError) => results.push(`${name}:${describeResult(r)}`);
    j.submit([req("room:a", "ok1")], record("a"));
    j.submit([poison("bad")], record("bad"));
    j.submit([req("room:b", "ok2"), req("room:a", "ok3")], record("b"));
    await turn();
    expect(results).toEqual(["a:room:a#1", "bad:internal", "b:room:b#1,room:a#2"]);
    expect(errors.length).toBeGreaterThan(0);
    expect(log.findByCmid("u", "bad")).toBeUndefined();
    // The failed batch is counted, then each request is one transaction of its own.
    expect(j.stats).toMatchObject({ failedBatches: 2, transactions: 2, events: 3 });
  });

  test("a failing request fails its whole submission, not only the bad event", async () => {
    const log = createMemoryLog();
    const j = journal(log);
    let result: AppendOutcome[] | AppendError | undefined;
    j.submit([req("room:a", "fine"), poison("bad")], (r) => { result = r; });
    await turn();
    expect(result).toBeInstanceOf(AppendError);
    expect((result as AppendError).code).toBe("internal");
    expect(log.lastPos()).toBe(0);
  });

  test("storage refusing writes: the whole batch gets store_unavailable at once (no retry one by one), storage is marked failing, and a probe clears it without new appends", async () => {
    const log = createMemoryLog();
    let full = true;
    let appends = 0;
    const refuse = () => { throw new StoreUnavailableError("SQLITE_FULL: database or disk is full"); };
    const disk: EventLog = {
      ...log,
      append: (r) => { appends += 1; return full ? refuse() : log.append(r); },
      probeWrite: () => (full ? refuse() : undefined),
    };
    const j = journal(disk, { probeMs: 5 });
    const results: string[] = [];
    for (const c of ["a", "b", "c"]) j.submit([req("room:a", c)], (r) => results.push(describeResult(r)));
    await turn();
    expect(results).toEqual(["store_unavailable", "store_unavailable", "store_unavailable"]);
    expect(appends).toBe(1);
    expect(j.storage.failingSince).toBeNumber();
    expect(j.storage.error).toContain("SQLITE_FULL");
    // Several probes, all refused (counted from here on; waited for, not guessed at).
    let probed = 0;
    disk.probeWrite = () => { probed += 1; if (full) refuse(); };
    for (const deadline = Date.now() + 5000; probed < 3 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 5));
    expect(probed).toBeGreaterThanOrEqual(3);
    expect(j.storage.failingSince).toBeNumber();
    full = false;
    const deadline = Date.now() + 2000;
    while (j.storage.failingSince !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(j.storage).toEqual({ failingSince: undefined, error: undefined });
    expect(appends).toBe(1); // the probe, not an append, noticed
    j.submit([req("room:a", "a")], (r) => results.push(describeResult(r)));
    await turn();
    expect(results.at(-1)).toBe("room:a#1");
    j.stop();
  });

  test("a callback that throws is reported and does not stop the callbacks after it", async () => {
    const errors: unknown[] = [];
    const j = journal(createMemoryLog(), { onError: (e) => errors.push(e) });
    const seen: number[] = [];
    j.submit([req("room:a")], () => { throw new Error("bad callback"); });
    j.submit([req("room:a")], (r) => seen.push((r as AppendOutcome[])[0]!.event.seq));
    await turn();
    expect(seen).toEqual([2]);
    expect((errors[0] as Error).message).toBe("bad callback");
  });

  test("over maxQueued, new appends are refused with overloaded at once; the queue drains and accepts again", async () => {
    const j = journal(createMemoryLog(), { maxQueued: 3 });
    const results: (string | number)[] = [];
    for (let i = 0; i < 4; i++) j.submit([req("room:a")], (r) => results.push(r instanceof AppendError ? r.code : r.length));
    expect(results).toEqual(["overloaded"]);
    j.submit([req("room:a"), req("room:a")], (r) => results.push(r instanceof AppendError ? r.code : r.length));
    expect(results).toEqual(["overloaded", "overloaded"]);
    await turn();
    expect(results).toEqual(["overloaded", "overloaded", 1, 1, 1]);
    j.submit([req("room:a"), req("room:a"), req("room:a")], (r) => results.push(r instanceof AppendError ? r.code : r.length));
    await turn();
    expect(results.at(-1)).toBe(3);
  });

  test("flush() writes what is queued right away (shutdown loses nothing)", () => {
    const log = createMemoryLog();
    const j = journal(log);
    let done = false;
    j.submit([req("room:a")], () => { done = true; });
    j.flush();
    expect(done).toBe(true);
    expect(log.head("room:a")).toBe(1);
  });

  test("after small commits nothing waits for the window: a steady light load commits every turn", async () => {
    const windowMs = 100;
    holdClock();
    const j = journal(createMemoryLog(), { coalesceMs: windowMs, coalesceAfter: 3 });
    for (let i = 0; i < 5; i++) {
      j.submit([req("room:a")], () => {}); // right after the previous commit, but that one carried 1 event
      j.submit([req("room:a")], () => {});
      await turn();
      expect(j.stats.transactions).toBe(i + 1);
    }
    // A commit of 3 events is "busy": the next one waits for the window.
    for (let k = 0; k < 3; k++) j.submit([req("room:a")], () => {});
    await turn();
    expect(j.stats.transactions).toBe(6);
    j.submit([req("room:a")], () => {});
    await turn();
    expect(j.stats.transactions).toBe(6);
    expect(await transactions(j, 7)).toBe(7); // when the window's timer fires
  });

  test("at rest a commit happens at the end of the turn; under load, appends within the window share one transaction", async () => {
    const windowMs = 100;
    holdClock();
    const j = journal(createMemoryLog(), { coalesceMs: windowMs });
    j.submit([req("room:a")], () => {});
    expect(await transactions(j, 1)).toBe(1);
    now += windowMs; // a quiet window after it
    j.submit([req("room:a")], () => {}); // at rest: the last commit was a whole window ago
    await turn();
    expect(j.stats.transactions).toBe(2);
    j.submit([req("room:a")], () => {}); // under load: right after a commit
    await turn();
    j.submit([req("room:a")], () => {}); // a later turn, still inside the window
    expect(j.stats.transactions).toBe(2);
    expect(await transactions(j, 3)).toBe(3); // when the window's timer fires
    expect(j.stats).toMatchObject({ transactions: 3, largestBatch: 2, events: 4 });
  });
});
