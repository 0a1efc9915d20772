import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { EventFrame } from "../protocol/index.ts";
import { HubbubClient } from "./client.ts";
import { memoryStorage } from "./storage.ts";
import { ManualClock, fakeSockets, welcome } from "./testing.ts";
import { TRANSITIONS, type StateName } from "./state.ts";

const ev = (stream: string, seq: number, extra: Partial<EventFrame> = {}): EventFrame =>
  ({ type: "event", stream, seq, pos: seq, at: 1, author: "bob", kind: "message", body: { text: `m${seq}` }, ...extra });

function setup(storage = memoryStorage()) {
  const clock = new ManualClock();
  const { factory, sockets } = fakeSockets();
  const c = new HubbubClient({ url: "http://x", user: "ann", client: "cli", socket: factory, clock, random: () => 0.5, storage });
  const events: EventFrame[] = [];
  c.on("event", (e) => events.push(e));
  const live = (cursors?: object) => {
    const s = sockets[sockets.length - 1]!;
    s.open();
    s.push(welcome(cursors ? { streams: [] } : {}));
    s.push({ type: "synced", id: "hello" });
    return s;
  };
  return { c, clock, sockets, events, live, storage };
}

describe("HubbubClient against a fake transport", () => {
  test("hello carries no cursors the first time, then every cursor seen", () => {
    const { c, sockets, live } = setup();
    c.connect();
    const s = live();
    expect(s.sent[0]).toMatchObject({ type: "hello", user: "ann", client: "cli" });
    expect((s.sent[0] as { cursors?: object }).cursors).toBeUndefined();
    s.push(ev("room:a", 1));
    s.push(ev("room:a", 2));
    s.serverClose(1006);
    expect(c.state.name).toBe("reconnecting");
    c.retryNow();
    expect(sockets[1]!.url).toBe("ws://x/ws");
    sockets[1]!.open();
    expect(sockets[1]!.sent[0]).toMatchObject({ type: "hello", cursors: { "room:a": 2 } });
  });

  test("duplicates by (stream, seq) are dropped", () => {
    const { c, events, live } = setup();
    c.connect();
    const s = live();
    for (const seq of [1, 2, 2, 1, 3]) s.push(ev("room:a", seq));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  test("a gap is repaired with history before later events are delivered, in order", async () => {
    const { c, events, live } = setup();
    const gaps: unknown[] = [];
    c.on("gap", (g) => gaps.push(g));
    c.connect();
    const s = live();
    s.push(ev("room:a", 1));
    s.push(ev("room:a", 4));
    s.push(ev("room:a", 5));
    const req = s.sent.find((f) => f.type === "history") as { id: string; after: number; limit: number };
    expect(req).toMatchObject({ stream: "room:a", after: 1, limit: 2 });
    expect(gaps).toEqual([{ stream: "room:a", from: 2, to: 3 }]);
    expect(events.map((e) => e.seq)).toEqual([1]);
    const { type: _t, ...e2 } = ev("room:a", 2);
    const { type: _u, ...e3 } = ev("room:a", 3);
    s.push({ type: "page", id: req.id, stream: "room:a", events: [e2, e3], more: true });
    await Bun.sleep(0);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  test("sends wait in the outbox while offline, go out after synced, and settle on ack", async () => {
    const storage = memoryStorage();
    const { c, live } = setup(storage);
    const sent = c.send({ room: "a" }, "hello");
    expect(storage.state?.outbox.map((o) => o.text)).toEqual(["hello"]);
    c.connect();
    const s = live();
    const frame = s.sent.find((f) => f.type === "send") as { id: string; cmid: string };
    expect(frame.cmid).toBe(sent.cmid);
    s.push({ type: "ack", id: frame.id, stream: "room:a", seq: 7, pos: 7 });
    expect(await sent.acked).toMatchObject({ seq: 7 });
    expect(c.pendingSends()).toEqual([]);
    expect(storage.state?.outbox).toEqual([]);
  });

  test("an unacked send is re-sent with the same cmid after a reconnect; a duplicate ack settles it once", async () => {
    const { c, sockets, live } = setup();
    c.connect();
    const s1 = live();
    const sent = c.send({ room: "a" }, "once");
    s1.serverClose(1006);
    c.retryNow();
    const s2 = live();
    const again = s2.sent.filter((f) => f.type === "send") as { id: string; cmid: string }[];
    expect(again.map((f) => f.cmid)).toEqual([sent.cmid]);
    s2.push({ type: "ack", id: again[0]!.id, stream: "room:a", seq: 3, pos: 3, duplicate: true });
    s2.push({ type: "ack", id: again[0]!.id, stream: "room:a", seq: 3, pos: 3, duplicate: true });
    expect(await sent.acked).toMatchObject({ seq: 3 });
    expect(sockets.length).toBe(2);
  });

  test("a non-retryable error fails the send and takes it out of the outbox", async () => {
    const { c, live } = setup();
    const states: string[] = [];
    c.on("outbox", (i) => states.push(i.status));
    c.connect();
    const s = live();
    const sent = c.send({ room: "nope" }, "x");
    const f = s.sent.find((x) => x.type === "send") as { id: string };
    s.push({ type: "error", id: f.id, code: "not_member", message: "join first" });
    await expect(sent.acked).rejects.toThrow("join first");
    expect(states).toEqual(["pending", "failed"]);
    expect(c.pendingSends()).toEqual([]);
  });

  test("a close code that means stop does not reconnect", () => {
    const { c, sockets, clock } = setup();
    c.connect();
    sockets[0]!.open();
    sockets[0]!.serverClose(4001, "bad token");
    clock.advance(120_000);
    expect(c.state).toMatchObject({ name: "stopped", code: 4001 });
    expect(sockets.length).toBe(1);
  });

  test("4200 (slow consumer) reconnects at once; 1006 waits out the backoff", () => {
    const { c, sockets, clock, live } = setup();
    c.connect();
    live().serverClose(4200, "slow");
    clock.advance(0);
    expect(sockets.length).toBe(2);
    live().serverClose(1006);
    clock.advance(500);
    expect(sockets.length).toBe(2);
    clock.advance(5000);
    expect(sockets.length).toBe(3);
  });

  test("no traffic for three heartbeat intervals declares the connection dead and reconnects", () => {
    const { c, sockets, clock, live } = setup();
    c.connect();
    const s = live();
    clock.advance(1000);
    expect(s.sent.some((f) => f.type === "ping")).toBe(true);
    clock.advance(1500); // 2.5 intervals of silence: still alive
    expect(c.state.name).toBe("live");
    clock.advance(1600); // over 3 intervals: the next heartbeat check declares it dead
    expect(c.state.name).toBe("reconnecting");
    clock.advance(5000);
    expect(sockets.length).toBe(2);
  });

  test("a new epoch drops the cursors and reconnects fresh", () => {
    const { c, sockets, live } = setup();
    c.connect();
    const s = live();
    s.push(ev("room:a", 5));
    s.serverClose(1006);
    c.retryNow();
    sockets[1]!.open();
    sockets[1]!.push(welcome({ epoch: "other" }));
    c.retryNow();
    sockets[2]!.open();
    expect((sockets[2]!.sent[0] as { cursors?: object }).cursors).toBeUndefined();
  });

  test("property: any sequence of transport events only takes legal state transitions", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom("open", "welcome", "close1006", "close4001", "close4200", "tick", "retry", "userClose", "connect"), { maxLength: 40 }), (steps) => {
      const { c, sockets, clock } = setup();
      const seen: StateName[] = [c.state.name];
      c.on("state", (s) => seen.push(s.name));
      c.connect();
      for (const step of steps) {
        const s = sockets[sockets.length - 1]!;
        if (step === "open" && s.readyState === 0) s.open();
        if (step === "welcome" && s.readyState === 1) { s.push(welcome()); s.push({ type: "synced", id: "hello" }); }
        if (step === "close1006") s.serverClose(1006);
        if (step === "close4001") s.serverClose(4001);
        if (step === "close4200") s.serverClose(4200);
        if (step === "tick") clock.advance(3000);
        if (step === "retry") c.retryNow();
        if (step === "userClose") c.close();
        if (step === "connect") c.connect();
      }
      for (let i = 1; i < seen.length; i++) {
        const [a, b] = [seen[i - 1]!, seen[i]!];
        if (a !== b && !TRANSITIONS[a].includes(b)) throw new Error(`illegal ${a} -> ${b} in ${steps.join(",")}`);
      }
    }), { numRuns: 300 });
  });
});
