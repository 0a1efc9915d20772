import { expect, test } from "bun:test";
import type { AckFrame, PresenceFrame } from "../../src/protocol/index.ts";
import { TestClient, range, seqs, start } from "./harness.ts";

/** Bun's WebSocket client can stop reading, leaving bytes in the kernel: a slow or frozen peer. */
const pause = (c: TestClient) => (c.ws as unknown as { pause(): boolean }).pause();

test("a slow consumer is closed with 4200, others are unaffected, and it resumes without losing anything", async () => {
  // 1 MiB: above what a healthy reader in this same (possibly starved) test process lags by on a loaded machine.
  const server = await start({ slowConsumerBytes: 1024 * 1024 });
  const writer = await TestClient.connect(server.url, "writer");
  await writer.request({ type: "join", room: "firehose" });
  const healthy = await TestClient.connect(server.url, "healthy");
  await healthy.request({ type: "join", room: "firehose" });
  const slow = await TestClient.connect(server.url, "slow", { cursors: {} });
  await slow.request({ type: "join", room: "firehose" });
  const cursors = slow.cursors();
  pause(slow);
  // The kernel absorbs a paused reader's first megabytes (loopback buffers grow to several MB, more
  // under load), so a fixed backlog may never show in the server's own queue. Keep writing in
  // batches until the sweep (every second; two sweeps over the limit in a row) closes the slow
  // reader, up to 40 MB; the healthy reader and the writer read all along.
  const text = "x".repeat(2000);
  const slowGone = () => ![...server.hub.connections].some((c) => c.user === "slow");
  let sent = 0;
  for (let batch = 0; batch < 40 && !slowGone(); batch++) {
    for (let i = 0; i < 500; i++) writer.send({ type: "send", to: { room: "firehose" }, cmid: `f${sent++}`, text });
    await writer.waitFor((f) => f.type === "ack" && (f as AckFrame).seq === 3 + sent, 30_000);
    const until = Date.now() + 2500;
    while (!slowGone() && Date.now() < until) await Bun.sleep(100);
  }
  const last = 3 + sent;
  expect(slowGone()).toBe(true);
  expect(server.hub.connections.size).toBe(2);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toContain("hubbub_slow_consumer_closes_total 1\n");
  expect(metrics).toContain('hubbub_connection_closes_total{code="4200"} 1\n');
  await healthy.waitFor((f) => f.type === "event" && f.seq === last);
  expect(seqs(healthy.events("room:firehose").filter((e) => e.kind === "message"))).toEqual(range(4, last));
  // Back with its cursors: the whole backlog, once, in order.
  const back = await TestClient.connect(server.url, "slow", { cursors });
  await back.waitFor((f) => f.type === "event" && f.seq === last);
  expect(seqs(back.events("room:firehose"))).toEqual(range(cursors["room:firehose"]! + 1, last));
  for (const c of [writer, healthy, back]) c.close();
  await server.stop();
}, 240_000);

test("a peer that goes silent is dropped by the heartbeat and leaves presence within the window", async () => {
  const server = await start({ idleTimeout: 1, presenceGraceMs: 200 });
  const watcher = await TestClient.connect(server.url, "watcher");
  await watcher.request({ type: "join", room: "pulse" });
  const ghost = await TestClient.connect(server.url, "ghost");
  await ghost.request({ type: "join", room: "pulse" });
  await watcher.waitFor((f) => f.type === "presence" && !!f.joined?.some((e) => e.user === "ghost"));
  const frozenAt = Date.now();
  pause(ghost);
  // Keep the watcher itself alive with app-level pings while waiting.
  const keepAlive = setInterval(() => watcher.send({ type: "ping" }), 250);
  const left = (await watcher.waitFor((f) => f.type === "presence" && !!f.left?.some((e) => e.user === "ghost"), 10_000)) as PresenceFrame;
  clearInterval(keepAlive);
  expect(left.left?.[0]?.user).toBe("ghost");
  // Documented window: 2 × max(idleTimeout, 4 s) (Bun's timer tick) + grace, plus slack for a loaded machine.
  expect(Date.now() - frozenAt).toBeLessThan(8000 + 200 + 3000);
  watcher.close();
  await server.stop();
}, 20_000);

test("the server sends every hello'd connection a heartbeat (a pong with no id) every heartbeatMs, so idle clients need not ping", async () => {
  const server = await start({ heartbeatMs: 100 });
  const a = await TestClient.connect(server.url, "beat-a");
  const b = await TestClient.connect(server.url, "beat-b", { encoding: "msgpack" });
  for (const c of [a, b]) {
    const beat = await c.waitFor((f) => f.type === "pong");
    expect(beat).toEqual({ type: "pong" });
  }
  a.close();
  b.close();
  await server.stop();
});
