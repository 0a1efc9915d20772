/** The shim checks what it claims: every matcher fails when it should, so a test cannot pass by accident. */
import { describe, expect, test } from "bun:test";

const fails = (f: () => unknown) => {
  let threw = false;
  try { f(); } catch { threw = true; }
  if (!threw) throw new Error(`did not fail: ${f.toString()}`);
};

describe("bun:test shim under Deno", () => {
  test("each matcher fails on a mismatch, and .not inverts it", () => {
    fails(() => expect(1).toBe(2));
    fails(() => expect({ a: 1 }).toEqual({ a: 2 }));
    fails(() => expect([1, 2]).toEqual([1, 2, 3]));
    fails(() => expect({ a: 1, b: undefined } as object).toStrictEqual({ a: 1 }));
    fails(() => expect({ a: { b: 1 } }).toMatchObject({ a: { b: 2 } }));
    fails(() => expect([{ a: 1 }]).toMatchObject([{ a: 1 }, { a: 2 }]));
    fails(() => expect(new Uint8Array([1])).toEqual(new Uint8Array([2])));
    fails(() => expect(0).toBeUndefined());
    fails(() => expect(2).toBeLessThan(1));
    fails(() => expect("abc").toContain("d"));
    fails(() => expect("abc").toMatch(/d/));
    fails(() => expect(() => {}).toThrow());
    fails(() => expect(() => { throw new Error("x"); }).toThrow("y"));
    fails(() => expect(() => { throw new Error("x"); }).not.toThrow());
    fails(() => expect(1).not.toBe(1));
  });

  test("and passes when it should (Jest's meanings)", async () => {
    expect({ a: 1, b: undefined } as object).toEqual({ a: 1 });
    expect({ a: 1, b: [1, { c: 2 }] }).toStrictEqual({ a: 1, b: [1, { c: 2 }] });
    expect({ a: 1, b: { c: 2, d: 3 } }).toMatchObject({ b: { c: 2 } });
    expect(() => { throw new TypeError("bad thing"); }).toThrow("bad");
    expect(() => { throw new TypeError("bad thing"); }).toThrow(TypeError);
    await expect(Promise.reject(Object.assign(new Error("m"), { code: "x" }))).rejects.toMatchObject({ code: "x" });
    let rejected = false;
    try { await expect(Promise.resolve(1)).rejects.toMatchObject({}); } catch { rejected = true; }
    expect(rejected).toBe(true);
  });
});
