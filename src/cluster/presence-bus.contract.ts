/** One contract for every presence bus (presence-bus.ts); presence-bus.test.ts runs it per adapter. */
import { afterEach, expect, test } from "bun:test";
import { MAX_PAYLOAD_BYTES, PayloadTooLargeError, type PresenceBus } from "./presence-bus.ts";

export interface BusHarness {
  name: string;
  /** A fresh network; `bus()` opens one more node's bus on it. */
  create(): Promise<{ bus(): Promise<PresenceBus>; dispose(): Promise<void> }>;
}

/** Collects what a listener hears; `until(n)` waits for n messages (time-limited). */
function collector() {
  const got: string[] = [];
  let listening = 0;
  const waits: { n: number; resolve: () => void }[] = [];
  const check = () => { for (const w of [...waits]) if (got.length >= w.n) { waits.splice(waits.indexOf(w), 1); w.resolve(); } };
  return {
    got,
    get listening() { return listening; },
    handlers: { onMessage: (p: string) => { got.push(p); check(); }, onListening: () => { listening++; check(); } },
    until(n: number, ms = 5_000) {
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`heard ${got.length} of ${n}: ${got.join(",")}`)), ms);
        waits.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
        check();
      });
    },
  };
}

async function listening(c: { listening: number }) {
  const deadline = Date.now() + 5_000;
  while (c.listening === 0) {
    if (Date.now() > deadline) throw new Error("onListening never ran");
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function presenceBusContract(h: BusHarness): void {
  let disposers: (() => Promise<void>)[] = [];
  afterEach(async () => { for (const d of disposers) await d(); disposers = []; });
  const network = async () => { const n = await h.create(); disposers.push(() => n.dispose()); return n; };

  test(`${h.name}: every listener, the sender's own included, hears every payload in order`, async () => {
    const net = await network();
    const [a, b] = [await net.bus(), await net.bus()];
    const ca = collector(), cb = collector();
    await a.listen(ca.handlers);
    await b.listen(cb.handlers);
    await listening(ca); await listening(cb);
    await a.send(["1", "2"]);
    await b.send(["x"]);
    await a.send(["3"]);
    await ca.until(4); await cb.until(4);
    for (const c of [ca, cb]) {
      expect(c.got.filter((p) => p !== "x")).toEqual(["1", "2", "3"]);
      expect(c.got.indexOf("x")).not.toBe(1); // one call's payloads are contiguous
    }
  });

  test(`${h.name}: payloads up to the limit pass, with any characters; a larger one rejects the call`, async () => {
    const net = await network();
    const a = await net.bus();
    const c = collector();
    await a.listen(c.handlers);
    await listening(c);
    const big = "é".repeat(MAX_PAYLOAD_BYTES / 2);
    await a.send([big, "quote ' and \"", ""]);
    await c.until(3);
    expect(c.got).toEqual([big, "quote ' and \"", ""]);
    await expect(a.send([big + "x", "ok"])).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  test(`${h.name}: a stopped listener hears nothing more`, async () => {
    const net = await network();
    const [a, b] = [await net.bus(), await net.bus()];
    const ca = collector(), cb = collector();
    const la = await a.listen(ca.handlers);
    await b.listen(cb.handlers);
    await listening(ca); await listening(cb);
    await la.stop();
    await b.send(["after"]);
    await cb.until(1);
    await b.send(["later"]);
    await cb.until(2);
    expect(ca.got).toEqual([]);
  });
}
