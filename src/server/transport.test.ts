import { describe, expect, test } from "bun:test";
import type { ServerWebSocket } from "bun";
import { CloseCode, codecFor, type Encoding, type ServerFrame } from "../protocol/index.ts";
import { settle, testHub } from "./testing/hub-harness.ts";
import { DEFAULTS, type Config } from "./config.ts";
import { type HubServer, type SocketData, upgrade, websocketHandler } from "./transport.ts";

/** Just what the handlers touch of a Bun ServerWebSocket. */
class FakeWs {
  readonly sent: (string | Uint8Array)[] = [];
  closed: { code: number; reason: string } | undefined;
  constructor(readonly data: SocketData) {}
  send(d: string | Uint8Array) { this.sent.push(d); return 1; }
  cork(fn: () => void) { fn(); }
  close(code: number, reason: string) { this.closed = { code, reason }; }
  getBufferedAmount() { return 0; }
  /** The fake stands in for Bun's class, which tests cannot construct. */
  get ws(): ServerWebSocket<SocketData> { return this as unknown as ServerWebSocket<SocketData>; }
  frames(enc: Encoding): ServerFrame[] { return this.sent.map((d) => codecFor(enc).decode(d) as ServerFrame); }
}

function setup(c: Partial<Config> = {}) {
  const config: Config = { ...DEFAULTS, presenceGraceMs: 0, rateLimit: 0, commitWindowMs: 0, ...c };
  const th = testHub({ config });
  return { th, config, handler: websocketHandler(th.hub, config) };
}

function open(handler: ReturnType<typeof websocketHandler>, encoding: Encoding | undefined) {
  const ws = new FakeWs({ encoding, preHelloFrames: 0, preHelloBytes: 0, openedAt: performance.now() });
  handler.open?.(ws.ws);
  return ws;
}

describe("websocket handler", () => {
  test("is configured from the config: payload limit, idle timeout, backpressure close", () => {
    const { handler } = setup({ maxPayload: 1234, idleTimeout: 30 });
    expect(handler).toMatchObject({ maxPayloadLength: 1234, idleTimeout: 30, closeOnBackpressureLimit: true, perMessageDeflate: false });
  });

  test("a socket that negotiated no known subprotocol is closed with 4002 at open", () => {
    const { th, handler } = setup();
    const ws = open(handler, undefined);
    expect(ws.closed?.code).toBe(CloseCode.UnsupportedProtocol);
    expect(ws.data.conn).toBeUndefined();
    expect(th.hub.connections.size).toBe(0);
    handler.message!(ws.ws, '{"type":"ping"}'); // ignored, not thrown
  });

  test("JSON: a hello gets welcome and synced as text frames; a ping a pong", async () => {
    const { th, handler } = setup();
    const ws = open(handler, "json");
    handler.message!(ws.ws, JSON.stringify({ type: "hello", id: 1, user: "ann", device: "d", client: "cli" }));
    handler.message!(ws.ws, JSON.stringify({ type: "ping", id: 2 }));
    await settle();
    expect(ws.sent.every((d) => typeof d === "string")).toBe(true);
    expect(ws.frames("json").map((f) => f.type)).toEqual(["welcome", "synced", "pong"]);
    // Subscriptions go through the hub's fan-out port (here the in-memory one), with the connection's socket.
    expect(th.fanout.topicsOf(ws.data.socket!)).toEqual(["broadcast|json", "user:ann|json"]);
  });

  test("MessagePack: binary in, binary out; a text frame is refused with bad_frame", async () => {
    const { handler } = setup();
    const ws = open(handler, "msgpack");
    const mp = codecFor("msgpack");
    handler.message!(ws.ws, Buffer.from(mp.encode({ type: "ping", id: "p" }) as Uint8Array));
    handler.message!(ws.ws, '{"type":"ping"}');
    await settle();
    expect(ws.sent.every((d) => d instanceof Uint8Array)).toBe(true);
    expect(ws.frames("msgpack")).toEqual([
      { type: "pong", id: "p" },
      { type: "error", code: "bad_frame", message: expect.stringContaining("MessagePack") },
    ]);
  });

  test("undecodable and invalid frames are answered with an error and the connection stays open", async () => {
    const { handler } = setup({ maxText: 3 });
    const ws = open(handler, "json");
    handler.message!(ws.ws, "{not json");
    handler.message!(ws.ws, Buffer.from([0xff, 0xfe]));
    handler.message!(ws.ws, JSON.stringify({ type: "hello", user: "ann", device: "d", client: "cli" }));
    handler.message!(ws.ws, JSON.stringify({ type: "send", id: "long", to: { room: "a" }, cmid: "c", text: "abcd" }));
    handler.message!(ws.ws, JSON.stringify({ type: "nope", id: 9 }));
    handler.message!(ws.ws, "[1,2,3]");
    await settle();
    const errors = ws.frames("json").filter((f) => f.type === "error");
    expect(errors.map((e) => e.type === "error" && [e.id, e.code])).toEqual([
      [undefined, "bad_frame"], [undefined, "bad_frame"], ["long", "too_large"], [9, "unknown_type"], [undefined, "bad_frame"],
    ]);
    expect(ws.closed).toBeUndefined();
  });

  test("close tells the connection, which leaves the hub; a second close is harmless", async () => {
    const { th, handler } = setup();
    const ws = open(handler, "json");
    handler.message!(ws.ws, JSON.stringify({ type: "hello", user: "ann", device: "d", client: "cli" }));
    await settle();
    expect(th.hub.connections.size).toBe(1);
    handler.close?.(ws.ws, 1006, "");
    handler.close?.(ws.ws, 1006, "");
    expect(th.hub.connections.size).toBe(0);
  });
});

describe("upgrade", () => {
  const config = (c: Partial<Config> = {}): Config => ({ ...DEFAULTS, allowedHosts: ["chat.example"], ...c });
  function server(accept = true) {
    const calls: { data: SocketData; headers?: Record<string, string> }[] = [];
    const s = {
      upgrade: (_req: Request, opts: { data: SocketData; headers?: Record<string, string> }) => { calls.push(opts); return accept; },
      requestIP: () => ({ address: "203.0.113.5", family: "IPv4", port: 40000 }),
    };
    return { calls, srv: s as unknown as HubServer }; // only `upgrade` and `requestIP` are used
  }
  const req = (headers: Record<string, string>) => new Request("http://chat.example:8080/ws", { headers: { host: "chat.example:8080", ...headers } });

  test("the chosen subprotocol is echoed and stored; none offered means JSON without a header", () => {
    const { calls, srv } = server();
    expect(upgrade(req({ "sec-websocket-protocol": "x, hubbub.v1.msgpack" }), srv, config())).toBeUndefined();
    expect(upgrade(req({}), srv, config())).toBeUndefined();
    expect(calls).toEqual([
      { data: { encoding: "msgpack", preHelloFrames: 0, preHelloBytes: 0, openedAt: expect.any(Number), ip: "203.0.113.5" }, headers: { "Sec-WebSocket-Protocol": "hubbub.v1.msgpack" } },
      { data: { encoding: "json", preHelloFrames: 0, preHelloBytes: 0, openedAt: expect.any(Number), ip: "203.0.113.5" }, headers: undefined },
    ]);
  });

  test("only unknown subprotocols: still upgraded, with no encoding, so open() can close with a reason", () => {
    const { calls, srv } = server();
    upgrade(req({ "sec-websocket-protocol": "chat.v9" }), srv, config());
    expect(calls).toEqual([{ data: { encoding: undefined, preHelloFrames: 0, preHelloBytes: 0, openedAt: expect.any(Number), ip: "203.0.113.5" }, headers: undefined }]);
  });

  test("browser origins: own host and listed origins pass, others get 403; no Origin (CLI, SDK) passes", async () => {
    const cases: [Record<string, string>, Partial<Config>, boolean][] = [
      [{}, {}, true],
      [{ origin: "http://chat.example:8080" }, {}, true],
      [{ origin: "https://chat.example:8080" }, {}, true],
      [{ origin: "http://evil.example" }, {}, false],
      [{ origin: "http://chat.example" }, {}, false], // another port is another origin
      [{ origin: "null" }, {}, false],
      [{ origin: "http://app.example" }, { allowedOrigins: ["http://app.example"] }, true],
      [{ origin: "http://other.example" }, { allowedOrigins: ["http://app.example"] }, false],
      [{ origin: "http://anything.example" }, { allowedOrigins: ["*"] }, true],
    ];
    for (const [headers, c, allowed] of cases) {
      const { calls, srv } = server();
      const res = upgrade(req(headers), srv, config(c));
      expect({ headers, allowed: res === undefined && calls.length === 1 }).toEqual({ headers, allowed });
      if (!allowed) expect(res?.status).toBe(403);
    }
  });

  test("DNS rebinding: a Host not on the allow-list gets 421, even when the Origin matches it", () => {
    const rebound = (headers: Record<string, string>) => new Request("http://evil.example:8080/ws", { headers: { host: "evil.example:8080", ...headers } });
    for (const headers of [{}, { origin: "http://evil.example:8080" }] as Record<string, string>[]) {
      const { calls, srv } = server();
      expect(upgrade(rebound(headers), srv, config())?.status).toBe(421);
      expect(calls).toEqual([]);
    }
    // The Origin must itself name an allowed host, not merely equal the request's Host.
    const { calls, srv } = server();
    expect(upgrade(rebound({ origin: "http://evil.example:8080" }), srv, config({ allowedHosts: ["*"] }))).toBeUndefined();
    expect(calls.length).toBe(1); // "*" switches the Host check off: then only the old same-host rule is left
  });

  test("a plain HTTP request to /ws gets 426", () => {
    const { srv } = server(false);
    expect(upgrade(req({}), srv, config())?.status).toBe(426);
  });
});
