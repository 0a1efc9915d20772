import { describe, expect, test } from "bun:test";
import type { SendFrame } from "../protocol/index.ts";
import type { OutboxItem } from "./outbox.ts";
import { memoryStorage } from "./storage.ts";
import { clientHarness, ev } from "./testing.ts";

const sends = (s: { sent: { type: string }[] }) => s.sent.filter((f) => f.type === "send") as (SendFrame & { id: string })[];

describe("outbox", () => {
  test("sends wait in the outbox while offline, go out after synced, and settle on ack", async () => {
    const { c, live, storage } = clientHarness();
    const statuses: string[] = [];
    c.on("outbox", (i) => statuses.push(i.status));
    const sent = c.send({ room: "a" }, "hello");
    expect(storage.state?.outbox.map((o) => o.text)).toEqual(["hello"]);
    c.connect();
    const s = live();
    const [frame] = sends(s);
    expect(frame!.cmid).toBe(sent.cmid);
    s.push({ type: "ack", id: frame!.id, stream: "room:a", seq: 7, pos: 7 });
    expect(await sent.acked).toMatchObject({ stream: "room:a", seq: 7 });
    expect(statuses).toEqual(["pending", "sent"]);
    expect(c.pendingSends()).toEqual([]);
    expect(storage.state?.outbox).toEqual([]);
  });

  test("an unacked send is re-sent with the same cmid after a reconnect; a duplicate ack settles it once", async () => {
    const { c, sockets, live } = clientHarness();
    const settled: OutboxItem[] = [];
    c.on("outbox", (i) => { if (i.status !== "pending") settled.push(i); });
    c.connect();
    const s1 = live();
    const sent = c.send({ room: "a" }, "once");
    expect(sends(s1).map((f) => f.cmid)).toEqual([sent.cmid]);
    s1.serverClose(1006);
    c.retryNow();
    const s2 = live();
    const again = sends(s2);
    expect(again.map((f) => f.cmid)).toEqual([sent.cmid]);
    s2.push({ type: "ack", id: again[0]!.id, stream: "room:a", seq: 3, pos: 3, duplicate: true });
    s2.push({ type: "ack", id: again[0]!.id, stream: "room:a", seq: 3, pos: 3, duplicate: true });
    expect(await sent.acked).toMatchObject({ seq: 3 });
    expect(settled.length).toBe(1);
    expect(sockets.length).toBe(2);
  });

  test("pending sends go out in the order they were written, after the replay", () => {
    const { c, live } = clientHarness();
    for (const t of ["one", "two", "three"]) c.send({ user: "bob" }, t);
    c.connect();
    const s = live();
    expect(sends(s).map((f) => f.text)).toEqual(["one", "two", "three"]);
    expect(s.sent.findIndex((f) => f.type === "send")).toBeGreaterThan(0); // after the hello
  });

  test("a client restarted on the same storage re-sends the saved outbox with the same cmids", () => {
    const storage = memoryStorage();
    const first = clientHarness({ storage });
    const { cmid } = first.c.send({ room: "a" }, "survives");
    first.c.close();
    const second = clientHarness({ storage });
    const restored: string[] = [];
    expect(second.c.pendingSends().map((i) => i.cmid)).toEqual([cmid]);
    second.c.on("outbox", (i) => restored.push(i.status));
    second.c.connect();
    const s = second.live();
    expect(sends(s).map((f) => [f.cmid, f.text])).toEqual([[cmid, "survives"]]);
    s.push({ type: "ack", id: `send:${cmid}`, stream: "room:a", seq: 2, pos: 2, duplicate: true });
    expect(restored).toEqual(["sent"]);
    expect(storage.state?.outbox).toEqual([]);
  });

  test("my own message replayed from the log settles it even if its ack was lost", async () => {
    const { c, live, events } = clientHarness();
    c.connect();
    const s1 = live();
    const sent = c.send({ room: "a" }, "hi");
    s1.serverClose(1006);
    c.retryNow();
    const s2 = live();
    s2.push(ev("room:a", 9, { author: "ann", cmid: sent.cmid, body: { text: "hi" } }));
    expect(await sent.acked).toMatchObject({ stream: "room:a", seq: 9 });
    expect(c.pendingSends()).toEqual([]);
    expect(events.map((e) => e.seq)).toEqual([9]);
  });

  test("a non-retryable error fails the send and takes it out of the outbox", async () => {
    const { c, live, storage } = clientHarness();
    const states: OutboxItem[] = [];
    c.on("outbox", (i) => states.push(i));
    c.connect();
    const s = live();
    const sent = c.send({ room: "nope" }, "x");
    s.push({ type: "error", id: sends(s)[0]!.id, code: "not_member", message: "join first" });
    await expect(sent.acked).rejects.toMatchObject({ code: "not_member", message: "join first" });
    expect(states.map((i) => i.status)).toEqual(["pending", "failed"]);
    expect(states[1]!.error).toEqual({ code: "not_member", message: "join first" });
    expect(c.pendingSends()).toEqual([]);
    expect(storage.state?.outbox).toEqual([]);
  });

  for (const code of ["rate_limited", "store_unavailable"] as const) test(`a retryable error (${code}) keeps the message and sends it again, same cmid`, async () => {
    const { c, live, clock } = clientHarness();
    c.connect();
    const s = live();
    const sent = c.send({ room: "a" }, "x");
    s.push({ type: "error", id: sends(s)[0]!.id, code, message: "not now" });
    expect(c.pendingSends().length).toBe(1);
    s.push({ type: "pong" });
    clock.advance(1000);
    s.push({ type: "pong" }); // the heartbeat's ping answered: the connection stays live
    clock.advance(1000);
    expect(sends(s).map((f) => f.cmid)).toEqual([sent.cmid, sent.cmid]);
    s.push({ type: "ack", id: `send:${sent.cmid}`, stream: "room:a", seq: 1, pos: 1 });
    expect(await sent.acked).toMatchObject({ seq: 1 });
  });

  test("a retry scheduled on a connection that then drops is dropped too: the resume sends it once", () => {
    const { c, live, clock } = clientHarness();
    c.connect();
    const s1 = live();
    const sent = c.send({ room: "a" }, "x");
    s1.push({ type: "error", id: sends(s1)[0]!.id, code: "overloaded", message: "busy" });
    s1.serverClose(1006);
    c.retryNow();
    const s2 = live();
    s2.push({ type: "pong" });
    clock.advance(2500);
    expect(sends(s2).map((f) => f.cmid)).toEqual([sent.cmid]);
  });
});
