import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { BROADCAST_STREAM, dmPeer, dmStream, isDeviceId, isRoomName, isUserName, parseStream, roomStream, userStream } from "./names.ts";

const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/);
const room = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);

describe("names and streams", () => {
  test("name rules: users 1-32, rooms and devices 1-64 of A-Z a-z 0-9 _ . -", () => {
    expect([isUserName("a"), isUserName("x".repeat(32)), isUserName("x".repeat(33)), isUserName(""), isUserName("a:b"), isUserName("é"), isUserName("@operator"), isUserName(1)])
      .toEqual([true, true, false, false, false, false, false, false]);
    expect([isRoomName("x".repeat(64)), isRoomName("x".repeat(65)), isRoomName("a b"), isDeviceId("phone-2.a_b"), isDeviceId("a\n")])
      .toEqual([true, false, false, true, false]);
  });

  test("every stream name parses back to what built it", () => {
    fc.assert(fc.property(room, name, name, (r, a, b) => {
      expect(parseStream(roomStream(r))).toEqual({ kind: "room", room: r });
      expect(parseStream(userStream(a))).toEqual({ kind: "user", user: a });
      if (a !== b) {
        const dm = dmStream(a, b);
        expect(dm).toBe(dmStream(b, a)); // one stream per pair
        expect(parseStream(dm)).toEqual({ kind: "dm", users: a < b ? [a, b] : [b, a] });
        expect(dmPeer(dm, a)).toBe(b);
        expect(dmPeer(dm, b)).toBe(a);
      }
    }), { numRuns: 300 });
    expect(parseStream(BROADCAST_STREAM)).toEqual({ kind: "broadcast" });
  });

  test("anything else is not a stream", () => {
    for (const s of ["", "room:", "room:a:b", "user:", "dm:a", "dm:b:a", "dm:a:a", "dm:a:b:c", "lobby", "Room:a", "broadcast:x", "room:a b", 7, null, { kind: "room" }]) {
      expect(parseStream(s)).toBeUndefined();
    }
    expect(dmPeer("dm:a:b", "c")).toBeUndefined();
    expect(dmPeer("room:a", "a")).toBeUndefined();
    fc.assert(fc.property(fc.string({ maxLength: 80, unit: "binary" }), (s) => {
      const p = parseStream(s);
      if (p) expect(p.kind === "room" ? roomStream(p.room) : p.kind === "user" ? userStream(p.user) : p.kind === "dm" ? dmStream(...p.users) : BROADCAST_STREAM).toBe(s);
    }), { numRuns: 1000 });
  });
});
