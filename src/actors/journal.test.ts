import { describe, expect, test } from "bun:test";
import { createMemoryLog } from "../store/memory-log.ts";
import type { AppendOutcome, AppendRequest } from "../store/event-log.ts";
import { AppendError, Journal } from "./journal.ts";

const req = (stream: string, cmid?: string, text = "t"): AppendRequest => ({ stream, kind: "message", author: "u", body: { text }, cmid, at: 1 });
const turn = () => new Promise((r) => setImmediate(r));

describe("Journal (group commit)", () => {
  test("everything submitted in one turn is one transaction; callbacks run after commit, in order", async () => {
    const log = createMemoryLog();
    const j = new Journal(log, { maxBatch: 1000, maxQueued: 10_000, coalesceMs: 0, onError: () => {} });
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
    expect(j.stats).toMatchObject({ transactions: 1, events: 50, largestBatch: 50 });
  });

  test("a long queue becomes several transactions of at most maxBatch events", async () => {
    const log = createMemoryLog();
    const j = new Journal(log, { maxBatch: 10, maxQueued: 10_000, coalesceMs: 0, onError: () => {} });
    for (let i = 0; i < 25; i++) j.submit([req("room:a")], () => {});
    await turn();
    expect(j.stats).toMatchObject({ transactions: 3, events: 25, largestBatch: 10 });
  });

  test("one bad request fails alone: its neighbours are retried one by one and succeed", async () => {
    const log = createMemoryLog();
    const errors: unknown[] = [];
    const j = new Journal(log, { maxBatch: 1000, maxQueued: 10_000, coalesceMs: 0, onError: (e) => errors.push(e) });
    const results: string[] = [];
    const record = (name: string) => (r: AppendOutcome[] | AppendError) => results.push(r instanceof AppendError ? `${name}:${r.code}` : `${name}:${r[0]!.event.seq}`);
    j.submit([req("room:a", "ok1")], record("a"));
    j.submit([{ ...req("room:a", "bad"), body: { text: 1n as unknown as string } }], record("bad"));
    j.submit([req("room:a", "ok2")], record("b"));
    await turn();
    expect(results).toEqual(["a:1", "bad:internal", "b:2"]);
    expect(errors.length).toBeGreaterThan(0);
  });

  test("over maxQueued, new appends are refused with overloaded at once", () => {
    const j = new Journal(createMemoryLog(), { maxBatch: 1000, maxQueued: 3, coalesceMs: 0, onError: () => {} });
    const results: (string | number)[] = [];
    for (let i = 0; i < 4; i++) j.submit([req("room:a")], (r) => results.push(r instanceof AppendError ? r.code : r.length));
    expect(results).toEqual(["overloaded"]);
  });
});
