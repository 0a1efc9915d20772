/**
 * The queue in front of a group committer (the Journal on one node, the NodeWriter in cluster
 * mode): bounded admission in events, and batches of whole submissions up to a size. A
 * submission is never split, so its events commit together or not at all.
 */
import { ErrorCode } from "../protocol/index.ts";
import type { AppendOutcome, AppendRequest } from "../store/event-log.ts";

export class AppendError extends Error {
  constructor(readonly code: ErrorCode, message: string) { super(message); }
}

export type AppendCallback = (result: AppendOutcome[] | AppendError) => void;

export interface Pending { requests: AppendRequest[]; done: AppendCallback }

export class AppendQueue {
  private items: Pending[] = [];
  private events = 0;

  constructor(private readonly maxQueued: number) {}

  /** Events submitted and not yet taken. */
  get queued(): number { return this.events; }
  get empty(): boolean { return this.items.length === 0; }

  /** Queues the submission, or answers `overloaded` at once and returns false. */
  admit(requests: AppendRequest[], done: AppendCallback): boolean {
    if (this.events + requests.length > this.maxQueued) {
      done(new AppendError(ErrorCode.Overloaded, "the server is writing as fast as it can; retry shortly"));
      return false;
    }
    this.items.push({ requests, done });
    this.events += requests.length;
    return true;
  }

  /**
   * The oldest submissions holding at most `maxBatch` events (at least one submission, however
   * large), and their event count. One splice per batch, not a shift per submission: under load
   * the queue holds thousands.
   */
  take(maxBatch: number): { batch: Pending[]; n: number } {
    let k = 0;
    let n = 0;
    while (k < this.items.length && (k === 0 || n + this.items[k]!.requests.length <= maxBatch)) n += this.items[k++]!.requests.length;
    this.events -= n;
    return { batch: this.items.splice(0, k), n };
  }
}
