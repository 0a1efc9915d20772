import { expect, test } from "bun:test";
import type { EventLog } from "../store/event-log.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

/** The memory log, counting the reads of each stream. */
function countingLog(): { log: EventLog; reads: Map<string, number> } {
  const log = createMemoryLog();
  const reads = new Map<string, number>();
  const readAfter = log.readAfter.bind(log);
  log.readAfter = (stream, seq, limit) => {
    reads.set(stream, (reads.get(stream) ?? 0) + 1);
    return readAfter(stream, seq, limit);
  };
  return { log, reads };
}

test("joins committed in one transaction: each joiner gets every joined event once, in order, and no replay read of the room", async () => {
  const { log, reads } = countingLog();
  const th = testHub({ log });
  const clients: TestClient[] = [];
  for (let i = 0; i < 6; i++) clients.push(await connected(th, `u${i}`));
  reads.clear();
  // All six joins arrive in one turn, so they share one transaction; the first joiner's
  // subscription is made while the later joins are committed but not yet published.
  clients.forEach((c, i) => c.send({ type: "join", id: `j${i}`, room: "r" }));
  await settle();
  expect(th.hub.journal.stats.largestBatch).toBeGreaterThanOrEqual(12);
  clients.forEach((c, i) => {
    expect(c.socket.reply(`j${i}`)).toMatchObject({ type: "ack", stream: "room:r", seq: i + 1 });
    // From its own join on: every later join once, in seq order, and nothing before its own.
    expect(c.socket.events("room:r").map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6].slice(i));
  });
  expect(reads.get("room:r") ?? 0).toBe(0);
  // Presence: by the end of the turn, everyone sees all six online.
  for (const c of clients) {
    c.send({ type: "who", id: "w", room: "r" });
  }
  await settle();
  for (const c of clients) {
    const who = c.socket.reply("w");
    expect(who?.type === "presence" && who.online?.length).toBe(6);
  }
});

test("a joiner's other device, still saying hello when the join commits, follows the room from the join by reading the log", async () => {
  const { log, reads } = countingLog();
  const th = testHub({ log });
  const a = await connected(th, "ann");
  const other = await connected(th, "bob");
  other.send({ type: "join", id: "b", room: "r" });
  // ann is in 100 rooms, so a hello of hers takes several turns (the hello budget, 64 streams a turn).
  for (let i = 0; i < 100; i++) a.send({ type: "join", room: `many${i}` });
  await settle();
  reads.clear();
  // Her second device's hello is under way when her join of r commits: its mailbox is held by
  // the hello, so the follow is queued behind it and cannot use the committing event.
  const second = new TestClient(th);
  second.hello("ann", "d2");
  await settle(1);
  a.send({ type: "join", id: "j", room: "r" });
  other.send({ type: "send", id: "m", to: { room: "r" }, cmid: "c1", text: "hi" });
  await settle(32);
  expect(second.socket.ofType("synced")).toHaveLength(1);
  expect(a.socket.reply("j")).toMatchObject({ type: "ack", seq: 2 });
  expect(a.socket.events("room:r").map((e) => e.seq)).toEqual([2, 3]);
  expect(second.socket.events("room:r").map((e) => e.seq)).toEqual([2, 3]);
  expect(reads.get("room:r")).toBeGreaterThan(0);
});
