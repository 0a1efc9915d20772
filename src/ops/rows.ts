/** The events table as the operator tools read it: raw rows, straight from SQL. */
import type { EventData, EventKind } from "../protocol/index.ts";
import type { EventRow } from "../store/event-log.ts";

export type { EventRow };

export const EVENT_COLUMNS = "pos, stream, seq, kind, author, at, cmid, body";

/** Every kind the server writes; a Record so a kind added to EventKind must be added here too. */
const KINDS: Record<EventKind, true> = {
  message: true, edit: true, delete: true, joined: true, left: true, read: true,
  room_joined: true, room_left: true, broadcast: true, registered: true, topic: true, reaction: true,
  invited: true, uninvited: true, kicked: true, banned: true, unbanned: true, role: true, visibility: true, room_invited: true, room_uninvited: true,
};
export const isEventKind = (k: string): k is EventKind => Object.hasOwn(KINDS, k);

/** The row as an event, or why it is not one (a body that is not a JSON object, an unknown kind). */
export function toEvent(r: EventRow): { event: EventData } | { problem: string } {
  if (!isEventKind(r.kind)) return { problem: `unknown kind "${r.kind}"` };
  let body: unknown;
  try {
    body = JSON.parse(r.body);
  } catch {
    return { problem: "body is not JSON" };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { problem: "body is not a JSON object" };
  const event: EventData = { stream: r.stream, seq: r.seq, pos: r.pos, at: r.at, author: r.author, kind: r.kind, body: body as EventData["body"] };
  if (r.cmid !== null) event.cmid = r.cmid;
  return { event };
}

export const where = (r: { stream: string; seq: number; pos?: number }) => `${r.stream}#${r.seq}${r.pos === undefined ? "" : ` (pos ${r.pos})`}`;
