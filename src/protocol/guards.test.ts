import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { guardClientFrame, safeId } from "./guards.ts";

const code = (raw: unknown) => { const g = guardClientFrame(raw); return g.ok ? "ok" : g.code; };

describe("guards", () => {
  test("accept well-formed frames and fill defaults", () => {
    expect(guardClientFrame({ type: "history", stream: "room:a", limit: 9999 })).toMatchObject({ ok: true, frame: { limit: 500 } });
    expect(guardClientFrame({ type: "history", stream: "room:a" })).toMatchObject({ ok: true, frame: { limit: 50 } });
    expect(code({ type: "hello", user: "a", device: "d", client: "web", cursors: { "room:x": 3, "dm:a:b": 0 } })).toBe("ok");
    expect(code({ type: "send", to: { user: "bob" }, cmid: "1", text: "hi" })).toBe("ok");
  });

  test("refuse each kind of bad input with its stable code", () => {
    expect(code(null)).toBe("bad_frame");
    expect(code("send")).toBe("bad_frame");
    expect(code([{ type: "ping" }])).toBe("bad_frame");
    expect(code({})).toBe("unknown_type");
    expect(code({ type: "teleport" })).toBe("unknown_type");
    expect(code({ type: "join", room: "has space" })).toBe("invalid_field");
    expect(code({ type: "join", room: "x".repeat(65) })).toBe("invalid_field");
    expect(code({ type: "send", to: { room: "a", user: "b" }, cmid: "1", text: "t" })).toBe("invalid_field");
    expect(code({ type: "send", to: { room: "a" }, cmid: "", text: "t" })).toBe("invalid_field");
    expect(code({ type: "send", to: { room: "a" }, cmid: "1", text: "" })).toBe("invalid_field");
    expect(code({ type: "send", to: { room: "a" }, cmid: "1", text: "x".repeat(4001) })).toBe("too_large");
    for (const forged of ["author", "from", "sender", "user"]) {
      expect(code({ type: "send", to: { room: "a" }, cmid: "1", text: "t", [forged]: "alice" })).toBe("forged_sender");
    }
    expect(code({ type: "hello", user: "a:b", device: "d", client: "web" })).toBe("invalid_field");
    expect(code({ type: "hello", user: "a", device: "d", client: "web", cursors: { "room:x": -1 } })).toBe("invalid_field");
    expect(code({ type: "hello", user: "a", device: "d", client: "web", cursors: { "dm:b:a": 1 } })).toBe("invalid_field");
    expect(code({ type: "history", stream: "room:a", before: 1, after: 2 })).toBe("invalid_field");
    expect(code({ type: "read", stream: "room:a", seq: 1.5 })).toBe("invalid_field");
    expect(code({ type: "ping", id: { x: 1 } })).toBe("invalid_field");
  });

  test("only short strings and finite numbers are echoed as ids", () => {
    expect(safeId("abc")).toBe("abc");
    expect(safeId(7)).toBe(7);
    expect(safeId("x".repeat(65))).toBeUndefined();
    expect(safeId(Number.NaN)).toBeUndefined();
    expect(safeId({})).toBeUndefined();
  });

  test("property: the guard never throws, whatever it is given", () => {
    fc.assert(fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true, maxDepth: 4 }), (v) => {
      const g = guardClientFrame(v);
      expect(typeof g.ok).toBe("boolean");
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.record({ type: fc.constantFrom("hello", "join", "send", "edit", "history", "read", "typing", "who"), id: fc.anything(), room: fc.anything(), to: fc.anything(), text: fc.anything(), stream: fc.anything(), seq: fc.anything(), cursors: fc.anything() }), (v) => {
      expect(typeof guardClientFrame(v).ok).toBe("boolean");
    }), { numRuns: 2000 });
  });
});
