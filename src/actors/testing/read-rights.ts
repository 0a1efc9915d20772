/**
 * The read rule of docs/protocol.md for public rooms, DMs and personal streams, computed from the
 * log itself rather than from the code under test: the model-based tests (actors.prop, cluster.prop)
 * judge every delivered event with it. One copy, so the two models cannot drift apart.
 */
import { BROADCAST_STREAM, parseStream, userStream, type EventData } from "../../protocol/index.ts";

/** What a model knows of the log: one stream's events in seq order, and the streams that exist. */
export interface LogView {
  events(stream: string): Iterable<EventData>;
  streams(): Iterable<string>;
}

/** Whether `user` is a member of the room whose events are `roomEvents` once those up to `seq` have happened. */
export function memberAsOf(roomEvents: Iterable<EventData>, user: string, seq = Number.MAX_SAFE_INTEGER): boolean {
  let member = false;
  for (const e of roomEvents) {
    if (e.seq > seq) break;
    if (e.author === user && e.kind === "joined") member = true;
    if (e.author === user && e.kind === "left") member = false;
  }
  return member;
}

/**
 * Whether `user` may receive `e`. In a room: a member when the event happened (events committed in
 * one transaction are delivered one by one, before the later ones take effect), or now (rooms share
 * their history with members, so a device may be replayed what happened while its user was away).
 * Never an event after the user's own `left` while it is out of the room.
 */
export function mayRead(log: LogView, user: string, e: EventData): boolean {
  const s = parseStream(e.stream);
  if (!s) return false;
  switch (s.kind) {
    case "user": return s.user === user;
    case "dm": return s.users.includes(user);
    case "broadcast": return true;
    case "room": {
      const events = log.events(e.stream);
      return memberAsOf(events, user, e.seq) || memberAsOf(events, user) || (e.kind === "left" && e.author === user);
    }
  }
}

/** Streams `user` may read now. */
export function readable(log: LogView, user: string): string[] {
  const out = [userStream(user), BROADCAST_STREAM];
  for (const s of log.streams()) {
    const p = parseStream(s);
    if (p?.kind === "dm" && p.users.includes(user)) out.push(s);
    if (p?.kind === "room" && memberAsOf(log.events(s), user)) out.push(s);
  }
  return out;
}
