/**
 * The tailer's contract (tailer.ts), run against every engine, plus what only a wrapper around the
 * memory engine can stage (lost wake-ups, failing reads) and, on PostgreSQL, killed connections.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checkLog, msg, readAll, SLOW, withStorage, type EngineHarness } from "./engine.contract.ts";
import { EngineError, type Engine, type StoredEvent } from "./engine.ts";
import { createMemoryEngine, MemoryEngineStorage } from "./memory-engine.ts";
import { startTailer, type Tailer, type TailerOptions } from "./tailer.ts";
import { allHarnesses } from "./testing/harnesses.ts";
import { createPgSchema, until } from "./testing/pg.ts";
import { appendRetrying } from "./testing/retry.ts";

/** A tailer that records what it delivers, checking contiguity on the way. */
function follow(e: Engine, opts: Partial<TailerOptions> = {}) {
  const got: StoredEvent[] = [];
  const batches: number[] = [];
  const errors: unknown[] = [];
  const tailer = startTailer(e, {
    afterPos: 0,
    onBatch: (b) => {
      for (const ev of b) {
        const last = got.length ? got[got.length - 1]!.pos : (opts.afterPos ?? 0);
        if (ev.pos !== last + 1) throw new Error(`delivered pos ${ev.pos} after ${last}`);
        got.push(ev);
      }
      batches.push(b.length);
    },
    onError: (err) => errors.push(err),
    ...opts,
  });
  return { tailer, got, batches, errors };
}

const stopAll = async (ts: Tailer[]) => { for (const t of ts) await t.stop(); };

function tailerContract(h: EngineHarness): void {
  describe(`Tailer: ${h.name}`, () => {
    test("delivers every event appended by other instances once, in position order", () => withStorage(h, async (s) => {
      const [a, b, c] = [await s.open(), await s.open(), await s.open()];
      const f = follow(c, { pollMs: 5_000 }); // wake-ups, not the poll, should carry this
      try {
        for (let i = 0; i < 12; i++) {
          await Promise.all([
            a.append(Array.from({ length: 1 + (i % 4) }, (_, j) => msg(`room:${j % 2}`, "a", `a${i}-${j}`))),
            b.append([msg("room:0", "b", `b${i}`)]),
          ]);
        }
        const head = (await a.head()).pos;
        await f.tailer.waitFor(head, 20_000);
        expect(f.got).toEqual(await readAll(a, 100));
        checkLog(f.got);
      } finally { await f.tailer.stop(); }
    }), SLOW);

    test("starts right after its position and pages through a backlog", () => withStorage(h, async (s) => {
      const a = await s.open();
      await a.append(Array.from({ length: 30 }, (_, i) => msg("room:p", "u", `p${i}`)));
      const f = follow(a, { afterPos: 4, pageSize: 7 });
      try {
        await f.tailer.waitFor(30, 20_000);
        expect(f.got.map((e) => e.pos)).toEqual(Array.from({ length: 26 }, (_, i) => i + 5));
        expect(Math.max(...f.batches)).toBeLessThanOrEqual(7);
        await a.append([msg("room:p", "u", "late")]);
        await f.tailer.waitFor(31, 20_000);
        expect(f.got.at(-1)?.cmid).toBe("late");
      } finally { await f.tailer.stop(); }
    }), SLOW);

    test("property: whatever the batches, writers, page size and start, a tailer delivers exactly the log after its start", () => withStorage(h, async (s) => {
      const instances = [await s.open(), await s.open()];
      let run = 0;
      await fc.assert(fc.asyncProperty(
        fc.array(fc.record({ via: fc.nat(1), n: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.nat(3),
        async (sends, pageSize, startBack) => {
          run += 1;
          const head = (await instances[0]!.head()).pos;
          const afterPos = Math.max(0, head - startBack);
          const f = follow(instances[run % 2]!, { afterPos, pageSize, pollMs: 20 });
          try {
            await Promise.all(sends.map(({ via, n }, i) =>
              instances[via]!.append(Array.from({ length: n }, (_, k) => msg(`room:${k % 3}`, "u", `r${run}-${i}-${k}`)))));
            const end = (await instances[0]!.head()).pos;
            await f.tailer.waitFor(end, 20_000);
            expect(f.got).toEqual((await readAll(instances[0]!, 100)).slice(afterPos));
            expect(Math.max(...f.batches)).toBeLessThanOrEqual(pageSize);
          } finally { await f.tailer.stop(); }
        },
      ), { numRuns: 15, endOnFailure: true });
    }), SLOW);

    test("a batch whose onBatch throws is delivered again, and nothing after it is skipped", () => withStorage(h, async (s) => {
      const a = await s.open();
      await a.append([msg("room:r", "u", "r1"), msg("room:r", "u", "r2")]);
      const seen: number[][] = [];
      let fail = true;
      const t = startTailer(a, {
        afterPos: 0, retryMs: 1,
        onBatch: (b) => {
          seen.push(b.map((e) => e.pos));
          if (fail) { fail = false; throw new Error("consumer failed"); }
        },
      });
      try {
        await t.waitFor(2, 20_000);
        expect(seen).toEqual([[1, 2], [1, 2]]);
      } finally { await t.stop(); }
    }), SLOW);

    test("stops with 'diverged' when the engine's history is not the follower's (epoch, or head behind it)", () => withStorage(h, async (s) => {
      const a = await s.open();
      await a.append([msg("room:d", "u")]);
      const wrongEpoch = follow(a, { epoch: "another-history" });
      const ahead = follow(a, { afterPos: 5 }); // a follower that has seen more than the engine has
      try {
        await expect(wrongEpoch.tailer.waitFor(1, 20_000)).rejects.toMatchObject({ code: "diverged" });
        await expect(ahead.tailer.waitFor(6, 20_000)).rejects.toMatchObject({ code: "diverged" });
        // A follower already at the head would be "caught up" at once: `verified` is what tells it.
        await expect(ahead.tailer.verified).rejects.toMatchObject({ code: "diverged" });
        const right = follow(a, { afterPos: 1 });
        try { await right.tailer.verified; } finally { await right.tailer.stop(); }
        expect(wrongEpoch.got).toEqual([]);
        expect(wrongEpoch.tailer.failure).toBeInstanceOf(EngineError);
      } finally { await stopAll([wrongEpoch.tailer, ahead.tailer]); }
    }), SLOW);
  });
}

for (const h of allHarnesses) tailerContract(h);

describe("Tailer: staged failures (memory engine wrapped)", () => {
  test("lost wake-ups: with a watch that never fires, the poll still delivers everything", async () => {
    const storage = new MemoryEngineStorage();
    const writer = createMemoryEngine(storage);
    const deaf: Engine = { ...createMemoryEngine(storage), watch: async () => ({ stop: async () => {} }) };
    const f = follow(deaf, { pollMs: 10 });
    try {
      await writer.append([msg("room:l", "u"), msg("room:l", "u")]);
      await f.tailer.waitFor(2, 10_000);
      expect(f.got.map((e) => e.seq)).toEqual([1, 2]);
    } finally { await f.tailer.stop(); }
  }, SLOW);

  test("failing reads are reported and retried from the same position: no gap, no duplicate", async () => {
    const storage = new MemoryEngineStorage();
    const inner = createMemoryEngine(storage);
    let reads = 0;
    const flaky: Engine = {
      ...inner,
      readAfter: async (pos, limit) => {
        if (++reads % 3 === 0) throw new EngineError("unavailable", "staged drop", true);
        return inner.readAfter(pos, limit);
      },
    };
    const f = follow(flaky, { pageSize: 3, retryMs: 1, pollMs: 5 });
    try {
      for (let i = 0; i < 10; i++) await inner.append([msg("room:f", "u"), msg("room:g", "u")]);
      await f.tailer.waitFor(20, 10_000);
      expect(f.got.map((e) => e.pos)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(f.errors.length).toBeGreaterThan(0);
    } finally { await f.tailer.stop(); }
  }, SLOW);
});

describe("Tailer: hints that carry their commit's events (memory engine wrapped)", () => {
  /**
   * The memory engine, with hints that carry the events committed since the previous hint, as
   * PostgreSQL's NOTIFY does; `lose(n)` drops the n-th hint (1-based) entirely. Counts reads.
   */
  function hinting(storage: MemoryEngineStorage, lose = (_n: number) => false) {
    const inner = createMemoryEngine(storage);
    const counts = { reads: 0 };
    let sent = 0, hints = 0;
    const engine: Engine = {
      ...inner,
      readAfter: async (pos, limit) => { counts.reads++; return inner.readAfter(pos, limit); },
      watch: (h) => inner.watch({
        ...h,
        onHead: (pos) => {
          const events = storage.events.slice(sent, pos).map((e) => structuredClone(e));
          sent = pos;
          if (!lose(++hints)) h.onHead(pos, events);
        },
      }),
    };
    return { engine, counts };
  }

  test("events that follow on from its position are delivered from the hint, without a read", async () => {
    const storage = new MemoryEngineStorage();
    const writer = createMemoryEngine(storage);
    await writer.append([msg("room:h", "u", "before")]);
    const { engine, counts } = hinting(storage);
    const f = follow(engine, { pollMs: 60_000 }); // no poll during the test: only hints
    try {
      await f.tailer.waitFor(1, 10_000);
      const readsAtStart = counts.reads;
      for (let i = 0; i < 5; i++) await writer.append([msg("room:h", "u", `a${i}`), msg("room:i", "v", `b${i}`)]);
      await f.tailer.waitFor(11, 10_000);
      expect(counts.reads).toBe(readsAtStart);
      expect(f.got).toEqual(await readAll(writer, 100));
    } finally { await f.tailer.stop(); }
  }, SLOW);

  test("a lost hint: the next hint's events do not follow on, so it reads, and delivers everything once", async () => {
    const storage = new MemoryEngineStorage();
    const writer = createMemoryEngine(storage);
    const { engine, counts } = hinting(storage, (n) => n === 2);
    const f = follow(engine, { pollMs: 60_000 });
    try {
      await f.tailer.verified;
      await writer.append([msg("room:h", "u", "1")]);
      await f.tailer.waitFor(1, 10_000);
      const reads = counts.reads;
      await writer.append([msg("room:h", "u", "2"), msg("room:h", "u", "3")]); // its hint is lost
      await writer.append([msg("room:h", "u", "4")]);
      await f.tailer.waitFor(4, 10_000);
      expect(counts.reads).toBeGreaterThan(reads);
      expect(f.got).toEqual(await readAll(writer, 100));
    } finally { await f.tailer.stop(); }
  }, SLOW);

  test("a batch from a hint whose onBatch throws is read and delivered again", async () => {
    const storage = new MemoryEngineStorage();
    const writer = createMemoryEngine(storage);
    const { engine } = hinting(storage);
    let failOnce = true;
    const got: StoredEvent[] = [];
    const tailer = startTailer(engine, {
      afterPos: 0, pollMs: 60_000, retryMs: 1,
      onBatch: (b) => {
        if (b[0]!.pos === 2 && failOnce) { failOnce = false; throw new Error("staged apply failure"); }
        for (const e of b) { if (e.pos !== (got.at(-1)?.pos ?? 0) + 1) throw new Error(`gap at ${e.pos}`); got.push(e); }
      },
    });
    try {
      await tailer.verified;
      await writer.append([msg("room:h", "u", "1")]);
      await tailer.waitFor(1, 10_000);
      await writer.append([msg("room:h", "u", "2")]);
      await tailer.waitFor(2, 10_000);
      expect(failOnce).toBe(false);
      expect(got.map((e) => e.pos)).toEqual([1, 2]);
    } finally { await tailer.stop(); }
  }, SLOW);
});

describe("Tailer: a restored older backup (memory engine)", () => {
  test("same epoch, head grown past the follower again: the event at its position differs, and it stops with 'diverged'", async () => {
    const original = new MemoryEngineStorage();
    const live = createMemoryEngine(original);
    const events = (await live.append(Array.from({ length: 5 }, (_, i) => msg("room:b", "u", `b${i}`)))).map((r) => {
      if (r.status !== "appended") throw new Error("expected appended");
      return r.event;
    });
    // The backup was taken after pos 3; after the restore, other events took pos 4…7.
    const restored = new MemoryEngineStorage(original.epoch);
    const engine = createMemoryEngine(restored);
    await engine.append(Array.from({ length: 3 }, (_, i) => msg("room:b", "u", `b${i}`)));
    await engine.append(Array.from({ length: 4 }, (_, i) => msg("room:b", "v", `after-restore-${i}`)));
    const f = follow(engine, { afterPos: 5, lastEvent: events[4] });
    try {
      await expect(f.tailer.waitFor(7, 10_000)).rejects.toMatchObject({ code: "diverged" });
      expect(f.got).toEqual([]);
    } finally { await f.tailer.stop(); }
    // The same follower on the original history carries on.
    const fine = follow(live, { afterPos: 5, lastEvent: events[4] });
    try {
      await live.append([msg("room:b", "u", "b5")]);
      await fine.tailer.waitFor(6, 10_000);
      expect(fine.got.map((e) => e.cmid)).toEqual(["b5"]);
    } finally { await fine.tailer.stop(); }
  }, SLOW);
});

describe("Tailer: PostgreSQL connections killed", () => {
  test("resumes after its connections (LISTEN included) are killed, delivering every acknowledged event once", async () => {
    const s = await createPgSchema();
    try {
      const writer = await s.open();
      const follower = await s.open();
      const f = follow(follower, { pollMs: 100, retryMs: 5 });
      const acked: StoredEvent[] = [];
      try {
        for (let round = 0; round < 6; round++) {
          for (let i = 0; i < 5; i++) {
            const results = await appendRetrying(writer, [msg("room:t", "w", `t${round}-${i}`), msg("room:u", "w", `u${round}-${i}`)]);
            for (const r of results) if (r.status !== "rejected") acked.push(r.event);
          }
          // The LISTEN connection is (back) in place before each kill, so every kill drops it too.
          await until(async () => (await s.listeners()) === 1, 20_000, "the tailer's LISTEN");
          expect(await s.killConnections()).toBeGreaterThan(1);
        }
        const head = Math.max(...acked.map((e) => e.pos));
        await f.tailer.waitFor(head, 30_000);
        checkLog(f.got);
        for (const e of acked) expect(f.got[e.pos - 1]).toEqual(e);
        expect(f.got.length).toBe(60);
      } finally { await f.tailer.stop(); }
    } finally { await s.dispose(); }
  }, SLOW);
});
