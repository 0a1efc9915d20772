import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunningServer } from "../../src/server/start.ts";
import type { AckFrame, ErrorFrame, PageFrame, WelcomeFrame } from "../../src/protocol/index.ts";
import { TestClient, range, seqs, start } from "./harness.ts";

for (const encoding of ["json", "msgpack"] as const) {
  describe(`rooms and DMs over ${encoding}`, () => {
    let server: RunningServer;
    beforeAll(async () => { server = await start(); });
    afterAll(() => server.stop());

    test("a room message reaches every member, is acked once durable, and skips non-members", async () => {
      const alice = await TestClient.connect(server.url, "alice", { encoding });
      const bob = await TestClient.connect(server.url, "bob", { encoding });
      const eve = await TestClient.connect(server.url, "eve", { encoding });
      expect((await alice.request({ type: "join", room: "lobby" })).type).toBe("ack");
      expect((await bob.request({ type: "join", room: "lobby" })).type).toBe("ack");
      const ack = (await alice.request({ type: "send", to: { room: "lobby" }, cmid: "a1", text: "hi bob" })) as AckFrame;
      expect(ack).toMatchObject({ type: "ack", stream: "room:lobby", seq: 3 });
      const got = await bob.waitFor((f) => f.type === "event" && f.cmid === "a1");
      expect(got).toMatchObject({ author: "alice", kind: "message", body: { text: "hi bob" }, seq: 3 });
      expect(server.hub.log.get("room:lobby", 3)?.body).toEqual({ text: "hi bob" });
      // The message was published before bob got it; eve's answer below is written to her socket
      // after anything published to it then, so once she has it, nothing of the room came.
      const denied = (await eve.request({ type: "history", stream: "room:lobby" })) as ErrorFrame;
      expect(denied.code).toBe("not_member");
      expect(eve.events("room:lobby")).toEqual([]);
      const sendDenied = (await eve.request({ type: "send", to: { room: "lobby" }, cmid: "e1", text: "let me in" })) as ErrorFrame;
      expect(sendDenied.code).toBe("not_member");
      for (const c of [alice, bob, eve]) c.close();
    });

    test("a retried send with the same cmid returns the original ack and appends nothing", async () => {
      const a = await TestClient.connect(server.url, "carol", { encoding });
      await a.request({ type: "join", room: "retry" });
      const first = (await a.request({ type: "send", to: { room: "retry" }, cmid: "same", text: "once" })) as AckFrame;
      const again = (await a.request({ type: "send", to: { room: "retry" }, cmid: "same", text: "once" })) as AckFrame;
      expect(again).toMatchObject({ stream: first.stream, seq: first.seq, pos: first.pos, duplicate: true });
      expect(server.hub.log.head("room:retry")).toBe(first.seq);
      a.close();
    });

    test("a DM reaches every device of both users and no one else", async () => {
      const d1 = await TestClient.connect(server.url, "dana", { encoding, device: "phone" });
      const d2 = await TestClient.connect(server.url, "dana", { encoding, device: "laptop" });
      const f1 = await TestClient.connect(server.url, "fred", { encoding, device: "phone" });
      const f2 = await TestClient.connect(server.url, "fred", { encoding, device: "laptop" });
      const gus = await TestClient.connect(server.url, "gus", { encoding });
      const ack = (await d1.request({ type: "send", to: { user: "fred" }, cmid: "dm1", text: "just us" })) as AckFrame;
      expect(ack.stream).toBe("dm:dana:fred");
      for (const c of [d1, d2, f1, f2]) {
        expect(await c.waitFor((f) => f.type === "event" && f.stream === "dm:dana:fred")).toMatchObject({ seq: 1, author: "dana" });
      }
      expect(((await gus.request({ type: "history", stream: "dm:dana:fred" })) as ErrorFrame).code).toBe("not_member");
      expect(gus.events().filter((e) => e.stream.startsWith("dm:"))).toEqual([]); // answered after the DM was published: it would be here
      const page = (await f2.request({ type: "history", stream: "dm:dana:fred" })) as PageFrame;
      expect(page.events.map((e) => e.body.text)).toEqual(["just us"]);
      for (const c of [d1, d2, f1, f2, gus]) c.close();
    });

    test("history pages backwards and forwards", async () => {
      const a = await TestClient.connect(server.url, "hank", { encoding });
      await a.request({ type: "join", room: "pages" });
      for (let i = 0; i < 30; i++) a.send({ type: "send", to: { room: "pages" }, cmid: `p${i}`, text: `m${i}` });
      await a.waitFor((f) => f.type === "ack" && f.seq === 31);
      const newest = (await a.request({ type: "history", stream: "room:pages", limit: 10 })) as PageFrame;
      expect(seqs(newest.events)).toEqual(range(22, 31));
      expect(newest.more).toBe(true);
      const older = (await a.request({ type: "history", stream: "room:pages", before: 5, limit: 10 })) as PageFrame;
      expect(seqs(older.events)).toEqual(range(1, 4));
      expect(older.more).toBe(false);
      const after = (await a.request({ type: "history", stream: "room:pages", after: 28 })) as PageFrame;
      expect(seqs(after.events)).toEqual([29, 30, 31]);
      expect(after.more).toBe(false);
      a.close();
    });

    test("a room joined on one device shows up on the other, and a read cursor moved on one reaches the other", async () => {
      const phone = await TestClient.connect(server.url, "ivy", { encoding, device: "phone" });
      const laptop = await TestClient.connect(server.url, "ivy", { encoding, device: "laptop" });
      const joe = await TestClient.connect(server.url, "joe", { encoding });
      await joe.request({ type: "join", room: "garden" });
      await joe.request({ type: "send", to: { room: "garden" }, cmid: "g1", text: "before ivy" });
      await phone.request({ type: "join", room: "garden" });
      await laptop.waitFor((f) => f.type === "event" && f.stream === "user:ivy" && f.kind === "room_joined");
      await laptop.waitFor((f) => f.type === "event" && f.stream === "room:garden" && f.kind === "joined" && f.author === "ivy");
      await joe.request({ type: "send", to: { room: "garden" }, cmid: "g2", text: "hello ivy" });
      const live = await laptop.waitFor((f) => f.type === "event" && f.cmid === "g2");
      expect(live).toMatchObject({ stream: "room:garden", seq: 4 });
      await phone.request({ type: "read", stream: "room:garden", seq: 4 });
      const moved = await laptop.waitFor((f) => f.type === "event" && f.stream === "user:ivy" && f.kind === "read");
      expect(moved).toMatchObject({ body: { stream: "room:garden", seq: 4 } });
      const later = await TestClient.connect(server.url, "ivy", { encoding, device: "tablet" });
      const welcome = later.frames.find((f) => f.type === "welcome") as WelcomeFrame;
      expect(welcome.reads["room:garden"]).toBe(4);
      expect(welcome.streams.find((s) => s.stream === "room:garden")).toMatchObject({ head: 4, unread: 0 });
      for (const c of [phone, laptop, joe, later]) c.close();
    });

    test("leaving a room stops its events and its history", async () => {
      const a = await TestClient.connect(server.url, "kim", { encoding });
      const b = await TestClient.connect(server.url, "lee", { encoding });
      await a.request({ type: "join", room: "exit" });
      await b.request({ type: "join", room: "exit" });
      await b.request({ type: "leave", room: "exit" });
      await a.request({ type: "send", to: { room: "exit" }, cmid: "x1", text: "gone?" });
      expect(((await b.request({ type: "history", stream: "room:exit" })) as ErrorFrame).code).toBe("not_member");
      expect(b.events("room:exit").some((e) => e.cmid === "x1")).toBe(false); // answered after x1 was published: it would be here
      a.close();
      b.close();
    });
  });
}

describe("edits and deletes", () => {
  test("only the author can edit or delete, in rooms and DMs, and both are events", async () => {
    const server = await start();
    const a = await TestClient.connect(server.url, "amy");
    const b = await TestClient.connect(server.url, "ben");
    await a.request({ type: "join", room: "ed" });
    await b.request({ type: "join", room: "ed" });
    const sent = (await a.request({ type: "send", to: { room: "ed" }, cmid: "orig", text: "helo" })) as AckFrame;
    expect(((await b.request({ type: "edit", stream: "room:ed", seq: sent.seq, cmid: "x", text: "hijack" })) as ErrorFrame).code).toBe("not_author");
    expect(((await a.request({ type: "edit", stream: "room:ed", seq: 1, cmid: "x", text: "no" })) as ErrorFrame).code).toBe("unknown_event");
    const edit = (await a.request({ type: "edit", stream: "room:ed", seq: sent.seq, cmid: "e1", text: "hello" })) as AckFrame;
    expect(await b.waitFor((f) => f.type === "event" && f.seq === edit.seq)).toMatchObject({ kind: "edit", body: { target: sent.seq, text: "hello" } });
    const dm = (await a.request({ type: "send", to: { user: "ben" }, cmid: "dm", text: "secret" })) as AckFrame;
    const del = (await a.request({ type: "delete", stream: dm.stream, seq: dm.seq, cmid: "d1" })) as AckFrame;
    expect(await b.waitFor((f) => f.type === "event" && f.stream === dm.stream && f.seq === del.seq)).toMatchObject({ kind: "delete", body: { target: dm.seq } });
    const c = await TestClient.connect(server.url, "cat");
    expect(((await c.request({ type: "delete", stream: dm.stream, seq: dm.seq, cmid: "d2" })) as ErrorFrame).code).toBe("not_member");
    for (const x of [a, b, c]) x.close();
    await server.stop();
  });
});
