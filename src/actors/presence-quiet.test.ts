import { expect, test } from "bun:test";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("a connection whose hello says presence: false is never announced in its rooms, but still gets the room's events", async () => {
  const th = testHub();
  const ann = await connected(th, "ann");
  ann.send({ type: "join", room: "r1" });
  const bob = await connected(th, "bob");
  bob.send({ type: "join", room: "r1" });
  await settle();
  const announcedBefore = ann.socket.ofType("presence").length;

  // bob's one-shot command: a second device that says hello quietly, sends, and leaves.
  const script = new TestClient(th);
  script.send({ type: "hello", user: "bob", device: "script", client: "cli", presence: false });
  await settle();
  expect(script.socket.ofType("synced")).toHaveLength(1);
  script.send({ type: "send", id: "s", to: { room: "r1" }, cmid: "q1", text: "from a script" });
  await settle();
  expect(script.socket.reply("s")).toMatchObject({ type: "ack", stream: "room:r1" });
  expect(ann.socket.events("room:r1").at(-1)).toMatchObject({ author: "bob", body: { text: "from a script" } });
  // Joining a room live does not announce it either (bob's other device, d1, is announced there).
  script.send({ type: "join", id: "j", room: "r2" });
  ann.send({ type: "join", room: "r2" });
  await settle();
  script.drop();
  await settle();
  const scriptSeen = ann.socket.ofType("presence").slice(announcedBefore)
    .flatMap((p) => [...(p.joined ?? []), ...(p.left ?? []), ...(p.online ?? [])]).filter((e) => e.device === "script");
  expect(scriptSeen).toEqual([]);
  ann.send({ type: "who", id: "w", room: "r1" });
  await settle();
  const who = ann.socket.reply("w");
  expect(who?.type === "presence" && who.online?.map((e) => `${e.user}/${e.device}`).sort()).toEqual(["ann/d1", "bob/d1"]);

  // The same device without the flag is announced, as before.
  const loud = new TestClient(th);
  loud.send({ type: "hello", user: "bob", device: "script", client: "cli" });
  await settle();
  expect(ann.socket.ofType("presence").at(-1)).toMatchObject({ joined: [{ user: "bob", device: "script" }] });
});
