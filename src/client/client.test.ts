import { describe, expect, test } from "bun:test";
import type { HelloFrame } from "../protocol/index.ts";
import { HubbubClient, type BrowserSignals } from "./client.ts";
import type { ConnectionState } from "./state.ts";
import { clientHarness, ev } from "./testing.ts";

/** An EventTarget standing in for the browser window. */
function fakeWindow(): BrowserSignals & { fire(name: string): void; count(): number } {
  const t = new EventTarget();
  let n = 0;
  return {
    document: { visibilityState: "visible" },
    addEventListener: (name, fn) => { n++; t.addEventListener(name, fn); },
    removeEventListener: (name, fn) => { n--; t.removeEventListener(name, fn); },
    fire: (name) => t.dispatchEvent(new Event(name)),
    count: () => n,
  };
}

describe("connection", () => {
  test("a frame that is not hubbub protocol is ignored and reported as unexpected (the server may not be hubbub)", () => {
    const { c, last } = clientHarness();
    const seen: string[] = [];
    c.on("unexpected", (u) => seen.push(u.reason));
    c.connect();
    const s = last();
    s.open();
    s.onmessage?.({ data: "not json" });
    s.onmessage?.({ data: JSON.stringify(s.sent[0]) }); // an echo of our own hello
    s.onmessage?.({ data: "[1,2]" });
    expect(seen).toEqual(["a frame that does not decode", "a frame of no hubbub type", "a frame of no hubbub type"]);
    expect(c.state.name).toBe("syncing");
  });

  test("presence: false goes into the hello (a one-shot client is not announced); by default hello leaves it out", () => {
    const quiet = clientHarness({ presence: false });
    quiet.c.connect();
    quiet.last().open();
    expect(quiet.last().sent[0]).toMatchObject({ type: "hello", presence: false });
    const loud = clientHarness();
    loud.c.connect();
    loud.last().open();
    expect("presence" in loud.last().sent[0]!).toBe(false);
  });

  test("goes connecting -> syncing -> live and says so; hello first, then every cursor on a resume", () => {
    const { c, sockets, live } = clientHarness({ url: "https://chat.example/" });
    const states: ConnectionState["name"][] = [];
    c.on("state", (s) => states.push(s.name));
    c.connect();
    expect(sockets[0]!.url).toBe("wss://chat.example/ws");
    expect(sockets[0]!.protocols).toEqual(["hubbub.v1.json"]);
    const s = live();
    expect(states).toEqual(["connecting", "syncing", "live"]);
    expect(s.sent[0]).toMatchObject({ type: "hello", user: "ann", client: "cli", device: c.device });
    expect((s.sent[0] as HelloFrame).cursors).toBeUndefined();
    s.push(ev("room:a", 1));
    s.push(ev("room:a", 2));
    s.serverClose(1006);
    expect(c.state.name).toBe("reconnecting");
    c.retryNow();
    sockets[1]!.open();
    expect(sockets[1]!.sent[0]).toMatchObject({ type: "hello", cursors: { "room:a": 2 } });
  });

  test("duplicates by (stream, seq) are dropped", () => {
    const { c, events, live } = clientHarness();
    c.connect();
    const s = live();
    for (const seq of [1, 2, 2, 1, 3]) s.push(ev("room:a", seq));
    s.push(ev("room:b", 1));
    expect(events.map((e) => `${e.stream}#${e.seq}`)).toEqual(["room:a#1", "room:a#2", "room:a#3", "room:b#1"]);
  });

  test("the hello says batch: true, and an events frame is handled as its events one by one: duplicates dropped, cursor at the last", () => {
    const { c, events, live, sockets } = clientHarness();
    c.connect();
    const s = live();
    expect(sockets[0]!.sent[0]).toMatchObject({ type: "hello", batch: true });
    s.push(ev("room:a", 1));
    const data = (seq: number) => { const { type: _t, ...d } = ev("room:a", seq); return d; };
    s.push({ type: "events", stream: "room:a", events: [data(1), data(2), data(3)] });
    s.push({ type: "events", stream: "room:a", events: [data(3), data(4)] });
    s.push(ev("room:a", 5));
    expect(events.map((e) => `${e.type} ${e.stream}#${e.seq}`)).toEqual(["event room:a#1", "event room:a#2", "event room:a#3", "event room:a#4", "event room:a#5"]);
    s.serverClose(1006);
    c.retryNow();
    sockets[1]!.open();
    expect(sockets[1]!.sent[0]).toMatchObject({ type: "hello", batch: true, cursors: { "room:a": 5 } });
  });

  test("a close code that means stop (bad credentials, banned, protocol) never reconnects", () => {
    for (const code of [4001, 4002, 4003, 4050]) {
      const { c, sockets, clock } = clientHarness();
      c.connect();
      sockets[0]!.open();
      sockets[0]!.serverClose(code, "no");
      clock.advance(600_000);
      c.retryNow();
      expect(c.state).toMatchObject({ name: "stopped", code });
      expect(sockets.length).toBe(1);
    }
  });

  test("4200-4299 reconnect at once; other codes wait out a growing, capped backoff", () => {
    const { c, sockets, clock, live, last } = clientHarness({ random: () => 0.999 });
    c.connect();
    live().serverClose(4200, "slow");
    clock.advance(0);
    expect(sockets.length).toBe(2);
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      last().serverClose(1006);
      const s = c.state as Extract<ConnectionState, { name: "reconnecting" }>;
      waits.push(s.nextAttemptAt - clock.now());
      clock.advance(s.nextAttemptAt - clock.now() - 1);
      expect(c.state.name).toBe("reconnecting");
      clock.advance(1);
      expect(c.state.name).toBe("connecting");
    }
    // attempt 1 after the immediate one: ceilings 4 s, 8 s, … capped at 60 s
    expect(waits.map((w) => Math.round(w / 1000))).toEqual([4, 8, 16, 32, 60, 60, 60, 60, 60]);
  });

  test("the backoff resets after a connection stayed live for stableMs, not before", () => {
    const { c, clock, live } = clientHarness({ random: () => 0.999, stableMs: 30_000 });
    const attempts: number[] = [];
    c.on("state", (s) => { if (s.name === "reconnecting") attempts.push(s.attempt); });
    c.connect();
    for (let i = 0; i < 3; i++) {
      const s = live();
      clock.advance(100);
      s.serverClose(1006);
      c.retryNow();
    }
    const s = live();
    for (let i = 0; i < 40; i++) { clock.advance(1000); s.push({ type: "pong" }); }
    s.serverClose(1006);
    expect(attempts).toEqual([1, 2, 3, 1]);
  });

  test("no traffic for two heartbeat intervals declares the connection dead, even if the socket looks open", () => {
    const { c, sockets, clock, live } = clientHarness();
    c.connect();
    const s = live(); // heartbeatMs 1000: a ping after 1.5 s without a frame
    clock.advance(1499);
    expect(s.sent.filter((f) => f.type === "ping").length).toBe(0);
    clock.advance(1);
    expect(s.sent.filter((f) => f.type === "ping").length).toBe(1);
    s.push({ type: "pong" });
    clock.advance(1999); // 2 s minus 1 ms of silence since the pong
    expect(c.state.name).toBe("live");
    clock.advance(1);
    expect(c.state).toMatchObject({ name: "reconnecting", lastClose: { code: 4103 } });
    expect(s.readyState).toBe(3);
    clock.advance(5000);
    expect(sockets.length).toBe(2);
  });

  test("a socket that never opens, or a hello never answered, is abandoned after three default intervals", () => {
    const { c, sockets, clock } = clientHarness({ heartbeatMs: 2000 });
    c.connect();
    clock.advance(5999);
    expect(c.state.name).toBe("connecting");
    clock.advance(1);
    expect(c.state.name).toBe("reconnecting");
    clock.advance(2000);
    sockets[1]!.open();
    clock.advance(6000);
    expect(c.state.name).toBe("reconnecting");
  });

  test("in a browser, online and a visible tab retry at once; offline drops the connection; close() unhooks", () => {
    const win = fakeWindow();
    const { c, sockets, live } = clientHarness({ signals: win });
    c.connect();
    expect(win.count()).toBe(3);
    live();
    win.fire("offline");
    expect(c.state.name).toBe("reconnecting");
    win.fire("online");
    expect(sockets.length).toBe(2);
    sockets[1]!.serverClose(1006);
    win.fire("visibilitychange");
    expect(sockets.length).toBe(3);
    c.close();
    expect(win.count()).toBe(0);
  });

  test("close() stops for good: no reconnect, waiting commands rejected, connect() starts again", async () => {
    const { c, sockets, clock, live } = clientHarness();
    c.connect();
    live();
    const rooms = c.rooms();
    c.close();
    await expect(rooms).rejects.toMatchObject({ code: "disconnected" });
    expect(c.state.name).toBe("stopped");
    clock.advance(600_000);
    expect(sockets.length).toBe(1);
    c.connect();
    expect(sockets.length).toBe(2);
  });

  test("commands resolve with their reply, reject with the server's error code, or time out", async () => {
    const { c, live, clock } = clientHarness({ requestTimeoutMs: 1000 });
    await expect(c.join("a")).rejects.toMatchObject({ code: "disconnected" });
    c.connect();
    const s = live();
    const join = c.join("a");
    const leave = c.leave("b");
    const who = c.who("a");
    const [fj, fl, fw] = s.sent.slice(-3) as { id: string }[];
    s.push({ type: "ack", id: fj!.id, stream: "room:a", seq: 1, pos: 1 });
    s.push({ type: "error", id: fl!.id, code: "not_member", message: "not in b" });
    expect(await join).toMatchObject({ stream: "room:a" });
    await expect(leave).rejects.toMatchObject({ name: "CommandError", code: "not_member" });
    s.push({ type: "pong" });
    clock.advance(1000);
    await expect(who).rejects.toMatchObject({ code: "timeout" });
    expect(fw).toMatchObject({ type: "who", room: "a" });
  });

  test("an error no command waits for (a refused hello) is an `error` event", () => {
    const { c, last } = clientHarness();
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.code));
    c.connect();
    last().open();
    last().push({ type: "error", id: "hello", code: "unauthorized", message: "bad token" });
    last().serverClose(4001, "bad token");
    expect(errors).toEqual(["unauthorized"]);
    expect(c.state).toMatchObject({ name: "stopped", code: 4001, reason: "bad token" });
  });

  test("connect() without a WebSocket in the runtime says what to pass", () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    g.WebSocket = undefined;
    try {
      expect(() => new HubbubClient({ url: "http://x", user: "a", client: "cli", signals: {} }).connect()).toThrow(/options\.socket/);
    } finally {
      g.WebSocket = saved;
    }
  });

  test("the device id is generated once and kept in storage", () => {
    const first = clientHarness();
    const second = clientHarness({ storage: first.storage });
    expect(first.c.device).toMatch(/^cli-/);
    expect(second.c.device).toBe(first.c.device);
  });

  test("MessagePack: asks for the msgpack subprotocol and speaks binary frames both ways", () => {
    const { c, sockets, live, events } = clientHarness({ encoding: "msgpack" });
    c.connect();
    expect(sockets[0]!.protocols).toEqual(["hubbub.v1.msgpack"]);
    const s = live();
    expect(c.state.name).toBe("live");
    expect(s.wire[0]).toBeInstanceOf(Uint8Array);
    expect(s.sent[0]).toMatchObject({ type: "hello", user: "ann" });
    s.push(ev("room:a", 1));
    expect(events.map((e) => e.body.text)).toEqual(["m1"]);
  });
});
