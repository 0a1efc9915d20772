/** The EventLog in memory: for tests and for `--db :memory:`-like throwaway runs. Same contract, no durability. */
import type { AppendOutcome, EventLog, Snapshot, StoredEvent } from "./event-log.ts";

export function createMemoryLog(): EventLog {
  const byStream = new Map<string, StoredEvent[]>();
  const byCmid = new Map<string, StoredEvent>();
  const all: StoredEvent[] = [];
  const heads = new Map<string, number>();
  const snaps = new Map<string, Snapshot>();
  const cmidKey = (author: string, cmid: string) => `${author}\u0000${cmid}`;
  const streamOf = (s: string) => byStream.get(s) ?? [];

  return {
    epoch: crypto.randomUUID(),
    append(requests) {
      // Validate the whole batch first so a failure keeps nothing, like a rolled-back transaction.
      const staged: AppendOutcome[] = [];
      const batchHeads = new Map<string, number>();
      const batchCmids = new Map<string, StoredEvent>();
      let pos = all.length === 0 ? 0 : all[all.length - 1]!.pos;
      for (const req of requests) {
        const key = req.cmid === undefined ? undefined : cmidKey(req.author, req.cmid);
        const original = key === undefined ? undefined : (byCmid.get(key) ?? batchCmids.get(key));
        if (original) { staged.push({ event: original, duplicate: true }); continue; }
        const seq = (batchHeads.get(req.stream) ?? heads.get(req.stream) ?? 0) + 1;
        pos += 1;
        // A JSON round-trip, like the SQLite adapters: a body that cannot be stored fails the batch here too.
        const body = JSON.parse(JSON.stringify(req.body)) as StoredEvent["body"];
        const event: StoredEvent = { stream: req.stream, seq, pos, at: req.at, author: req.author, kind: req.kind, body };
        if (req.cmid !== undefined) event.cmid = req.cmid;
        batchHeads.set(req.stream, seq);
        if (key !== undefined) batchCmids.set(key, event);
        staged.push({ event, duplicate: false });
      }
      for (const o of staged) {
        if (o.duplicate) continue;
        const e = o.event;
        all.push(e);
        let list = byStream.get(e.stream);
        if (!list) byStream.set(e.stream, (list = []));
        list.push(e);
        if (e.cmid !== undefined) byCmid.set(cmidKey(e.author, e.cmid), e);
      }
      for (const [s, h] of batchHeads) heads.set(s, h);
      return staged;
    },
    readAfter: (stream, seq, limit) => streamOf(stream).filter((e) => e.seq > seq).slice(0, limit),
    readBefore(stream, seq, limit) {
      const older = streamOf(stream).filter((e) => e.seq < seq);
      return older.slice(Math.max(0, older.length - limit));
    },
    readAll(pos, limit) {
      const out: StoredEvent[] = [];
      for (const e of all) {
        if (e.pos > pos) out.push(e);
        if (out.length >= limit) break;
      }
      return out;
    },
    head: (stream) => heads.get(stream) ?? 0,
    first: (stream) => streamOf(stream)[0]?.seq ?? (heads.get(stream) ?? 0) + 1,
    heads: () => new Map(heads),
    lastPos: () => (all.length === 0 ? 0 : all[all.length - 1]!.pos),
    findByCmid: (author, cmid) => byCmid.get(cmidKey(author, cmid)),
    get: (stream, seq) => streamOf(stream).find((e) => e.seq === seq),
    countMessagesAfter: (stream, seq, notAuthor, max = Infinity) =>
      Math.min(max, streamOf(stream).filter((e) => e.seq > seq && e.kind === "message" && e.author !== notAuthor).length),
    prune(stream, keep) {
      const list = streamOf(stream);
      const cut = (heads.get(stream) ?? 0) - keep;
      const gone = list.filter((e) => e.seq <= cut);
      if (gone.length === 0) return 0;
      byStream.set(stream, list.filter((e) => e.seq > cut));
      const goneSet = new Set(gone);
      for (let i = all.length - 1; i >= 0; i--) if (goneSet.has(all[i]!)) all.splice(i, 1);
      return gone.length;
    },
    loadSnapshot: (name) => snaps.get(name),
    saveSnapshot: (name, s) => void snaps.set(name, { ...s }),
    probeWrite() {},
    close() {},
  };
}
