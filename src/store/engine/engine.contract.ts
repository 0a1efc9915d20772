/**
 * The engine contract (engine.ts), written once and run against every engine: memory, SQLite and
 * PostgreSQL (engine.test.ts). Each test gets fresh storage and disposes of it, even on failure.
 * "Instances" are several engines opened on one storage — several nodes on one database.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { AppendResult, Engine, EngineRequest, StoredEvent } from "./engine.ts";

export interface StorageUnderTest {
  /** Opens one more engine instance on this storage. */
  open(): Promise<Engine>;
  /** Closes every instance opened here and deletes the storage. */
  dispose(): Promise<void>;
}

export interface EngineHarness {
  name: string;
  create(): Promise<StorageUnderTest>;
}

/** Generous per-test limit: the machine is shared and PostgreSQL round trips add up. */
export const SLOW = 60_000;

export const msg = (stream: string, author: string, cmid?: string, text = "hi"): EngineRequest =>
  ({ stream, kind: "message", author, body: { text }, cmid, at: 1_700_000_000_000 });

export async function withStorage<T>(h: EngineHarness, fn: (s: StorageUnderTest) => Promise<T>): Promise<T> {
  const s = await h.create();
  try { return await fn(s); } finally { await s.dispose(); }
}

const appended = (r: AppendResult): StoredEvent => {
  if (r.status !== "appended") throw new Error(`expected appended, got ${JSON.stringify(r)}`);
  return r.event;
};

/** Reads the whole log in pages of `page`, checking on the way that positions are 1, 2, 3… */
export async function readAll(e: Engine, page = 7): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (;;) {
    const got = await e.readAfter(out.length, page);
    for (const ev of got) {
      if (ev.pos !== out.length + 1) throw new Error(`read pos ${ev.pos} after ${out.length}`);
      out.push(ev);
    }
    if (got.length < page) return out;
  }
}

/** Every invariant the log itself must satisfy: gapless pos, gapless per-stream seq, one event per (author, cmid). */
export function checkLog(log: StoredEvent[]): void {
  const heads = new Map<string, number>();
  const cmids = new Set<string>();
  log.forEach((e, i) => {
    expect(e.pos).toBe(i + 1);
    expect(e.seq).toBe((heads.get(e.stream) ?? 0) + 1);
    heads.set(e.stream, e.seq);
    if (e.cmid !== undefined) {
      const k = `${e.author}|${e.cmid}`;
      expect(cmids.has(k)).toBe(false);
      cmids.add(k);
    }
  });
}

export function engineContract(h: EngineHarness): void {
  describe(`Engine contract: ${h.name}`, () => {
    test("seqs are gapless per stream, pos is gapless across streams, heads follow", () => withStorage(h, async (s) => {
      const e = await s.open();
      expect(await e.append([])).toEqual([]);
      const out = (await e.append([msg("room:a", "u"), msg("room:b", "u"), msg("room:a", "v"), msg("room:a", "u")])).map(appended);
      expect(out.map((o) => [o.stream, o.seq, o.pos])).toEqual([["room:a", 1, 1], ["room:b", 1, 2], ["room:a", 2, 3], ["room:a", 3, 4]]);
      expect(appended((await e.append([msg("room:b", "u")]))[0]!)).toMatchObject({ seq: 2, pos: 5 });
      expect(await e.streamHead("room:a")).toBe(3);
      expect(await e.streamHead("room:none")).toBe(0);
      expect(await e.head()).toEqual({ epoch: e.epoch, pos: 5 });
    }), SLOW);

    test("readAfter pages in position order and returns what append returned", () => withStorage(h, async (s) => {
      const e = await s.open();
      const written = (await e.append(Array.from({ length: 23 }, (_, i) => msg(`room:${i % 3}`, "u", `c${i}`, `t${i}`)))).map(appended);
      written.push(appended((await e.append([msg("room:x", "u")]))[0]!));
      expect(await readAll(e, 5)).toEqual(written);
      expect((await e.readAfter(20, 2)).map((x) => x.pos)).toEqual([21, 22]);
      expect(await e.readAfter(24, 10)).toEqual([]);
      expect(await e.readAfter(99, 10)).toEqual([]);
      expect("cmid" in written[23]!).toBe(false);
    }), SLOW);

    test("a repeated (author, cmid) appends nothing and returns the original: within a batch, across batches, across instances", () => withStorage(h, async (s) => {
      const a = await s.open();
      const b = await s.open();
      const [first] = await a.append([msg("room:a", "u", "c1", "original")]);
      const again = await b.append([msg("room:a", "u", "c1", "changed"), msg("room:a", "u", "c2")]);
      expect(again[0]).toEqual({ status: "duplicate", event: appended(first!) });
      expect(appended(again[1]!).seq).toBe(2);
      const inBatch = await a.append([msg("room:a", "w", "x"), msg("room:a", "w", "x")]);
      expect(inBatch[1]).toEqual({ status: "duplicate", event: appended(inBatch[0]!) });
      expect(appended((await b.append([msg("room:a", "v", "c1")]))[0]!).seq).toBe(4); // other author: another message
      expect((await a.head()).pos).toBe(4);
      checkLog(await readAll(b));
    }), SLOW);

    test("a failing batch keeps nothing and the next append continues gapless", () => withStorage(h, async (s) => {
      const e = await s.open();
      await e.append([msg("room:a", "u", "ok1")]);
      const bad = { ...msg("room:a", "u", "bad"), body: { text: 1n as unknown as string } };
      await expect(e.append([msg("room:a", "u", "ok2"), bad])).rejects.toThrow();
      expect(await e.head()).toEqual({ epoch: e.epoch, pos: 1 });
      expect(await e.streamHead("room:a")).toBe(1);
      const [next] = await e.append([msg("room:a", "u", "ok2")]);
      expect(appended(next!)).toMatchObject({ seq: 2, pos: 2 });
    }), SLOW);

    test("guards are checked in the transaction in batch order; effects apply only to appended events", () => withStorage(h, async (s) => {
      const a = await s.open();
      const b = await s.open();
      const member = { scope: "room:r", key: "alice" };
      const send = (cmid?: string) => ({ ...msg("room:r", "alice", cmid), guard: { require: [member] } });
      const join = { ...msg("room:r", "alice"), kind: "joined" as const, guard: { forbid: [member] }, effects: { add: [member] } };
      const leave = { ...msg("room:r", "alice"), kind: "left" as const, guard: { require: [member] }, effects: { remove: [member] } };
      const r1 = await a.append([send("s0"), join, send("s1"), join, leave, send("s2")]);
      expect(r1.map((r) => r.status)).toEqual(["rejected", "appended", "appended", "rejected", "appended", "rejected"]);
      expect(r1[0]).toEqual({ status: "rejected", code: "fact_missing", fact: member });
      expect(r1[3]).toEqual({ status: "rejected", code: "fact_present", fact: member });
      expect(r1.filter((r) => r.status === "appended").map((r) => appended(r).seq)).toEqual([1, 2, 3]);
      expect(await b.holds(member)).toBe(false);
      // A rejected request used no seq or pos, and a retry of an appended one is a duplicate even
      // though its guard fails now: the answer is what happened the first time.
      const r2 = await b.append([send("s1"), send("s0")]);
      expect(r2[0]).toEqual({ status: "duplicate", event: appended(r1[2]!) });
      expect(r2[1]!.status).toBe("rejected");
      await b.append([join]);
      expect(await a.holds(member)).toBe(true);
      expect(appended((await a.append([send("s0")]))[0]!)).toMatchObject({ seq: 5, pos: 5 });
      checkLog(await readAll(a));
    }), SLOW);

    test("the epoch is the storage's: equal for every instance and in head(), different for other storage", async () => {
      const epochs = await withStorage(h, async (s) => {
        const a = await s.open();
        const b = await s.open();
        expect(b.epoch).toBe(a.epoch);
        expect((await b.head()).epoch).toBe(a.epoch);
        return a.epoch;
      });
      const other = await withStorage(h, async (s) => (await s.open()).epoch);
      expect(other).not.toBe(epochs);
      expect(epochs.length).toBeGreaterThan(8);
    }, SLOW);

    test("renewEpoch: a new epoch for every instance once, whoever asks first; a caller with an old epoch changes nothing", () => withStorage(h, async (s) => {
      const a = await s.open();
      const b = await s.open();
      const old = a.epoch;
      const [x, y] = await Promise.all([a.renewEpoch(old), b.renewEpoch(old)]);
      expect(x).not.toBe(old);
      expect(y).toBe(x);
      expect((await b.head()).epoch).toBe(x);
      expect(await a.renewEpoch(old)).toBe(x);
    }), SLOW);

    test("watch: says when listening, then hints at heads appended by another instance", () => withStorage(h, async (s) => {
      const a = await s.open();
      const b = await s.open();
      let listening!: () => void;
      const isListening = new Promise<void>((r) => { listening = r; });
      let reached!: () => void;
      const hinted = new Promise<void>((r) => { reached = r; });
      const w = await b.watch({ onHead: (pos) => { if (pos >= 3) reached(); }, onListening: () => listening() });
      await isListening;
      await a.append([msg("room:a", "u"), msg("room:a", "u"), msg("room:a", "u")]);
      await hinted;
      await w.stop();
    }), SLOW);

    test("property: concurrent appenders on several instances never duplicate or skip a seq or pos, and retries return the original", () => withStorage(h, async (s) => {
      const instances = [await s.open(), await s.open(), await s.open()];
      let round = 0;
      const req = fc.record({
        stream: fc.constantFrom("room:a", "room:b", "dm:x:y"),
        author: fc.constantFrom("x", "y"),
        cmid: fc.option(fc.constantFrom("m1", "m2", "m3", "m4"), { nil: undefined }),
      });
      // Each run: several batches sent at once, each through a random instance; cmids are
      // scoped to the run so that retries collide across instances within a run only.
      await fc.assert(fc.asyncProperty(
        fc.array(fc.record({ via: fc.nat(2), batch: fc.array(req, { minLength: 1, maxLength: 5 }) }), { minLength: 1, maxLength: 6 }),
        async (sends) => {
          round += 1;
          const before = (await instances[0]!.head()).pos;
          const tagged = sends.map(({ via, batch }) => ({
            via, batch: batch.map((r) => msg(`${r.stream}:${round}`, r.author, r.cmid && `${round}-${r.cmid}`)),
          }));
          const results = await Promise.all(tagged.map(({ via, batch }) => instances[via]!.append(batch)));
          const log = (await readAll(instances[round % 3]!, 50)).slice(before);
          const byKey = new Map(log.filter((e) => e.cmid !== undefined).map((e) => [`${e.author}|${e.cmid}`, e]));
          const newPos = new Set<number>();
          results.forEach((rs, i) => rs.forEach((r, j) => {
            const q = tagged[i]!.batch[j]!;
            expect(r.status).not.toBe("rejected");
            if (r.status === "rejected") return;
            expect([r.event.author, r.event.cmid]).toEqual([q.author, q.cmid]);
            if (r.status === "appended") {
              expect(r.event.stream).toBe(q.stream);
              expect(newPos.has(r.event.pos)).toBe(false);
              newPos.add(r.event.pos);
              expect(log[r.event.pos - before - 1]).toEqual(r.event);
            }
            if (q.cmid !== undefined) expect(r.event).toEqual(byKey.get(`${q.author}|${q.cmid}`)!);
          }));
          expect(newPos.size).toBe(log.length);
        },
      ), { numRuns: 25 });
      checkLog(await readAll(instances[1]!, 100));
    }), SLOW);
  });
}
