import { expect, test } from "bun:test";
import { StoreMonitor } from "./store-monitor.ts";

/** A store whose reachability a test switches (answering, refusing, hanging), on a test clock. */
function harness(timeoutMs: number) {
  let mode: "ok" | "refuse" | "hang" = "ok";
  const hung: (() => void)[] = [];
  let t = 1_000_000;
  const events: string[] = [];
  let whileDown = 0;
  const m = new StoreMonitor({
    timeoutMs,
    now: () => t,
    probe: () => mode === "ok" ? Promise.resolve() : mode === "refuse" ? Promise.reject(new Error("ECONNREFUSED")) : new Promise<void>((r) => hung.push(r)),
    onDown: (d) => events.push(`down:${d.error}@${t - d.since}`),
    onUp: (ms) => events.push(`up:${ms}`),
    whileDown: () => { whileDown++; },
  });
  return {
    m, events,
    get whileDown() { return whileDown; },
    set(next: typeof mode) {
      mode = next;
      if (next !== "hang") for (const r of hung.splice(0)) r();
    },
    /** `n` probe periods of `ms` each; a tick's probe settles before the next (a hung one does not). */
    async run(n: number, ms: number) {
      for (let i = 0; i < n; i++) {
        t += ms;
        const probe = m.tick();
        if (mode !== "hang") await probe;
      }
    },
  };
}

for (const failure of ["refuse", "hang"] as const) {
  test(`a store that ${failure === "refuse" ? "refuses" : "does not answer"} for longer than the timeout is down, and up at the first answer`, async () => {
    const h = harness(1_000);
    await h.run(20, 250);
    expect(h.events).toEqual([]); // answering: never down
    h.set(failure);
    await h.run(4, 250);
    expect(h.events).toEqual([]); // 1,000 ms without an answer is not yet longer than the timeout
    await h.run(1, 250);
    expect(h.events).toEqual([`down:${failure === "refuse" ? "ECONNREFUSED" : "no answer yet"}@1250`]);
    expect(h.m.down).toBeDefined();
    await h.run(3, 250);
    expect(h.whileDown).toBe(3);
    h.set("ok");
    await h.run(2, 250);
    expect(h.events[1]).toMatch(/^up:\d+$/);
    expect(h.events).toHaveLength(2);
    expect(h.m.down).toBeUndefined();
  });
}

test("failures shorter than the timeout, however many, are not an outage", async () => {
  const h = harness(1_000);
  for (let round = 0; round < 5; round++) {
    h.set("refuse");
    await h.run(3, 250);
    h.set("ok");
    await h.run(1, 250);
  }
  expect(h.events).toEqual([]);
});
