import { expect, test } from "bun:test";
import type { SendFrame } from "../protocol/index.ts";
import { clientHarness } from "./testing.ts";

test("two sends with the same caller-chosen cmid before its ack: both settle with the one ack (neither hangs)", async () => {
  const { c, live } = clientHarness();
  c.connect();
  const s = live();
  const first = c.send({ room: "a" }, "hello", { cmid: "key-1" });
  const second = c.send({ room: "a" }, "hello", { cmid: "key-1" });
  const frames = s.sent.filter((f): f is SendFrame & { id: string } => f.type === "send");
  expect(frames.map((f) => f.cmid)).toEqual(["key-1", "key-1"]);
  s.push({ type: "ack", id: frames[0]!.id, stream: "room:a", seq: 4, pos: 4 });
  const settled = await Promise.race([
    Promise.all([first.acked, second.acked]),
    new Promise<"pending">((r) => setTimeout(() => r("pending"), 1000)),
  ]);
  expect(settled === "pending" ? "pending" : settled.map((a) => a.seq)).toEqual([4, 4]);
  expect(c.pendingSends()).toEqual([]);
});
