/**
 * Unread mentions, so a `welcome` can say how many of a stream's unread messages mention me
 * without reading the log at hello (a user in a thousand rooms would otherwise cost a thousand
 * scans). Kept per stream and user: the seqs of messages that mention a member of the stream
 * (by someone else) after the member's read cursor and, in a room, after the member's latest
 * join — ascending, at most MENTION_CAP, the newest kept. A read moves the cursor and forgets the
 * seqs at or below it; leaving a room (or being kicked or banned) forgets the room's; an edit may add or remove a mention; a
 * delete removes it. A mention is what the shared message format calls one (`@name` outside code),
 * so the server's count and the web app's highlight agree.
 */
import type { EventData, ParsedStream } from "../protocol/index.ts";
import { mentionsIn, parse } from "../protocol/message-format.ts";

/** As with unread counts, a badge shows "1000+" past this. */
export const MENTION_CAP = 1000;

export type Mentions = Map<string, Map<string, number[]>>;

/**
 * What this fold reads and writes of the projection (projection.ts satisfies it): named here
 * rather than imported, so the projection depends on this file and not the other way round.
 */
export interface MentionState {
  readonly rooms: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly reads: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly changes: ReadonlyMap<string, ReadonlyMap<number, string | null>>;
  readonly mentions: Mentions;
}

/** How many unread messages of `stream` mention `user` (at most MENTION_CAP). */
export const unreadMentions = (p: MentionState, user: string, stream: string): number => p.mentions.get(stream)?.get(user)?.length ?? 0;

/** Members of the stream (other than the author) a text mentions. */
function mentioned(p: MentionState, s: ParsedStream, text: string, author: string): string[] {
  if (!text.includes("@")) return []; // most messages: no parse at all on the commit path
  const names = new Set(mentionsIn(parse(text)));
  names.delete(author);
  if (s.kind === "dm") return [...names].filter((n) => s.users.includes(n));
  if (s.kind !== "room") return [];
  const members = p.rooms.get(s.room);
  return [...names].filter((n) => members?.has(n));
}

/** Whether `user` has not read message `seq` yet (and, in a room, was there when it came). */
function unreadBy(p: MentionState, s: ParsedStream, stream: string, user: string, seq: number): boolean {
  if (seq <= (p.reads.get(user)?.get(stream) ?? 0)) return false;
  return s.kind !== "room" || seq > (p.rooms.get(s.room)?.get(user) ?? Infinity);
}

function insert(p: MentionState, stream: string, user: string, seq: number): void {
  let byUser = p.mentions.get(stream);
  if (!byUser) p.mentions.set(stream, (byUser = new Map()));
  let seqs = byUser.get(user);
  if (!seqs) byUser.set(user, (seqs = []));
  const at = after(seqs, seq);
  if (seqs[at - 1] === seq) return;
  if (at === seqs.length) seqs.push(seq); // a new message: the usual case
  else seqs.splice(at, 0, seq); // an edit that adds a mention to an older message
  if (seqs.length > MENTION_CAP) seqs.shift();
}

/** The index of the first element of ascending `seqs` above `seq` (binary search). */
function after(seqs: number[], seq: number): number {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid]! <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether ascending `seqs` holds `seq`. */
const has = (seqs: number[], seq: number): boolean => seqs[after(seqs, seq) - 1] === seq;

function remove(p: MentionState, stream: string, user: string, keep: (seq: number) => boolean): void {
  const byUser = p.mentions.get(stream);
  const seqs = byUser?.get(user);
  if (!byUser || !seqs) return;
  const left = seqs.filter(keep);
  if (left.length > 0) byUser.set(user, left);
  else byUser.delete(user);
  if (byUser.size === 0) p.mentions.delete(stream);
}

/** Folds one room or DM event (message, edit, delete, left, kicked, banned) into the mention lists. */
export function noteMentions(p: MentionState, e: EventData, s: ParsedStream): void {
  if (e.kind === "message") {
    const text = typeof e.body.text === "string" ? e.body.text : "";
    for (const user of mentioned(p, s, text, e.author)) if (unreadBy(p, s, e.stream, user, e.seq)) insert(p, e.stream, user, e.seq);
  } else if (e.kind === "edit" || e.kind === "delete") {
    const target = e.body.target;
    if (typeof target !== "number") return;
    if (p.changes.get(e.stream)?.get(target) === null) return; // deleted before: its mentions are gone already
    const now = e.kind === "edit" && typeof e.body.text === "string" ? mentioned(p, s, e.body.text, e.author) : [];
    // A binary search per user with pending mentions, not a scan of each list: an edit in a busy room stays cheap.
    for (const [user, seqs] of [...(p.mentions.get(e.stream) ?? [])]) if (!now.includes(user) && has(seqs, target)) remove(p, e.stream, user, (q) => q !== target);
    for (const user of now) if (unreadBy(p, s, e.stream, user, target)) insert(p, e.stream, user, target);
  } else if (e.kind === "left" && s.kind === "room") {
    remove(p, e.stream, e.author, () => false);
  } else if ((e.kind === "kicked" || e.kind === "banned") && s.kind === "room" && typeof e.body.user === "string") {
    remove(p, e.stream, e.body.user, () => false);
  }
}

/** A read cursor moved to `seq`: what is at or below it is read. */
export function readMentions(p: MentionState, user: string, stream: string, seq: number): void {
  remove(p, stream, user, (q) => q > seq);
}
