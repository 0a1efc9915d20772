/**
 * `bun:test` for Deno: the SDK's, the protocol's and the CLI's unit tests import it, and
 * test/deno/deno.json maps that import here, so `deno test` runs the very same files (the proof
 * that the SDK and the CLI are runtime-neutral is running their tests elsewhere, not copies of
 * them). Only what those tests use: describe/test, and the matchers below with Jest's meaning
 * (toEqual ignores undefined properties, toStrictEqual does not, toMatchObject is a subset).
 * Anything else throws, so a test that starts using more fails loudly instead of passing.
 */
declare const Deno: { test(t: { name: string; fn: () => unknown; sanitizeOps: boolean; sanitizeResources: boolean }): void };

// The two Bun calls those tests make: a timer turn, and a GC before measuring memory.
const g = globalThis as { Bun?: unknown };
g.Bun ??= { sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)), gc: () => {} };

const names: string[] = [];

export function describe(name: string, fn: () => void): void {
  names.push(name);
  try { fn(); } finally { names.pop(); }
}

export function test(name: string, fn: () => unknown, _timeoutMs?: number): void {
  // The SDK's fake clocks and sockets leave timers by design; resources are the tests' own business.
  Deno.test({ name: [...names, name].join(" > "), fn, sanitizeOps: false, sanitizeResources: false });
}
export const it = test;

type Obj = Record<string | symbol, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null;
const show = (v: unknown): string => {
  try { return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x)) ?? String(v); } catch { return String(v); }
};

function bytes(v: unknown): Uint8Array | undefined {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

/** Same prototype; a null-prototype object counts as a plain one (as bun:test has it). */
function sameKind(a: object, b: object): boolean {
  const plain = (p: unknown) => p === null || p === Object.prototype;
  const pa = Object.getPrototypeOf(a), pb = Object.getPrototypeOf(b);
  return pa === pb || (plain(pa) && plain(pb));
}

/** Jest's equality: recursive; `strict` also compares prototypes and undefined-valued keys. */
export function equals(a: unknown, b: unknown, strict = false): boolean {
  if (Object.is(a, b)) return true;
  if (!isObj(a) || !isObj(b)) return false;
  if (strict && !sameKind(a, b)) return false;
  const ba = bytes(a), bb = bytes(b);
  if (ba || bb) return !!ba && !!bb && ba.length === bb.length && ba.every((x, i) => x === bb[i]);
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof RegExp || b instanceof RegExp) return String(a) === String(b);
  if (a instanceof Map || b instanceof Map) {
    return a instanceof Map && b instanceof Map && a.size === b.size && [...a].every(([k, v]) => b.has(k) && equals(v, b.get(k), strict));
  }
  if (a instanceof Set || b instanceof Set) {
    return a instanceof Set && b instanceof Set && a.size === b.size && [...a].every((v) => [...b].some((w) => equals(v, w, strict)));
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return false;
  const keys = (o: Obj) => Object.keys(o).filter((k) => strict || o[k] !== undefined);
  const ka = keys(a), kb = keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => (strict ? Object.hasOwn(b, k) : b[k] !== undefined) && equals(a[k], b[k], strict));
}

/** Jest's toMatchObject: every property of `expected` is in `actual`, objects recursively as subsets. */
function matches(actual: unknown, expected: unknown): boolean {
  if (!isObj(expected) || !isObj(actual)) return equals(actual, expected);
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(actual[i], e));
  }
  return Object.keys(expected).every((k) => k in actual && matches(actual[k], expected[k]));
}

function thrown(fn: unknown): { threw: boolean; error: unknown } {
  try { (fn as () => unknown)(); return { threw: false, error: undefined }; } catch (error) { return { threw: true, error }; }
}

function throwMatches(error: unknown, expected: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  if (expected === undefined) return true;
  if (typeof expected === "string") return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (typeof expected === "function") return error instanceof expected;
  if (isObj(expected)) return matches(error, expected);
  throw new Error(`bun-test shim: toThrow(${show(expected)}) is not supported`);
}

type Matchers = {
  toBe(e: unknown): void; toEqual(e: unknown): void; toStrictEqual(e: unknown): void; toMatchObject(e: unknown): void;
  toBeUndefined(): void; toBeDefined(): void; toBeInstanceOf(c: new (...a: never[]) => unknown): void;
  toBeLessThan(n: number): void; toBeLessThanOrEqual(n: number): void; toBeGreaterThan(n: number): void; toBeGreaterThanOrEqual(n: number): void;
  toContain(e: unknown): void; toMatch(e: string | RegExp): void; toHaveLength(n: number): void; toThrow(e?: unknown): void;
};

function matchers(actual: unknown, negate: boolean): Matchers {
  const check = (ok: boolean, what: string) => {
    if (ok === negate) throw new Error(`expected ${show(actual)} ${negate ? "not " : ""}${what}`);
  };
  return {
    toBe: (e) => check(Object.is(actual, e), `to be ${show(e)}`),
    toEqual: (e) => check(equals(actual, e), `to equal ${show(e)}`),
    toStrictEqual: (e) => check(equals(actual, e, true), `to strictly equal ${show(e)}`),
    toMatchObject: (e) => check(matches(actual, e), `to match ${show(e)}`),
    toBeUndefined: () => check(actual === undefined, "to be undefined"),
    toBeDefined: () => check(actual !== undefined, "to be defined"),
    toBeInstanceOf: (c) => check(actual instanceof c, `to be an instance of ${c.name}`),
    toBeLessThan: (n) => check((actual as number) < n, `to be < ${n}`),
    toBeLessThanOrEqual: (n) => check((actual as number) <= n, `to be <= ${n}`),
    toBeGreaterThan: (n) => check((actual as number) > n, `to be > ${n}`),
    toBeGreaterThanOrEqual: (n) => check((actual as number) >= n, `to be >= ${n}`),
    toContain: (e) => check(typeof actual === "string" ? actual.includes(e as string) : Array.isArray(actual) && actual.includes(e), `to contain ${show(e)}`),
    toMatch: (e) => check(typeof actual === "string" && (typeof e === "string" ? actual.includes(e) : e.test(actual)), `to match ${String(e)}`),
    toHaveLength: (n) => check((actual as { length?: unknown })?.length === n, `to have length ${n}`),
    toThrow: (e) => {
      const t = thrown(actual);
      check(t.threw && throwMatches(t.error, e), `to throw ${e === undefined ? "" : show(e instanceof RegExp ? String(e) : e)} (threw: ${t.threw ? show(t.error instanceof Error ? t.error.message : t.error) : "nothing"})`);
    },
  };
}

type Expectation = Matchers & { not: Matchers; rejects: Promisified; resolves: Promisified };
type Promisified = { [K in keyof Matchers]: (...a: Parameters<Matchers[K]>) => Promise<void> };

function settled(p: unknown, want: "rejects" | "resolves"): Promisified {
  const later = async () => {
    let v: unknown;
    try {
      v = await p;
    } catch (e) {
      if (want === "rejects") return e;
      throw e;
    }
    if (want === "rejects") throw new Error(`expected a rejection, got ${show(v)}`);
    return v;
  };
  return new Proxy({} as Promisified, {
    get: (_t, name: string) => async (...args: unknown[]) => {
      const m = matchers(await later(), false) as unknown as Record<string, (...a: unknown[]) => void>;
      if (!m[name]) throw new Error(`bun-test shim: ${want}.${name} is not supported`);
      m[name](...args);
    },
  });
}

export function expect(actual: unknown): Expectation {
  return { ...matchers(actual, false), not: matchers(actual, true), rejects: settled(actual, "rejects"), resolves: settled(actual, "resolves") };
}

const unsupported = (name: string) => () => { throw new Error(`bun-test shim: ${name} is not supported under Deno`); };
export const beforeAll = unsupported("beforeAll");
export const afterAll = unsupported("afterAll");
export const beforeEach = unsupported("beforeEach");
export const afterEach = unsupported("afterEach");
export const mock = unsupported("mock");
export const spyOn = unsupported("spyOn");
