import { describe, expect, test } from "bun:test";
import { USERS_STREAM } from "../projections/projection.ts";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

describe("users the server knows", () => {
  test("a DM to a name nobody ever signed in with is refused with unknown_user and appends nothing", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const before = th.log.lastPos();
    ann.send({ type: "send", id: "s", to: { user: "ghost" }, cmid: "c1", text: "waiting for you" });
    await settle();
    expect(ann.socket.reply("s")).toMatchObject({ type: "error", code: "unknown_user" });
    expect(th.log.lastPos()).toBe(before);
    expect(th.log.head("dm:ann:ghost")).toBe(0);
  });

  test("a user who signed in once may be sent DMs while offline, also after a restart (the log remembers)", async () => {
    const th = testHub();
    (await connected(th, "bob")).drop();
    const ann = await connected(th, "ann");
    ann.send({ type: "send", id: "s", to: { user: "bob" }, cmid: "c1", text: "hi" });
    await settle();
    expect(ann.socket.reply("s")).toMatchObject({ type: "ack", stream: "dm:ann:bob", seq: 1 });

    const again = testHub({ log: th.log });
    const cy = await connected(again, "cy");
    cy.send({ type: "send", id: "s", to: { user: "bob" }, cmid: "c1", text: "hi from cy" });
    await settle();
    expect(cy.socket.reply("s")).toMatchObject({ type: "ack", stream: "dm:bob:cy", seq: 1 });
  });

  test("two devices of a new user saying hello at once register it once", async () => {
    const th = testHub();
    const a = new TestClient(th);
    const b = new TestClient(th);
    a.hello("neo", "d1");
    b.hello("neo", "d2");
    await settle();
    expect(a.socket.ofType("synced").length + b.socket.ofType("synced").length).toBe(2);
    expect(th.log.head(USERS_STREAM)).toBe(1);
    (await connected(th, "neo", "d3")).drop();
    expect(th.log.head(USERS_STREAM)).toBe(1);
  });
});

describe("user actors follow the users online", () => {
  test("a user with no connection and nothing in flight leaves no actor behind", async () => {
    const th = testHub();
    const stay = await connected(th, "stay");
    for (let i = 0; i < 50; i++) {
      const c = await connected(th, `u${i}`);
      c.send({ type: "join", room: "r1" });
      c.send({ type: "send", to: { user: "stay" }, cmid: `dm${i}`, text: "x" });
      await settle();
      c.send({ type: "read", stream: "room:r1", seq: 1 });
      c.drop();
      await settle();
    }
    expect(th.hub.stats().actors.users).toBe(1); // only `stay`
    stay.drop();
    await settle();
    expect(th.hub.stats().actors.users).toBe(0);
  });

  test("a read cursor in flight when the last device drops still lands, and a new device sees it", async () => {
    const th = testHub();
    const a = await connected(th, "ann");
    a.send({ type: "join", room: "r1" });
    await settle();
    a.send({ type: "read", id: "r", stream: "room:r1", seq: 1 });
    a.drop();
    await settle();
    expect(th.hub.stats().actors.users).toBe(0);
    const b = new TestClient(th);
    b.send({ type: "hello", id: "h", user: "ann", device: "d2", client: "cli" });
    await settle();
    expect(b.socket.reply("h")).toMatchObject({ type: "welcome", reads: { "room:r1": 1 } });
  });
});

describe("room actors follow the rooms in use", () => {
  test("a room with nobody online and nothing in flight leaves no actor behind; the next command makes a fresh one that knows its members", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    for (let i = 0; i < 30; i++) ann.send({ type: "join", room: `r${i}` });
    await settle();
    expect(th.hub.stats().actors.rooms).toBe(30); // ann is online in each
    ann.drop();
    await settle();
    expect(th.hub.stats().actors.rooms).toBe(0);
    const again = await connected(th, "ann", "d2");
    again.send({ type: "send", id: "s", to: { room: "r7" }, cmid: "after", text: "still a member" });
    await settle();
    expect(again.socket.reply("s")).toMatchObject({ type: "ack", stream: "room:r7" });
    const bob = await connected(th, "bob");
    bob.send({ type: "who", id: "w", room: "r7" });
    await settle();
    expect(bob.socket.reply("w")).toMatchObject({ type: "error", code: "not_member" });
  });
});
