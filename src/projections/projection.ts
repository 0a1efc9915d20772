/**
 * The read model: who is in which room, which DMs each user has, and read cursors.
 * It is a pure fold over the log (`apply`), so it can always be rebuilt by replaying the log,
 * and it is written only by the journal's commit path (one event at a time, synchronously).
 * Actors read it to decide; they never write it.
 */
import type { EventData, ParsedStream } from "../protocol/index.ts";
import { parseStream } from "../protocol/index.ts";
import { type RoomAccess, foldAccess } from "./room-access.ts";
import { type Mentions, noteMentions, readMentions } from "./mentions.ts";

export interface Projection {
  /** room -> member -> seq of the member's latest `joined` event in that room. */
  rooms: Map<string, Map<string, number>>;
  /** user -> DM streams the user takes part in. */
  userDms: Map<string, Set<string>>;
  /** user -> stream -> read cursor (never moves backwards). */
  reads: Map<string, Map<string, number>>;
  /**
   * Every user who has ever signed in (a `registered` event) or written anything: who may be
   * sent a DM (a name nobody has used yet is not a mailbox anyone can fill for its future owner),
   * with the rooms the user is a member of, in join order (see UserRooms).
   */
  users: Map<string, UserRooms>;
  /**
   * room -> visibility, owner, moderators, open invites and bans (room-access.ts). Rooms made
   * before rooms had owners have no entry: public, ownerless, as they always were.
   */
  access: Map<string, RoomAccess>;
  /** room -> its topic (absent: none set, or cleared). */
  topics: Map<string, string>;
  /**
   * stream -> message seq -> the message's text after its latest edit, or null once deleted; only
   * messages ever edited or deleted appear. Search reads it, so a message edited or deleted after
   * the page being scanned never matches by its old text (a scan backwards alone sees only the
   * changes inside its own window).
   */
  changes: Map<string, Map<number, string | null>>;
  /** stream -> user -> seqs of unread messages mentioning the user (see mentions.ts). */
  mentions: Mentions;
  /** pos of the last event applied. */
  pos: number;
}

/**
 * A user's rooms: none (null), one (its name), or several (an array, in join order). One map holds
 * every user with their rooms because every node of a cluster holds every user (100k users on 7
 * nodes: 600k copies of users with no connection on the node): a second map of rooms per user and
 * a one-room array cost ~110 B per user per node (52 B a Set entry, 56 B an array; heap census,
 * docs/architecture.md "What a node holds of users it does not serve"). Read it with roomsOf.
 */
export type UserRooms = null | string | string[];

const NO_ROOMS: readonly string[] = Object.freeze([]);

export function emptyProjection(): Projection {
  return { rooms: new Map(), userDms: new Map(), reads: new Map(), users: new Map(), access: new Map(), topics: new Map(), changes: new Map(), mentions: new Map(), pos: 0 };
}

/**
 * The server-internal stream of first sign-ins. '@' cannot appear in a stream name a client may
 * use (parseStream refuses it), so nobody can read, page or resume it, and it is never published.
 */
export const USERS_STREAM = "@users";

function setOf<K, V>(m: Map<K, Set<V>>, k: K): Set<V> {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  return s;
}

/** Makes `user` known (signed in or wrote something), with no rooms if it was not known yet. */
export function addUser(p: Projection, user: string): void {
  if (!p.users.has(user)) p.users.set(user, null);
}

/** The rooms `user` is a member of, in join order (read-only: the projection's own array, or a fresh one). */
export function roomsOf(p: Projection, user: string): readonly string[] {
  const rooms = p.users.get(user);
  if (rooms === undefined || rooms === null) return NO_ROOMS;
  return typeof rooms === "string" ? [rooms] : rooms;
}

/** How many rooms `user` is a member of (the --max-rooms-per-user check: allocates nothing). */
export function roomCount(p: Projection, user: string): number {
  const rooms = p.users.get(user);
  return rooms === undefined || rooms === null ? 0 : typeof rooms === "string" ? 1 : rooms.length;
}

/**
 * A user's rooms are an array, not a Set, once there are two: on a big server most users are in
 * a few rooms, where a Set's hash table cost ~0.4 KB each (heap census of joined connections). A
 * lookup walks the array, bounded by --max-rooms-per-user; iteration order is join order.
 * Makes the user known if it was not.
 */
export function addRoom(p: Projection, user: string, room: string): void {
  const rooms = p.users.get(user);
  if (rooms === undefined || rooms === null) p.users.set(user, room);
  else if (typeof rooms === "string") { if (rooms !== room) p.users.set(user, [rooms, room]); }
  else if (!rooms.includes(room)) rooms.push(room);
}

export function removeRoom(p: Projection, user: string, room: string): void {
  const rooms = p.users.get(user);
  if (rooms === undefined || rooms === null) return;
  if (typeof rooms === "string") { if (rooms === room) p.users.set(user, null); return; }
  const at = rooms.indexOf(room);
  if (at < 0) return;
  rooms.splice(at, 1);
  // Back to the compact forms, so a user who left rooms costs what one who never joined does.
  if (rooms.length <= 1) p.users.set(user, rooms.length === 1 ? rooms[0]! : null);
}

/** Folds one event into the read model. `s` is the event's parsed stream, if the caller has it already. */
export function apply(p: Projection, e: EventData, s: ParsedStream | undefined = parseStream(e.stream)): void {
  p.pos = e.pos;
  // Authors include users from before `registered` existed; '@' marks the operator, not a user.
  if (e.author.charCodeAt(0) !== 64 /* @ */) addUser(p, e.author);
  if (!s) return;
  if (s.kind === "room") {
    let members = p.rooms.get(s.room);
    if (!members) p.rooms.set(s.room, (members = new Map()));
    if (e.kind === "joined") {
      members.set(e.author, e.seq);
      addRoom(p, e.author, s.room);
    } else if (e.kind === "left") {
      members.delete(e.author);
      removeRoom(p, e.author, s.room);
    } else if ((e.kind === "kicked" || e.kind === "banned") && typeof e.body.user === "string") {
      members.delete(e.body.user);
      removeRoom(p, e.body.user, s.room);
    } else if (e.kind === "topic") {
      const text = typeof e.body.text === "string" ? e.body.text : "";
      if (text) p.topics.set(s.room, text);
      else p.topics.delete(s.room);
    }
    const before = p.access.get(s.room);
    const after = foldAccess(before, e);
    if (after !== before) { if (after) p.access.set(s.room, after); else p.access.delete(s.room); }
  } else if (s.kind === "dm" && e.seq === 1) {
    setOf(p.userDms, s.users[0]).add(e.stream);
    setOf(p.userDms, s.users[1]).add(e.stream);
  }
  // Mentions first: they look at whether the target of an edit or delete was deleted before.
  if (s.kind === "room" || s.kind === "dm") noteMentions(p, e, s);
  if ((s.kind === "room" || s.kind === "dm") && (e.kind === "edit" || e.kind === "delete")) noteChange(p, e); else if (s.kind === "user" && e.kind === "read") {
    const stream = e.body.stream;
    const seq = e.body.seq;
    if (typeof stream !== "string" || typeof seq !== "number") return;
    let reads = p.reads.get(s.user);
    if (!reads) p.reads.set(s.user, (reads = new Map()));
    if (seq > (reads.get(stream) ?? 0)) {
      reads.set(stream, seq);
      readMentions(p, s.user, stream, seq);
    }
  }
}

/** A deleted message stays deleted: a later edit of it does not bring its text back. */
function noteChange(p: Projection, e: EventData): void {
  const target = e.body.target;
  if (typeof target !== "number") return;
  let m = p.changes.get(e.stream);
  if (!m) p.changes.set(e.stream, (m = new Map()));
  if (m.get(target) === null) return;
  m.set(target, e.kind === "delete" ? null : typeof e.body.text === "string" ? e.body.text : "");
}

export const accessOf = (p: Projection, room: string): RoomAccess | undefined => p.access.get(room);
export const isMember = (p: Projection, room: string, user: string): boolean => p.rooms.get(room)?.has(user) ?? false;
export const isKnownUser = (p: Projection, user: string): boolean => p.users.has(user);
export const readCursor = (p: Projection, user: string, stream: string): number => p.reads.get(user)?.get(stream) ?? 0;
