/**
 * The EventLog contract, written once and run against every adapter: memory and bun:sqlite
 * under `bun test` (event-log.test.ts), better-sqlite3 under Node 20 (test/node/). It uses only
 * node:assert and the describe/test functions it is given, so both runners can host it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type AppendRequest, type EventLog, StoreUnavailableError } from "./event-log.ts";

export interface ContractHost {
  describe: (name: string, fn: () => void) => void;
  /** timeoutMs: a per-test limit where the host has a default one (bun test: 5 s). */
  test: (name: string, fn: () => void | Promise<void>, timeoutMs?: number) => void;
}

export interface AdapterUnderTest {
  name: string;
  /** A new, empty log. */
  open: () => EventLog | Promise<EventLog>;
  /** Closes and reopens the same storage, when the adapter persists (file-backed). */
  reopen?: (log: EventLog) => EventLog | Promise<EventLog>;
}

const msg = (stream: string, author: string, cmid?: string, text = "hi"): AppendRequest =>
  ({ stream, kind: "message", author, body: { text }, cmid, at: 1_700_000_000_000 });

export function eventLogContract(adapter: AdapterUnderTest, { describe, test }: ContractHost): void {
  describe(`EventLog contract: ${adapter.name}`, () => {
    test("per-stream seq is gapless from 1 and pos increases across streams", async () => {
      const log = await adapter.open();
      const out = log.append([msg("room:a", "u"), msg("room:b", "u"), msg("room:a", "v"), msg("room:a", "u")]);
      assert.deepEqual(out.map((o) => [o.event.stream, o.event.seq, o.event.pos]), [
        ["room:a", 1, 1], ["room:b", 1, 2], ["room:a", 2, 3], ["room:a", 3, 4],
      ]);
      const more = log.append([msg("room:b", "u")]);
      assert.deepEqual([more[0]!.event.seq, more[0]!.event.pos], [2, 5]);
      assert.equal(log.head("room:a"), 3);
      assert.equal(log.head("room:none"), 0);
      assert.equal(log.lastPos(), 5);
      assert.deepEqual([...log.heads()].sort(), [["room:a", 3], ["room:b", 2]]);
      log.close();
    });

    test("a repeated (author, cmid) appends nothing and returns the original, across and within batches", async () => {
      const log = await adapter.open();
      const [first] = log.append([msg("room:a", "u", "c1", "original")]);
      const again = log.append([msg("room:a", "u", "c1", "changed text"), msg("room:a", "u", "c2")]);
      assert.equal(again[0]!.duplicate, true);
      assert.deepEqual(again[0]!.event, first!.event);
      assert.equal(again[1]!.event.seq, 2);
      const inBatch = log.append([msg("room:a", "w", "x"), msg("room:a", "w", "x")]);
      assert.equal(inBatch[0]!.duplicate, false);
      assert.equal(inBatch[1]!.duplicate, true);
      assert.equal(inBatch[1]!.event.seq, inBatch[0]!.event.seq);
      // Same cmid, other author: a different message.
      assert.equal(log.append([msg("room:a", "v", "c1")])[0]!.duplicate, false);
      assert.equal(log.head("room:a"), 4);
      assert.equal(log.findByCmid("u", "c1")?.body.text, "original");
      assert.equal(log.findByCmid("u", "nope"), undefined);
      log.close();
    });

    test("a failing batch keeps nothing and the next append continues gapless", async () => {
      const log = await adapter.open();
      log.append([msg("room:a", "u", "ok1")]);
      const bad = { ...msg("room:a", "u", "bad"), body: { text: 1n as unknown as string } };
      assert.throws(() => log.append([msg("room:a", "u", "ok2"), bad]));
      assert.equal(log.head("room:a"), 1);
      assert.equal(log.lastPos(), 1);
      assert.equal(log.readAll(0, 10).length, 1);
      assert.equal(log.findByCmid("u", "ok2"), undefined);
      const [next] = log.append([msg("room:a", "u", "ok2")]);
      assert.deepEqual([next!.event.seq, next!.event.pos, next!.duplicate], [2, 2, false]);
      log.close();
    });

    test("probeWrite commits on a healthy log and touches no event; a request that cannot be stored is not a storage refusal", async () => {
      const log = await adapter.open();
      log.append([msg("room:a", "u", "p1")]);
      log.probeWrite();
      log.probeWrite();
      assert.deepEqual([log.lastPos(), log.head("room:a"), log.readAll(0, 10).length], [1, 1, 1]);
      const bad = { ...msg("room:a", "u", "bad"), body: { text: 1n as unknown as string } };
      assert.throws(() => log.append([bad]), (e: unknown) => !(e instanceof StoreUnavailableError));
      assert.equal(log.append([msg("room:a", "u", "p2")])[0]!.event.seq, 2);
      log.close();
    });

    test("reads come back in order with limits", async () => {
      const log = await adapter.open();
      log.append(Array.from({ length: 10 }, (_, i) => msg(i % 2 ? "room:odd" : "room:even", "u", `c${i}`, `t${i}`)));
      assert.deepEqual(log.readAfter("room:even", 0, 3).map((e) => e.seq), [1, 2, 3]);
      assert.deepEqual(log.readAfter("room:even", 3, 10).map((e) => e.seq), [4, 5]);
      assert.deepEqual(log.readBefore("room:odd", 5, 2).map((e) => e.seq), [3, 4]);
      assert.deepEqual(log.readBefore("room:odd", 2, 10).map((e) => e.seq), [1]);
      assert.deepEqual(log.readAll(4, 3).map((e) => e.pos), [5, 6, 7]);
      const e = log.get("room:odd", 2)!;
      assert.deepEqual({ ...e }, { stream: "room:odd", seq: 2, pos: 4, at: 1_700_000_000_000, author: "u", kind: "message", body: { text: "t3" }, cmid: "c3" });
      assert.equal(log.get("room:odd", 99), undefined);
      assert.equal("cmid" in log.append([msg("room:x", "u")])[0]!.event, false);
      log.close();
    });

    test("prune keeps the newest events and first() moves; unread counts skip own messages and cap", async () => {
      const log = await adapter.open();
      log.append(Array.from({ length: 20 }, (_, i) => msg("room:p", i % 4 === 0 ? "me" : "them")));
      assert.equal(log.first("room:p"), 1);
      assert.equal(log.countMessagesAfter("room:p", 0, "me"), 15);
      assert.equal(log.countMessagesAfter("room:p", 0, "me", 4), 4);
      assert.equal(log.countMessagesAfter("room:p", 16, "me"), 3);
      assert.equal(log.prune("room:p", 5), 15);
      assert.equal(log.first("room:p"), 16);
      assert.equal(log.head("room:p"), 20);
      assert.deepEqual(log.readAfter("room:p", 0, 100).map((e) => e.seq), [16, 17, 18, 19, 20]);
      assert.equal(log.prune("room:p", 5), 0);
      assert.equal(log.append([msg("room:p", "me")])[0]!.event.seq, 21);
      assert.equal(log.first("room:empty"), 1);
      log.close();
    });

    test("snapshots are saved, overwritten and loaded by name", async () => {
      const log = await adapter.open();
      assert.equal(log.loadSnapshot("projection"), undefined);
      log.saveSnapshot("projection", { pos: 3, version: 1, data: "{\"a\":1}" });
      log.saveSnapshot("projection", { pos: 7, version: 2, data: "{\"b\":2}" });
      assert.deepEqual(log.loadSnapshot("projection"), { pos: 7, version: 2, data: "{\"b\":2}" });
      log.close();
    });

    if (adapter.reopen) {
      const reopen = adapter.reopen;
      test("after reopening: same epoch, same heads, idempotency still holds, seqs continue", async () => {
        const log = await adapter.open();
        log.append([msg("room:a", "u", "k1"), msg("room:a", "u", "k2"), msg("dm:a:b", "a", "k3")]);
        const epoch = log.epoch;
        const again = await reopen(log);
        assert.equal(again.epoch, epoch);
        assert.equal(again.head("room:a"), 2);
        assert.equal(again.lastPos(), 3);
        assert.equal(again.append([msg("room:a", "u", "k1")])[0]!.duplicate, true);
        assert.deepEqual(again.append([msg("room:a", "u", "k4")]).map((o) => [o.event.seq, o.event.pos]), [[3, 4]]);
        again.close();
      });
    }

    test("property: random batches keep every invariant and match a reference model", async () => {
      const req = fc.record({
        stream: fc.constantFrom("room:a", "room:b", "dm:x:y"),
        author: fc.constantFrom("x", "y"),
        cmid: fc.option(fc.constantFrom("m1", "m2", "m3", "m4", "m5", "m6"), { nil: undefined }),
      });
      const opened: EventLog[] = [];
      try {
        await fc.assert(fc.asyncProperty(fc.array(fc.array(req, { minLength: 1, maxLength: 6 }), { maxLength: 8 }), async (batches) => {
          const log = await adapter.open();
          opened.push(log);
          const seen = new Map<string, { stream: string; seq: number }>(); // author|cmid -> original
          const heads = new Map<string, number>();
          let pos = 0;
          for (const batch of batches) {
            const out = log.append(batch.map((r) => msg(r.stream, r.author, r.cmid)));
            assert.equal(out.length, batch.length);
            batch.forEach((r, i) => {
              const o = out[i]!;
              const key = r.cmid === undefined ? undefined : `${r.author}|${r.cmid}`;
              const original = key === undefined ? undefined : seen.get(key);
              if (original) {
                assert.equal(o.duplicate, true);
                assert.deepEqual([o.event.stream, o.event.seq], [original.stream, original.seq]);
                return;
              }
              const seq = (heads.get(r.stream) ?? 0) + 1;
              heads.set(r.stream, seq);
              pos += 1;
              assert.deepEqual([o.duplicate, o.event.stream, o.event.seq, o.event.pos], [false, r.stream, seq, pos]);
              if (key !== undefined) seen.set(key, { stream: r.stream, seq });
            });
          }
          for (const [stream, head] of heads) {
            assert.deepEqual(log.readAfter(stream, 0, 1000).map((e) => e.seq), Array.from({ length: head }, (_, i) => i + 1));
          }
          const all = log.readAll(0, 1000).map((e) => e.pos);
          assert.deepEqual(all, Array.from({ length: pos }, (_, i) => i + 1));
          log.close();
        }), { numRuns: 40 });
      } finally {
        for (const l of opened) try { l.close(); } catch { /* already closed */ }
      }
      // 40 fresh databases, each created and fsync'd (FULL) on a file adapter: ~3 s on a quiet
      // 2-core machine, past bun's default 5 s when it is loaded.
    }, 30_000);
  });
}
