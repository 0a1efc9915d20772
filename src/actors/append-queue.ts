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
   * The oldest submissions holding at most `maxBatch` events and about `maxChars` characters of
   * message text (at least one submission, however large), their event count, and whether the
   * text size is what ended the batch. One splice
   * per batch, not a shift per submission: under load the queue holds thousands.
   */
  take(maxBatch: number, maxChars = Number.POSITIVE_INFINITY): { batch: Pending[]; n: number; big: boolean } {
    let k = 0;
    let n = 0;
    let chars = 0;
    let big = false;
    while (k < this.items.length) {
      const reqs = this.items[k]!.requests;
      const c = textChars(reqs);
      if (k > 0 && n + reqs.length > maxBatch) break;
      if (k > 0 && chars + c > maxChars) { big = true; break; }
      n += reqs.length;
      chars += c;
      k += 1;
    }
    this.events -= n;
    return { batch: this.items.splice(0, k), n, big };
  }
}

/** What a batch's size in the log is mostly made of: message text (up to --max-text each); the rest of an event is ~100 bytes. */
function textChars(requests: AppendRequest[]): number {
  let c = 0;
  for (const r of requests) c += 100 + (typeof r.body.text === "string" ? r.body.text.length : 0);
  return c;
}
