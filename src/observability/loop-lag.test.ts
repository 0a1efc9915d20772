import { expect, test } from "bun:test";
import { FAST_MS, SLOW_MS, watchLoopLag, type LagClock } from "./loop-lag.ts";

/** A clock the test moves by hand: `run(late, cpu)` fires the pending tick `late` ms after it was due, the process having used `cpu` ms of CPU meanwhile. */
function fakeClock() {
  let now = 0;
  let cpu = 0;
  let pending: { at: number; f: () => void } | undefined;
  const delays: number[] = [];
  const clock: LagClock = {
    now: () => now,
    cpuMs: () => cpu,
    after: (ms, f) => {
      delays.push(ms);
      const p = { at: now + ms, f };
      pending = p;
      return { cancel: () => { if (pending === p) pending = undefined; } };
    },
  };
  return {
    clock, delays,
    run(late = 0, cpuUsed = 0) {
      const p = pending;
      if (!p) throw new Error("no tick pending");
      pending = undefined;
      now = p.at + late;
      cpu += cpuUsed;
      p.f();
    },
    get pending() { return pending !== undefined; },
  };
}

test("an idle process ticks once a second after a quiet second; a busy one every 100 ms", () => {
  const c = fakeClock();
  const reports: number[] = [];
  watchLoopLag((ms) => reports.push(ms), c.clock);
  for (let i = 0; i < 12; i++) c.run();
  expect(c.delays[0]).toBe(FAST_MS);
  expect(c.delays.at(-1)).toBe(SLOW_MS); // quiet for a second: once a second
  const slowFrom = c.delays.indexOf(SLOW_MS);
  expect(slowFrom).toBeGreaterThan(0);
  // CPU use (10 % of a core over the tick) makes it fast again at once.
  c.run(0, 100);
  expect(c.delays.at(-1)).toBe(FAST_MS);
  // ...and it stays fast for a second after the last busy tick.
  for (let i = 0; i < 9; i++) { c.run(); expect(c.delays.at(-1)).toBe(FAST_MS); }
  c.run();
  expect(c.delays.at(-1)).toBe(SLOW_MS);
});

test("a block is reported as the tick's lateness, and a late tick alone (no CPU: a blocking syscall) switches to 100 ms", () => {
  const c = fakeClock();
  const reports: number[] = [];
  watchLoopLag((ms) => reports.push(ms), c.clock);
  while (c.delays.at(-1) !== SLOW_MS) c.run();
  reports.length = 0;
  c.run(700, 0); // the loop blocked across the due time, 700 ms past it
  expect(reports).toEqual([700]);
  expect(c.delays.at(-1)).toBe(FAST_MS);
  // Busy ticks keep the window at a second: ten 100 ms ticks report once, with their worst.
  for (let i = 0; i < 9; i++) c.run(i === 3 ? 40 : 0);
  expect(reports).toEqual([700]);
  c.run();
  expect(reports).toEqual([700, 40]);
});

test("stop cancels the pending tick", () => {
  const c = fakeClock();
  const w = watchLoopLag(() => {}, c.clock);
  c.run();
  w.stop();
  expect(c.pending).toBe(false);
});
