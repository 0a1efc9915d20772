import { expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULT_BACKOFF, backoffDelay } from "./backoff.ts";

test("every delay is between 1 s and min(60 s, 2 s x 2^attempt), and jitter spreads it", () => {
  fc.assert(fc.property(fc.nat(100), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
    const d = backoffDelay(attempt, () => r);
    expect(d).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.floorMs);
    expect(d).toBeLessThanOrEqual(Math.min(60_000, 2000 * 2 ** attempt));
  }), { numRuns: 2000 });
  expect(backoffDelay(0, () => 0)).toBe(1000);
  expect(backoffDelay(0, () => 0.999)).toBeCloseTo(1999, -1);
  expect(backoffDelay(20, () => 0.999)).toBeCloseTo(59_941, -2);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(5, Math.random)));
  expect(spread.size).toBeGreaterThan(40);
});
