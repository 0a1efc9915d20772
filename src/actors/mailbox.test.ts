import { describe, expect, test } from "bun:test";
import { Mailbox } from "./mailbox.ts";

const box = <M>(handle: (m: M) => void | Promise<void>, capacity = 10, overflow: "reject" | "drop-oldest" = "reject") => {
  const errors: [unknown, M][] = [];
  const dropped: M[] = [];
  const owner = { receive: handle, failed: (e: unknown, m: M) => void errors.push([e, m]), dropped: (m: M) => void dropped.push(m) };
  const mb = new Mailbox<M>(owner, { capacity, overflow });
  return { mb, errors, dropped };
};
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("Mailbox", () => {
  test("an idle mailbox handles a synchronous message at once, in order", () => {
    const seen: number[] = [];
    const { mb } = box<number>((m) => void seen.push(m));
    mb.post(1);
    mb.post(2);
    expect(seen).toEqual([1, 2]);
  });

  test("an async handler holds the next message until it settles: never two at once", async () => {
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];
    const { mb } = box<number>(async (m) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await tick();
      seen.push(m);
      running -= 1;
    });
    for (let i = 0; i < 5; i++) mb.post(i);
    expect(mb.size).toBe(4);
    while (seen.length < 5) await tick();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(maxRunning).toBe(1);
  });

  test("a post from inside the handler is queued, not re-entered", () => {
    const order: string[] = [];
    let mb!: Mailbox<string>;
    ({ mb } = box<string>((m) => {
      order.push(`start ${m}`);
      if (m === "a") mb.post("b");
      order.push(`end ${m}`);
    }));
    mb.post("a");
    expect(order).toEqual(["start a", "end a", "start b", "end b"]);
  });

  test("a throwing or rejecting handler is reported with its message and the actor goes on", async () => {
    const seen: string[] = [];
    const { mb, errors } = box<string>(async (m) => {
      if (m === "throw") throw new Error("boom");
      seen.push(m);
    });
    const sync = box<string>((m) => { if (m === "bad") throw new Error("sync boom"); seen.push(`sync ${m}`); });
    sync.mb.post("bad");
    sync.mb.post("ok");
    expect(sync.errors.map(([e, m]) => [(e as Error).message, m])).toEqual([["sync boom", "bad"]]);
    mb.post("throw");
    mb.post("after");
    while (!seen.includes("after")) await tick();
    expect(errors.map(([e, m]) => [(e as Error).message, m])).toEqual([["boom", "throw"]]);
    expect(seen).toEqual(["sync ok", "after"]);
  });

  test("a full mailbox rejects, or drops the oldest, as configured", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const rej = box<number>(async (m) => { await gate; seen.push(m); }, 2, "reject");
    expect(rej.mb.post(0)).toBe("accepted"); // running
    expect(rej.mb.post(1)).toBe("accepted");
    expect(rej.mb.post(2)).toBe("accepted");
    expect(rej.mb.post(3)).toBe("rejected");
    const drop = box<number>(async () => { await gate; }, 2, "drop-oldest");
    drop.mb.post(0);
    drop.mb.post(1);
    drop.mb.post(2);
    expect(drop.mb.post(3)).toBe("dropped-oldest");
    expect(drop.dropped).toEqual([1]);
    release();
    while (seen.length < 3) await tick();
    expect(seen).toEqual([0, 1, 2]);
  });

  test("a closed mailbox rejects and discards", () => {
    const seen: number[] = [];
    const { mb } = box<number>((m) => void seen.push(m));
    mb.close();
    expect(mb.post(1)).toBe("rejected");
    expect(seen).toEqual([]);
  });

  test("drop-oldest keeps the newest messages, in order, and tells onDrop about each one dropped", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const { mb, dropped } = box<number>(async (m) => { await gate; seen.push(m); }, 3, "drop-oldest");
    const results = Array.from({ length: 8 }, (_, i) => mb.post(i));
    // 0 is running, so the queue holds 3 of 1..7: the newest.
    expect(results).toEqual(["accepted", "accepted", "accepted", "accepted", "dropped-oldest", "dropped-oldest", "dropped-oldest", "dropped-oldest"]);
    expect(dropped).toEqual([1, 2, 3, 4]);
    expect(mb.size).toBe(3);
    release();
    while (seen.length < 4) await tick();
    expect(seen).toEqual([0, 5, 6, 7]);
  });

  test("capacity counts queued messages only, and a drained mailbox accepts again", async () => {
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const { mb } = box<number>(async (m) => { await gate; seen.push(m); }, 1, "reject");
    expect([mb.post(1), mb.post(2), mb.post(3)]).toEqual(["accepted", "accepted", "rejected"]);
    release();
    while (seen.length < 2) await tick();
    expect(mb.size).toBe(0);
    gate = Promise.resolve();
    expect(mb.post(4)).toBe("accepted");
    while (seen.length < 3) await tick();
    expect(seen).toEqual([1, 2, 4]);
  });

  test("order holds across thousands of messages, sync and async mixed (queue compaction)", async () => {
    const seen: number[] = [];
    let running = false;
    const { mb, errors } = box<number>((m) => {
      if (running) throw new Error("re-entered");
      seen.push(m);
      if (m % 500 === 0) {
        running = true;
        return tick().then(() => { running = false; });
      }
    }, 10_000);
    for (let i = 0; i < 5000; i++) expect(mb.post(i)).toBe("accepted");
    while (seen.length < 5000) await tick();
    expect(seen).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(errors).toEqual([]);
  });

  test("close while a message runs: it finishes, the queued ones never run, later posts are rejected", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const { mb } = box<string>(async (m) => { seen.push(`start ${m}`); await gate; seen.push(`end ${m}`); });
    mb.post("a");
    mb.post("b");
    mb.close();
    expect(mb.size).toBe(0);
    expect(mb.post("c")).toBe("rejected");
    release();
    await tick();
    await tick();
    expect(seen).toEqual(["start a", "end a"]);
  });

  test("an error reported to onError may itself post; the actor still processes everything in order", async () => {
    const seen: string[] = [];
    let mb!: Mailbox<string>;
    mb = new Mailbox<string>({
      receive: async (m) => { if (m.startsWith("fail")) throw new Error(m); seen.push(m); },
      failed: (_e, m) => void mb.post(`retry-of-${m}`),
    }, { capacity: 10, overflow: "reject" });
    mb.post("fail-1");
    mb.post("ok");
    while (seen.length < 2) await tick();
    expect(seen).toEqual(["ok", "retry-of-fail-1"]);
  });
});
