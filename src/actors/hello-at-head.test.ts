import { expect, test } from "bun:test";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

test("a hello with nothing to replay gets its welcome and synced in one write, and is live in every group", async () => {
  const th = testHub();
  const ann = new TestClient(th);
  ann.hello("ann");
  await settle();
  expect(ann.frames.map((f) => f.type)).toEqual(["welcome", "synced"]);
  expect(ann.socket.batches).toBe(1);
  expect(ann.socket.topics().sort()).toEqual(["broadcast|json", "user:ann|json"]);
});

test("a device back with its cursors at every head, in a few rooms: one write, then live in each room and announced", async () => {
  const th = testHub();
  const ann = await connected(th, "ann");
  const bob = await connected(th, "bob");
  for (const r of ["r1", "r2", "r3"]) { ann.send({ type: "join", room: r }); bob.send({ type: "join", room: r }); }
  await settle();
  const cursors: Record<string, number> = {};
  for (const e of ann.socket.events()) cursors[e.stream] = Math.max(cursors[e.stream] ?? 0, e.seq);
  let writesBySynced = 0;
  const back: TestClient = new TestClient(th, "json", (f) => { if (f.type === "synced") writesBySynced = back.socket.batches; });
  back.hello("ann", "d2", cursors);
  await settle();
  expect(back.frames.slice(0, 2).map((f) => f.type)).toEqual(["welcome", "synced"]);
  expect(writesBySynced).toBe(1);
  expect(back.socket.topics().filter((t) => t.startsWith("room:")).sort()).toEqual(["room:r1|json", "room:r2|json", "room:r3|json"]);
  expect(bob.socket.ofType("presence").at(-1)).toMatchObject({ joined: [{ user: "ann", device: "d2" }] });
  bob.send({ type: "send", id: "m", to: { room: "r2" }, cmid: "c1", text: "hi" });
  await settle();
  expect(back.socket.events("room:r2").map((e) => e.author)).toEqual(["bob"]);
});

test("a hello with something to replay takes the general path: welcome, the missed events, then synced", async () => {
  const th = testHub();
  const ann = await connected(th, "ann");
  const bob = await connected(th, "bob");
  ann.send({ type: "join", room: "r" });
  bob.send({ type: "join", room: "r" });
  await settle();
  const seen = Math.max(...ann.socket.events("room:r").map((e) => e.seq));
  bob.send({ type: "send", id: "m", to: { room: "r" }, cmid: "c1", text: "missed" });
  await settle();
  const back = new TestClient(th);
  back.hello("ann", "d2", { "room:r": seen, "user:ann": 1 });
  await settle();
  expect(back.frames.map((f) => f.type).slice(0, 3)).toEqual(["welcome", "event", "synced"]);
  expect(back.socket.events("room:r").map((e) => e.seq)).toEqual([seen + 1]);
});
