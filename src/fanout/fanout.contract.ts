/**
 * The one contract suite of the fan-out ports, run against every adapter (memory.test.ts,
 * bun.test.ts). A harness opens sockets on its adapter and reports what each socket's far end
 * received; `settle` waits until everything sent so far has arrived (Bun: a marker written to
 * every socket after the publishes, which the socket delivers in order).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { WireData } from "../protocol/index.ts";
import type { Fanout, Socket } from "./ports.ts";

export interface OpenedSocket {
  socket: Socket;
  /** Everything this socket's far end has received, markers excluded, in order. */
  received(): string[];
  close(): Promise<void>;
}

export interface FanoutHarness {
  fanout: Fanout;
  open(): Promise<OpenedSocket>;
  /** Resolves once everything written to these sockets so far has arrived. */
  settle(sockets: OpenedSocket[]): Promise<void>;
  stop(): Promise<void>;
}

const text = (d: WireData): string => (typeof d === "string" ? d : new TextDecoder().decode(d));

export function fanoutContract(name: string, make: () => Promise<FanoutHarness>, opts: { runs: number; timeout: number }): void {
  describe(`Fanout contract: ${name}`, () => {
    const withHarness = (body: (h: FanoutHarness) => Promise<void>) => async () => {
      const h = await make();
      try { await body(h); } finally { await h.stop(); }
    };

    test("a publish reaches every subscriber of the topic, in publish order, and nobody else", withHarness(async (h) => {
      const [a, b, c] = [await h.open(), await h.open(), await h.open()];
      h.fanout.subscribe(a.socket, "t1");
      h.fanout.subscribe(b.socket, "t1");
      h.fanout.subscribe(c.socket, "t2");
      for (let i = 0; i < 5; i++) h.fanout.publish("t1", `one-${i}`);
      h.fanout.publish("t2", "two");
      h.fanout.publish("nobody", "lost");
      await h.settle([a, b, c]);
      expect(a.received()).toEqual(["one-0", "one-1", "one-2", "one-3", "one-4"]);
      expect(b.received()).toEqual(a.received());
      expect(c.received()).toEqual(["two"]);
    }), opts.timeout);

    test("subscribe and unsubscribe take effect the instant they return", withHarness(async (h) => {
      const a = await h.open();
      h.fanout.publish("t", "before");
      h.fanout.subscribe(a.socket, "t");
      h.fanout.publish("t", "during");
      h.fanout.unsubscribe(a.socket, "t");
      h.fanout.publish("t", "after");
      await h.settle([a]);
      expect(a.received()).toEqual(["during"]);
    }), opts.timeout);

    test("a closed socket follows nothing and a publish to it is harmless", withHarness(async (h) => {
      const [a, b] = [await h.open(), await h.open()];
      h.fanout.subscribe(a.socket, "t");
      h.fanout.subscribe(b.socket, "t");
      await a.close();
      h.fanout.publish("t", "x");
      await h.settle([b]);
      expect(b.received()).toEqual(["x"]);
      expect(a.received()).toEqual([]);
    }), opts.timeout);

    test("subscriberCount says how many sockets a publish would reach now", withHarness(async (h) => {
      const [a, b] = [await h.open(), await h.open()];
      expect(h.fanout.subscriberCount("t")).toBe(0);
      h.fanout.subscribe(a.socket, "t");
      h.fanout.subscribe(b.socket, "t");
      h.fanout.subscribe(b.socket, "t"); // twice: still one subscriber
      expect(h.fanout.subscriberCount("t")).toBe(2);
      h.fanout.unsubscribe(a.socket, "t");
      expect(h.fanout.subscriberCount("t")).toBe(1);
      await b.close();
      expect(h.fanout.subscriberCount("t")).toBe(0);
    }), opts.timeout);

    test("drained() resolves at once when nothing is queued", withHarness(async (h) => {
      const a = await h.open();
      expect(a.socket.bufferedAmount()).toBe(0);
      await a.socket.drained();
    }), opts.timeout);

    test("property: what each socket receives is exactly the publishes to topics it followed at that moment", withHarness(async (h) => {
      const sockets = [await h.open(), await h.open(), await h.open()];
      const topics = ["a", "b", "c"];
      let n = 0;
      const op = fc.oneof(
        fc.record({ kind: fc.constant("sub" as const), s: fc.nat(2), t: fc.nat(2) }),
        fc.record({ kind: fc.constant("unsub" as const), s: fc.nat(2), t: fc.nat(2) }),
        fc.record({ kind: fc.constant("pub" as const), s: fc.constant(0), t: fc.nat(2) }),
      );
      await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        // Start every run from nothing: nobody follows anything, and nothing is unread.
        for (const s of sockets) for (const t of topics) h.fanout.unsubscribe(s.socket, t);
        await h.settle(sockets);
        const from = sockets.map((s) => s.received().length);
        const follows = sockets.map(() => new Set<string>());
        const expected: string[][] = sockets.map(() => []);
        for (const o of ops) {
          const t = topics[o.t]!;
          if (o.kind === "sub") { h.fanout.subscribe(sockets[o.s]!.socket, t); follows[o.s]!.add(t); }
          else if (o.kind === "unsub") { h.fanout.unsubscribe(sockets[o.s]!.socket, t); follows[o.s]!.delete(t); }
          else {
            const m = `m${n++}`;
            h.fanout.publish(t, m);
            follows.forEach((f, i) => { if (f.has(t)) expected[i]!.push(m); });
          }
        }
        await h.settle(sockets);
        sockets.forEach((s, i) => expect(s.received().slice(from[i])).toEqual(expected[i]!));
      }), { numRuns: opts.runs });
    }), opts.timeout);
  });
}

export { text as wireText };
