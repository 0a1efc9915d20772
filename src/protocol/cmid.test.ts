import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { newCmid } from "./cmid.ts";
import { guardClientFrame } from "./guards.ts";

const limits = { maxText: 4000, maxCursors: 5000, maxPage: 500 };

describe("newCmid", () => {
  test("ids made one after another sort in the order they were made, also within one millisecond", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => newCmid(1_764_000_000_000 + Math.floor(i / 1000)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("for any non-decreasing times, the ids sort in time order", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 36 ** 9 - 1 }) /* until the year 5188 */, { minLength: 2, maxLength: 50 }), (times) => {
      const sorted = [...times].sort((a, b) => a - b);
      const ids = sorted.map((t) => newCmid(t));
      expect([...ids].sort()).toEqual(ids);
    }));
  });

  test("the server accepts them as cmids", () => {
    const cmid = newCmid();
    expect(cmid.length).toBeLessThanOrEqual(64);
    const g = guardClientFrame({ type: "send", to: { room: "r1" }, cmid, text: "hi" }, limits);
    expect(g.ok && g.frame.type === "send" && g.frame.cmid).toBe(cmid);
  });
});
