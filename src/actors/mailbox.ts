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
 * An actor extends `Actor`, so its mailbox's three fields live in the actor's own object (a
 * Mailbox object of its own, with a pointer each way, cost ~0.1 KB of JS heap per hello'd
 * connection: two actors each); the limits are a getter on the actor's class, shared by every
 * actor of a kind; and a drained queue is dropped so no handled message stays reachable.
 * `Mailbox` is the same for an owner that is a separate object.
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
const RUNNING = 1;
const CLOSED = 2;

/** An actor: a MailboxOwner whose mailbox is part of itself (see the top of this file). */
export abstract class Actor<M> implements MailboxOwner<M> {
  private mbQueue: M[] = NOTHING_QUEUED;
  private mbHead = 0;
  /** RUNNING and CLOSED bits: one field, not two. */
  private mbFlags = 0;

  /** The same object for every actor of a kind: a getter on the class, not a field on each actor. */
  protected abstract get limits(): MailboxLimits;
  abstract receive(message: M): void | Promise<void>;
  abstract failed(error: unknown, message: M): void;
  dropped?(message: M): void;

  /** Messages waiting (not counting the one running). */
  protected get waiting(): number { return this.mbQueue.length - this.mbHead; }

  /** Runs `message` now if idle, else queues it (applying the overflow policy). */
  protected enqueue(message: M): PostResult {
    if (this.mbFlags & CLOSED) return "rejected";
    if (!(this.mbFlags & RUNNING)) {
      this.mbRun(message);
      return "accepted";
    }
    let result: PostResult = "accepted";
    if (this.waiting >= this.limits.capacity) {
      if (this.limits.overflow === "reject") return "rejected";
      const dropped = this.mbQueue[this.mbHead] as M;
      this.mbHead += 1;
      result = "dropped-oldest";
      this.dropped?.(dropped);
    }
    if (this.mbQueue === NOTHING_QUEUED) this.mbQueue = [];
    this.mbQueue.push(message);
    return result;
  }

  /** Stops accepting messages; queued ones are discarded. */
  protected closeMailbox(): void {
    this.mbFlags |= CLOSED;
    this.mbQueue = NOTHING_QUEUED;
    this.mbHead = 0;
  }

  private mbTake(): M | undefined {
    if (this.mbHead >= this.mbQueue.length) {
      if (this.mbQueue !== NOTHING_QUEUED) {
        this.mbQueue = NOTHING_QUEUED;
        this.mbHead = 0;
      }
      return undefined;
    }
    const m = this.mbQueue[this.mbHead] as M;
    this.mbHead += 1;
    if (this.mbHead > 1024 && this.mbHead * 2 > this.mbQueue.length) {
      this.mbQueue = this.mbQueue.slice(this.mbHead);
      this.mbHead = 0;
    }
    return m;
  }

  /** Runs `first`, then whatever was queued meanwhile, until the queue is empty or a receive goes async. */
  private mbRun(first: M): void {
    this.mbFlags |= RUNNING;
    for (let m: M | undefined = first; m !== undefined; m = this.mbTake()) {
      let result: void | Promise<void>;
      try {
        result = this.receive(m);
      } catch (e) {
        this.failed(e, m);
        continue;
      }
      if (result instanceof Promise) {
        const current = m;
        result.then(
          () => this.mbResume(),
          (e: unknown) => { this.failed(e, current); this.mbResume(); },
        );
        return; // still running: the promise continues
      }
    }
    this.mbFlags &= ~RUNNING;
  }

  private mbResume(): void {
    const next = this.mbTake();
    if (next === undefined) this.mbFlags &= ~RUNNING;
    else this.mbRun(next);
  }
}

/** A mailbox for an owner that is a separate object. */
export class Mailbox<M> extends Actor<M> {
  constructor(private readonly owner: MailboxOwner<M>, private readonly ownerLimits: MailboxLimits) { super(); }

  protected get limits(): MailboxLimits { return this.ownerLimits; }
  receive(message: M): void | Promise<void> { return this.owner.receive(message); }
  failed(error: unknown, message: M): void { this.owner.failed(error, message); }
  override dropped(message: M): void { this.owner.dropped?.(message); }

  /** Messages waiting (not counting the one running). */
  get size(): number { return this.waiting; }
  post(message: M): PostResult { return this.enqueue(message); }
  close(): void { this.closeMailbox(); }
}
