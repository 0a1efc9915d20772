/**
 * The actor primitive: a bounded queue processed one message at a time.
 *
 * - Serial: the handler never runs twice at once. If it returns a promise, the next message
 *   waits for it; if it returns nothing, the next message runs right away (no microtask per
 *   message on the hot path).
 * - Bounded: `post` on a full mailbox applies the overflow policy and reports what it did.
 * - Resilient: a handler that throws or rejects is reported to `onError` with the message,
 *   and the actor goes on with the next one. Nothing fails silently.
 * An idle mailbox processes a posted message inline, inside the poster's call stack; a post to
 * a busy mailbox (including to itself) is queued, so a handler never re-enters.
 */
export type Overflow = "reject" | "drop-oldest";

export interface MailboxOptions<M> {
  name: string;
  capacity: number;
  overflow: Overflow;
  handle: (message: M) => void | Promise<void>;
  onError: (error: unknown, message: M) => void;
  /** Told about a message dropped by "drop-oldest". */
  onDrop?: (message: M) => void;
}

export type PostResult = "accepted" | "rejected" | "dropped-oldest";

export class Mailbox<M> {
  private queue: M[] = [];
  private head = 0;
  private running = false;
  private closed = false;

  constructor(private readonly opts: MailboxOptions<M>) {}

  get name(): string { return this.opts.name; }
  get size(): number { return this.queue.length - this.head; }

  post(message: M): PostResult {
    if (this.closed) return "rejected";
    let result: PostResult = "accepted";
    if (this.size >= this.opts.capacity) {
      if (this.opts.overflow === "reject") return "rejected";
      const dropped = this.queue[this.head] as M;
      this.head += 1;
      result = "dropped-oldest";
      this.opts.onDrop?.(dropped);
    }
    this.queue.push(message);
    if (!this.running) this.drain();
    return result;
  }

  /** Stops accepting messages; queued ones are discarded. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
  }

  private take(): M | undefined {
    if (this.head >= this.queue.length) return undefined;
    const m = this.queue[this.head] as M;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  private drain(): void {
    this.running = true;
    for (;;) {
      const m = this.take();
      if (m === undefined) break;
      let result: void | Promise<void>;
      try {
        result = this.opts.handle(m);
      } catch (e) {
        this.opts.onError(e, m);
        continue;
      }
      if (result instanceof Promise) {
        result.then(
          () => this.drain(),
          (e: unknown) => { this.opts.onError(e, m); this.drain(); },
        );
        return; // still running: the promise continues the drain
      }
    }
    this.running = false;
  }
}
