import { expect, test } from "bun:test";
import type { WelcomeFrame } from "../protocol/index.ts";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("welcome counts each stream's unread messages that mention me, from the whole log, since my read cursor", async () => {
  const th = testHub();
  const ann = await connected(th, "ann");
  const bob = await connected(th, "bob");
  ann.send({ type: "join", room: "r1" });
  await settle();
  bob.send({ type: "join", room: "r1" });
  await settle();
  const texts = ["@bob first", "nothing for bob", "`@bob` in code is no mention", "@bob second", "@bob third"];
  for (const [i, text] of texts.entries()) ann.send({ type: "send", to: { room: "r1" }, cmid: `m${i}`, text });
  ann.send({ type: "send", to: { user: "bob" }, cmid: "dm", text: "@bob psst" });
  await settle();
  bob.send({ type: "read", stream: "room:r1", seq: 3 }); // joined 1, 2; "@bob first" is 3
  await settle();

  const again = new TestClient(th);
  again.send({ type: "hello", id: "h", user: "bob", device: "phone", client: "web" });
  await settle();
  const welcome = again.frames.find((f): f is WelcomeFrame => f.type === "welcome");
  const info = (s: string) => welcome?.streams.find((i) => i.stream === s);
  expect(info("room:r1")).toMatchObject({ unread: 4, mentions: 2 });
  expect(info("dm:ann:bob")).toMatchObject({ unread: 1, mentions: 1 });
  expect(info("user:bob")).toMatchObject({ mentions: 0 });
});
