import { expect, test } from "bun:test";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("re-sending a cmid returns the original ack even after the sender left the room (its ack may have been lost)", async () => {
  const th = testHub();
  const ann = await connected(th, "ann");
  ann.send({ type: "join", room: "r1" });
  await settle();
  ann.send({ type: "send", id: "first", to: { room: "r1" }, cmid: "c1", text: "hi" });
  await settle();
  ann.send({ type: "leave", room: "r1" });
  await settle();
  ann.send({ type: "send", id: "retry", to: { room: "r1" }, cmid: "c1", text: "hi" });
  await settle();
  const original = th.log.findByCmid("ann", "c1")!;
  expect(ann.socket.reply("retry")).toEqual({ type: "ack", id: "retry", stream: "room:r1", seq: original.seq, pos: original.pos, duplicate: true });
});
