/**
 * Single node: an event the journal made durable whose commit path fails (here: the publish
 * throws) must never pass silently — its subscribers would miss it and see the events after it.
 * The hub stops applying and publishing, answers the command retryably (it is durable: the retry
 * after the restart gets the original ack), refuses every append after it, keeps the projection
 * out of snapshots, and tells the server once (start.ts stops it and exits 4).
 */
import { expect, test } from "bun:test";
import { FakeFanout } from "./testing/fakes.ts";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";
import type { WireData } from "../protocol/index.ts";

/** A fan-out whose publish fails for one message text, as a broken socket layer might. */
class FailingFanout extends FakeFanout {
  override publish(topic: string, data: WireData): void {
    if (typeof data === "string" && data.includes("boom")) throw new Error("publish failed");
    super.publish(topic, data);
  }
}

test("a committed event whose publish fails stops the server: reported once, answered retryably, nothing after it applied or published, no snapshot", async () => {
  const th = testHub({ fanout: new FailingFanout(), config: { rateLimit: 0 } });
  const reports: string[] = [];
  th.hub.whenCommitPathFails((why) => reports.push(why));
  const ann = await connected(th, "ann");
  ann.send({ type: "join", id: "j", room: "r" });
  await settle();
  ann.send({ type: "send", id: "s1", to: { room: "r" }, cmid: "c1", text: "one" });
  await settle();
  expect(ann.socket.reply("s1")).toMatchObject({ type: "ack" });

  ann.send({ type: "send", id: "s2", to: { room: "r" }, cmid: "c2", text: "boom" });
  await settle();
  expect(ann.socket.reply("s2")).toMatchObject({ type: "error", code: "internal" });
  expect(reports).toHaveLength(1);
  expect(reports[0]).toContain("room:r#3");
  expect(th.log.findByCmid("ann", "c2")).toBeDefined(); // durable: the retry after the restart is a duplicate

  // Nothing more is appended, folded or published.
  const published = (th.fanout as FakeFanout).published.length;
  ann.send({ type: "send", id: "s3", to: { room: "r" }, cmid: "c3", text: "three" });
  await settle();
  expect(ann.socket.reply("s3")).toMatchObject({ type: "error", code: "internal" });
  expect(th.log.findByCmid("ann", "c3")).toBeUndefined();
  expect((th.fanout as FakeFanout).published.length).toBe(published);
  th.hub.snapshot();
  expect(th.log.loadSnapshot("projection")).toBeUndefined();
  expect(reports).toHaveLength(1);
});
