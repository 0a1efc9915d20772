import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CloseCode, type ErrorFrame } from "../../src/protocol/index.ts";
import { nestedArray16Bomb } from "../../src/protocol/arbitraries.ts";
import type { RunningServer } from "../../src/server/start.ts";
import { TestClient, start } from "../integration/harness.ts";

describe("a socket that has not completed hello gets a tiny budget", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start({ preHelloFrames: 4, preHelloBytes: 2048 }); });
  afterAll(() => server.stop());

  test("past --pre-hello-frames frames before hello, the socket is closed with 4004", async () => {
    const c = await TestClient.open(server.url);
    for (let i = 0; i < 4; i++) c.send({ type: "ping", id: i });
    // Within the budget: answered, not closed.
    await c.waitFor((f) => f.type === "pong" && f.id === 3);
    expect(c.closeEvent).toBeUndefined();
    c.send({ type: "ping", id: 4 });
    expect((await c.waitClosed()).code).toBe(CloseCode.PreHelloLimit);
    expect(c.frames.some((f) => "id" in f && f.id === 4)).toBe(false);
  }, 30_000);

  test("past --pre-hello-bytes before hello, the socket is closed with 4004 (msgpack bombs included)", async () => {
    const c = await TestClient.open(server.url, "msgpack");
    c.sendRaw(nestedArray16Bomb(1500));
    expect(((await c.waitFor((f) => f.type === "error")) as ErrorFrame).code).toBe("bad_frame");
    c.sendRaw(nestedArray16Bomb(1500));
    expect((await c.waitClosed()).code).toBe(CloseCode.PreHelloLimit);
  }, 30_000);

  test("a hello within the budget, then any number of frames: never closed", async () => {
    const c = await TestClient.open(server.url);
    c.send({ type: "ping", id: "early" }); // one frame before hello is fine
    const cursors = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`room:r${i}`, 0]));
    c.send({ type: "hello", id: "h", user: "carol", device: "d", client: "cli", cursors });
    await c.waitFor((f) => f.type === "synced");
    for (let i = 0; i < 50; i++) c.send({ type: "ping", id: i, t: i });
    await c.waitFor((f) => f.type === "pong" && f.id === 49);
    expect(c.closeEvent).toBeUndefined();
    c.close();
  }, 30_000);

  test("the budget counts the hello itself: a failed (unauthorized) hello never lifts it", async () => {
    const jwt = await start({ auth: "jwt", jwtSecret: "s".repeat(32), preHelloFrames: 4, preHelloBytes: 2048 });
    try {
      const c = await TestClient.open(jwt.url);
      c.send({ type: "hello", token: "not-a-jwt", device: "d", client: "cli" });
      expect((await c.waitClosed()).code).toBe(CloseCode.Unauthorized);
    } finally {
      await jwt.stop();
    }
  }, 30_000);
});
