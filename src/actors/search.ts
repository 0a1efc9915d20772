/**
 * Search within one stream's history, from the log: the messages whose current text (after
 * their latest edit) contains the query, newest first. Bounded: one call reads at most
 * `maxScan` events and stops after the page that crosses `maxBytes` of text read, so its cost
 * grows neither with the stream nor with the size of its messages (5,000 messages of 4,000
 * characters would be 20 MB in one block); `next` continues further back.
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
/** Text read per request: it stops after the page that crosses this (the per-turn read budget's size). */
export const SEARCH_BYTES = 512 * 1024;
const PAGE = 200;
const NONE: ReadonlyMap<number, string | null> = new Map();

/**
 * `changed` is the stream's latest text per edited or deleted message (the projection's `changes`):
 * what a message says now, whatever part of the stream this call scans.
 */
export function searchStream(log: EventLog, stream: string, q: string, before: number | undefined, limit: number, changed: ReadonlyMap<number, string | null> = NONE, maxScan = SEARCH_SCAN, maxBytes = SEARCH_BYTES): SearchPage {
  const needle = q.trim().toLocaleLowerCase();
  const events: EventData[] = [];
  let cursor = before ?? log.head(stream) + 1;
  let scanned = 0;
  let readBytes = 0;
  while (scanned < maxScan && readBytes < maxBytes && events.length < limit) {
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
