import { expect, test } from "bun:test";
import { createMemoryLog } from "../store/memory-log.ts";
import type { AppendRequest } from "../store/event-log.ts";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("events pruned by --retain while a device is still replaying are announced with truncated, never skipped silently", async () => {
  const log = createMemoryLog();
  const ev = (kind: AppendRequest["kind"], author: string, body: AppendRequest["body"] = {}): AppendRequest => ({ stream: "room:r1", kind, author, body, at: 1 });
  log.append([ev("joined", "ann"), ev("joined", "bob")]);
  log.append(Array.from({ length: 2498 }, (_, i) => ev("message", "bob", { text: `old ${i}` }))); // head 2500
  const th = testHub({ log, config: { retain: 1500 } });

  const ann = new TestClient(th);
  ann.socket.buffered = 2 << 20; // a slow reader: the replay pauses after its first page
  ann.hello("ann", "d1", {});
  await settle();

  const bob = await connected(th, "bob");
  for (let i = 0; i < 500; i++) bob.send({ type: "send", to: { room: "r1" }, cmid: `new${i}`, text: "new" }); // seq 3000 prunes to 1501..3000
  await settle();
  expect(th.log.first("room:r1")).toBe(1501);

  ann.socket.buffered = 0;
  // Until the replay ends (synced), polled, with a deadline rather than a count of short sleeps.
  for (const deadline = Date.now() + 10_000; ann.socket.ofType("synced").length === 0 && Date.now() < deadline;) await Bun.sleep(5);
  const seen = ann.frames.filter((f) => f.type === "truncated" || (f.type === "event" && f.stream === "room:r1"));
  const seqs = seen.map((f) => (f.type === "event" ? f.seq : `truncated(${f.type === "truncated" ? `${f.cursor}->${f.first}` : ""})`));
  // The replay sent its first page (1..n), paused, then found 1501 the first kept event: it says
  // so exactly once, between n and 1501, and goes on with nothing skipped silently.
  const t = seqs.findIndex((x) => typeof x === "string");
  expect(t).toBeGreaterThan(0);
  expect(seqs.filter((x) => typeof x === "string")).toHaveLength(1);
  expect(seqs.slice(0, t)).toEqual(Array.from({ length: t }, (_, k) => k + 1));
  expect(seqs.slice(t, t + 2)).toEqual([`truncated(${t}->1501)`, 1501]);
}, 10_000);
