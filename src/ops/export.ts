/**
 * `hubbub log export`: events as NDJSON, in one consistent read (what was committed when it
 * started). The body is written as the JSON object it is; one that does not parse (which
 * `log verify` reports) is written as its stored text rather than dropped.
 */
import type { SqliteReader } from "../store/sqlite/sqlite-reader.ts";
import { EVENT_COLUMNS, type EventRow } from "./rows.ts";

/** Lines are handed to `write` in chunks of about this many characters, not one call a line. */
const CHUNK = 64 * 1024;

export function exportLog(db: SqliteReader, write: (text: string) => void, stream?: string): number {
  return db.snapshot(() => {
    const rows = stream === undefined
      ? db.iterate<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY pos`)
      : db.iterate<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? ORDER BY seq`, stream);
    let n = 0;
    let chunk = "";
    for (const r of rows) {
      chunk += `${JSON.stringify(record(r))}\n`;
      n += 1;
      if (chunk.length >= CHUNK) {
        write(chunk);
        chunk = "";
      }
    }
    if (chunk) write(chunk);
    return n;
  });
}

function record(r: EventRow): Record<string, unknown> {
  let body: unknown = r.body;
  try { body = JSON.parse(r.body); } catch { /* kept as text */ }
  const o: Record<string, unknown> = { pos: r.pos, stream: r.stream, seq: r.seq, kind: r.kind, author: r.author, at: r.at };
  if (r.cmid !== null) o.cmid = r.cmid;
  o.body = body;
  return o;
}
