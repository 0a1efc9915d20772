import { afterEach, expect, spyOn, test } from "bun:test";
import { Budgets, RateLimiter } from "./rate-limiter.ts";

let now = 0;
let spy: { mockRestore(): void } | undefined;
const clock = () => { spy = spyOn(performance, "now").mockImplementation(() => now); };
afterEach(() => { spy?.mockRestore(); spy = undefined; });

test("a burst is allowed, then refused, and refill follows the rate; only a long run of refusals is a flood", () => {
  now = 0;
  clock();
  const r = new RateLimiter(100, 5);
  const results = Array.from({ length: 7 }, () => r.take());
  expect(results).toEqual([true, true, true, true, true, false, false]);
  expect(r.flooding()).toBe(false);
  for (let i = 0; i < 5; i++) r.take();
  expect(r.flooding()).toBe(true);
  now += 30; // 100/s -> 3 tokens
  expect([r.take(), r.take(), r.take(), r.take()]).toEqual([true, true, true, false]);
  expect(r.flooding()).toBe(false);
});

test("on the real clock, refused commands become allowed again after a pause", async () => {
  const r = new RateLimiter(2, 1); // a token every 500 ms
  expect([r.take(), r.take()]).toEqual([true, false]);
  let allowed = false;
  // Waits for the refill itself (polled), not a guess at how long it takes.
  for (const deadline = Date.now() + 5000; !allowed && Date.now() < deadline;) {
    await new Promise((done) => setTimeout(done, 20)); // the poll interval
    allowed = r.take();
  }
  expect(allowed).toBe(true);
});

test("with a fake clock: tokens refill at exactly `rate` per second and never beyond `burst`", () => {
  now = 1000;
  clock();
  const r = new RateLimiter(10, 3);
  expect([r.take(), r.take(), r.take(), r.take()]).toEqual([true, true, true, false]);
  now += 99; // 0.99 tokens
  expect(r.take()).toBe(false);
  now += 2; // 1.01 tokens
  expect(r.take()).toBe(true);
  expect(r.take()).toBe(false);
  now += 60_000; // a long pause refills to the burst, not more
  expect([r.take(), r.take(), r.take(), r.take()]).toEqual([true, true, true, false]);
});

test("with a fake clock: flooding means more refusals in a row than the burst, and one success resets it", () => {
  now = 0;
  clock();
  const r = new RateLimiter(1, 2);
  r.take();
  r.take();
  for (let i = 0; i < 2; i++) r.take();
  expect(r.flooding()).toBe(false); // 2 refusals: not more than the burst
  r.take();
  expect(r.flooding()).toBe(true); // 3
  now += 1000;
  expect(r.take()).toBe(true);
  expect(r.flooding()).toBe(false);
});

test("Budgets: one bucket per key, shared by every caller with that key; refilled buckets are dropped by the sweep", () => {
  now = 0;
  clock();
  const b = new Budgets(10, 3);
  expect([b.of("ann").take(), b.of("ann").take(), b.of("ann").take(), b.of("ann").take()]).toEqual([true, true, true, false]);
  expect(b.of("bob").take()).toBe(true);
  expect(b.sweep()).toBe(2);
  now += 100; // bob is full again (1 token at 10/s), ann has 1 of 3
  expect(b.sweep()).toBe(1);
  now += 1000;
  expect(b.sweep()).toBe(0);
  expect(b.size).toBe(0);
});
