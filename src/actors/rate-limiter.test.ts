import { expect, test } from "bun:test";
import { RateLimiter } from "./rate-limiter.ts";

test("a burst is allowed, then refused, and refill follows the rate; only a long run of refusals is a flood", async () => {
  const r = new RateLimiter(100, 5);
  const results = Array.from({ length: 7 }, () => r.take());
  expect(results).toEqual([true, true, true, true, true, false, false]);
  expect(r.flooding()).toBe(false);
  for (let i = 0; i < 5; i++) r.take();
  expect(r.flooding()).toBe(true);
  await Bun.sleep(30); // 100/s -> about 3 tokens
  expect(r.take()).toBe(true);
  expect(r.flooding()).toBe(false);
});
