import { describe, expect, test } from "bun:test";
import type { WelcomeFrame } from "../protocol/index.ts";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

describe("rooms per user", () => {
  test("a join beyond --max-rooms-per-user gets too_many_rooms; leaving one makes room for another", async () => {
    const th = testHub({ config: { maxRoomsPerUser: 3 } });
    const ann = await connected(th, "ann");
    for (const r of ["a", "b", "c"]) ann.send({ type: "join", room: r });
    await settle();
    ann.send({ type: "join", id: "d", room: "d" });
    await settle();
    expect(ann.socket.reply("d")).toMatchObject({ type: "error", code: "too_many_rooms" });
    expect(th.hub.projection.rooms.has("d")).toBe(false);
    ann.send({ type: "leave", room: "a" });
    await settle();
    ann.send({ type: "join", id: "d2", room: "d" });
    await settle();
    expect(ann.socket.reply("d2")).toMatchObject({ type: "ack", stream: "room:d" });
  });
});

describe("a hello of a user in many rooms is spread over event-loop turns", () => {
  test("the welcome and the follows run in chunks: other work gets turns in between, and nothing is lost", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    const rooms = Array.from({ length: 400 }, (_, i) => `r${i}`);
    for (const r of rooms) ann.send({ type: "join", room: r });
    await settle();
    bob.send({ type: "join", room: "r399" });
    await settle();

    const c = new TestClient(th);
    c.hello("ann", "d2");
    let turns = 0;
    let sent = 0;
    // Another user keeps writing to the last room, one message per turn, while the hello runs.
    while (c.socket.ofType("synced").length === 0 && turns < 200) {
      bob.send({ type: "send", to: { room: "r399" }, cmid: `b${sent++}`, text: "meanwhile" });
      await new Promise((r) => setImmediate(r));
      turns += 1;
    }
    expect(c.socket.ofType("synced").length).toBe(1);
    expect(turns).toBeGreaterThan(400 / 64); // was 1: the whole hello in one block
    const welcome = c.socket.ofType("welcome")[0] as WelcomeFrame;
    expect(welcome.streams.filter((s) => s.kind === "room").length).toBe(400);
    // Fresh start: everything after the head the welcome announced arrives, nothing before it.
    await settle();
    const head = welcome.streams.find((s) => s.stream === "room:r399")!.head;
    const got = c.socket.events("room:r399").map((e) => e.seq);
    const last = th.log.head("room:r399");
    expect(got).toEqual(Array.from({ length: last - head }, (_, i) => head + 1 + i));
  });
});

describe("a connection in many rooms that closes goes offline in all of them, over several turns", () => {
  test("the first rooms at once, the rest paced by the hello budget; none is missed", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const rooms = Array.from({ length: 100 }, (_, i) => `r${i}`);
    for (const r of rooms) ann.send({ type: "join", room: r });
    await settle();
    const bob = await connected(th, "bob");
    for (const r of ["r0", "r99"]) bob.send({ type: "join", room: r });
    await settle();
    const leftIn = () => bob.socket.ofType("presence").filter((p) => p.type === "presence" && p.left?.some((e) => e.user === "ann")).map((p) => (p.type === "presence" ? p.room : ""));
    ann.drop();
    await settle(1);
    expect(leftIn()).toEqual(["r0"]); // was both: all 100 rooms in the close's own block
    await settle(40);
    expect(leftIn().sort()).toEqual(["r0", "r99"]);
  });
});
