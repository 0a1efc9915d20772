/**
 * The in-memory twin of the engine: same contract, no durability. Several engine instances may
 * share one `MemoryEngineStorage`, like several nodes sharing one database, so cluster logic can
 * be tested without PostgreSQL. A batch is planned and validated before anything is stored, so a
 * failure keeps nothing, as a rolled-back transaction would.
 */
import { EngineError, type Engine, type Fact, type StoredEvent, type WatchHandlers } from "./engine.ts";
import { cmidKey, factKey, planBatch, resultsOf } from "./plan.ts";

export class MemoryEngineStorage {
  /** `epoch`: given only to stage a restored backup (same history id, other events) in tests. */
  constructor(public epoch: string = crypto.randomUUID()) {}
  readonly events: StoredEvent[] = [];
  readonly heads = new Map<string, number>();
  readonly byCmid = new Map<string, StoredEvent>();
  readonly facts = new Set<string>();
  /** Every watcher of every instance: a commit wakes all of them, like a NOTIFY. */
  readonly watchers = new Set<WatchHandlers>();
  get pos(): number { return this.events.length; }
}

export function createMemoryEngine(storage = new MemoryEngineStorage()): Engine {
  let closed = false;
  const mine = new Set<WatchHandlers>();
  const open = () => { if (closed) throw new EngineError("closed", "the engine is closed", false); };
  return {
    kind: "memory",
    epoch: storage.epoch,
    async append(requests) {
      open();
      if (requests.length === 0) return [];
      const plan = planBatch(requests, {
        original: (author, cmid) => storage.byCmid.get(cmidKey(author, cmid)),
        holds: (f) => storage.facts.has(factKey(f)),
      });
      const heads = new Map(storage.heads);
      const results = resultsOf(requests, plan, (s) => heads.get(s) ?? 0, storage.pos);
      for (const [i, r] of results.entries()) {
        const it = plan.items[i]!;
        if (r.status !== "appended" || it.type !== "append") continue;
        // Stored as a copy, the way a database would: a caller changing its body later changes nothing here.
        const e: StoredEvent = { ...r.event, body: JSON.parse(it.body) as StoredEvent["body"] };
        storage.events.push(e);
        storage.heads.set(e.stream, e.seq);
        if (e.cmid !== undefined) storage.byCmid.set(cmidKey(e.author, e.cmid), e);
      }
      for (const [k, c] of plan.factChanges) c.holds ? storage.facts.add(k) : storage.facts.delete(k);
      if (plan.appended > 0) {
        const pos = storage.pos;
        // After the "commit", never inside it: like NOTIFY, delivered once the append is done.
        queueMicrotask(() => { for (const w of storage.watchers) w.onHead(pos); });
      }
      return results;
    },
    async readAfter(afterPos, limit) {
      open();
      // pos is gapless from 1, so event at pos p sits at index p - 1.
      return storage.events.slice(Math.max(0, afterPos), Math.max(0, afterPos) + limit);
    },
    async head() { open(); return { epoch: storage.epoch, pos: storage.pos }; },
    async renewEpoch(expected) {
      open();
      if (storage.epoch === expected) storage.epoch = crypto.randomUUID();
      return storage.epoch;
    },
    async streamHead(stream) { open(); return storage.heads.get(stream) ?? 0; },
    async holds(fact: Fact) { open(); return storage.facts.has(factKey(fact)); },
    async watch(handlers) {
      open();
      storage.watchers.add(handlers);
      mine.add(handlers);
      queueMicrotask(() => handlers.onListening?.());
      return { stop: async () => { storage.watchers.delete(handlers); mine.delete(handlers); } };
    },
    async close() {
      closed = true;
      for (const w of mine) storage.watchers.delete(w);
      mine.clear();
    },
  };
}
