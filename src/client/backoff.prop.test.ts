import { expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULT_BACKOFF, backoffDelay } from "./backoff.ts";

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

test("property: every delay is between 1 s and min(60 s, 2 s x 2^attempt)", () => {
  fc.assert(fc.property(fc.nat(1000), unit, (attempt, r) => {
    const d = backoffDelay(attempt, () => r);
    expect(d).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.floorMs);
    expect(d).toBeLessThanOrEqual(Math.min(60_000, 2000 * 2 ** attempt));
  }), { numRuns: 2000 });
});

test("property: full jitter: the delay grows with the random draw, from the floor up to the doubling ceiling", () => {
  fc.assert(fc.property(fc.nat(40), unit, unit, (attempt, a, b) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    expect(backoffDelay(attempt, () => lo)).toBeLessThanOrEqual(backoffDelay(attempt, () => hi));
    expect(backoffDelay(attempt, () => 0)).toBe(1000);
    expect(backoffDelay(attempt, () => 1)).toBe(Math.min(60_000, 2000 * 2 ** attempt));
  }));
});

test("the first retry waits 1-2 s, the cap is reached by the 5th, and real randomness spreads clients out", () => {
  expect(backoffDelay(0, () => 0)).toBe(1000);
  expect(backoffDelay(0, () => 0.999)).toBe(1999);
  expect(backoffDelay(4, () => 1)).toBe(32_000);
  expect(backoffDelay(5, () => 1)).toBe(60_000);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(5, Math.random)));
  expect(spread.size).toBeGreaterThan(40);
});
