import { expect, test } from "bun:test";
import type { AckFrame } from "../../src/protocol/index.ts";
import { TestClient, range, seqs, tempDb } from "./harness.ts";
import { spawnServer } from "./process.ts";

test("kill -9 mid-conversation, restart on the same log: every acked message survives and the reader resumes exactly", async () => {
  const db = tempDb();
  const first = await spawnServer(["--port", "0", "--db", db, "--rate-limit", "0"]);
  expect(first.firstLine).toBe(`hubbub listening on ${first.url}`);
  const writer = await TestClient.connect(first.url, "writer", { encoding: "msgpack" });
  await writer.request({ type: "join", room: "crash" });
  const reader = await TestClient.connect(first.url, "reader", { cursors: {} });
  await reader.request({ type: "join", room: "crash" });
  for (let i = 0; i < 20; i++) await writer.request({ type: "send", to: { room: "crash" }, cmid: `c${i}`, text: `${i}` });
  await reader.waitFor((f) => f.type === "event" && f.cmid === "c19");
  const cursors = reader.cursors();
  reader.close();

  // Fire a stream of sends and kill the server while they are in flight.
  for (let i = 20; i < 2000; i++) writer.send({ type: "send", to: { room: "crash" }, cmid: `c${i}`, text: `${i}` });
  await writer.waitFor((f) => f.type === "ack" && (f as AckFrame).seq > 200, 5000);
  first.proc.kill("SIGKILL");
  await first.proc.exited;
  await writer.waitClosed();
  const acked = writer.frames.filter((f): f is AckFrame => f.type === "ack" && f.stream === "room:crash");
  const lastAcked = Math.max(...acked.map((a) => a.seq));

  const second = await spawnServer(["--port", String(first.port), "--db", db, "--rate-limit", "0"]);
  try {
    const health = (await (await fetch(`${second.url}/health`)).json()) as { lastPos: number };
    expect(health.lastPos).toBeGreaterThanOrEqual(lastAcked);
    const back = await TestClient.connect(second.url, "reader", { cursors });
    const got = back.events("room:crash");
    // Gap-free from the cursor, and it covers every acknowledged message.
    expect(seqs(got)).toEqual(range(cursors["room:crash"]! + 1, got[got.length - 1]!.seq));
    expect(got[got.length - 1]!.seq).toBeGreaterThanOrEqual(lastAcked);
    const texts = new Set(got.map((e) => e.cmid));
    for (const a of acked) if (a.seq > cursors["room:crash"]!) expect(texts.has(`c${a.seq - 3}`)).toBe(true);
    // cmid c<i> is seq i + 3 (two joins come first). The writer retries everything: nothing is duplicated.
    const w2 = await TestClient.connect(second.url, "writer", { encoding: "msgpack" });
    for (let i = 0; i < 2000; i++) w2.send({ type: "send", to: { room: "crash" }, cmid: `c${i}`, text: `${i}` });
    const live = await back.waitFor((f) => f.type === "event" && f.cmid === "c1999", 10_000);
    expect(live).toMatchObject({ seq: 2002 });
    expect(seqs(back.events("room:crash"))).toEqual(range(cursors["room:crash"]! + 1, 2002));
    back.close();
    w2.close();
  } finally {
    second.proc.kill("SIGTERM");
    await second.proc.exited;
  }
}, 40_000);

test("SIGTERM shuts down cleanly and the next start replays from its snapshot", async () => {
  const db = tempDb();
  const a = await spawnServer(["--port", "0", "--db", db]);
  const c = await TestClient.connect(a.url, "snap");
  await c.request({ type: "join", room: "s" });
  await c.request({ type: "send", to: { room: "s" }, cmid: "1", text: "kept" });
  a.proc.kill("SIGTERM");
  expect(await a.proc.exited).toBe(0);
  const b = await spawnServer(["--port", "0", "--db", db]);
  try {
    const health = (await (await fetch(`${b.url}/health`)).json()) as { startup: { fromSnapshot: boolean; replayed: number } };
    expect(health.startup).toMatchObject({ fromSnapshot: true, replayed: 0 });
    const again = await TestClient.connect(b.url, "snap", { device: "other" });
    expect((await again.request({ type: "history", stream: "room:s" })).type).toBe("page");
    again.close();
  } finally {
    b.proc.kill("SIGTERM");
    await b.proc.exited;
  }
}, 20_000);
