import { expect, test } from "bun:test";
import { StoreMonitor } from "./store-monitor.ts";

/** A store whose reachability a test switches: answering, refusing, or hanging. */
function store() {
  let mode: "ok" | "refuse" | "hang" = "ok";
  const hung: (() => void)[] = [];
  return {
    set(m: typeof mode) {
      mode = m;
      if (m !== "hang") for (const r of hung.splice(0)) r();
    },
    probe: () => mode === "ok" ? Promise.resolve() : mode === "refuse" ? Promise.reject(new Error("ECONNREFUSED")) : new Promise<void>((r) => hung.push(r)),
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const failure of ["refuse", "hang"] as const) {
  test(`a store that ${failure === "refuse" ? "refuses" : "does not answer"} for longer than the timeout is down, and up at the first answer`, async () => {
    const s = store();
    const events: string[] = [];
    let whileDown = 0;
    const m = new StoreMonitor({
      timeoutMs: 100, probeMs: 10, probe: s.probe,
      onDown: (d) => events.push(`down:${d.error}`), onUp: () => events.push("up"), whileDown: () => { whileDown++; },
    });
    m.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      expect(events).toEqual([]); // answering: never down
      s.set(failure);
      await until(() => events.length === 1, "down");
      expect(events[0]).toBe(failure === "refuse" ? "down:ECONNREFUSED" : "down:no answer yet");
      expect(m.down).toBeDefined();
      await until(() => whileDown >= 2, "ticks while down");
      s.set("ok");
      await until(() => events.length === 2, "up");
      expect(events[1]).toBe("up");
      expect(m.down).toBeUndefined();
    } finally {
      m.stop();
    }
  });
}

test("a failure shorter than the timeout is not an outage", async () => {
  const s = store();
  const events: string[] = [];
  let probes = 0;
  const m = new StoreMonitor({ timeoutMs: 500, probeMs: 10, probe: () => { probes++; return s.probe(); }, onDown: () => events.push("down"), onUp: () => events.push("up") });
  m.start();
  try {
    s.set("refuse");
    const at = probes;
    await until(() => probes >= at + 3, "a few failed probes");
    s.set("ok");
    const ok = probes;
    await until(() => probes >= ok + 60, "probes past the timeout");
    expect(events).toEqual([]);
  } finally {
    m.stop();
  }
});
