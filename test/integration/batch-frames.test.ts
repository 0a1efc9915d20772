/**
 * `events` frames (hello `batch: true`): a commit's events of one stream reach a client that takes
 * them as one frame, and a client that does not as one `event` frame each — the same events, in
 * the same order, gap-free and duplicate-free, live, across a join inside a busy commit, and on
 * resume (docs/protocol.md, "events").
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunningServer } from "../../src/server/start.ts";
import type { EventsFrame, ServerFrame } from "../../src/protocol/index.ts";
import { TestClient, range, seqs, start } from "./harness.ts";

const batches = (c: TestClient): EventsFrame[] => c.frames.filter((f): f is EventsFrame => f.type === "events");
/** Each `events` frame holds two or more consecutive events of its own stream. */
function wellFormed(c: TestClient): void {
  for (const b of batches(c)) {
    expect(b.events.length).toBeGreaterThanOrEqual(2);
    for (const [i, e] of b.events.entries()) {
      expect(e.stream).toBe(b.stream);
      if (i > 0) expect(e.seq).toBe(b.events[i - 1]!.seq + 1);
    }
  }
}
const view = (c: TestClient, stream: string, from = 0) => c.events(stream).filter((e) => e.seq > from).map((e) => `${e.seq}@${e.pos}:${e.author}:${e.kind}:${e.cmid ?? ""}`);
const acked = (id: string) => (f: ServerFrame) => f.type === "ack" && f.id === id;

describe("events frames", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start(); });
  afterAll(() => server.stop());

  test("a burst committed together is one events frame for a batch client, event frames for a plain one: the same events", async () => {
    const writer = await TestClient.connect(server.url, "bw", { batch: true });
    await writer.request({ type: "join", room: "burst" });
    const plain = await TestClient.connect(server.url, "bplain");
    await plain.request({ type: "join", room: "burst" });
    const batch = await TestClient.connect(server.url, "bbatch", { batch: true, encoding: "msgpack" });
    await batch.request({ type: "join", room: "burst" });
    const from = server.hub.log.head("room:burst");
    // One write of 40 frames: read in one turn, committed in one transaction.
    for (let i = 0; i < 40; i++) writer.send({ type: "send", id: `m${i}`, to: { room: "burst" }, cmid: `b${i}`, text: `burst ${i}` });
    await writer.waitFor(acked("m39"));
    // Twenty people arriving at once, each on its own socket: joined events, batched by commit.
    const crowd = await Promise.all(range(1, 20).map((i) => TestClient.connect(server.url, `crowd${i}`, { batch: i % 2 === 0 })));
    for (const c of crowd) c.send({ type: "join", id: "j", room: "burst" });
    await Promise.all(crowd.map((c) => c.waitFor(acked("j"))));
    const head = server.hub.log.head("room:burst");
    await plain.waitFor((f) => f.type === "event" && f.stream === "room:burst" && f.seq === head);
    await batch.waitFor(() => batch.events("room:burst").some((e) => e.seq === head));
    expect(seqs(plain.events("room:burst")).filter((s) => s > from)).toEqual(range(from + 1, head));
    expect(view(batch, "room:burst", from)).toEqual(view(plain, "room:burst", from));
    expect(plain.frames.some((f) => f.type === "events")).toBe(false);
    expect(batches(batch).filter((b) => b.stream === "room:burst").length).toBeGreaterThan(0);
    expect(batch.frames.filter((f) => f.type === "event" || f.type === "events").length).toBeLessThan(plain.frames.filter((f) => f.type === "event").length);
    wellFormed(batch);
    // Every newcomer got the room from its own joined on, nothing before it, nothing twice.
    for (const c of crowd) {
      wellFormed(c);
      const mine = c.events("room:burst");
      expect(mine[0]).toMatchObject({ kind: "joined" });
      expect(seqs(mine)).toEqual(range(mine[0]!.seq, head));
    }
    for (const c of [writer, plain, batch, ...crowd]) c.close();
  }, 30_000);

  test("a join committed in the middle of a burst: the joiner follows from its own joined, gap-free, batch or not", async () => {
    const writer = await TestClient.connect(server.url, "mw");
    await writer.request({ type: "join", room: "mid" });
    for (const [round, batch] of [[1, true], [2, false], [3, true], [4, false]] as const) {
      const joiner = await TestClient.connect(server.url, `mj${round}`, { batch });
      for (let i = 0; i < 15; i++) writer.send({ type: "send", to: { room: "mid" }, cmid: `r${round}a${i}`, text: "before" });
      joiner.send({ type: "join", id: "j", room: "mid" });
      for (let i = 0; i < 15; i++) writer.send({ type: "send", id: i === 14 ? `last${round}` : undefined, to: { room: "mid" }, cmid: `r${round}b${i}`, text: "after" });
      await writer.waitFor(acked(`last${round}`));
      await joiner.waitFor(acked("j"));
      const head = server.hub.log.head("room:mid");
      await joiner.waitFor(() => joiner.events("room:mid").some((e) => e.seq === head));
      const mine = joiner.events("room:mid");
      expect(mine[0]).toMatchObject({ kind: "joined", author: `mj${round}` });
      expect(seqs(mine)).toEqual(range(mine[0]!.seq, head));
      wellFormed(joiner);
      joiner.close();
    }
    writer.close();
  }, 30_000);

  test("resume of a batch client: exactly what it missed, then live events frames, no gap and no duplicate", async () => {
    const writer = await TestClient.connect(server.url, "rw");
    await writer.request({ type: "join", room: "again" });
    const reader = await TestClient.connect(server.url, "rr", { batch: true, cursors: {} });
    await reader.request({ type: "join", room: "again" });
    for (let i = 0; i < 30; i++) writer.send({ type: "send", id: i === 29 ? "s29" : undefined, to: { room: "again" }, cmid: `a${i}`, text: `one ${i}` });
    await writer.waitFor(acked("s29"));
    await reader.waitFor(() => reader.events("room:again").some((e) => e.cmid === "a29"));
    // The cursor taken from the middle of an events frame: the resume starts right after it.
    const got = reader.events("room:again");
    const cut = got.find((e) => e.cmid === "a17")!;
    const cursors = { ...reader.cursors(), "room:again": cut.seq };
    reader.close();
    await reader.waitClosed();
    for (let i = 30; i < 60; i++) writer.send({ type: "send", id: i === 59 ? "s59" : undefined, to: { room: "again" }, cmid: `a${i}`, text: `two ${i}` });
    await writer.waitFor(acked("s59"));
    const back = await TestClient.connect(server.url, "rr", { batch: true, cursors });
    for (let i = 60; i < 90; i++) writer.send({ type: "send", id: i === 89 ? "s89" : undefined, to: { room: "again" }, cmid: `a${i}`, text: `three ${i}` });
    await writer.waitFor(acked("s89"));
    const head = server.hub.log.head("room:again");
    await back.waitFor(() => back.events("room:again").some((e) => e.seq === head));
    expect(seqs(back.events("room:again"))).toEqual(range(cut.seq + 1, head));
    expect(back.events("room:again").map((e) => e.cmid)).toEqual(range(18, 89).map((i) => `a${i}`));
    wellFormed(back);
    expect(batches(back).length).toBeGreaterThan(0);
    writer.close();
    back.close();
  }, 30_000);
});
