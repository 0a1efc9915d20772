import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { encode } from "@msgpack/msgpack";
import type { RunningServer } from "../../src/server/start.ts";
import type { ErrorFrame } from "../../src/protocol/index.ts";
import { TestClient, start } from "./harness.ts";

describe("bad input never crashes the server nor loses data", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start({ maxPayload: 4096, maxText: 100 }); });
  afterAll(() => server.stop());

  const errorCode = async (c: TestClient, send: () => void): Promise<string> => {
    const before = c.frames.length;
    send();
    const f = await c.waitFor((x) => x.type === "error" && c.frames.indexOf(x) >= before);
    return (f as ErrorFrame).code;
  };

  test("each kind of bad frame gets its stable error code and the connection goes on", async () => {
    const c = await TestClient.connect(server.url, "mallory");
    await c.request({ type: "join", room: "safe" });
    const ok = await c.request({ type: "send", to: { room: "safe" }, cmid: "good", text: "kept" });
    expect(ok.type).toBe("ack");
    expect(await errorCode(c, () => c.sendRaw("{not json"))).toBe("bad_frame");
    expect(await errorCode(c, () => c.sendRaw("[1,2,3]"))).toBe("bad_frame");
    expect(await errorCode(c, () => c.sendRaw(new Uint8Array([0xff, 0x00, 0x13])))).toBe("bad_frame");
    expect(await errorCode(c, () => c.send({ type: "teleport" }))).toBe("unknown_type");
    expect(await errorCode(c, () => c.send({ no: "type" }))).toBe("unknown_type");
    expect(await errorCode(c, () => c.send({ type: "send", to: { room: 42 }, cmid: "x", text: "t" }))).toBe("invalid_field");
    expect(await errorCode(c, () => c.send({ type: "send", to: { room: "safe" }, cmid: "x", text: 5 }))).toBe("invalid_field");
    expect(await errorCode(c, () => c.send({ type: "send", to: { room: "safe" }, cmid: "x", text: "t", author: "alice" }))).toBe("forged_sender");
    expect(await errorCode(c, () => c.send({ type: "send", to: { room: "safe" }, cmid: "x", text: "y".repeat(101) }))).toBe("too_large");
    expect(await errorCode(c, () => c.send({ type: "send", to: { room: "nowhere" }, cmid: "x", text: "t" }))).toBe("unknown_room");
    expect(await errorCode(c, () => c.send({ type: "history", stream: "room:nowhere" }))).toBe("unknown_room");
    expect(await errorCode(c, () => c.send({ type: "history", stream: "bogus" }))).toBe("invalid_field");
    expect(await errorCode(c, () => c.send({ type: "hello", user: "again", device: "d", client: "cli" }))).toBe("already_hello");
    expect(await errorCode(c, () => c.sendRaw("[".repeat(100_0) + "]".repeat(100_0)))).toBe("bad_frame");
    // An id of a weird shape is never echoed back.
    const weird = (await (async () => { c.send({ type: "teleport", id: { evil: true } }); return c.waitFor((x) => x.type === "error" && (x as ErrorFrame).code === "invalid_field" && x.id === undefined); })()) as ErrorFrame;
    expect(weird.id).toBeUndefined();
    // Still alive, still serving, nothing lost.
    const after = await c.request({ type: "send", to: { room: "safe" }, cmid: "good2", text: "still here" });
    expect(after.type).toBe("ack");
    expect(server.hub.log.readAfter("room:safe", 0, 10).map((e) => e.cmid)).toEqual([undefined, "good", "good2"]);
    c.close();
  });

  test("invalid msgpack and a msgpack bomb are refused with bad_frame", async () => {
    const c = await TestClient.connect(server.url, "mp", { encoding: "msgpack" });
    expect(await errorCode(c, () => c.sendRaw(new Uint8Array([0xc1])))).toBe("bad_frame");
    // An array header that claims 70 million elements in 5 bytes.
    expect(await errorCode(c, () => c.sendRaw(new Uint8Array([0xdd, 0x04, 0x2c, 0x1d, 0x80])))).toBe("bad_frame");
    expect(await errorCode(c, () => c.sendRaw("a text frame"))).toBe("bad_frame");
    expect(await errorCode(c, () => c.sendRaw(encode({ type: "join", room: ["x"] })))).toBe("invalid_field");
    expect((await c.request({ type: "ping", t: 1 })).type).toBe("pong");
    c.close();
  });

  test("commands before hello get hello_required; an oversized frame closes with 1009 and the server goes on", async () => {
    const c = await TestClient.open(server.url);
    c.send({ type: "join", id: 1, room: "x" });
    expect(((await c.waitFor((f) => f.type === "error")) as ErrorFrame).code).toBe("hello_required");
    c.sendRaw("x".repeat(10_000));
    expect((await c.waitClosed()).code).toBe(1009);
    const d = await TestClient.connect(server.url, "survivor");
    expect((await d.request({ type: "ping" })).type).toBe("pong");
    d.close();
  });

  test("an unknown subprotocol is refused with the 'stop' close code 4002", async () => {
    const c = await TestClient.open(server.url, "json", ["chat.v9"]).catch(() => undefined);
    if (c) expect((await c.waitClosed()).code).toBe(4002);
    else {
      // Some clients refuse a server that does not echo their subprotocol; the server must still be up.
      const d = await TestClient.connect(server.url, "after-4002");
      d.close();
    }
  });

  test("a browser page from another origin cannot open a socket", async () => {
    const res = await fetch(`${server.url}/ws`, { headers: { origin: "https://evil.example", upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
    expect(res.status).toBe(403);
  });

  test("a flood beyond the rate limit gets rate_limited, then a 4101 close", async () => {
    const limited = await start({ rateLimit: 5 });
    const c = await TestClient.connect(limited.url, "flood");
    for (let i = 0; i < 200; i++) c.send({ type: "rooms", id: i });
    const err = (await c.waitFor((f) => f.type === "error")) as ErrorFrame;
    expect(err.code).toBe("rate_limited");
    expect((await c.waitClosed()).code).toBe(4101);
    await limited.stop();
  });
});
