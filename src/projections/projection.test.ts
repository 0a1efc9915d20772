import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createMemoryLog } from "../store/memory-log.ts";
import type { AppendRequest } from "../store/event-log.ts";
import { apply, emptyProjection, isMember, readCursor } from "./projection.ts";
import { deserialize, rebuild, saveSnapshot, serialize } from "./snapshot.ts";

const ev = (stream: string, kind: AppendRequest["kind"], author: string, body: AppendRequest["body"] = {}): AppendRequest => ({ stream, kind, author, body, at: 1 });

describe("projection", () => {
  test("membership, DMs and read cursors follow the events", () => {
    const log = createMemoryLog();
    const p = emptyProjection();
    for (const o of log.append([
      ev("room:a", "joined", "ann"), ev("room:a", "joined", "bob"), ev("room:a", "message", "ann", { text: "x" }),
      ev("room:a", "left", "bob"), ev("dm:ann:bob", "message", "ann", { text: "psst" }),
      ev("user:ann", "read", "ann", { stream: "room:a", seq: 3 }), ev("user:ann", "read", "ann", { stream: "room:a", seq: 2 }),
    ])) apply(p, o.event);
    expect(isMember(p, "a", "ann")).toBe(true);
    expect(isMember(p, "a", "bob")).toBe(false);
    expect(p.rooms.get("a")?.get("ann")).toBe(1);
    expect([...(p.userDms.get("bob") ?? [])]).toEqual(["dm:ann:bob"]);
    expect(readCursor(p, "ann", "room:a")).toBe(3); // never backwards
    expect(p.pos).toBe(7);
  });

  test("rebuild from a snapshot plus the tail equals a full replay, and a stale snapshot version is ignored", () => {
    const users = ["ann", "bob", "cy"];
    const arbEvent = fc.oneof(
      fc.record({ k: fc.constantFrom("joined" as const, "left" as const), room: fc.constantFrom("a", "b"), u: fc.constantFrom(...users) })
        .map(({ k, room, u }) => ev(`room:${room}`, k, u)),
      fc.record({ a: fc.constantFrom(...users), b: fc.constantFrom(...users) }).filter(({ a, b }) => a < b)
        .map(({ a, b }) => ev(`dm:${a}:${b}`, "message", a, { text: "t" })),
      fc.record({ u: fc.constantFrom(...users), seq: fc.nat(20) }).map(({ u, seq }) => ev(`user:${u}`, "read", u, { stream: "room:a", seq })),
    );
    fc.assert(fc.property(fc.array(arbEvent, { maxLength: 40 }), fc.nat(40), (events, cut) => {
      const log = createMemoryLog();
      const k = Math.min(cut, events.length);
      log.append(events.slice(0, k));
      saveSnapshot(log, rebuild(log).projection);
      log.append(events.slice(k));
      const fromSnapshot = rebuild(log);
      const full = emptyProjection();
      for (const e of log.readAll(0, 1000)) apply(full, e);
      expect(serialize(fromSnapshot.projection)).toBe(serialize(full));
      expect(fromSnapshot.report.replayed).toBe(events.length - k);
      log.saveSnapshot("projection", { pos: 0, version: 999, data: "{}" });
      expect(rebuild(log).report.fromSnapshot).toBe(false);
    }), { numRuns: 100 });
  });

  test("serialize and deserialize round-trip", () => {
    const p = emptyProjection();
    const log = createMemoryLog();
    for (const o of log.append([ev("room:z", "joined", "q"), ev("user:q", "read", "q", { stream: "room:z", seq: 1 })])) apply(p, o.event);
    const back = deserialize(serialize(p), p.pos);
    expect(serialize(back)).toBe(serialize(p));
    expect([...(back.userRooms.get("q") ?? [])]).toEqual(["z"]);
  });
});
