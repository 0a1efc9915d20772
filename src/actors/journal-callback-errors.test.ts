import { expect, test } from "bun:test";
import { createMemoryLog } from "../store/memory-log.ts";
import type { AppendOutcome, AppendRequest } from "../store/event-log.ts";
import { AppendError, Journal } from "./journal.ts";

const req = (cmid: string): AppendRequest => ({ stream: "room:a", kind: "message", author: "u", body: { text: "t" }, cmid, at: 1 });
const poison = (cmid: string): AppendRequest => ({ ...req(cmid), body: { text: 1n as unknown as string } });

test("a callback that throws on the error path neither escapes flush() nor loses the requests after it", () => {
  const log = createMemoryLog();
  const errors: unknown[] = [];
  const j = new Journal(log, { maxBatch: 1000, maxQueued: 10_000, coalesceMs: 0, coalesceAfter: 1, onError: (e) => errors.push(e) });
  const results: string[] = [];
  j.submit([req("ok1")], (r) => results.push(r instanceof AppendError ? "ok1:error" : "ok1:ok"));
  j.submit([poison("bad")], () => { throw new Error("callback failed"); });
  j.submit([req("ok2")], (r: AppendOutcome[] | AppendError) => results.push(r instanceof AppendError ? "ok2:error" : "ok2:ok"));
  expect(() => j.flush()).not.toThrow();
  expect(results).toEqual(["ok1:ok", "ok2:ok"]);
  expect(log.findByCmid("u", "ok2")).toBeDefined();
});
