/**
 * The event-log port. Everything outside src/store/ talks to this interface only.
 *
 * Contract (checked by event-log.contract.ts against every adapter):
 * - `append` runs all requests in ONE transaction; seq and pos are assigned inside it, so an
 *   event is visible to readers only once it is durable. Per stream, seq is gapless from 1.
 * - A request whose (author, cmid) already exists appends nothing and returns the original
 *   event with `duplicate: true` (also when the original is earlier in the same batch).
 * - If the transaction fails, nothing of the batch is kept and `append` throws. When the storage
 *   itself refuses the write (disk full, I/O error, read-only, locked by another program), it
 *   throws StoreUnavailableError: the same append can succeed later, once the storage recovers.
 * - Reads return events in ascending seq (per stream) or ascending pos (global).
 * The methods are synchronous because both SQLite drivers are; that is what lets the server
 * read a replay and subscribe to live fan-out in one tick with nothing in between.
 */
import type { EventBody, EventData, EventKind } from "../protocol/index.ts";

export type StoredEvent = EventData;

export interface AppendRequest {
  stream: string;
  kind: EventKind;
  author: string;
  body: EventBody;
  cmid?: string;
  /** Server time, ms. */
  at: number;
}

/** An event as a row of the events table (SQLite and PostgreSQL alike): the body is its stored JSON text. */
export interface EventRow {
  pos: number;
  stream: string;
  seq: number;
  kind: string;
  author: string;
  at: number;
  cmid: string | null;
  /** JSON text, as stored. */
  body: string;
}

export interface AppendOutcome {
  event: StoredEvent;
  duplicate: boolean;
}

export interface Snapshot {
  pos: number;
  version: number;
  data: string;
}

export interface EventLog {
  /** Random id chosen when the log was created; cursors from another epoch are meaningless. */
  readonly epoch: string;
  append(requests: readonly AppendRequest[]): AppendOutcome[];
  /** Events of `stream` with seq > afterSeq, ascending, at most `limit`. */
  readAfter(stream: string, afterSeq: number, limit: number): StoredEvent[];
  /** Events of `stream` with seq < beforeSeq, ascending, the `limit` newest of them. */
  readBefore(stream: string, beforeSeq: number, limit: number): StoredEvent[];
  /** Events of every stream with pos > afterPos, ascending, at most `limit`. */
  readAll(afterPos: number, limit: number): StoredEvent[];
  /** Highest seq of the stream, 0 if it has none. */
  head(stream: string): number;
  /** Lowest seq still kept (1 unless pruned); head + 1 when nothing is kept. */
  first(stream: string): number;
  /** Every stream with its head. */
  heads(): Map<string, number>;
  /** Highest pos, 0 if the log is empty. */
  lastPos(): number;
  /** The event a client message id produced, if any. */
  findByCmid(author: string, cmid: string): StoredEvent | undefined;
  /** The event at (stream, seq), if kept. */
  get(stream: string, seq: number): StoredEvent | undefined;
  /**
   * Messages in `stream` after `afterSeq` written by someone other than `notAuthor`, counting at
   * most `max` (the count scans the rows, and "999+" is all a badge needs).
   */
  countMessagesAfter(stream: string, afterSeq: number, notAuthor: string, max?: number): number;
  /** Deletes all but the newest `keep` events of a stream; returns how many went. */
  prune(stream: string, keep: number): number;
  /**
   * Writes and commits a tiny record outside the event tables; throws StoreUnavailableError while
   * the storage refuses writes. The journal calls it to notice that storage has recovered when
   * no append is coming (e.g. a load balancer stopped sending traffic to a degraded server).
   */
  probeWrite(): void;
  loadSnapshot(name: string): Snapshot | undefined;
  saveSnapshot(name: string, snapshot: Snapshot): void;
  close(): void;
}

/** The storage refused a write (disk full, I/O error, read-only, locked); nothing was kept, retry later. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) { super(message, options); }
}

export interface OpenOptions {
  /** A file path, or ":memory:". */
  path: string;
  /** SQLite `synchronous`: NORMAL survives a crash, FULL also a power loss. */
  synchronous?: "NORMAL" | "FULL";
}
