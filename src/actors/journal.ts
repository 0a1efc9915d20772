/**
 * The journal: the single writer of the event log, with group commit.
 *
 * Batching rule: appends are queued and written in ONE transaction, up to `maxBatch` events
 * and about `maxBatchChars` characters of text (256 Ki by default). A longer queue becomes
 * several back-to-back transactions; but once a batch is cut by its text size, the rest waits
 * for the next turn: a burst of big messages (300 × 4,000 characters would be one 1.2 MB
 * transaction, its fsync on the event loop) must not hold every other client for the whole
 * burst (issue 8's bystander bound). At rest the commit happens at
 * the end of the current event-loop turn (setImmediate), so a lone message waits for nothing
 * else. Under load — the previous commit carried at least `coalesceAfter` events and was less
 * than `coalesceMs` ago — a commit waits until `coalesceMs` after the previous one, so more
 * appends share one transaction and one fsync. Load is read from the batch size, not the clock:
 * at a steady light rate every commit carries one or two events and none waits, so latency
 * stays that of committing every turn; see docs/architecture.md for the measurements.
 *
 * After COMMIT, and in the same synchronous block, each submitter's callback runs with its
 * outcomes, in submission order (inside `commitBlock`, which publishes what they held back). Nothing is visible or acknowledged before that point, and
 * because commit and fan-out happen in one block, a reader that reads the log and subscribes
 * in one block of its own can never fall between them.
 */
import { ErrorCode } from "../protocol/index.ts";
import { type AppendOutcome, type AppendRequest, type EventLog, StoreUnavailableError } from "../store/event-log.ts";
import { AppendError, AppendQueue, type AppendCallback, type Pending } from "./append-queue.ts";

export { AppendError, type AppendCallback } from "./append-queue.ts";


export interface JournalStats {
  transactions: number;
  events: number;
  largestBatch: number;
  failedBatches: number;
}

/**
 * Whether commits are succeeding. While the storage refuses writes (disk full…), `failingSince`
 * is set, every append is refused with the retryable `store_unavailable`, and /health and
 * /ready answer 503; the first commit or probe write that succeeds clears it.
 */
export interface StorageHealth { failingSince: number | undefined; error: string | undefined }

/** Characters of message text per transaction, by default: 64 messages at the 4,000-character limit. */
const MAX_BATCH_CHARS = 256 * 1024;

/** How often a failing storage is probed with a tiny write, so recovery needs no client traffic. */
const PROBE_MS = 1000;

export interface JournalOptions {
  maxBatch: number;
  /** About this many characters of message text per transaction (default 256 Ki); more waits for the next turn. */
  maxBatchChars?: number;
  /** Queued events beyond which new appends are refused with `overloaded`. */
  maxQueued: number;
  /** Under load, a commit waits until this long after the previous one (0: every turn). */
  coalesceMs: number;
  /** A previous commit of at least this many events means "under load". */
  coalesceAfter: number;
  onError: (error: unknown) => void;
  /** Told after each successful transaction: its events and how long it took (metrics). */
  onCommit?: (events: number, seconds: number) => void;
  /**
   * Runs the callbacks of one committed transaction (`run`), in the same synchronous block: the
   * hub holds back the events they publish and sends each stream's events of the transaction
   * together when `run` returns (see Hub.commitBlock). Absent: `run` is called as it is.
   */
  commitBlock?: (run: () => void) => void;
  /** Interval of the recovery probe while storage fails, ms (default 1000). */
  probeMs?: number;
}

export class Journal {
  private readonly queue: AppendQueue;
  private scheduled = false;
  private lastCommitAt = 0;
  private lastCommitEvents = 0;
  readonly stats: JournalStats = { transactions: 0, events: 0, largestBatch: 0, failedBatches: 0 };
  readonly storage: StorageHealth = { failingSince: undefined, error: undefined };
  private probeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly log: EventLog, private readonly opts: JournalOptions) {
    this.queue = new AppendQueue(opts.maxQueued);
  }

  /** Events submitted and not yet committed. */
  get queued(): number { return this.queue.queued; }

  submit(requests: AppendRequest[], done: AppendCallback): void {
    if (!this.queue.admit(requests, done)) return;
    if (!this.scheduled) {
      this.scheduled = true;
      // Under load (the last commit was big and moments ago) wait out a short window so more
      // appends share the transaction; otherwise commit at the end of this turn.
      const sinceLast = performance.now() - this.lastCommitAt;
      const busy = this.lastCommitEvents >= this.opts.coalesceAfter;
      if (busy && sinceLast < this.opts.coalesceMs) setTimeout(() => this.commitNext(), this.opts.coalesceMs - sinceLast);
      else setImmediate(() => this.commitNext());
    }
  }

  /** Writes everything queued now, in as many transactions as it takes: on shutdown, so nothing submitted is dropped. */
  flush(): void {
    while (!this.queue.empty) this.commitNext();
  }

  /**
   * Commits what is queued, batch after batch; after a batch that its text size ended (big
   * messages), the rest waits for the next turn, so other work runs between such transactions.
   */
  private commitNext(): void {
    this.scheduled = false;
    // A turn scheduled after a cut may find the queue emptied by flush(): the last commit's load stands.
    if (this.queue.empty) return;
    this.lastCommitAt = performance.now();
    this.lastCommitEvents = this.queue.queued;
    while (!this.queue.empty) {
      const { batch, n, big } = this.queue.take(this.opts.maxBatch, this.opts.maxBatchChars ?? MAX_BATCH_CHARS);
      this.commit(batch, n);
      if (big && !this.queue.empty) {
        if (!this.scheduled) {
          this.scheduled = true;
          setImmediate(() => this.commitNext());
        }
        return;
      }
    }
  }

  private commit(batch: Pending[], n: number): void {
    let outcomes: AppendOutcome[];
    const t0 = this.opts.onCommit ? performance.now() : 0;
    try {
      outcomes = this.log.append(batch.flatMap((p) => p.requests));
    } catch (e) {
      this.stats.failedBatches += 1;
      this.opts.onError(e);
      if (e instanceof StoreUnavailableError) {
        // Every request would fail the same way: refuse them all, retryably, without retrying each.
        this.storageFailing(e);
        const refusal = new AppendError(ErrorCode.StoreUnavailable, "the server cannot store anything right now (storage full or failing); nothing was stored: retry later");
        for (const p of batch) try { p.done(refusal); } catch (e2) { this.opts.onError(e2); }
        return;
      }
      // One bad request must not fail its neighbours: retry each alone.
      if (batch.length > 1) for (const p of batch) this.commit([p], p.requests.length);
      else {
        try { batch[0]?.done(new AppendError(ErrorCode.Internal, "the event could not be stored")); } catch (e2) { this.opts.onError(e2); }
      }
      return;
    }
    if (this.storage.failingSince !== undefined) this.storageRecovered();
    this.stats.transactions += 1;
    this.stats.events += n;
    if (n > this.stats.largestBatch) this.stats.largestBatch = n;
    this.opts.onCommit?.(n, (performance.now() - t0) / 1000);
    const run = () => {
      let i = 0;
      for (const p of batch) {
        const mine = outcomes.slice(i, i + p.requests.length);
        i += p.requests.length;
        try { p.done(mine); } catch (e) { this.opts.onError(e); }
      }
    };
    if (this.opts.commitBlock) this.opts.commitBlock(run);
    else run();
  }

  /** Stops probing a failing storage (at shutdown, before the log closes). */
  stop(): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private storageFailing(e: StoreUnavailableError): void {
    this.storage.failingSince ??= Date.now();
    this.storage.error = e.message;
    if (this.probeTimer === undefined) this.scheduleProbe();
  }

  private storageRecovered(): void {
    this.storage.failingSince = undefined;
    this.storage.error = undefined;
    this.stop();
  }

  private scheduleProbe(): void {
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      try {
        this.log.probeWrite();
        this.storageRecovered();
      } catch (e) {
        if (e instanceof StoreUnavailableError) this.storage.error = e.message;
        else this.opts.onError(e);
        this.scheduleProbe();
      }
    }, this.opts.probeMs ?? PROBE_MS);
    this.probeTimer.unref?.();
  }
}
