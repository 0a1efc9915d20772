/**
 * A cluster node's write path: the journal's job (group commit, submission order kept) done
 * against the shared engine instead of the local SQLite file. docs/architecture.md, "Cluster mode".
 *
 * - Appends submitted in one event-loop turn share ONE engine transaction; while it is in flight
 *   the next turns' appends queue up and go in the next one (one transaction in flight at a time,
 *   so the engine commits them in the order the actors submitted them: a send right behind its
 *   join stays behind it).
 * - Every request carries its membership guard (guards.ts): the engine, not the local actor, has
 *   the last word, so two nodes can never both accept conflicting commands.
 * - Nothing is published here. A submitter's callback runs once the engine has committed AND this
 *   node's tailer has applied the batch to the local replica (projection folded, event published
 *   to local sockets): so, as on a single node, the sender's own sockets get the event before the
 *   ack, and anything the sender does next on this node sees the write (read-your-writes).
 * - A rejected guard: the callback waits until the replica has caught up with the engine's head
 *   (so the write that made the guard fail is visible locally), then `resolveRejection` says what
 *   to answer (e.g. a join that lost to the same join on another node is answered like a repeat).
 * - A failed transaction: every callback of the batch gets the retryable `store_unavailable`.
 *   A failure does not prove nothing was committed: clients retry with the same cmid, which the
 *   engine turns into exactly-once; a join or leave that did commit reaches the room through the
 *   tailer anyway.
 */
import { ErrorCode } from "../protocol/index.ts";
import type { AppendOutcome, AppendRequest } from "../store/event-log.ts";
import type { AppendResult, Engine } from "../store/engine/engine.ts";
import { AppendError, AppendQueue, type AppendCallback, type Pending } from "../actors/append-queue.ts";
import { guardedCommand } from "./guards.ts";


export interface NodeWriterOptions {
  maxBatch: number;
  maxQueued: number;
  /** The pos the local replica has applied up to (the tailer's position). */
  appliedPos(): number;
  /** Called when a request's guard failed, once the replica has caught up with the engine head: the answer. */
  resolveRejection(requests: AppendRequest[], results: AppendResult[]): AppendOutcome[] | AppendError;
  /** After a rejection was answered (the room actor's view may need re-syncing). */
  afterRejection?(requests: AppendRequest[]): void;
  onError(e: unknown): void;
  onCommit?(events: number, seconds: number): void;
  /**
   * Told each committed transaction's results before any callback runs: the node may apply its
   * own events at once when nothing of anyone else's lies between them and its replica.
   */
  onCommitted?(results: AppendResult[]): void;
  /**
   * Longest a committed command waits for this node's replica before it is answered with the
   * retryable `store_unavailable` instead (its write is durable: a retry with the same cmid gets
   * the original ack). Default 10,000 ms.
   */
  applyTimeoutMs?: number;
}

export class NodeWriter {
  private readonly queue: AppendQueue;
  private scheduled = false;
  private inFlight: Promise<void> | undefined;
  /** Callbacks waiting for the replica to reach a pos, each answered with a refusal after its deadline. */
  private waiting: { pos: number; run: () => void; deadline: number; refuse: () => void }[] = [];
  private sweeper: ReturnType<typeof setInterval> | undefined;
  readonly stats = { transactions: 0, events: 0, largestBatch: 0, failedBatches: 0 };
  /** Set while engine transactions fail (since the first failure after a success), with the last error. */
  failing: { since: number; error: string } | undefined;

  constructor(private readonly engine: Engine, private readonly opts: NodeWriterOptions) {
    this.queue = new AppendQueue(opts.maxQueued);
  }

  get queued(): number { return this.queue.queued; }

  /** Nothing queued, no transaction in flight, no answer waiting for the replica (tests wait for it). */
  get idle(): boolean { return this.queue.empty && !this.inFlight && this.waiting.length === 0; }

  submit(requests: AppendRequest[], done: AppendCallback): void {
    if (this.queue.admit(requests, done)) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.flush(); });
  }

  private flush(): void {
    if (this.inFlight || this.queue.empty) return;
    const { batch, n } = this.queue.take(this.opts.maxBatch);
    const t0 = performance.now();
    this.inFlight = this.engine.append(batch.flatMap((p) => guardedCommand(p.requests))).then(
      (results) => {
        this.failing = undefined;
        this.stats.transactions += 1;
        this.stats.events += n;
        if (n > this.stats.largestBatch) this.stats.largestBatch = n;
        this.opts.onCommit?.(n, (performance.now() - t0) / 1000);
        try { this.opts.onCommitted?.(results); } catch (e) { this.opts.onError(e); }
        let i = 0;
        for (const p of batch) {
          const mine = results.slice(i, i + p.requests.length);
          i += p.requests.length;
          this.settle(p, mine);
        }
      },
      (e: unknown) => {
        this.stats.failedBatches += 1;
        this.failing = { since: this.failing?.since ?? Date.now(), error: (e as Error)?.message ?? String(e) };
        this.opts.onError(e);
        const refusal = new AppendError(ErrorCode.StoreUnavailable, "the shared store did not confirm the write; retry with the same cmid (a retry cannot duplicate it)");
        for (const p of batch) this.call(p.done, refusal);
      },
    ).finally(() => {
      this.inFlight = undefined;
      if (!this.queue.empty) this.schedule();
    });
  }

  private settle(p: Pending, results: AppendResult[]): void {
    const rejected = results.some((r) => r.status === "rejected");
    if (!rejected) {
      const outcomes: AppendOutcome[] = [];
      let pos = 0;
      for (const r of results) {
        if (r.status === "rejected") continue;
        outcomes.push({ event: r.event, duplicate: r.status === "duplicate" });
        if (r.event.pos > pos) pos = r.event.pos;
      }
      return this.whenApplied(pos, () => this.call(p.done, outcomes), p.done);
    }
    // Catch up with whatever made the guard fail before answering, so the answer (and the room
    // actor's view, which the hub re-syncs) matches what this node will show.
    this.engine.head().then(
      (head) => this.whenApplied(head.pos, () => {
        let answer: AppendOutcome[] | AppendError;
        try { answer = this.opts.resolveRejection(p.requests, results); } catch (e) {
          this.opts.onError(e);
          answer = new AppendError(ErrorCode.Internal, "the command could not be answered");
        }
        this.call(p.done, answer);
        try { this.opts.afterRejection?.(p.requests); } catch (e) { this.opts.onError(e); }
      }, p.done),
      (e: unknown) => {
        this.opts.onError(e);
        this.call(p.done, new AppendError(ErrorCode.StoreUnavailable, "the shared store is unreachable; retry later"));
      },
    );
  }

  private whenApplied(pos: number, run: () => void, done?: AppendCallback): void {
    if (this.opts.appliedPos() >= pos) return run();
    const timeout = this.opts.applyTimeoutMs ?? 10_000;
    const refuse = () => {
      if (done) this.call(done, new AppendError(ErrorCode.StoreUnavailable, "stored, but this node is behind the shared store; retry with the same cmid to get its ack"));
    };
    this.waiting.push({ pos, run, deadline: performance.now() + timeout, refuse });
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(1, Math.min(1000, timeout / 2)));
    this.sweeper.unref?.();
  }

  private sweep(): void {
    const now = performance.now();
    const late = this.waiting.filter((w) => w.deadline <= now);
    if (late.length > 0) {
      this.waiting = this.waiting.filter((w) => w.deadline > now);
      for (const w of late) w.refuse();
    }
    if (this.waiting.length === 0) { clearInterval(this.sweeper); this.sweeper = undefined; }
  }

  /** The replica has applied everything up to `pos`: release the callbacks waiting for it (in the tailer's block). */
  applied(pos: number): void {
    if (this.waiting.length === 0) return;
    const ready = this.waiting.filter((w) => w.pos <= pos);
    if (ready.length === 0) return;
    this.waiting = this.waiting.filter((w) => w.pos > pos);
    if (this.waiting.length === 0 && this.sweeper) { clearInterval(this.sweeper); this.sweeper = undefined; }
    for (const w of ready) w.run();
  }

  private call(done: AppendCallback, r: AppendOutcome[] | AppendError): void {
    try { done(r); } catch (e) { this.opts.onError(e); }
  }

  /** Resolves once everything submitted so far has been committed or refused (shutdown). */
  async drain(): Promise<void> {
    for (;;) {
      if (!this.inFlight && !this.queue.empty) this.flush();
      if (!this.inFlight) return;
      await this.inFlight.catch(() => {});
    }
  }
}
