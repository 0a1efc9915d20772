import { describe, expect, test } from "bun:test";
import { CloseCode } from "../protocol/index.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import { SNAPSHOT_NAME, rebuild } from "../projections/snapshot.ts";
import { OPERATOR } from "./hub.ts";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

describe("Hub", () => {
  test("an event is encoded once per encoding some connection speaks, and published once per topic", async () => {
    const th = testHub();
    const a = await connected(th, "ann", "d1");
    const b = await connected(th, "ann", "d2");
    const c = await connected(th, "bob", "d1", { encoding: "msgpack" });
    (await connected(th, "cy")).drop(); // cy has signed in once, so may be sent DMs
    for (const x of [a, b, c]) x.send({ type: "join", room: "r1" });
    await settle();
    th.fanout.published.length = 0;
    a.send({ type: "send", to: { room: "r1" }, cmid: "m", text: "hi" });
    await settle();
    const events = th.fanout.published.filter((p) => typeof p.data !== "string" || p.data.includes('"event"'));
    expect(events.map((p) => p.topic).sort()).toEqual(["room:r1|json", "room:r1|msgpack"]);
    // A DM goes to both users' topics, with the same bytes for both topics of an encoding.
    th.fanout.published.length = 0;
    c.send({ type: "send", to: { user: "cy" }, cmid: "dm", text: "hey" }); // cy is offline
    await settle();
    const dm = th.fanout.published.filter((p) => p.topic.startsWith("user:"));
    expect(dm.map((p) => p.topic).sort()).toEqual(["user:bob|json", "user:bob|msgpack", "user:cy|json", "user:cy|msgpack"]);
    const bytesOf = (topic: string) => dm.find((p) => p.topic === topic)!.data;
    expect(bytesOf("user:cy|json")).toBe(bytesOf("user:bob|json"));
    expect(bytesOf("user:cy|msgpack")).toBe(bytesOf("user:bob|msgpack"));
    // Only bob's socket got it; ann (another user on the same encodings) did not.
    expect(c.socket.events("dm:bob:cy").length).toBe(1);
    expect(a.socket.events("dm:bob:cy")).toEqual([]);
  });

  test("an encoding no connection speaks is never encoded: with nobody connected, nothing is published", async () => {
    const th = testHub();
    await th.hub.broadcast("nobody listens");
    expect(th.fanout.published).toEqual([]);
    expect(th.log.head("broadcast")).toBe(1);
    const a = await connected(th, "ann");
    await th.hub.broadcast("ann listens");
    expect(th.fanout.published.map((p) => p.topic)).toEqual(["broadcast|json"]);
    a.drop();
    await settle();
    th.fanout.published.length = 0;
    await th.hub.broadcast("gone again");
    expect(th.fanout.published).toEqual([]);
  });

  test("broadcast is an event by @operator on the broadcast stream, acked once durable", async () => {
    const th = testHub();
    const ack = await th.hub.broadcast("hello all");
    expect(ack).toEqual({ type: "ack", stream: "broadcast", seq: 1, pos: 1 });
    expect(th.log.get("broadcast", 1)).toMatchObject({ author: OPERATOR, kind: "broadcast", body: { text: "hello all" } });
  });

  test("a snapshot is saved every snapshotEvery events, so a restart replays only the tail", async () => {
    const th = testHub({ config: { snapshotEvery: 5 } });
    const a = await connected(th, "ann"); // 1 event: ann's first sign-in
    a.send({ type: "join", room: "r1" }); // 2 events
    await settle();
    for (let i = 0; i < 4; i++) a.send({ type: "send", to: { room: "r1" }, cmid: `m${i}`, text: "x" });
    await settle();
    expect(th.log.loadSnapshot(SNAPSHOT_NAME)?.pos).toBe(5);
    expect(rebuild(th.log).report).toMatchObject({ fromSnapshot: true, snapshotPos: 5, replayed: 2 });
  });

  test("shutdown writes what is queued, snapshots, and closes every connection with the code given", async () => {
    const log = createMemoryLog();
    const th = testHub({ log });
    const a = await connected(th, "ann");
    const b = await connected(th, "bob");
    a.send({ type: "join", room: "r1" });
    await settle();
    a.send({ type: "send", id: "s", to: { room: "r1" }, cmid: "last", text: "last words" });
    expect(log.lastPos()).toBe(4); // two sign-ins and the join; the send is queued in the journal, not yet committed
    th.hub.shutdown(CloseCode.GoingAway, "bye");
    expect(log.lastPos()).toBe(5);
    expect(a.socket.reply("s")).toMatchObject({ type: "ack", seq: 2 }); // the ack is written before the close
    expect(log.loadSnapshot(SNAPSHOT_NAME)?.pos).toBe(5);
    for (const c of [a, b]) expect(c.socket.closed).toEqual({ code: CloseCode.GoingAway, reason: "bye" });
    expect(th.hub.connections.size).toBe(0);
  });

  test("stats count connections, rooms, the log position and the journal", async () => {
    const th = testHub();
    const a = await connected(th, "ann");
    a.send({ type: "join", room: "r1" });
    await settle();
    // ann's first sign-in, then the join (two events)
    expect(th.hub.stats()).toMatchObject({ connections: 1, rooms: 1, lastPos: 3, journal: { transactions: 2, events: 3 } });
  });

  test("with --retain, a room keeps its newest events when its seq reaches a multiple of 1000", async () => {
    const th = testHub({ config: { retain: 100 } });
    const a = await connected(th, "ann");
    a.send({ type: "join", room: "r1" });
    await settle();
    for (let i = 0; i < 999; i++) a.send({ type: "send", to: { room: "r1" }, cmid: `m${i}`, text: "x" });
    await settle();
    expect(th.log.head("room:r1")).toBe(1000);
    expect(th.log.first("room:r1")).toBe(901);
    expect(th.log.first("user:ann")).toBe(1); // only room streams are pruned
  });
});
