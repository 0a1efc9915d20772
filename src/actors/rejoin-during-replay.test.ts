import { expect, test } from "bun:test";
import { createMemoryLog } from "../store/memory-log.ts";
import type { AppendRequest } from "../store/event-log.ts";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("a room left while an earlier room is still replaying is followed again when the user re-joins it", async () => {
  // ann is in r1 (a backlog longer than one replay page) and r2, in that order.
  const log = createMemoryLog();
  const ev = (stream: string, kind: AppendRequest["kind"], body: AppendRequest["body"] = {}, author = "ann"): AppendRequest => ({ stream, kind, author, body, at: 1 });
  log.append([ev("room:r1", "joined"), ev("user:ann", "room_joined", { room: "r1" })]);
  log.append(Array.from({ length: 1500 }, (_, i) => ev("room:r1", "message", { text: `m${i}` })));
  log.append([ev("room:r2", "joined"), ev("user:ann", "room_joined", { room: "r2" })]);
  const th = testHub({ log });

  // Device d1 resumes; its socket is backed up, so the r1 replay pauses after the first page.
  const d1 = new TestClient(th);
  d1.socket.buffered = 2 << 20;
  d1.hello("ann", "d1", {});
  await settle();
  expect(d1.socket.ofType("synced")).toEqual([]);

  // Meanwhile ann leaves r2 on her other device (r2's replay on d1 has not started yet).
  const d2 = await connected(th, "ann", "d2");
  d2.send({ type: "leave", room: "r2" });
  await settle();

  // d1 drains and finishes its replay.
  d1.socket.buffered = 0;
  // Until the replay ends (synced), polled, with a deadline rather than a count of short sleeps.
  for (const deadline = Date.now() + 10_000; d1.socket.ofType("synced").length === 0 && Date.now() < deadline;) await Bun.sleep(5);
  expect(d1.socket.ofType("synced").length).toBe(1);

  // ann re-joins r2 on d2, and bob writes there: every device of ann's must follow r2 again.
  d2.send({ type: "join", room: "r2" });
  await settle();
  const bob = await connected(th, "bob");
  bob.send({ type: "join", room: "r2" });
  await settle();
  bob.send({ type: "send", to: { room: "r2" }, cmid: "b", text: "hi ann" });
  await settle();
  expect(d2.socket.events("room:r2").at(-1)).toMatchObject({ author: "bob", kind: "message" });
  expect(d1.socket.topics()).toContain("room:r2|json");
  expect(d1.socket.events("room:r2").at(-1)).toMatchObject({ author: "bob", kind: "message" });
}, 10_000);
