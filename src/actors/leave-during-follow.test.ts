import { expect, test } from "bun:test";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("a device whose follow of a joined room is cut short by a leave is not announced in that room", async () => {
  const th = testHub();
  const bob = await connected(th, "bob");
  bob.send({ type: "join", id: "b", room: "r" });
  await settle();
  // ann's first device: its socket backs up again right after the history page below is written.
  let backUp = false;
  const d1: TestClient = new TestClient(th, "json", (f) => {
    if (backUp && f.type === "page") { backUp = false; d1.socket.buffered = 2 << 20; }
  });
  d1.hello("ann", "d1");
  await settle();
  // Its mailbox is busy (a history page waiting for the socket to drain) when ann joins r on her
  // other device, so it follows r later, from the log, with a backlog of more than a page.
  d1.socket.buffered = 2 << 20;
  d1.send({ type: "history", id: "h", stream: "user:ann" });
  await settle();
  const d2 = await connected(th, "ann", "d2");
  d2.send({ type: "join", id: "j", room: "r" });
  await settle();
  for (let i = 0; i < 1200; i++) bob.send({ type: "send", to: { room: "r" }, cmid: `m${i}`, text: "x" });
  await settle();
  backUp = true;
  d1.socket.buffered = 0; // the history page goes out; the follow starts, and stalls after its first page
  await settle();
  expect(d1.socket.events("room:r").length).toBeGreaterThan(0);
  expect(d1.socket.events("room:r").length).toBeLessThan(1201);
  // ann leaves r while d1 is still replaying it; then d1's socket drains.
  d2.send({ type: "leave", id: "l", room: "r" });
  await settle();
  d1.socket.buffered = 0;
  await settle(16);
  bob.send({ type: "who", id: "w", room: "r" });
  await settle();
  const who = bob.socket.reply("w");
  expect(who?.type === "presence" && who.online?.map((e) => `${e.user}/${e.device}`)).toEqual(["bob/d1"]);
  const announced = bob.socket.ofType("presence").flatMap((p) => p.joined ?? []).map((e) => `${e.user}/${e.device}`);
  expect(announced).not.toContain("ann/d1");
});
