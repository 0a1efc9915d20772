/**
 * The actor primitive: a bounded queue processed one message at a time.
 *
 * - Serial: the owner's `receive` never runs twice at once. If it returns a promise, the next
 *   message waits for it; if it returns nothing, the next message runs right away (no
 *   microtask per message on the hot path).
 * - Bounded: `post` on a full mailbox applies the overflow policy and reports what it did.
 * - Resilient: a `receive` that throws or rejects is reported to the owner's `failed` with the
 *   message, and the actor goes on with the next one. Nothing fails silently.
 * An idle mailbox processes a posted message inline, inside the poster's call stack, without
 * queueing it; a post to a busy mailbox (including to itself) is queued, so `receive` never
 * re-enters.
 *
 * Memory: there is one mailbox per connection and per user, so an idle one must cost little.
 * The owner is an object with methods (not closures per actor), the limits object is shared by
 * every actor of a kind, and a drained queue is dropped so no handled message stays reachable.
 */
export type Overflow = "reject" | "drop-oldest";

/** The actor behind a mailbox. Only its mailbox calls these. */
export interface MailboxOwner<M> {
  receive(message: M): void | Promise<void>;
  failed(error: unknown, message: M): void;
  /** Told about a message dropped by "drop-oldest". */
  dropped?(message: M): void;
}

export interface MailboxLimits {
  /** Messages that may wait while one runs. */
  readonly capacity: number;
  readonly overflow: Overflow;
}

export type PostResult = "accepted" | "rejected" | "dropped-oldest";

const NOTHING_QUEUED: never[] = [];

export class Mailbox<M> {
  private queue: M[] = NOTHING_QUEUED;
  private head = 0;
  private running = false;
  private closed = false;

  constructor(private readonly owner: MailboxOwner<M>, private readonly limits: MailboxLimits) {}

  /** Messages waiting (not counting the one running). */
  get size(): number { return this.queue.length - this.head; }

  post(message: M): PostResult {
    if (this.closed) return "rejected";
    if (!this.running) {
      this.run(message);
      return "accepted";
    }
    let result: PostResult = "accepted";
    if (this.size >= this.limits.capacity) {
      if (this.limits.overflow === "reject") return "rejected";
      const dropped = this.queue[this.head] as M;
      this.head += 1;
      result = "dropped-oldest";
      this.owner.dropped?.(dropped);
    }
    if (this.queue === NOTHING_QUEUED) this.queue = [];
    this.queue.push(message);
    return result;
  }

  /** Stops accepting messages; queued ones are discarded. */
  close(): void {
    this.closed = true;
    this.queue = NOTHING_QUEUED;
    this.head = 0;
  }

  private take(): M | undefined {
    if (this.head >= this.queue.length) {
      if (this.queue !== NOTHING_QUEUED) {
        this.queue = NOTHING_QUEUED;
        this.head = 0;
      }
      return undefined;
    }
    const m = this.queue[this.head] as M;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  /** Runs `first`, then whatever was queued meanwhile, until the queue is empty or a receive goes async. */
  private run(first: M): void {
    this.running = true;
    for (let m: M | undefined = first; m !== undefined; m = this.take()) {
      let result: void | Promise<void>;
      try {
        result = this.owner.receive(m);
      } catch (e) {
        this.owner.failed(e, m);
        continue;
      }
      if (result instanceof Promise) {
        const current = m;
        result.then(
          () => this.resume(),
          (e: unknown) => { this.owner.failed(e, current); this.resume(); },
        );
        return; // still running: the promise continues
      }
    }
    this.running = false;
  }

  private resume(): void {
    const next = this.take();
    if (next === undefined) this.running = false;
    else this.run(next);
  }
}
