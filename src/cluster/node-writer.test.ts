import { describe, expect, test } from "bun:test";
import { roomStream, userStream } from "../protocol/index.ts";
import type { AppendOutcome, AppendRequest } from "../store/event-log.ts";
import { createMemoryEngine, MemoryEngineStorage } from "../store/engine/memory-engine.ts";
import type { Engine } from "../store/engine/engine.ts";
import { AppendError } from "../actors/journal.ts";
import { ErrorCode } from "../protocol/index.ts";
import { NodeWriter } from "./node-writer.ts";

const at = 1;
const join = (user: string): AppendRequest[] => [
  { stream: roomStream("r"), kind: "joined", author: user, body: {}, at },
  { stream: userStream(user), kind: "room_joined", author: user, body: { room: "r" }, at },
];
const send = (user: string, cmid: string): AppendRequest[] => [{ stream: roomStream("r"), kind: "message", author: user, body: { text: "x" }, cmid, at }];

/** A writer whose "replica" position the test moves by hand, as the tailer would. */
function writerOn(engine: Engine, resolveRejection = (): AppendOutcome[] | AppendError => new AppendError(ErrorCode.NotMember, "no")) {
  let applied = 0;
  const errors: unknown[] = [];
  const w = new NodeWriter(engine, { maxBatch: 1000, maxQueued: 100, appliedPos: () => applied, resolveRejection, onError: (e) => errors.push(e) });
  return { w, errors, apply(pos: number) { applied = pos; w.applied(pos); } };
}

const settled = <T>() => {
  let got: T | undefined;
  return { done: (r: T) => { got = r; }, get value() { return got; } };
};

describe("NodeWriter (a cluster node's commit path)", () => {
  test("commands of one turn share one transaction, in submission order (a send right behind its join is accepted)", async () => {
    const engine = createMemoryEngine();
    const { w, apply } = writerOn(engine);
    const a = settled<AppendOutcome[] | AppendError>(), b = settled<AppendOutcome[] | AppendError>();
    w.submit(join("ann"), a.done);
    w.submit(send("ann", "c1"), b.done);
    await w.drain();
    expect(w.stats).toMatchObject({ transactions: 1, events: 3 });
    apply(3);
    expect(b.value).not.toBeInstanceOf(AppendError);
    expect((b.value as AppendOutcome[])[0]!.event).toMatchObject({ pos: 3, seq: 2, cmid: "c1" });
  });

  test("the ack waits for this node's replica to apply the event, not only for the engine commit", async () => {
    const engine = createMemoryEngine();
    const { w, apply } = writerOn(engine);
    const j = settled<AppendOutcome[] | AppendError>();
    w.submit(join("bo"), j.done);
    await w.drain();
    expect((await engine.head()).pos).toBe(2); // durable…
    expect(j.value).toBeUndefined(); // …but not yet applied here: no ack yet
    apply(1);
    expect(j.value).toBeUndefined();
    apply(2);
    expect(Array.isArray(j.value)).toBe(true);
  });

  test("a guard rejection is answered once the replica has caught up with the engine's head", async () => {
    const storage = new MemoryEngineStorage();
    const other = createMemoryEngine(storage);
    const engine = createMemoryEngine(storage);
    // The writer asks the engine's head after a rejection: kept here, so the test waits for that answer itself.
    const head = engine.head.bind(engine);
    let asked: Promise<unknown> | undefined;
    engine.head = () => { const p = head(); asked = p; return p; };
    const { w, apply } = writerOn(engine, () => new AppendError(ErrorCode.NotMember, "caught up"));
    const s = settled<AppendOutcome[] | AppendError>();
    await other.append([{ stream: "user:x", kind: "read", author: "x", body: { stream: "room:r", seq: 1 }, at }]);
    w.submit(send("cy", "c9"), s.done);
    await w.drain();
    expect(asked).toBeDefined();
    await asked; // the writer's own reaction to it ran first (registered first): it now waits for the replica
    expect(s.value).toBeUndefined(); // the engine is at pos 1, the replica at 0
    apply(1);
    expect(s.value).toBeInstanceOf(AppendError);
    expect((s.value as AppendError).code).toBe(ErrorCode.NotMember);
  });

  test("a failed transaction answers every command of the batch with the retryable store_unavailable", async () => {
    const engine = createMemoryEngine();
    const failing: Engine = { ...engine, append: async () => { throw new Error("connection lost"); } };
    const { w, errors } = writerOn(failing);
    const a = settled<AppendOutcome[] | AppendError>(), b = settled<AppendOutcome[] | AppendError>();
    w.submit(send("d", "1"), a.done);
    w.submit(send("d", "2"), b.done);
    await w.drain();
    for (const x of [a, b]) expect((x.value as AppendError).code).toBe(ErrorCode.StoreUnavailable);
    expect(errors.length).toBe(1);
  });

  test("past maxQueued, a submit is refused with overloaded at once", () => {
    const { w } = writerOn(createMemoryEngine());
    const s = settled<AppendOutcome[] | AppendError>();
    w.submit(Array.from({ length: 101 }, (_, i) => send("e", `c${i}`)[0]!), s.done);
    expect((s.value as AppendError).code).toBe(ErrorCode.Overloaded);
  });

  test("a committed command whose event this node cannot apply in time is answered store_unavailable (retryable), once", async () => {
    const engine = createMemoryEngine();
    let applied = 0;
    const answers: (AppendOutcome[] | AppendError)[] = [];
    let answered: () => void = () => {};
    const first = new Promise<void>((r) => { answered = r; });
    const w = new NodeWriter(engine, {
      maxBatch: 1000, maxQueued: 100, appliedPos: () => applied, applyTimeoutMs: 20,
      resolveRejection: () => new AppendError(ErrorCode.NotMember, "no"), onError: () => {},
    });
    w.submit([{ stream: userStream("h"), kind: "read", author: "h", body: { stream: "room:r", seq: 1 }, at }], (r) => { answers.push(r); answered(); });
    await first;
    expect((answers[0] as AppendError).code).toBe(ErrorCode.StoreUnavailable);
    applied = 1;
    w.applied(1); // too late: nobody is told twice
    expect(answers.length).toBe(1);
    expect((await engine.head()).pos).toBe(1); // it was stored
  });
});
