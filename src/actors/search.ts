/**
 * Search within one stream's history, from the log: the messages whose current text (after
 * their latest edit) contains the query, newest first. Bounded: one call reads at most
 * `maxScan` events, so its cost does not grow with the stream; `next` continues further back.
 */
import type { EventData } from "../protocol/index.ts";
import type { EventLog } from "../store/event-log.ts";

export interface SearchPage {
  events: EventData[];
  next?: number;
  /** Roughly what the scan read from the log (its text plus a fixed cost per event), for the user's read budget. */
  readBytes: number;
}

/** What one scanned event costs besides its text (row, stream, author, JSON). */
const EVENT_OVERHEAD = 100;

/** Events read per request at most (in pages of `PAGE`). */
export const SEARCH_SCAN = 5000;
const PAGE = 500;
const NONE: ReadonlyMap<number, string | null> = new Map();

/**
 * `changed` is the stream's latest text per edited or deleted message (the projection's `changes`):
 * what a message says now, whatever part of the stream this call scans.
 */
export function searchStream(log: EventLog, stream: string, q: string, before: number | undefined, limit: number, changed: ReadonlyMap<number, string | null> = NONE, maxScan = SEARCH_SCAN): SearchPage {
  const needle = q.trim().toLocaleLowerCase();
  const events: EventData[] = [];
  let cursor = before ?? log.head(stream) + 1;
  let scanned = 0;
  let readBytes = 0;
  while (scanned < maxScan && events.length < limit) {
    const page = log.readBefore(stream, cursor, Math.min(PAGE, maxScan - scanned));
    if (page.length === 0) return { events, readBytes };
    scanned += page.length;
    for (const e of page) readBytes += EVENT_OVERHEAD + String(e.body.text ?? "").length;
    for (let i = page.length - 1; i >= 0 && events.length < limit; i--) {
      const e = page[i]!;
      cursor = e.seq;
      if (e.kind !== "message") continue;
      const text = changed.has(e.seq) ? changed.get(e.seq) : String(e.body.text ?? "");
      if (text == null || !text.toLocaleLowerCase().includes(needle)) continue;
      events.push(text === e.body.text ? e : { ...e, body: { ...e.body, text } });
    }
  }
  return cursor > log.first(stream) ? { events, next: cursor, readBytes } : { events, readBytes };
}
