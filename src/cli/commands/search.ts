/**
 * search: the messages of a room (or of my DM with someone) whose current text contains the
 * query, newest first, printed as they are found. The server scans a bounded slice of the log
 * per request and says where to go on (`next`); this follows it until --limit matches are
 * printed or the start of the stream is reached, waiting out the server's search rate limit.
 */
import { CommandError } from "../../client/index.ts";
import { dmStream, roomStream, type SearchResultsFrame, type SendTarget } from "../../protocol/index.ts";
import { eventJson, eventLine, out } from "../format.ts";
import { CliError, within, type Session } from "../session.ts";

/** The server answers at most this many matches per request. */
const PAGE_MAX = 50;
/** Pause before asking again after rate_limited (the server allows 2 searches per second). */
const RETRY_MS = 600;

export async function search(s: Session, where: SendTarget, q: string, limit: number): Promise<void> {
  const { client, flags } = s;
  const me = client.welcome?.user ?? "";
  const stream = "room" in where ? roomStream(where.room) : dmStream(me, where.user);
  let printed = 0;
  let before: number | undefined;
  do {
    const page = await ask(s, stream, q, before, Math.min(PAGE_MAX, limit - printed));
    for (const e of page.events.slice(0, limit - printed)) out(flags.json, eventLine(e, me), eventJson(e));
    printed += Math.min(page.events.length, limit - printed);
    before = page.next;
  } while (printed < limit && before !== undefined);
  if (printed === 0 && !flags.json) process.stderr.write(`hubbub: no message in ${stream} contains "${q}"\n`);
}

async function ask(s: Session, stream: string, q: string, before: number | undefined, limit: number): Promise<SearchResultsFrame> {
  for (;;) {
    try {
      return await within(s.client.search(stream, q, { before, limit }), s.flags.timeoutMs, "no search results");
    } catch (e) {
      if (e instanceof CommandError && e.code === "rate_limited") { await new Promise((r) => setTimeout(r, RETRY_MS)); continue; }
      if (e instanceof CommandError && e.code === "not_member") throw new CliError(e.code, `you cannot read ${stream} (join the room first)`);
      throw e;
    }
  }
}
