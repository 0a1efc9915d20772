import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createMemoryLog } from "../store/memory-log.ts";
import type { AppendRequest } from "../store/event-log.ts";
import { USERS_STREAM, addRoom, apply, emptyProjection, isKnownUser, isMember, readCursor, removeRoom, roomCount, roomsOf } from "./projection.ts";
import { type Projection } from "./projection.ts";
import { SNAPSHOT_NAME, SNAPSHOT_VERSION, deserialize, rebuild, saveSnapshot, serialize } from "./snapshot.ts";

/** Every part of a projection, order-free (sets and maps sorted), so two can be compared whole. */
function canonical(p: Projection): string {
  const sortedMap = <V>(m: Map<string, V>, f: (v: V) => unknown) => [...m].map(([k, v]) => [k, f(v)]).sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1));
  return JSON.stringify({
    rooms: sortedMap(p.rooms, (m) => sortedMap(m, (x) => x)),
    // A user with no rooms left may be kept as an empty set or not at all: the same thing.
    userRooms: [...p.users.keys()].map((u) => [u, [...roomsOf(p, u)].sort()]).filter(([, v]) => v!.length > 0).sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
    userDms: sortedMap(p.userDms, (s) => [...s].sort()),
    reads: sortedMap(p.reads, (m) => sortedMap(m, (x) => x)),
    users: [...p.users.keys()].sort(),
    pos: p.pos,
  });
}

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
    expect(roomsOf(back, "q")).toEqual(["z"]);
  });

  test("re-joining moves the member's joined seq; left removes the room from the user's rooms", () => {
    const log = createMemoryLog();
    const p = emptyProjection();
    for (const o of log.append([ev("room:a", "joined", "ann"), ev("room:a", "left", "ann"), ev("room:a", "joined", "bob"), ev("room:a", "joined", "ann")])) apply(p, o.event);
    expect([...p.rooms.get("a")!]).toEqual([["bob", 3], ["ann", 4]]);
    for (const o of log.append([ev("room:a", "left", "ann")])) apply(p, o.event);
    expect(roomsOf(p, "ann").includes("a")).toBe(false);
    expect(isMember(p, "a", "bob")).toBe(true);
  });

  test("known users: whoever registered or wrote anything, never the operator, never a DM's mere recipient; kept in snapshots", () => {
    const log = createMemoryLog();
    const p = emptyProjection();
    for (const o of log.append([
      ev(USERS_STREAM, "registered", "ann"), ev("room:a", "joined", "bob"), ev("dm:bob:ghost", "message", "bob", { text: "x" }),
      ev("broadcast", "broadcast", "@operator", { text: "hi" }),
    ])) apply(p, o.event);
    expect([...p.users.keys()].sort()).toEqual(["ann", "bob"]);
    expect(isKnownUser(p, "ghost")).toBe(false);
    expect([...deserialize(serialize(p), p.pos).users.keys()].sort()).toEqual(["ann", "bob"]);
  });

  test("events that say nothing about the model only move pos: other kinds, bad read bodies, unknown streams", () => {
    const p = emptyProjection();
    const e = (stream: string, seq: number, pos: number, kind: AppendRequest["kind"], body: AppendRequest["body"] = {}) => ({ stream, seq, pos, at: 1, author: "ann", kind, body });
    apply(p, e("room:a", 1, 1, "message", { text: "x" }));
    apply(p, e("user:ann", 1, 2, "read", { stream: "room:a" }));
    apply(p, e("user:ann", 2, 3, "read", { stream: 3, seq: 3 }));
    apply(p, e("nonsense", 1, 4, "joined"));
    apply(p, e("dm:ann:bob", 2, 5, "message", { text: "not the first" }));
    expect(p.pos).toBe(5);
    expect(p.reads.size).toBe(0);
    expect(p.userDms.size).toBe(0);
    expect([...p.rooms.get("a")!]).toEqual([]); // the room exists (it has events) but has no members
  });

  test("rebuild replays the log page by page: any page size gives the same model as folding every event", () => {
    const log = createMemoryLog();
    log.append([ev("room:a", "joined", "ann"), ev("room:b", "joined", "bob"), ev("dm:ann:bob", "message", "ann", { text: "x" }),
      ev("user:bob", "read", "bob", { stream: "dm:ann:bob", seq: 1 }), ev("room:a", "joined", "bob"), ev("room:b", "left", "bob")]);
    const full = emptyProjection();
    for (const e of log.readAll(0, 100)) apply(full, e);
    for (const size of [1, 2, 5, 6, 7, 10_000]) {
      const r = rebuild(log, size);
      expect(canonical(r.projection)).toBe(canonical(full));
      expect(r.report).toMatchObject({ fromSnapshot: false, snapshotPos: 0, replayed: 6 });
    }
  });

  test("a snapshot from the future (pos beyond the log) or of another version is ignored", () => {
    const log = createMemoryLog();
    log.append([ev("room:a", "joined", "ann")]);
    log.saveSnapshot(SNAPSHOT_NAME, { pos: 99, version: SNAPSHOT_VERSION, data: serialize(emptyProjection()) });
    expect(rebuild(log).report.fromSnapshot).toBe(false);
    expect(isMember(rebuild(log).projection, "a", "ann")).toBe(true);
    log.saveSnapshot(SNAPSHOT_NAME, { pos: 1, version: SNAPSHOT_VERSION + 1, data: "not even JSON" });
    expect(rebuild(log).report.fromSnapshot).toBe(false);
    saveSnapshot(log, rebuild(log).projection);
    expect(rebuild(log).report).toMatchObject({ fromSnapshot: true, snapshotPos: 1, replayed: 0 });
  });

  test("property: snapshot at any point, then the tail, equals a full rebuild in every part of the model", () => {
    const users = ["ann", "bob", "cy"];
    const arbEvent = fc.oneof(
      fc.record({ k: fc.constantFrom("joined" as const, "left" as const, "message" as const), room: fc.constantFrom("a", "b", "c"), u: fc.constantFrom(...users) })
        .map(({ k, room, u }) => ev(`room:${room}`, k, u, k === "message" ? { text: "m" } : {})),
      fc.record({ a: fc.constantFrom(...users), b: fc.constantFrom(...users) }).filter(({ a, b }) => a < b)
        .map(({ a, b }) => ev(`dm:${a}:${b}`, "message", a, { text: "t" })),
      fc.record({ u: fc.constantFrom(...users), s: fc.constantFrom("room:a", "room:b", "dm:ann:bob"), seq: fc.nat(20) })
        .map(({ u, s, seq }) => ev(`user:${u}`, "read", u, { stream: s, seq })),
    );
    fc.assert(fc.property(fc.array(arbEvent, { maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 3 }), (events, cuts) => {
      const log = createMemoryLog();
      // Snapshots at several points, each from a rebuild that itself used the previous snapshot.
      let done = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        const k = Math.min(cut, events.length);
        log.append(events.slice(done, k));
        done = k;
        saveSnapshot(log, rebuild(log).projection);
      }
      log.append(events.slice(done));
      const viaSnapshots = rebuild(log);
      const full = emptyProjection();
      for (const e of log.readAll(0, 1000)) apply(full, e);
      expect(canonical(viaSnapshots.projection)).toBe(canonical(full));
      expect(canonical(deserialize(serialize(full), full.pos))).toBe(canonical(full));
      expect(viaSnapshots.report.replayed).toBe(events.length - (cuts.length > 0 ? done : 0));
    }), { numRuns: 200 });
  });
});

describe("a user's rooms (an array in join order)", () => {
  test("a room is listed once however often it is added, in join order, and removing one keeps the others' order", () => {
    const p = emptyProjection();
    for (const r of ["b", "a", "b", "c"]) addRoom(p, "ann", r);
    expect(roomsOf(p, "ann")).toEqual(["b", "a", "c"]);
    removeRoom(p, "ann", "a");
    removeRoom(p, "ann", "zzz"); // not there: nothing happens
    removeRoom(p, "bob", "a"); // no rooms at all: nothing happens
    expect(roomsOf(p, "ann")).toEqual(["b", "c"]);
    expect(roomCount(p, "ann")).toBe(2);
    expect(p.users.has("bob")).toBe(false);
  });

  test("one room, none, and back to several: the compact forms say the same as the array did", () => {
    const p = emptyProjection();
    addRoom(p, "ann", "a");
    addRoom(p, "ann", "a");
    expect(p.users.get("ann")).toBe("a"); // one room: its name, no array
    expect([roomsOf(p, "ann"), roomCount(p, "ann")]).toEqual([["a"], 1]);
    addRoom(p, "ann", "b");
    removeRoom(p, "ann", "a");
    expect(p.users.get("ann")).toBe("b");
    removeRoom(p, "ann", "b");
    expect(p.users.get("ann")).toBe(null); // still known: may be sent a DM
    expect([roomsOf(p, "ann"), roomCount(p, "ann"), isKnownUser(p, "ann")]).toEqual([[], 0, true]);
    for (const r of ["c", "d", "e"]) addRoom(p, "ann", r);
    expect(roomsOf(p, "ann")).toEqual(["c", "d", "e"]);
  });
});
