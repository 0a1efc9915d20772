/**
 * A cluster node's replica as the hub sees it: the SQLite replica behind, the events not yet
 * written to it in memory in front (docs/architecture.md, "Cluster mode", read path).
 *
 * Why: a follower applies every commit of every node, and most commits are small (4–6 events
 * under load), so a SQLite transaction per commit cost each node as much again as the INSERTs
 * themselves (bench/results/analysis.md, "Cluster fan-out: the replica written behind"). Here
 * `append` assigns seq and pos exactly as the replica would and keeps the events in memory;
 * they are written in one transaction for many commits, `flushMs` after the first, or at once
 * when `maxPending` are waiting, and before anything that needs them on disk (a snapshot, a
 * prune, close).
 *
 * Contract: every read answers as the replica would if each `append` had been written at once
 * (the same EventLog contract), so the two "one synchronous block" rules hold unchanged: what
 * `append` returned is in every read from then on. What differs is only where it is: a process
 * that dies loses the unwritten tail, and its tailer reads it again from the engine on restart
 * (the replica's position is what it wrote). The replica is a copy; the ack never waited for it.
 *
 * Deliberately not checked in memory: a cmid that the replica already holds (the engine decides
 * idempotency; a replica that has it at another pos has diverged). Writing the tail then fails
 * the replica's own check, and the log stops (`failure`, reported to `onFailed`): every later
 * append throws it, so the node stops as for any divergence.
 */
import { ReplicaDivergedError } from "../actors/hub.ts";
import { StoreUnavailableError, type AppendOutcome, type AppendRequest, type EventLog, type Snapshot, type StoredEvent } from "../store/event-log.ts";

export interface ReplicaLogOptions {
  /** Write the tail this long after its first event. Default 20 ms. */
  flushMs?: number;
  /** Write the tail at once, inside `append`, when this many events are waiting. Default 1000. */
  maxPending?: number;
}

const cmidKey = (author: string, cmid: string) => `${author}\u0000${cmid}`;

export class ReplicaLog implements EventLog {
  readonly epoch: string;
  /** Appended, not yet written to the replica: ascending pos, consecutive, right after `inner.lastPos()`. */
  private pending: StoredEvent[] = [];
  private byStream = new Map<string, StoredEvent[]>();
  private byCmid = new Map<string, StoredEvent>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private abandoned = false;
  private readonly flushMs: number;
  private readonly maxPending: number;
  /** Set when writing the tail failed other than by the storage refusing it: nothing more is appended. */
  failure: Error | undefined;
  /** Told of `failure` when a write behind (not an append) found it; the node stops (node.ts). */
  onFailed: ((err: Error) => void) | undefined;
  /** Told when the storage refused a write behind (StoreUnavailableError); it is tried again later. */
  onRetry: ((err: unknown) => void) | undefined;
  /** Transactions written and events in them (the follow path's write batch size, for /health). */
  readonly writes = { transactions: 0, events: 0 };

  constructor(readonly inner: EventLog, opts: ReplicaLogOptions = {}) {
    this.epoch = inner.epoch;
    this.flushMs = opts.flushMs ?? 20;
    this.maxPending = opts.maxPending ?? 1000;
  }

  /** Events appended and not yet written (0 when the replica holds everything). */
  get unwritten(): number { return this.pending.length; }

  append(requests: readonly AppendRequest[]): AppendOutcome[] {
    if (this.failure) throw this.failure;
    if (requests.length === 0) return [];
    if (this.pending.length + requests.length > this.maxPending) this.flush();
    let pos = this.lastPos();
    const outcomes: AppendOutcome[] = [];
    for (const r of requests) {
      const mine = this.byStream.get(r.stream);
      const seq = (mine ? mine[mine.length - 1]!.seq : this.inner.head(r.stream)) + 1;
      const event: StoredEvent = { stream: r.stream, seq, pos: ++pos, at: r.at, author: r.author, kind: r.kind, body: r.body };
      if (r.cmid !== undefined) {
        event.cmid = r.cmid;
        const earlier = this.byCmid.get(cmidKey(r.author, r.cmid));
        if (earlier) { pos -= 1; outcomes.push({ event: earlier, duplicate: true }); continue; }
        this.byCmid.set(cmidKey(r.author, r.cmid), event);
      }
      this.pending.push(event);
      if (mine) mine.push(event); else this.byStream.set(r.stream, [event]);
      outcomes.push({ event, duplicate: false });
    }
    this.later(this.flushMs);
    return outcomes;
  }

  /**
   * Writes the tail in one transaction. Throws StoreUnavailableError when the storage refuses
   * it (the tail stays, to be written later); anything else stops the log (`failure`, a
   * ReplicaDivergedError), since the replica no longer holds what its reads said.
   */
  flush(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
    if (this.failure) throw this.failure;
    const tail = this.pending;
    if (tail.length === 0) return;
    if (this.abandoned) return this.drop();
    let outcomes: AppendOutcome[];
    try {
      outcomes = this.inner.append(tail.map((e) => {
        const r: AppendRequest = { stream: e.stream, kind: e.kind, author: e.author, body: e.body, at: e.at };
        if (e.cmid !== undefined) r.cmid = e.cmid;
        return r;
      }));
    } catch (e) {
      if (e instanceof StoreUnavailableError) throw e;
      throw (this.failure = new ReplicaDivergedError(`writing ${tail.length} events behind into the replica failed: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
    }
    this.drop();
    this.writes.transactions += 1;
    this.writes.events += tail.length;
    for (let i = 0; i < tail.length; i++) {
      const o = outcomes[i]!, e = tail[i]!;
      if (o.duplicate || o.event.pos !== e.pos || o.event.seq !== e.seq) {
        this.failure = new ReplicaDivergedError(`the replica wrote ${o.event.stream}#${o.event.seq} at pos ${o.event.pos}${o.duplicate ? " (duplicate)" : ""} for ${e.stream}#${e.seq} at pos ${e.pos}`);
        throw this.failure;
      }
    }
  }

  private later(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.flush();
      } catch (e) {
        if (this.failure !== undefined) return void this.onFailed?.(this.failure);
        this.onRetry?.(e);
        this.later(this.flushMs * 10);
      }
    }, ms);
    this.timer.unref?.();
  }

  readAfter(stream: string, afterSeq: number, limit: number): StoredEvent[] {
    const mine = this.byStream.get(stream);
    const stored = this.inner.readAfter(stream, afterSeq, limit);
    if (!mine || stored.length >= limit) return stored;
    const from = Math.max(0, afterSeq + 1 - mine[0]!.seq);
    return stored.concat(mine.slice(from, from + limit - stored.length));
  }

  readBefore(stream: string, beforeSeq: number, limit: number): StoredEvent[] {
    const mine = this.byStream.get(stream);
    if (!mine || beforeSeq <= mine[0]!.seq) return this.inner.readBefore(stream, beforeSeq, limit);
    const end = Math.min(mine.length, beforeSeq - mine[0]!.seq);
    const start = Math.max(0, end - limit);
    const newest = mine.slice(start, end);
    return newest.length >= limit ? newest : this.inner.readBefore(stream, beforeSeq, limit - newest.length).concat(newest);
  }

  readAll(afterPos: number, limit: number): StoredEvent[] {
    const stored = this.inner.readAll(afterPos, limit);
    if (this.pending.length === 0 || stored.length >= limit) return stored;
    const from = Math.max(0, afterPos + 1 - this.pending[0]!.pos);
    return stored.concat(this.pending.slice(from, from + limit - stored.length));
  }

  head(stream: string): number {
    const mine = this.byStream.get(stream);
    return mine ? mine[mine.length - 1]!.seq : this.inner.head(stream);
  }

  // Unwritten events never change the first kept seq: they come after the replica's head (a
  // stream with none written yet answers head + 1 = 1, its first unwritten seq).
  first(stream: string): number { return this.inner.first(stream); }

  heads(): Map<string, number> {
    const all = this.inner.heads();
    for (const [s, mine] of this.byStream) all.set(s, mine[mine.length - 1]!.seq);
    return all;
  }

  lastPos(): number {
    return this.pending.length > 0 ? this.pending[this.pending.length - 1]!.pos : this.inner.lastPos();
  }

  findByCmid(author: string, cmid: string): StoredEvent | undefined {
    return this.byCmid.get(cmidKey(author, cmid)) ?? this.inner.findByCmid(author, cmid);
  }

  get(stream: string, seq: number): StoredEvent | undefined {
    const mine = this.byStream.get(stream);
    if (mine && seq >= mine[0]!.seq) return mine[seq - mine[0]!.seq];
    return this.inner.get(stream, seq);
  }

  countMessagesAfter(stream: string, afterSeq: number, notAuthor: string, max?: number): number {
    const cap = max === undefined || max < 0 ? Infinity : max;
    const stored = this.inner.countMessagesAfter(stream, afterSeq, notAuthor, max);
    const mine = this.byStream.get(stream);
    if (!mine || stored >= cap) return stored;
    let n = stored;
    for (let i = Math.max(0, afterSeq + 1 - mine[0]!.seq); i < mine.length && n < cap; i++) {
      const e = mine[i]!;
      if (e.kind === "message" && e.author !== notAuthor) n++;
    }
    return n;
  }

  prune(stream: string, keep: number): number {
    this.flush();
    return this.inner.prune(stream, keep);
  }

  probeWrite(): void { this.inner.probeWrite(); }
  loadSnapshot(name: string): Snapshot | undefined { return this.inner.loadSnapshot(name); }

  /** A snapshot names a pos: the replica must hold everything up to it. */
  saveSnapshot(name: string, snapshot: Snapshot): void {
    this.flush();
    this.inner.saveSnapshot(name, snapshot);
  }

  /**
   * Writes the tail if it can, and closes the replica. Never throws for the tail: one that cannot
   * be written is read again from the engine at the next start, and a server stopping must still
   * release its locks.
   */
  close(): void {
    try { if (!this.failure) this.flush(); } catch (e) { this.onRetry?.(e); }
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (!this.abandoned) this.inner.close();
  }

  /**
   * A crash, in tests: the unwritten tail is gone, and nothing this log is given from now on
   * reaches the replica (a dead process writes nothing). Returns the replica, as written.
   */
  abandon(): EventLog {
    this.abandoned = true;
    this.drop();
    return this.inner;
  }

  private drop(): void {
    this.pending = [];
    this.byStream = new Map();
    this.byCmid = new Map();
  }
}
