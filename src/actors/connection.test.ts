import { describe, expect, test } from "bun:test";
import { CloseCode, type ServerFrame } from "../protocol/index.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import type { EventLog } from "../store/event-log.ts";
import { TestClient, connected, settle, testHub } from "../server/testing/hub-harness.ts";

const seqs = (c: TestClient, stream: string) => c.socket.events(stream).map((e) => e.seq);
const codes = (c: TestClient) => c.socket.ofType("error").map((e) => e.code);
const types = (frames: ServerFrame[]) => frames.map((f) => f.type);

/** ann and bob in room r1 with three messages, and one DM between them. */
async function seeded() {
  const th = testHub();
  const ann = await connected(th, "ann");
  const bob = await connected(th, "bob");
  ann.send({ type: "join", id: "j", room: "r1" });
  await settle();
  bob.send({ type: "join", room: "r1" });
  await settle();
  for (let i = 1; i <= 3; i++) ann.send({ type: "send", to: { room: "r1" }, cmid: `m${i}`, text: `hello ${i}` });
  bob.send({ type: "send", to: { user: "ann" }, cmid: "dm1", text: "psst" });
  await settle();
  return { th, ann, bob };
}

describe("ConnectionActor: hello and welcome", () => {
  test("commands before hello are refused with hello_required; ping is answered at any time", async () => {
    const th = testHub();
    const c = new TestClient(th);
    c.send({ type: "join", id: 1, room: "r1" });
    c.send({ type: "typing", stream: "room:r1" });
    c.send({ type: "ping", id: "p", t: 5 });
    await settle();
    expect(c.frames).toEqual([
      { type: "error", id: 1, code: "hello_required", message: "send hello first" },
      { type: "error", code: "hello_required", message: "send hello first" },
      { type: "pong", id: "p", t: 5 },
    ]);
    expect(th.log.lastPos()).toBe(0);
  });

  test("welcome describes every stream of the user with head and unread, then synced; a second hello is refused", async () => {
    const { th } = await seeded();
    const c = new TestClient(th);
    c.send({ type: "hello", id: "h", user: "bob", device: "tab", client: "web" });
    await settle();
    // Presence is not part of the replay: the device's own `joined` presence may come before `synced`.
    const [welcome, synced, ...rest] = c.frames.filter((f) => f.type !== "presence");
    expect(welcome).toEqual({
      type: "welcome", id: "h", user: "bob", device: "tab", epoch: th.log.epoch,
      streams: [
        { stream: "user:bob", kind: "user", name: "bob", head: 1, unread: 0, mentions: 0 },
        { stream: "broadcast", kind: "broadcast", name: "broadcast", head: 0, unread: 0, mentions: 0 },
        { stream: "room:r1", kind: "room", name: "r1", head: 5, unread: 3, mentions: 0 },
        { stream: "dm:ann:bob", kind: "dm", name: "ann", head: 1, unread: 0, mentions: 0 },
      ],
      reads: {},
      heartbeatMs: th.config.heartbeatMs,
      limits: { maxPayload: th.config.maxPayload, maxText: th.config.maxText },
    });
    expect(synced).toEqual({ type: "synced", id: "h" });
    expect(types(rest)).not.toContain("event"); // no cursors: a fresh start replays nothing
    c.send({ type: "hello", id: "again", user: "ann", device: "x", client: "cli" });
    await settle();
    expect(c.socket.reply("again")).toMatchObject({ type: "error", code: "already_hello" });
    expect(c.conn.user).toBe("bob");
  });

  test("a hello the authenticator refuses gets unauthorized, then close 4001", async () => {
    const th = testHub();
    const c = new TestClient(th);
    c.send({ type: "hello", id: 1, device: "d", client: "cli" }); // dev mode needs `user`
    await settle();
    expect(c.frames).toEqual([{ type: "error", id: 1, code: "unauthorized", message: expect.stringContaining("user") }]);
    expect(c.socket.closed?.code).toBe(CloseCode.Unauthorized);
    expect(th.hub.connections.has(c.conn)).toBe(false);
  });

  test("no hello within helloTimeoutMs closes with 4100", async () => {
    const th = testHub({ config: { helloTimeoutMs: 5 } });
    const c = new TestClient(th);
    const ok = new TestClient(th);
    ok.hello("ann");
    for (const deadline = Date.now() + 5000; !c.socket.closed && Date.now() < deadline;) await settle(1);
    expect(c.socket.closed?.code).toBe(CloseCode.HelloTimeout);
    // ok's timer was set after c's with the same delay: one set now with that delay fires after it would have.
    await new Promise((r) => setTimeout(r, 5));
    await settle();
    expect(ok.socket.closed).toBeUndefined();
  });

  test("a frame the guard refused is answered with its error and id, and the connection goes on", async () => {
    const th = testHub();
    const c = await connected(th, "ann");
    c.send({ type: "send", id: "f", to: { room: "r1" }, cmid: "x", text: "hi", author: "bob" });
    c.send({ type: "nope", id: 9 });
    c.send({ type: "ping", id: "after" });
    await settle();
    expect(c.socket.reply("f")).toMatchObject({ type: "error", code: "forged_sender" });
    expect(c.socket.reply(9)).toMatchObject({ type: "error", code: "unknown_type" });
    expect(c.socket.reply("after")).toEqual({ type: "pong", id: "after" });
  });
});

describe("ConnectionActor: rooms and messages", () => {
  test("join creates the room, acks after commit, and tells the user stream; a second join is a duplicate ack", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    ann.send({ type: "join", id: 1, room: "r1" });
    expect(ann.socket.reply(1)).toBeUndefined(); // nothing before the commit
    await settle();
    expect(ann.socket.reply(1)).toEqual({ type: "ack", id: 1, stream: "room:r1", seq: 1, pos: 2 }); // pos 1: ann's first sign-in
    expect(ann.socket.events("room:r1").map((e) => [e.seq, e.kind])).toEqual([[1, "joined"]]);
    expect(ann.socket.events("user:ann").map((e) => [e.seq, e.kind, e.body.room])).toEqual([[1, "room_joined", "r1"]]);
    ann.send({ type: "join", id: 2, room: "r1" });
    await settle();
    expect(ann.socket.reply(2)).toMatchObject({ type: "ack", stream: "room:r1", seq: 1, duplicate: true });
    expect(th.log.lastPos()).toBe(3);
  });

  test("a room message reaches every member device (the sender's too, with its cmid), acked once durable, nobody else", async () => {
    const { th, ann, bob } = await seeded();
    const ann2 = await connected(th, "ann", "d2", { encoding: "msgpack" });
    const cy = await connected(th, "cy");
    bob.send({ type: "send", id: "s", to: { room: "r1" }, cmid: "b1", text: "yo" });
    await settle();
    const expected = { type: "event", stream: "room:r1", seq: 6, author: "bob", kind: "message", body: { text: "yo" }, cmid: "b1" };
    for (const c of [ann, bob, ann2]) expect(c.socket.events("room:r1").at(-1)).toMatchObject(expected);
    expect(bob.socket.reply("s")).toMatchObject({ type: "ack", stream: "room:r1", seq: 6 });
    expect(cy.socket.events()).toEqual([]);
    expect(ann2.socket.wireErrors).toEqual([]);
    expect(th.log.get("room:r1", 6)).toMatchObject({ author: "bob", cmid: "b1" });
  });

  test("send to a room you have not joined is not_member; to a room that does not exist, unknown_room", async () => {
    const { th } = await seeded();
    const cy = await connected(th, "cy");
    cy.send({ type: "send", id: 1, to: { room: "r1" }, cmid: "c", text: "t" });
    cy.send({ type: "send", id: 2, to: { room: "nowhere" }, cmid: "d", text: "t" });
    cy.send({ type: "leave", id: 3, room: "r1" });
    cy.send({ type: "who", id: 4, room: "nowhere" });
    await settle();
    expect(codes(cy)).toEqual(["not_member", "unknown_room", "not_member", "unknown_room"]);
  });

  test("a retried send (same cmid) returns the original ack with duplicate and appends nothing", async () => {
    const { th, ann } = await seeded();
    const before = th.log.lastPos();
    ann.send({ type: "send", id: "again", to: { room: "r1" }, cmid: "m2", text: "different text" });
    await settle();
    const original = th.log.findByCmid("ann", "m2")!;
    expect(ann.socket.reply("again")).toEqual({ type: "ack", id: "again", stream: "room:r1", seq: original.seq, pos: original.pos, duplicate: true });
    expect(th.log.lastPos()).toBe(before);
  });

  test("a join on one device makes the user's other connected devices follow the room from the joined event", async () => {
    const { th, ann } = await seeded();
    const cy1 = await connected(th, "cy", "d1");
    const cy2 = await connected(th, "cy", "d2", { encoding: "msgpack" });
    cy1.send({ type: "join", room: "r1" });
    await settle();
    ann.send({ type: "send", to: { room: "r1" }, cmid: "after-cy", text: "welcome cy" });
    await settle();
    for (const c of [cy1, cy2]) {
      expect(seqs(c, "room:r1")).toEqual([6, 7]);
      expect(c.socket.events("room:r1")[0]).toMatchObject({ kind: "joined", author: "cy" });
      expect(c.socket.topics()).toContain(`room:r1|${c.socket.encoding}`);
    }
  });

  test("leave revokes on every device at once: the user's own left is the last event of the room it gets, history is refused", async () => {
    const { th, ann, bob } = await seeded();
    const bob2 = await connected(th, "bob", "d2");
    bob.send({ type: "leave", id: "l", room: "r1" });
    ann.send({ type: "send", to: { room: "r1" }, cmid: "same-turn", text: "are you there?" }); // same turn as the leave
    await settle();
    ann.send({ type: "send", to: { room: "r1" }, cmid: "later", text: "bye" });
    await settle();
    for (const c of [bob, bob2]) {
      expect(c.socket.events("room:r1").at(-1)).toMatchObject({ kind: "left", author: "bob" });
      expect(c.socket.topics().filter((t) => t.startsWith("room:"))).toEqual([]);
      expect(c.socket.events("user:bob").at(-1)).toMatchObject({ kind: "room_left", body: { room: "r1" } });
    }
    expect(bob.socket.reply("l")).toMatchObject({ type: "ack", stream: "room:r1" });
    bob.send({ type: "history", id: "h", stream: "room:r1" });
    await settle();
    expect(bob.socket.reply("h")).toMatchObject({ type: "error", code: "not_member" });
    expect(seqs(ann, "room:r1").slice(-3)).toEqual([6, 7, 8]);
  });

  test("a DM reaches both users on every device, also a DM stream that starts while they are connected", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob1 = await connected(th, "bob", "d1");
    const bob2 = await connected(th, "bob", "d2", { encoding: "msgpack" });
    const cy = await connected(th, "cy");
    ann.send({ type: "send", id: 1, to: { user: "bob" }, cmid: "x", text: "hi bob" });
    await settle();
    for (const c of [ann, bob1, bob2]) expect(c.socket.events("dm:ann:bob").map((e) => [e.seq, e.author, e.body.text])).toEqual([[1, "ann", "hi bob"]]);
    expect(cy.socket.events()).toEqual([]);
    ann.send({ type: "send", id: 2, to: { user: "ann" }, cmid: "y", text: "me" });
    await settle();
    expect(ann.socket.reply(2)).toMatchObject({ type: "error", code: "invalid_field" });
  });

  test("edit and delete: only the author, only messages, in rooms and DMs", async () => {
    const { th, ann, bob } = await seeded();
    bob.send({ type: "edit", id: "not-mine", stream: "room:r1", seq: 3, cmid: "e0", text: "hijack" });
    ann.send({ type: "edit", id: "joined", stream: "room:r1", seq: 1, cmid: "e1", text: "x" });
    ann.send({ type: "delete", id: "missing", stream: "room:r1", seq: 99, cmid: "e2" });
    ann.send({ type: "edit", id: "ok", stream: "room:r1", seq: 3, cmid: "e3", text: "hello, fixed" });
    bob.send({ type: "delete", id: "dm", stream: "dm:ann:bob", seq: 1, cmid: "e4" });
    ann.send({ type: "delete", id: "user-stream", stream: "user:ann", seq: 1, cmid: "e5" });
    await settle();
    expect(bob.socket.reply("not-mine")).toMatchObject({ code: "not_author" });
    expect(ann.socket.reply("joined")).toMatchObject({ code: "unknown_event" });
    expect(ann.socket.reply("missing")).toMatchObject({ code: "unknown_event" });
    expect(ann.socket.reply("user-stream")).toMatchObject({ code: "invalid_field" });
    expect(ann.socket.reply("ok")).toMatchObject({ type: "ack", stream: "room:r1", seq: 6 });
    expect(th.log.get("room:r1", 6)).toMatchObject({ kind: "edit", author: "ann", body: { target: 3, text: "hello, fixed" } });
    expect(bob.socket.reply("dm")).toMatchObject({ type: "ack", stream: "dm:ann:bob", seq: 2 });
    expect(ann.socket.events("dm:ann:bob").at(-1)).toMatchObject({ kind: "delete", body: { target: 1 } });
  });
});

/**
 * ann in room "big" with `thousands` × 1,000 messages of `size` characters, and a client (not yet
 * hello'd) whose every write is reported to `wrote` (bytes) before it is delivered.
 */
async function bigRoom(thousands: number, size: number, wrote: (bytes: number) => void) {
  const th = testHub({ config: { readRateLimit: 0 } });
  const ann = await connected(th, "ann");
  ann.send({ type: "join", room: "big" });
  await settle();
  const text = "x".repeat(size);
  for (let i = 0; i < thousands; i++) {
    th.log.append(Array.from({ length: 1000 }, (_, j) => ({ stream: "room:big", kind: "message" as const, author: "ann", body: { text }, cmid: `c${i}-${j}`, at: 1 })));
  }
  const c = new TestClient(th);
  const send = c.socket.sendBatch.bind(c.socket);
  c.socket.sendBatch = (frames) => {
    wrote(frames.reduce((n, f) => n + (typeof f === "string" ? f.length : f.byteLength), 0));
    send(frames);
  };
  return { th, c };
}

describe("ConnectionActor: resume", () => {
  test("resume replays exactly what each stream missed, before synced, then goes live with no gap", async () => {
    const { th, ann, bob } = await seeded();
    const log = th.log;
    // bob's other device saw room:r1 up to 2 and its user stream up to 1; the DM is missing from its cursors.
    const c = new TestClient(th, "msgpack");
    c.hello("bob", "phone", { "room:r1": 2, "user:bob": 1 });
    await settle();
    const t = types(c.frames);
    expect(t[0]).toBe("welcome");
    const syncedAt = t.indexOf("synced");
    const replay = c.socket.events().filter((_, i) => i < syncedAt);
    expect(replay).toEqual([
      ...log.readAfter("dm:ann:bob", 0, 100),
      ...log.readAfter("room:r1", 2, 100),
    ].map((e) => ({ type: "event", ...e })));
    ann.send({ type: "send", to: { room: "r1" }, cmid: "live", text: "live" });
    await settle();
    expect(seqs(c, "room:r1")).toEqual([3, 4, 5, 6]);
    expect(c.socket.events("room:r1").at(-1)).toEqual({ type: "event", ...log.get("room:r1", 6)! });
    void bob;
  });

  test("a replay to a reader that takes nothing pauses once a megabyte is unsent (at most the page that crossed it beyond), and goes on when it drains", async () => {
    // 10,000 messages of ~1 KB: about 10 MB to replay.
    const { th, c } = await bigRoom(10, 1000, (bytes) => { c.socket.buffered += bytes; }); // a reader that reads nothing
    c.hello("ann", "laptop", { "room:big": 0 });
    for (let i = 0; i < 20; i++) await settle();
    const first = c.socket.events("room:big").length;
    // Paused at the high-water mark (1 MiB): one page (1,000 events of ~1 KB) past it at most.
    expect(first).toBeGreaterThan(0);
    expect(c.socket.buffered).toBeLessThan((1 << 20) + 1000 * 1100);
    expect(first).toBeLessThan(2100);
    // The reader catches up: the replay goes on to the head, then synced.
    while (!c.frames.some((f) => f.type === "synced")) {
      c.socket.buffered = 0;
      await settle();
    }
    expect(seqs(c, "room:big")).toEqual(Array.from({ length: th.log.head("room:big") }, (_, i) => i + 1));
  });

  test("a replay of big events goes in pages of about 512 KiB (each one block: read, encode, write), not 1,000 events of 4 KB", async () => {
    const batches: number[] = [];
    const { th, c } = await bigRoom(3, 4000, (bytes) => batches.push(bytes));
    c.hello("ann", "laptop", { "room:big": 0 });
    while (!c.frames.some((f) => f.type === "synced")) await settle();
    expect(seqs(c, "room:big")).toEqual(Array.from({ length: th.log.head("room:big") }, (_, i) => i + 1));
    // The first page is sized blind (250 events: ~1 MB here, was 1,000: ~4 MB); every later one,
    // the final synchronous block included, aims at 512 KiB.
    const pages = batches.filter((b) => b > 100_000);
    expect(pages.length).toBeGreaterThan(4);
    expect(pages[0]!).toBeLessThan(1_100_000);
    for (const b of pages.slice(1)) expect(b).toBeLessThan(700_000);
  });

  test("a room missing from the cursors is replayed from the user's latest joined event", async () => {
    const { th, bob } = await seeded();
    bob.send({ type: "leave", room: "r1" });
    await settle();
    bob.send({ type: "join", room: "r1" });
    await settle();
    const joinedAt = th.hub.projection.rooms.get("r1")!.get("bob")!;
    expect(joinedAt).toBe(7);
    const c = new TestClient(th);
    c.hello("bob", "new", { "user:bob": 3 });
    await settle();
    expect(seqs(c, "room:r1")).toEqual([7]);
    expect(c.socket.events("room:r1")[0]).toMatchObject({ kind: "joined", author: "bob" });
  });

  test("a cursor older than what the log keeps gets truncated, then the replay goes on from the first kept event", async () => {
    const { th } = await seeded();
    expect(th.log.prune("room:r1", 2)).toBe(3);
    const c = new TestClient(th);
    c.hello("ann", "old", { "room:r1": 1, "user:ann": 1, "dm:ann:bob": 1, broadcast: 0 });
    await settle();
    const f = c.frames.filter((x) => x.type === "truncated" || (x.type === "event" && x.stream === "room:r1"));
    expect(f).toEqual([
      { type: "truncated", stream: "room:r1", cursor: 1, first: 4 },
      { type: "event", ...th.log.get("room:r1", 4)! },
      { type: "event", ...th.log.get("room:r1", 5)! },
    ]);
  });

  test("a cursor beyond the head (another log's) is clamped: nothing replayed, live events still arrive", async () => {
    const { th, ann } = await seeded();
    const c = new TestClient(th);
    c.hello("bob", "future", { "room:r1": 500, "user:bob": 90, "dm:ann:bob": 9, broadcast: 4 });
    await settle();
    expect(c.socket.events()).toEqual([]);
    ann.send({ type: "send", to: { room: "r1" }, cmid: "n", text: "n" });
    await settle();
    expect(seqs(c, "room:r1")).toEqual([6]);
  });
});

describe("ConnectionActor: reads, history, presence, typing", () => {
  test("read: acked, mirrored to the user's other devices, never backwards, never past the head", async () => {
    const { th, bob } = await seeded();
    const bob2 = await connected(th, "bob", "d2");
    bob.send({ type: "read", id: 1, stream: "room:r1", seq: 4 });
    await settle();
    bob.send({ type: "read", id: 2, stream: "room:r1", seq: 3 });
    bob.send({ type: "read", id: 3, stream: "room:r1", seq: 99 });
    bob.send({ type: "read", id: 4, stream: "dm:ann:cy", seq: 1 });
    await settle();
    expect(bob.socket.reply(1)).toMatchObject({ type: "ack", stream: "user:bob", seq: 2 });
    expect(bob2.socket.events("user:bob").at(-1)).toMatchObject({ kind: "read", body: { stream: "room:r1", seq: 4 } });
    expect(bob.socket.reply(2)).toMatchObject({ type: "ack", duplicate: true });
    expect(bob.socket.reply(3)).toMatchObject({ type: "error", code: "invalid_field" });
    expect(bob.socket.reply(4)).toMatchObject({ type: "error", code: "not_member" });
    const again = await connected(th, "bob", "d3");
    const welcome = again.socket.ofType("welcome")[0]!;
    expect(welcome.reads).toEqual({ "room:r1": 4 });
    expect(welcome.streams.find((s) => s.stream === "room:r1")?.unread).toBe(1); // ann's messages are 3..5 and bob read up to 4
  });

  test("history pages backwards and forwards with `more`, and is refused to non-members", async () => {
    const { th, ann } = await seeded();
    const cy = await connected(th, "cy");
    ann.send({ type: "history", id: "newest", stream: "room:r1", limit: 2 });
    ann.send({ type: "history", id: "older", stream: "room:r1", before: 4, limit: 2 });
    ann.send({ type: "history", id: "fwd", stream: "room:r1", after: 3 });
    ann.send({ type: "history", id: "dm", stream: "dm:ann:bob" });
    cy.send({ type: "history", id: "no", stream: "room:r1" });
    cy.send({ type: "history", id: "nodm", stream: "dm:ann:bob" });
    cy.send({ type: "history", id: "none", stream: "room:zzz" });
    await settle();
    const page = (id: string) => {
      const p = ann.socket.reply(id);
      if (p?.type !== "page") throw new Error(`no page for ${id}: ${JSON.stringify(p)}`);
      return [p.events.map((e) => e.seq), p.more];
    };
    expect(page("newest")).toEqual([[4, 5], true]);
    expect(page("older")).toEqual([[2, 3], true]);
    expect(page("fwd")).toEqual([[4, 5], false]);
    expect(page("dm")).toEqual([[1], false]);
    expect((ann.socket.reply("newest") as { events: unknown[] }).events).toEqual(th.log.readAfter("room:r1", 3, 2));
    expect([cy.socket.reply("no"), cy.socket.reply("nodm"), cy.socket.reply("none")].map((f) => f && "code" in f && f.code))
      .toEqual(["not_member", "not_member", "unknown_room"]);
  });

  test("rooms lists every room with members, head, whether I am in it and my role (the creator owns a room)", async () => {
    const { ann } = await seeded();
    ann.send({ type: "join", room: "r2" });
    await settle();
    ann.send({ type: "rooms", id: "r" });
    await settle();
    expect(ann.socket.reply("r")).toEqual({ type: "room_list", id: "r", rooms: [
      { room: "r1", members: 2, head: 5, member: true, role: "owner" },
      { room: "r2", members: 1, head: 1, member: true, role: "owner" },
    ] });
  });

  test("presence: a following device is announced to the room, listed by who, and leaves when it disconnects", async () => {
    const { th, ann, bob } = await seeded();
    const bob2 = await connected(th, "bob", "tab");
    const joined = ann.socket.ofType("presence").filter((p) => p.joined);
    expect(joined.at(-1)).toEqual({ type: "presence", room: "r1", joined: [{ user: "bob", device: "tab", client: "cli" }] });
    // The new device gets the list as last announced, then this turn's changes (itself among them)
    // in the same frame as everyone else: folded, it sees all three.
    const seen = bob2.socket.ofType("presence");
    expect(seen.find((p) => p.online)?.online?.map((e) => `${e.user}/${e.device}`).sort()).toEqual(["ann/d1", "bob/d1"]);
    const folded = new Set<string>();
    for (const p of seen) {
      if (p.online) folded.clear();
      for (const e of [...(p.online ?? []), ...(p.joined ?? [])]) folded.add(`${e.user}/${e.device}`);
      for (const e of p.left ?? []) folded.delete(`${e.user}/${e.device}`);
    }
    expect([...folded].sort()).toEqual(["ann/d1", "bob/d1", "bob/tab"]);
    bob2.drop();
    await settle();
    expect(ann.socket.ofType("presence").at(-1)).toEqual({ type: "presence", room: "r1", left: [{ user: "bob", device: "tab", client: "cli" }] });
    ann.send({ type: "who", id: "w", room: "r1" });
    await settle();
    const who = ann.socket.reply("w");
    expect(who?.type === "presence" && who.online?.map((e) => `${e.user}/${e.device}`).sort()).toEqual(["ann/d1", "bob/d1"]);
    void bob;
  });

  test("typing reaches the room's members (not others) and a DM's peer; it is never logged", async () => {
    const { th, ann, bob } = await seeded();
    const cy = await connected(th, "cy");
    const before = th.log.lastPos();
    ann.send({ type: "typing", stream: "room:r1" });
    cy.send({ type: "typing", stream: "room:r1" }); // not a member: ignored
    bob.send({ type: "typing", stream: "dm:ann:bob" });
    cy.send({ type: "typing", stream: "dm:ann:bob" }); // not part of the DM: ignored
    await settle();
    expect(bob.socket.ofType("typing")).toEqual([{ type: "typing", stream: "room:r1", user: "ann" }]);
    expect(ann.socket.ofType("typing")).toEqual([{ type: "typing", stream: "room:r1", user: "ann" }, { type: "typing", stream: "dm:ann:bob", user: "bob" }]);
    expect(cy.socket.ofType("typing")).toEqual([]);
    expect(th.log.lastPos()).toBe(before);
  });

  test("an operator broadcast reaches every connected device, whatever its rooms", async () => {
    const { th, ann } = await seeded();
    const cy = await connected(th, "cy", "d1", { encoding: "msgpack" });
    const ack = await th.hub.broadcast("maintenance at noon");
    expect(ack).toMatchObject({ type: "ack", stream: "broadcast", seq: 1 });
    await settle();
    for (const c of [ann, cy]) expect(c.socket.events("broadcast")).toEqual([{ type: "event", ...th.log.get("broadcast", 1)! }]);
    expect(th.log.get("broadcast", 1)).toMatchObject({ author: "@operator", kind: "broadcast", body: { text: "maintenance at noon" } });
  });
});

describe("ConnectionActor: limits and failures", () => {
  test("over the rate limit: rate_limited with the id; a client that keeps going is closed with 4101", async () => {
    const th = testHub({ config: { rateLimit: 1 } }); // burst max(2, 20) = 20
    const c = await connected(th, "ann");
    for (let i = 0; i < 21; i++) c.send({ type: "rooms", id: i });
    await settle();
    expect(c.socket.reply(20)).toMatchObject({ type: "error", code: "rate_limited" });
    expect(c.socket.closed).toBeUndefined();
    for (let i = 21; i < 45; i++) c.send({ type: "rooms", id: i });
    await settle();
    expect(c.socket.closed?.code).toBe(CloseCode.Flood);
  });

  test("more frames in flight than the mailbox holds closes with 4101 instead of buffering without bound", async () => {
    const th = testHub({ authenticate: () => new Promise(() => {}) }); // hello never completes: the mailbox stays busy
    const c = new TestClient(th);
    c.hello("ann");
    for (let i = 0; i < 1000; i++) c.send({ type: "ping", id: i });
    expect(c.socket.closed).toBeUndefined();
    c.send({ type: "ping", id: "one too many" });
    expect(c.socket.closed?.code).toBe(CloseCode.Flood);
  });

  test("a slow consumer is closed with 4200 only when over the limit at two sweeps in a row", async () => {
    const th = testHub({ config: { slowConsumerBytes: 100 } });
    const c = await connected(th, "ann");
    c.socket.buffered = 1000;
    expect(th.hub.sweepSlowConsumers()).toBe(0); // hello published presence: every socket is looked at
    c.socket.buffered = 0;
    expect(th.hub.sweepSlowConsumers()).toBe(0); // looked at again (it was over), now fine
    c.socket.buffered = 1000;
    c.send({ type: "ping", id: 1 }); // its own write leaves a backlog: the next sweep looks at it
    await settle();
    expect(c.socket.ofType("pong")).toHaveLength(1);
    expect(th.hub.sweepSlowConsumers()).toBe(0);
    expect(th.hub.sweepSlowConsumers()).toBe(1); // over at the look before: closed, with no traffic in between
    expect(c.socket.closed?.code).toBe(CloseCode.SlowConsumer);
    expect(th.hub.connections.size).toBe(0);
  });

  test("the slow-consumer sweep looks at no socket while nothing is published and no write left a backlog", async () => {
    const th = testHub({ config: { slowConsumerBytes: 100 } });
    const a = await connected(th, "ann");
    const b = await connected(th, "bob");
    th.hub.sweepSlowConsumers(); // the hellos published presence
    const before = a.socket.lookups + b.socket.lookups;
    for (let i = 0; i < 3; i++) {
      a.send({ type: "ping", id: i }); // heartbeats: answered, nothing left queued
      await settle();
      expect(a.socket.ofType("pong")).toHaveLength(i + 1);
      expect(th.hub.sweepSlowConsumers()).toBe(0);
    }
    expect(a.socket.lookups + b.socket.lookups - before).toBe(3); // one per pong written, none by the sweeps
    // A publish makes the next sweep look at everyone: fan-out may have grown any backlog.
    b.socket.buffered = 1000;
    a.send({ type: "join", id: "j", room: "r" });
    await settle();
    expect(a.socket.ofType("ack")).toHaveLength(1);
    expect(th.hub.sweepSlowConsumers()).toBe(0);
    expect(th.hub.sweepSlowConsumers()).toBe(1);
    expect(b.socket.closed?.code).toBe(CloseCode.SlowConsumer);
  });

  test("frames produced in one turn go out in one batch, and closing flushes what is queued first", async () => {
    const th = testHub();
    const c = await connected(th, "ann");
    const batches = c.socket.batches;
    for (let i = 0; i < 10; i++) c.send({ type: "ping", id: i });
    await settle();
    expect(c.socket.batches).toBe(batches + 1);
    c.send({ type: "ping", id: "last words" });
    c.conn.closeSocket(CloseCode.GoingAway, "bye");
    expect(c.socket.reply("last words")).toBeDefined();
    expect(c.socket.closed?.code).toBe(CloseCode.GoingAway);
  });

  test("a command the server fails on is answered with internal, and the connection keeps working", async () => {
    const log = createMemoryLog();
    const broken: EventLog = { ...log, readBefore: () => { throw new Error("disk on fire"); } };
    const errors: string[] = [];
    const th = testHub({ log: broken, logger: { debug() {}, info() {}, warn() {}, error: (m) => void errors.push(m) } });
    const c = await connected(th, "ann");
    c.send({ type: "history", id: "h", stream: "user:ann" });
    c.send({ type: "ping", id: "p" });
    await settle();
    expect(c.socket.reply("h")).toMatchObject({ type: "error", code: "internal" });
    expect(c.socket.reply("p")).toMatchObject({ type: "pong" });
    expect(errors.length).toBe(1);
  });

  test("after the socket closed, nothing more is written and the hub forgets the connection", async () => {
    const { th, ann, bob } = await seeded();
    const n = ann.frames.length;
    ann.drop();
    bob.send({ type: "send", to: { room: "r1" }, cmid: "gone", text: "x" });
    await settle();
    expect(ann.frames.length).toBe(n);
    expect(th.hub.connections.has(ann.conn)).toBe(false);
    expect(th.hub.user("ann").devices.includes(ann.conn)).toBe(false);
  });
});

describe("ConnectionActor: one rate budget per user", () => {
  test("a user's connections share one budget: five sockets get one burst between them, not five", async () => {
    const th = testHub({ config: { rateLimit: 1 } }); // burst max(2, 20) = 20
    const socks = [];
    for (let i = 0; i < 5; i++) socks.push(await connected(th, "ann", `d${i}`));
    const other = await connected(th, "bob");
    for (const c of socks) for (let i = 0; i < 8; i++) c.send({ type: "rooms", id: i });
    other.send({ type: "rooms", id: "b" });
    await settle();
    const answered = socks.reduce((n, c) => n + c.socket.ofType("room_list").length, 0);
    const limited = socks.reduce((n, c) => n + codes(c).filter((x) => x === "rate_limited").length, 0);
    expect(answered).toBeLessThanOrEqual(21); // the burst, plus at most a token refilled meanwhile
    expect(answered + limited).toBe(40);
    expect(other.socket.reply("b")).toMatchObject({ type: "room_list" }); // another user's budget is untouched
  });

  test("pings and malformed frames count too; a user that keeps going after refusals is closed with 4101", async () => {
    const th = testHub({ config: { rateLimit: 1 } });
    const c = await connected(th, "ann");
    for (let i = 0; i < 25; i++) c.send({ type: "ping", id: i });
    await settle();
    expect(c.socket.ofType("pong").length).toBeLessThanOrEqual(21);
    expect(codes(c)).toContain("rate_limited");
    for (let i = 0; i < 40; i++) c.send({ type: "nonsense", id: i });
    await settle();
    expect(c.socket.closed?.code).toBe(CloseCode.Flood);
  });
});
