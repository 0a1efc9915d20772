/**
 * Property: whatever the network does (drops, duplicates, cuts mid-repair), the SDK emits every
 * event of the log exactly once, in seq order per stream. The fake server here keeps a real log,
 * replays from hello cursors and answers `history`, like the real one.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import type { EventFrame, HelloFrame, HistoryFrame, WelcomeFrame } from "../protocol/index.ts";
import { clientHarness, ev, type FakeServerSocket } from "./testing.ts";

const STREAMS = ["room:a", "dm:ann:bob"] as const;

type Step =
  | { t: "append"; stream: number; how: "deliver" | "drop" | "twice" }
  | { t: "redeliver"; stream: number; back: number }
  | { t: "answer" }
  | { t: "cut" };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("append" as const), stream: fc.nat(1), how: fc.constantFrom("deliver", "deliver", "drop", "twice") }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("redeliver" as const), stream: fc.nat(1), back: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.constant({ t: "answer" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "cut" as const }) },
);

test("property: every event is emitted exactly once and in order, whatever is dropped, duplicated or cut", async () => {
  await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
    const log = new Map<string, EventFrame[]>(STREAMS.map((s) => [s, []]));
    const { c, events, last } = clientHarness();
    const answered = new WeakMap<FakeServerSocket, number>();

    const handshake = () => {
      const s = last();
      s.open();
      const hello = s.sent[0] as HelloFrame;
      const w: WelcomeFrame = {
        type: "welcome", id: "hello", user: "ann", device: "d", epoch: "e1", reads: {}, heartbeatMs: 60_000,
        limits: { maxPayload: 1, maxText: 1 },
        streams: STREAMS.map((stream) => ({ stream, kind: "room", name: stream, head: log.get(stream)!.length, unread: 0, mentions: 0 })),
      };
      s.push(w);
      if (hello.cursors) for (const stream of STREAMS) for (const e of log.get(stream)!.slice(hello.cursors[stream] ?? 0)) s.push(e);
      s.push({ type: "synced", id: "hello" });
    };
    const answer = () => {
      const s = last();
      if (s.readyState !== 1) return;
      const reqs = s.sent.filter((f) => f.type === "history") as (HistoryFrame & { id: string })[];
      for (const r of reqs.slice(answered.get(s) ?? 0)) {
        const page = log.get(r.stream)!.slice(r.after ?? 0, (r.after ?? 0) + (r.limit ?? 50)).map(({ type: _t, ...x }) => x);
        s.push({ type: "page", id: r.id, stream: r.stream, events: page, more: false });
      }
      answered.set(s, reqs.length);
    };
    const settle = async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); };

    c.connect();
    handshake();
    for (const st of steps) {
      const s = last();
      if (st.t === "append") {
        const stream = STREAMS[st.stream]!;
        const e = ev(stream, log.get(stream)!.length + 1);
        log.get(stream)!.push(e);
        if (st.how !== "drop") s.push(e);
        if (st.how === "twice") s.push(e);
      } else if (st.t === "redeliver") {
        const l = log.get(STREAMS[st.stream]!)!;
        const e = l[l.length - 1 - st.back];
        if (e) s.push(e);
      } else if (st.t === "answer") {
        answer();
      } else {
        s.serverClose(1006);
        c.retryNow();
        handshake();
      }
      await settle();
    }
    // Let the network heal: answer what is asked, then one clean resume.
    for (let i = 0; i < 3; i++) { answer(); await settle(); }
    last().serverClose(1006);
    c.retryNow();
    handshake();
    for (let i = 0; i < 3; i++) { answer(); await settle(); }

    for (const stream of STREAMS) {
      expect(events.filter((e) => e.stream === stream).map((e) => e.seq)).toEqual(log.get(stream)!.map((e) => e.seq));
    }
    c.close();
  }), { numRuns: 300 });
});
