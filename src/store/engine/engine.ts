/**
 * The engine port: the durable, shared system of record that several hubbub nodes append to and
 * follow. Asynchronous, because a networked database is (PostgreSQL); the embedded SQLite engine
 * and the in-memory twin implement the same contract (engine.contract.ts runs it against all three).
 *
 * This is the write side of the cluster design (docs/architecture.md, "The engine port"): a node
 * appends through the engine and learns of every committed event — its own included — by
 * following it with a tailer (tailer.ts). The synchronous `EventLog` port (../event-log.ts) stays
 * the node's read side.
 *
 * Contract:
 * - `append(batch)` is ONE transaction. Per request, in batch order:
 *   1. if (author, cmid) already exists — committed earlier by ANY engine instance, or earlier in
 *      this batch — nothing is appended and the original event comes back as `duplicate`, whatever
 *      the guard says now (a retry is answered with what happened the first time);
 *   2. else if the request's `guard` fails against the facts as they stand at this point of the
 *      batch, nothing of the request is applied and it comes back `rejected` (no seq, no pos used);
 *   3. else the event is appended with the next seq of its stream (gapless from 1) and the next
 *      global pos (gapless from 1), and its `effects` change the facts for the requests after it.
 *   All of this is decided inside the transaction, so two nodes can never both accept conflicting
 *   requests, and a seq or pos exists exactly when its event is durable.
 * - Commit order equals pos order: once `append` resolves, every event at a lower pos is committed
 *   too, so a reader of `readAfter(p)` can never later find a row below what it has read.
 * - If the transaction fails, nothing of the batch is kept and `append` rejects. A rejection does
 *   NOT prove that nothing was committed (the connection may drop after COMMIT was sent): callers
 *   retry with the same cmids, which idempotency turns into exactly-once.
 * - `epoch` identifies the engine's history: random, chosen once when the storage is created, the
 *   same for every instance on that storage. `head()` re-reads it, so a node can notice that the
 *   storage under it was replaced (restored, re-created) while it runs.
 */
import type { AppendRequest, StoredEvent } from "../event-log.ts";

export type { StoredEvent };

/**
 * A named boolean the engine keeps beside the log and changes in the same transaction as the
 * events that imply it, so that checks against it are authoritative. Example: membership —
 * `{scope: "room:general", key: "alice"}` is added by alice's `joined` event, removed by her
 * `left`, and required by her `message` to that room.
 */
export interface Fact {
  scope: string;
  key: string;
}

/** Checked inside the transaction, after the idempotency check. */
export interface Guard {
  /** Every one of these must hold. */
  require?: readonly Fact[];
  /** None of these may hold. */
  forbid?: readonly Fact[];
}

/** Applied in the transaction when (and only when) the request's event is appended. Removals first, then additions. */
export interface Effects {
  add?: readonly Fact[];
  remove?: readonly Fact[];
}

export interface EngineRequest extends AppendRequest {
  guard?: Guard;
  effects?: Effects;
}

export type RejectionCode = "fact_missing" | "fact_present";

export type AppendResult =
  | { status: "appended"; event: StoredEvent }
  | { status: "duplicate"; event: StoredEvent }
  | { status: "rejected"; code: RejectionCode; fact: Fact };

/** Where the engine's history ends, with the history's identity. */
export interface EnginePosition {
  epoch: string;
  /** Highest committed pos, 0 when empty. */
  pos: number;
}

/** A registration made by `watch`. */
export interface Watch {
  stop(): Promise<void>;
}

export interface WatchHandlers {
  /**
   * A hint that the head may have moved to `pos` (or beyond). Hints can be late, duplicated,
   * coalesced or lost (a dropped connection loses those sent meanwhile): never rely on them alone.
   * `events`, when the engine sends them (PostgreSQL, when they fit in a NOTIFY payload): the
   * events of the commit that made `pos` the head, ascending, the last at `pos`, exactly as
   * `readAfter` returns them. Committed, so a follower whose position is right before the first
   * may apply them without reading; any other follower reads as usual.
   */
  onHead(pos: number, events?: StoredEvent[]): void;
  /**
   * The follower's position, if it has one: a hint whose head is at or before it tells the
   * follower nothing, and the engine may drop it without decoding it (its own commits, which a
   * node has applied by the time their NOTIFY comes: half of them with 2 nodes).
   */
  known?(): number;
  /**
   * The watch is (again) in place — first at start and after every reconnect. Anything committed
   * while it was not may have produced no hint, so a follower reads after its position here.
   */
  onListening?(): void;
}

export type EngineKind = "memory" | "sqlite" | "postgres";

export interface Engine {
  readonly kind: EngineKind;
  /** The history's identity as read at open (see the contract above). */
  readonly epoch: string;
  /** Appends a batch in one transaction; one result per request, in request order. */
  append(requests: readonly EngineRequest[]): Promise<AppendResult[]>;
  /** Committed events with pos > afterPos, ascending by pos, at most `limit` (≥ 1). */
  readAfter(afterPos: number, limit: number): Promise<StoredEvent[]>;
  /** The committed head and the epoch, read together from the storage. */
  head(): Promise<EnginePosition>;
  /**
   * Gives the history a new epoch if it still has `expected`, and returns the epoch it has now
   * (the new one, or whatever another caller set first). Called when a follower proves the
   * storage lost events it had seen (a restored older backup): clients compare epochs only, so
   * without a new one they would keep cursors that now point at other events.
   */
  renewEpoch(expected: string): Promise<string>;
  /** Highest committed seq of a stream, 0 if it has none. */
  streamHead(stream: string): Promise<number>;
  /** Whether a fact holds now (committed state). */
  holds(fact: Fact): Promise<boolean>;
  /** Wake-up hints for followers; see WatchHandlers. */
  watch(handlers: WatchHandlers): Promise<Watch>;
  close(): Promise<void>;
}

/** Errors with a stable code and whether retrying the same call later can succeed. */
export class EngineError extends Error {
  constructor(
    readonly code: "unavailable" | "diverged" | "closed",
    message: string,
    /** True when the same call may succeed later (connection lost, database restarting). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "EngineError";
  }
}
