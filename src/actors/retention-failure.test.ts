import { expect, test } from "bun:test";
import { createMemoryLog } from "../store/memory-log.ts";
import type { EventLog } from "../store/event-log.ts";
import { memoryLogger } from "../observability/log.ts";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("a prune that fails (disk full) leaves the commit path whole: every send acked, the user's other devices told of a join", async () => {
  const inner = createMemoryLog();
  const log: EventLog = { ...inner, prune: () => { throw new Error("SQLITE_IOERR: disk I/O error"); } };
  const logger = memoryLogger("error");
  const th = testHub({ log, logger, config: { retain: 10 } });
  const ann = await connected(th, "ann");
  const other = await connected(th, "ann", "d2");
  ann.send({ type: "join", id: "j", room: "r1" }); // room:r1 #1
  await settle();
  for (let i = 2; i <= 999; i++) ann.send({ type: "send", id: `s${i}`, to: { room: "r1" }, cmid: `m${i}`, text: "x" });
  await settle(40);
  expect(ann.socket.ofType("ack")).toHaveLength(999);
  // room:r1 #1000 is this join's first event: the prune runs right after it, and fails.
  const bob = await connected(th, "bob");
  bob.send({ type: "join", id: "bj", room: "r1" });
  await settle();
  expect(bob.socket.reply("bj")).toMatchObject({ type: "ack", stream: "room:r1", seq: 1000 });
  expect(th.hub.projection.rooms.get("r1")?.has("bob")).toBe(true);
  expect(logger.entries.some((e) => e.event === "retention.failed")).toBe(true);
  // The same for a join whose second event (on the user's own stream) comes after the failed prune.
  for (let i = 1; i <= 998; i++) bob.send({ type: "send", to: { room: "r1" }, cmid: `b${i}`, text: "y" });
  await settle(40);
  expect(th.log.head("room:r1")).toBe(1998);
  ann.send({ type: "leave", id: "l", room: "r1" }); // room:r1 #1999
  await settle();
  ann.send({ type: "join", id: "j3", room: "r1" }); // room:r1 #2000, then user:ann's room_joined
  await settle();
  expect(ann.socket.reply("j3")).toMatchObject({ type: "ack", stream: "room:r1", seq: 2000 });
  expect(other.socket.events("user:ann").at(-1)).toMatchObject({ kind: "room_joined", body: { room: "r1" } });
}, 30_000);
