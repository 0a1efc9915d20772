import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunningServer } from "../../src/server/start.ts";
import type { TruncatedFrame } from "../../src/protocol/index.ts";
import { TestClient, range, seqs, start } from "./harness.ts";

describe("resume", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start(); });
  afterAll(() => server.stop());

  test("a reconnecting client gets exactly what it missed, then synced, then live, while others keep sending", async () => {
    const writer = await TestClient.connect(server.url, "writer");
    await writer.request({ type: "join", room: "busy" });
    const reader = await TestClient.connect(server.url, "reader", { cursors: {} });
    await reader.request({ type: "join", room: "busy" });
    for (let i = 0; i < 50; i++) writer.send({ type: "send", to: { room: "busy" }, cmid: `w${i}`, text: `before ${i}` });
    await reader.waitFor((f) => f.type === "event" && f.cmid === "w49");
    const cursors = reader.cursors();
    reader.close();
    await reader.waitClosed(); // the server answered the close: the reader is gone before the writer goes on
    // Missed while away: 3000 events, more than one replay page.
    for (let i = 50; i < 3050; i++) writer.send({ type: "send", to: { room: "busy" }, cmid: `w${i}`, text: `away ${i}` });
    await writer.waitFor((f) => f.type === "ack" && f.seq === 3052, 10_000);
    // Keep sending during the replay.
    let n = 3050;
    const pump = setInterval(() => {
      for (let k = 0; k < 20; k++, n++) writer.send({ type: "send", to: { room: "busy" }, cmid: `w${n}`, text: `during ${n}` });
    }, 1);
    const back = await TestClient.connect(server.url, "reader", { cursors });
    // Synced (connect waits for it); keep sending until a message sent after that has arrived live.
    const liveFrom = n;
    await back.waitFor((f) => f.type === "event" && f.cmid === `w${liveFrom}`, 10_000);
    clearInterval(pump);
    const last = n - 1;
    await back.waitFor((f) => f.type === "event" && f.cmid === `w${last}`, 10_000);
    const syncedAt = back.frames.findIndex((f) => f.type === "synced");
    const got = back.events("room:busy");
    expect(seqs(got)).toEqual(range(cursors["room:busy"]! + 1, server.hub.log.head("room:busy")));
    // Everything up to the head at hello time came before `synced`.
    const replayed = back.frames.slice(0, syncedAt).filter((f) => f.type === "event" && f.stream === "room:busy");
    expect(replayed.length).toBeGreaterThanOrEqual(3000);
    writer.close();
    back.close();
  }, 30_000);

  test("a resuming client learns of a DM started while it was away and of rooms joined elsewhere", async () => {
    const a = await TestClient.connect(server.url, "away", { device: "one", cursors: {} });
    const cursors = a.cursors();
    a.close();
    const other = await TestClient.connect(server.url, "sender");
    await other.request({ type: "send", to: { user: "away" }, cmid: "hey", text: "you there?" });
    const a2 = await TestClient.connect(server.url, "away", { device: "two" });
    await a2.request({ type: "join", room: "elsewhere" });
    a2.close();
    const back = await TestClient.connect(server.url, "away", { device: "one", cursors });
    expect(back.events("dm:away:sender").map((e) => e.body.text)).toEqual(["you there?"]);
    expect(back.events("room:elsewhere").map((e) => e.kind)).toEqual(["joined"]);
    other.close();
    back.close();
  });

  test("a fresh client (no cursors) gets no replay, only what happens next", async () => {
    const w = await TestClient.connect(server.url, "fw");
    await w.request({ type: "join", room: "fresh" });
    await w.request({ type: "send", to: { room: "fresh" }, cmid: "old", text: "old" });
    const f = await TestClient.connect(server.url, "fw", { device: "new" });
    expect(f.events()).toEqual([]);
    await w.request({ type: "send", to: { room: "fresh" }, cmid: "new", text: "new" });
    expect(await f.waitFor((x) => x.type === "event" && x.cmid === "new")).toMatchObject({ seq: 3 });
    w.close();
    f.close();
  });
});

describe("retention", () => {
  test("a cursor older than what is kept gets an explicit truncated answer, then the kept events", async () => {
    const server = await start({ retain: 100 });
    const w = await TestClient.connect(server.url, "w");
    await w.request({ type: "join", room: "short" });
    const r = await TestClient.connect(server.url, "r", { cursors: {} });
    await r.request({ type: "join", room: "short" });
    const cursors = r.cursors();
    r.close();
    for (let i = 0; i < 1200; i++) w.send({ type: "send", to: { room: "short" }, cmid: `s${i}`, text: `${i}` });
    await w.waitFor((f) => f.type === "ack" && f.seq === 1202, 10_000);
    const first = server.hub.log.first("room:short");
    expect(first).toBeGreaterThan(2);
    const back = await TestClient.connect(server.url, "r", { cursors });
    const t = back.frames.find((f) => f.type === "truncated") as TruncatedFrame;
    expect(t).toMatchObject({ stream: "room:short", cursor: cursors["room:short"], first });
    expect(seqs(back.events("room:short"))).toEqual(range(first, 1202));
    w.close();
    back.close();
    await server.stop();
  }, 20_000);
});
