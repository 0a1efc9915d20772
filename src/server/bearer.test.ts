import { expect, test } from "bun:test";
import fc from "fast-check";
import { bearerMatches } from "./bearer.ts";

test("bearerMatches accepts exactly `Bearer <token>`, whatever the lengths of guess and token", () => {
  expect(bearerMatches("Bearer s3cret-token", "s3cret-token")).toBe(true);
  for (const h of [null, "", "Bearer ", "Bearer s3cret-toke", "Bearer s3cret-token ", "bearer s3cret-token", "s3cret-token", "Bearer S3cret-token"]) {
    expect({ h, ok: bearerMatches(h, "s3cret-token") }).toEqual({ h, ok: false });
  }
  fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string(), (token, guess) => {
    expect(bearerMatches(`Bearer ${guess}`, token)).toBe(guess === token);
  }), { numRuns: 300, seed: 9 });
});
