import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ErrorCode } from "./codes.ts";
import { DEFAULT_GUARD_LIMITS, guardClientFrame, safeId, type GuardLimits } from "./guards.ts";
import { clientFrameArb } from "./arbitraries.ts";

const code = (raw: unknown, limits?: GuardLimits) => { const g = guardClientFrame(raw, limits); return g.ok ? "ok" : g.code; };
const CODES = new Set<string>(Object.values(ErrorCode));

/** A value nested `depth` levels deep, built without recursion. */
function nested(depth: number, wrap: (inner: unknown) => unknown): unknown {
  let v: unknown = "bottom";
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
}

describe("guards: accepted frames", () => {
  test("every client frame type, minimal and full, becomes exactly its typed frame", () => {
    const cases: [unknown, object][] = [
      [{ type: "hello", user: "ann", device: "d1", client: "web" },
        { type: "hello", id: undefined, user: "ann", token: undefined, device: "d1", client: "web", cursors: undefined }],
      [{ type: "hello", id: 1, token: "t.o.k", device: "phone-2", client: "cli", cursors: { "room:a": 3, "dm:a:b": 0, "user:ann": 1, broadcast: 2 } },
        { type: "hello", id: 1, user: undefined, token: "t.o.k", device: "phone-2", client: "cli", cursors: { "room:a": 3, "dm:a:b": 0, "user:ann": 1, broadcast: 2 } }],
      [{ type: "hello", user: "ann", device: "d1", client: "cli", presence: false },
        { type: "hello", id: undefined, user: "ann", token: undefined, device: "d1", client: "cli", cursors: undefined, presence: false }],
      [{ type: "hello", user: "ann", device: "d1", client: "web", presence: true },
        { type: "hello", id: undefined, user: "ann", token: undefined, device: "d1", client: "web", cursors: undefined }],
      [{ type: "join", room: "lobby" }, { type: "join", id: undefined, room: "lobby" }],
      [{ type: "leave", id: "x", room: "a.b-c_d" }, { type: "leave", id: "x", room: "a.b-c_d" }],
      [{ type: "send", id: 4, to: { room: "lobby" }, cmid: "c1", text: "hi" }, { type: "send", id: 4, to: { room: "lobby" }, cmid: "c1", text: "hi" }],
      [{ type: "send", to: { user: "bob" }, cmid: "c2", text: "psst" }, { type: "send", id: undefined, to: { user: "bob" }, cmid: "c2", text: "psst" }],
      [{ type: "edit", stream: "room:a", seq: 1, cmid: "e", text: "fixed" }, { type: "edit", id: undefined, stream: "room:a", seq: 1, cmid: "e", text: "fixed" }],
      [{ type: "delete", stream: "dm:a:b", seq: 7, cmid: "d" }, { type: "delete", id: undefined, stream: "dm:a:b", seq: 7, cmid: "d" }],
      [{ type: "history", stream: "room:a" }, { type: "history", id: undefined, stream: "room:a", before: undefined, after: undefined, limit: 50 }],
      [{ type: "history", stream: "room:a", before: 120, limit: 9999 }, { type: "history", id: undefined, stream: "room:a", before: 120, after: undefined, limit: 500 }],
      [{ type: "history", stream: "user:ann", after: 0, limit: 1 }, { type: "history", id: undefined, stream: "user:ann", before: undefined, after: 0, limit: 1 }],
      [{ type: "read", stream: "room:a", seq: 0 }, { type: "read", id: undefined, stream: "room:a", seq: 0 }],
      [{ type: "typing", id: "ignored", stream: "room:a" }, { type: "typing", stream: "room:a" }],
      [{ type: "ping" }, { type: "ping", id: undefined, t: undefined }],
      [{ type: "ping", id: 0, t: 1.5 }, { type: "ping", id: 0, t: 1.5 }],
      [{ type: "ping", t: "not a number" }, { type: "ping", id: undefined, t: undefined }],
      [{ type: "rooms", id: "" }, { type: "rooms", id: "" }],
      [{ type: "who", room: "lobby" }, { type: "who", id: undefined, room: "lobby" }],
    ];
    for (const [raw, frame] of cases) {
      const g = guardClientFrame(raw);
      if (!g.ok) throw new Error(`refused ${JSON.stringify(raw)}: ${g.code} ${g.message}`);
      expect(g.frame).toStrictEqual(frame as never);
    }
  });

  test("unknown fields are dropped (except forged sender fields on send)", () => {
    const g = guardClientFrame({ type: "join", room: "a", extra: { deep: 1 }, author: "x" });
    expect(g).toStrictEqual({ ok: true, frame: { type: "join", id: undefined, room: "a" } });
  });

  test("text exactly at the limit is accepted; limits are taken from the caller", () => {
    expect(code({ type: "send", to: { room: "a" }, cmid: "1", text: "x".repeat(4000) })).toBe("ok");
    const small = { ...DEFAULT_GUARD_LIMITS, maxText: 3, maxCursors: 1 };
    expect(code({ type: "send", to: { room: "a" }, cmid: "1", text: "abc" }, small)).toBe("ok");
    expect(code({ type: "send", to: { room: "a" }, cmid: "1", text: "abcd" }, small)).toBe("too_large");
    expect(code({ type: "edit", stream: "room:a", seq: 1, cmid: "1", text: "abcd" }, small)).toBe("too_large");
    expect(code({ type: "hello", user: "a", device: "d", client: "c", cursors: { "room:a": 1 } }, small)).toBe("ok");
    expect(code({ type: "hello", user: "a", device: "d", client: "c", cursors: { "room:a": 1, "room:b": 1 } }, small)).toBe("too_large");
  });
});

describe("guards: refused frames", () => {
  test("not an object with a type", () => {
    for (const raw of [null, undefined, 0, "send", true, [{ type: "ping" }], []]) expect(code(raw)).toBe("bad_frame");
    for (const raw of [{}, { type: 7 }, { type: null }, { type: "teleport" }, { type: "HELLO" }, { type: ["ping"] }]) expect(code(raw)).toBe("unknown_type");
    const g = guardClientFrame({ type: "x".repeat(100_000) });
    expect(!g.ok && g.message.length).toBeLessThan(100); // the message does not echo a huge type
  });

  test("wrong types and shapes, field by field, are invalid_field and name the field", () => {
    const ok = {
      hello: { type: "hello", user: "ann", device: "d", client: "web" },
      join: { type: "join", room: "a" },
      send: { type: "send", to: { room: "a" }, cmid: "c", text: "t" },
      edit: { type: "edit", stream: "room:a", seq: 1, cmid: "c", text: "t" },
      delete: { type: "delete", stream: "room:a", seq: 1, cmid: "c" },
      history: { type: "history", stream: "room:a" },
      read: { type: "read", stream: "room:a", seq: 1 },
      typing: { type: "typing", stream: "room:a" },
      who: { type: "who", room: "a" },
    } as const;
    const bad: [keyof typeof ok, string, unknown][] = [
      ["hello", "user", 5], ["hello", "user", "a:b"], ["hello", "user", "x".repeat(33)], ["hello", "user", ""],
      ["hello", "device", undefined], ["hello", "device", "has space"], ["hello", "device", 1],
      ["hello", "client", undefined], ["hello", "client", "we/b"],
      ["hello", "token", 42], ["hello", "presence", "no"], ["hello", "presence", 0],
      ["hello", "cursors", null], ["hello", "cursors", [1, 2]], ["hello", "cursors", "room:a"], ["hello", "cursors", { "room:a": -1 }],
      ["hello", "cursors", { "room:a": 1.5 }], ["hello", "cursors", { "room:a": "3" }], ["hello", "cursors", { "dm:b:a": 1 }],
      ["hello", "cursors", { lobby: 1 }], ["hello", "cursors", JSON.parse('{"__proto__": 1}')],
      ["join", "room", undefined], ["join", "room", ""], ["join", "room", "x".repeat(65)], ["join", "room", "a:b"], ["join", "room", { name: "a" }],
      ["send", "to", undefined], ["send", "to", "a"], ["send", "to", {}], ["send", "to", { room: "a", user: "b" }], ["send", "to", { user: "a b" }],
      ["send", "to", { room: 1 }], ["send", "cmid", undefined], ["send", "cmid", ""], ["send", "cmid", "x".repeat(65)], ["send", "cmid", 12],
      ["send", "text", undefined], ["send", "text", ""], ["send", "text", 5], ["send", "text", ["a"]],
      ["edit", "stream", "lobby"], ["edit", "stream", "room:"], ["edit", "seq", 0], ["edit", "seq", -1], ["edit", "seq", "1"], ["edit", "seq", undefined],
      ["edit", "seq", 2 ** 53], ["edit", "cmid", undefined], ["edit", "text", ""],
      ["delete", "seq", 1.5], ["delete", "cmid", ""],
      ["history", "stream", undefined], ["history", "before", -1], ["history", "after", "1"], ["history", "limit", 0], ["history", "limit", 2.5],
      ["read", "seq", undefined], ["read", "seq", -1], ["read", "stream", "user:"],
      ["typing", "stream", 3],
      ["who", "room", undefined],
    ];
    for (const [type, f, v] of bad) {
      const g = guardClientFrame({ ...ok[type], [f]: v });
      if (g.ok || g.code !== "invalid_field") throw new Error(`${type}.${f} = ${JSON.stringify(v)?.slice(0, 40)} gave ${JSON.stringify(g).slice(0, 200)}`);
      expect(g.message).toMatch(f === "to" ? /`to|`room|`user/ : `\`${f}`);
    }
    expect(code({ ...ok.history, before: 1, after: 2 })).toBe("invalid_field");
    // An over-long token is not a wrong type: it gets too_large, saying the length and the limit.
    const long = guardClientFrame({ ...ok.hello, token: "x".repeat(4097) });
    expect(long).toMatchObject({ ok: false, code: "too_large" });
    expect(!long.ok && long.message).toMatch(/`token` is 4097 characters long; at most 4096/);
    expect(code({ ...ok.hello, token: "x".repeat(4096) })).toBe("ok");
    for (const [type] of Object.entries(ok)) expect(code(ok[type as keyof typeof ok])).toBe("ok");
  });

  test("forged sender fields on send are refused, whatever their value", () => {
    for (const forged of ["author", "from", "sender", "user"]) {
      for (const v of ["alice", null, 0, {}, ""]) {
        expect(code({ type: "send", to: { room: "a" }, cmid: "1", text: "t", [forged]: v })).toBe("forged_sender");
      }
    }
  });

  test("bad id shapes are invalid_field and never echoed; good ids are echoed on errors too", () => {
    for (const id of [null, {}, [], [1], true, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, "x".repeat(65), 10n]) {
      const g = guardClientFrame({ type: "ping", id });
      expect(g).toMatchObject({ ok: false, code: "invalid_field", id: undefined });
    }
    expect(guardClientFrame({ type: "join", id: "mine", room: "bad room" })).toMatchObject({ ok: false, id: "mine", code: "invalid_field" });
    expect(guardClientFrame({ type: "teleport", id: 7 })).toMatchObject({ ok: false, id: 7, code: "unknown_type" });
    expect(safeId("abc")).toBe("abc");
    expect(safeId("x".repeat(64))).toBe("x".repeat(64));
    expect(safeId(-7.25)).toBe(-7.25);
    expect(safeId("x".repeat(65))).toBeUndefined();
    expect(safeId(Number.NaN)).toBeUndefined();
    expect(safeId({})).toBeUndefined();
  });

  test("deep nesting and huge values in any field are refused (or ignored) without throwing", () => {
    const deepObj = nested(100_000, (v) => ({ v }));
    const deepArr = nested(100_000, (v) => [v]);
    const huge = "x".repeat(2_000_000);
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`room:r${i}`, i]));
    const fields = ["type", "id", "user", "token", "device", "client", "cursors", "room", "to", "cmid", "text", "stream", "seq", "before", "after", "limit", "t"];
    const bases = ["hello", "join", "send", "edit", "history", "read", "typing", "ping", "who"].map((type) => ({
      type, user: "ann", device: "d", client: "web", room: "a", to: { room: "a" }, cmid: "c", text: "t", stream: "room:a", seq: 1,
    }));
    for (const base of bases) {
      for (const f of fields) {
        for (const v of [deepObj, deepArr, huge, wide, Number.MAX_VALUE, -0, new Uint8Array(4096)]) {
          const g = guardClientFrame({ ...base, [f]: v });
          expect(typeof g.ok).toBe("boolean");
          if (!g.ok) expect(CODES.has(g.code)).toBe(true);
        }
      }
    }
    expect(code({ type: "hello", user: "a", device: "d", client: "c", cursors: wide })).toBe("too_large");
    expect(code({ type: "send", to: { room: "a" }, cmid: "c", text: huge })).toBe("too_large");
    expect(code(deepArr)).toBe("bad_frame");
    expect(code({ type: "send", to: deepObj, cmid: "c", text: "t" })).toBe("invalid_field");
  });
});

describe("guards: properties", () => {
  const limits = { maxText: 10_000, maxCursors: 10_000, maxPage: 500 };

  test("the guard never throws, whatever it is given, and refuses only with a known code", () => {
    const check = (v: unknown) => {
      const g = guardClientFrame(v);
      expect(typeof g.ok).toBe("boolean");
      if (!g.ok) expect(CODES.has(g.code)).toBe(true);
    };
    fc.assert(fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true, withTypedArray: true, withSparseArray: true, maxDepth: 4 }), check), { numRuns: 500 });
    const any = fc.anything({ withBigInt: true, maxDepth: 2 });
    fc.assert(fc.property(fc.record({
      type: fc.constantFrom("hello", "join", "leave", "send", "edit", "delete", "history", "read", "typing", "ping", "rooms", "who"),
      id: any, user: any, token: any, device: any, client: any, cursors: any,
      room: any, to: any, cmid: any, text: any, stream: any, seq: any,
      before: any, after: any, limit: any, t: any,
    }, { requiredKeys: ["type"] }), check), { numRuns: 1000 });
  }, 30_000); // ~1.5 s idle; over 5 s on the loaded 2-core CI machine

  test("a valid frame with one field replaced by anything is accepted or refused, never a throw", () => {
    fc.assert(fc.property(clientFrameArb, fc.string({ maxLength: 8 }), fc.anything({ withBigInt: true, maxDepth: 3 }), (f, key, v) => {
      const keys = Object.keys(f);
      const k = keys.includes(key) ? key : keys[key.length % keys.length]!;
      const g = guardClientFrame({ ...f, [k]: v }, limits);
      expect(typeof g.ok).toBe("boolean");
    }), { numRuns: 2000 });
  });

  test("the guard is idempotent: what it accepts, it accepts again unchanged", () => {
    fc.assert(fc.property(clientFrameArb, (f) => {
      const g = guardClientFrame(f, limits);
      if (!g.ok) throw new Error(`${g.code}: ${g.message} for ${JSON.stringify(f)}`);
      expect(guardClientFrame(g.frame, limits)).toEqual(g);
      expect(g.frame.type).toBe(f.type);
    }), { numRuns: 1000 });
  });
});

describe("guards: private rooms and moderation", () => {
  test("join's private flag, and the moderation commands, become their typed frames", () => {
    const ok = (raw: object) => { const g = guardClientFrame(raw); if (!g.ok) throw new Error(g.message); return g.frame; };
    expect(ok({ type: "join", room: "p", private: true })).toEqual({ type: "join", id: undefined, room: "p", private: true });
    expect(ok({ type: "join", room: "p", private: false })).toEqual({ type: "join", id: undefined, room: "p" });
    for (const type of ["invite", "uninvite", "kick", "ban", "unban"] as const) expect(ok({ type, id: 1, room: "p", user: "bob" })).toEqual({ type, id: 1, room: "p", user: "bob" });
    expect(ok({ type: "set_role", room: "p", user: "bob", role: "moderator" })).toEqual({ type: "set_role", id: undefined, room: "p", user: "bob", role: "moderator" });
    expect(ok({ type: "set_visibility", room: "p", visibility: "public" })).toEqual({ type: "set_visibility", id: undefined, room: "p", visibility: "public" });
    expect(ok({ type: "room_info", room: "p" })).toEqual({ type: "room_info", id: undefined, room: "p" });
  });

  test("wrong fields are invalid_field, naming the field", () => {
    const refused = (raw: object) => { const g = guardClientFrame(raw); return g.ok ? "ok" : `${g.code} ${g.message.split(" ")[0]}`; };
    expect(refused({ type: "join", room: "p", private: "yes" })).toBe("invalid_field `private`");
    expect(refused({ type: "kick", room: "p" })).toBe("invalid_field `user`");
    expect(refused({ type: "ban", room: "p", user: "not a name" })).toBe("invalid_field `user`");
    expect(refused({ type: "invite", user: "bob" })).toBe("invalid_field `room`");
    expect(refused({ type: "set_role", room: "p", user: "bob", role: "owner" })).toBe("invalid_field `role`");
    expect(refused({ type: "set_visibility", room: "p", visibility: "secret" })).toBe("invalid_field `visibility`");
  });
});
