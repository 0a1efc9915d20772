/**
 * Every frame of protocol v1. Both directions carry plain objects with a `type`;
 * the same shapes travel as JSON text or MessagePack binary (see codec.ts).
 * Commands may carry an `id` (a short string or a finite number) that the reply echoes.
 */
import type { ErrorCode } from "./codes.ts";

export type CommandId = string | number;

/** Last seq a client has seen, per stream. */
export type Cursors = Record<string, number>;

export type ClientKind = string; // "web", "cli", or anything an embedder chooses (validated as a device id)

// ---------- client -> server ----------

export interface HelloFrame {
  type: "hello";
  id?: CommandId;
  /** The user, in `--auth dev` mode. Ignored when a token is required. */
  user?: string;
  /** An HS256 JWT whose `sub` is the user, when the server has a secret. */
  token?: string;
  device: string;
  client: ClientKind;
  /**
   * Present: this is a resume. Every stream of the user is replayed after its cursor;
   * a stream missing from the map is replayed from where the user joined it.
   * Absent: a fresh start, nothing is replayed (use `history` to backfill).
   */
  cursors?: Cursors;
  /**
   * false: this connection is not announced in its rooms' presence (a one-shot command that
   * connects, does one thing and leaves). Absent or true: it is.
   */
  presence?: boolean;
  /**
   * true: this client understands `events` frames (several consecutive events of one stream in
   * one frame), and the server sends a stream's events committed together that way. Absent or
   * false: every event comes as its own `event` frame, as in the first version of the protocol.
   */
  batch?: boolean;
}
/**
 * Joins a room. A room that does not exist yet is created by its first join, and its creator is
 * its owner; `private: true` creates it private (invite-only). `private: true` for a room that
 * exists already is refused with `room_exists` (unless the user is a member: then a duplicate ack),
 * so a client never believes it made a private room when it joined someone else's public one.
 */
export interface JoinFrame { type: "join"; id?: CommandId; room: string; private?: boolean }
export interface LeaveFrame { type: "leave"; id?: CommandId; room: string }
export type SendTarget = { room: string } | { user: string };
export interface SendFrame {
  type: "send";
  id?: CommandId;
  to: SendTarget;
  /** Client message id: a retry with the same one returns the original ack and appends nothing. */
  cmid: string;
  text: string;
}
export interface EditFrame { type: "edit"; id?: CommandId; stream: string; seq: number; cmid: string; text: string }
export interface DeleteFrame { type: "delete"; id?: CommandId; stream: string; seq: number; cmid: string }
/** Adds (`on`) or takes back my reaction `emoji` to a message; anyone who can write to the stream may react. */
export interface ReactFrame { type: "react"; id?: CommandId; stream: string; seq: number; cmid: string; emoji: string; on: boolean }
/** The commands that change an existing message: appended as an event that names its target. */
export type ChangeFrame = EditFrame | DeleteFrame | ReactFrame;
export interface HistoryFrame {
  type: "history";
  id?: CommandId;
  stream: string;
  /** Page of events with seq < before (newest page when both are absent). */
  before?: number;
  /** Page of events with seq > after. */
  after?: number;
  limit?: number;
}
/**
 * Messages of a stream whose current text contains `q` (case-insensitive), newest first. One
 * request scans a bounded number of events before `before`; `next` says where to go on.
 */
export interface SearchFrame { type: "search"; id?: CommandId; stream: string; q: string; before?: number; limit?: number }
/** Sets a room's topic (members only; at most 300 characters; "" clears it). Logged as a `topic` event. */
export interface TopicFrame { type: "topic"; id?: CommandId; room: string; text: string }
export interface ReadFrame { type: "read"; id?: CommandId; stream: string; seq: number }
export interface TypingFrame { type: "typing"; stream: string }
export interface PingFrame { type: "ping"; id?: CommandId; t?: number }
export interface RoomsFrame { type: "rooms"; id?: CommandId }
export interface WhoFrame { type: "who"; id?: CommandId; room: string }
export type RoomVisibility = "public" | "private";
/** Per-room roles: the owner (the room's creator) and the moderators the owner appoints. */
export type RoomRole = "owner" | "moderator" | "member";
/** Owner and moderators only: lets `user` join a private room once (the invite is used up by the join). */
export interface InviteFrame { type: "invite"; id?: CommandId; room: string; user: string }
/** Owner and moderators only: removes a member (not a moderator, not the owner); rejoining a private room needs a new invite. */
export interface KickFrame { type: "kick"; id?: CommandId; room: string; user: string }
/** Owner and moderators only: removes `user` (member or not) and keeps them out until unbanned. */
export interface BanFrame { type: "ban"; id?: CommandId; room: string; user: string }
export interface UnbanFrame { type: "unban"; id?: CommandId; room: string; user: string }
/** Owner and moderators only: withdraws an open invite of `user` to the room (one not used by a join yet). */
export interface UninviteFrame { type: "uninvite"; id?: CommandId; room: string; user: string }
/** Owner only: makes a member a moderator (`moderator`) or takes the role back (`member`). */
export interface SetRoleFrame { type: "set_role"; id?: CommandId; room: string; user: string; role: "moderator" | "member" }
/** Owner only: makes the room private (invite-only) or public. Members stay members either way. */
export interface SetVisibilityFrame { type: "set_visibility"; id?: CommandId; room: string; visibility: RoomVisibility }
/** A room's settings (answer: `room_settings`): anyone for a public room, members and invitees for a private one. */
export interface RoomInfoFrame { type: "room_info"; id?: CommandId; room: string }
/** The room commands that change who may be in the room, all appended as events of the room. */
export type ModerationFrame = InviteFrame | UninviteFrame | KickFrame | BanFrame | UnbanFrame | SetRoleFrame | SetVisibilityFrame;

/** Has this user ever signed in here? Lets a client ask before starting a DM with a misspelled name. */
export interface WhoisFrame { type: "whois"; id?: CommandId; user: string }

export type ClientFrame =
  | HelloFrame | JoinFrame | LeaveFrame | SendFrame | EditFrame | DeleteFrame
  | HistoryFrame | ReadFrame | TypingFrame | PingFrame | RoomsFrame | WhoFrame | WhoisFrame | SearchFrame | TopicFrame | ReactFrame
  | ModerationFrame | RoomInfoFrame;
export type ClientFrameType = ClientFrame["type"];

// ---------- server -> client ----------

export type EventKind =
  | "message"      // body: {text}
  | "edit"         // body: {target, text}
  | "delete"       // body: {target}
  | "joined"       // body: {} (room stream: author joined), {create: "public"|"private"} (author created the room and owns it),
                   //       {via: "invite"} (used an invite to a private room), {via: "owner"} (the owner back in a private room)
  | "left"         // body: {}
  | "read"         // body: {stream, seq} (user stream: read cursor moved)
  | "room_joined"  // body: {room} (user stream: this user joined a room, on any device)
  | "room_left"    // body: {room}
  | "broadcast"    // body: {text} (broadcast stream, from an operator)
  | "registered"   // body: {} (server-internal `@users` stream, never sent: the author's first sign-in)
  | "topic"        // body: {text} (room stream: the room's topic, set by a member; "" clears it)
  | "reaction"     // body: {target, emoji, on} (on: 1 adds the author's reaction, 0 takes it back)
  | "invited"      // body: {user} (room stream: the author, owner or moderator, invited user)
  | "uninvited"    // body: {user} (room stream: the author withdrew user's open invite)
  | "kicked"       // body: {user} (room stream: the author removed user from the room)
  | "banned"       // body: {user} (room stream: the author removed user and keeps them out)
  | "unbanned"     // body: {user}
  | "role"         // body: {user, role: "moderator"|"member"} (room stream: the owner changed user's role)
  | "visibility"   // body: {visibility: "public"|"private"} (room stream: the owner changed it)
  | "room_invited"  // body: {room} (user stream of the invitee: someone invited this user to room; author: who)
  | "room_uninvited"; // body: {room} (user stream of the invitee: that invite was withdrawn; author: who)

export type EventBody = Record<string, string | number>;

export interface EventData {
  stream: string;
  seq: number;
  /** Global position in the log: increases across all streams. */
  pos: number;
  /** Server time of the append, ms since the epoch. */
  at: number;
  author: string;
  kind: EventKind;
  body: EventBody;
  cmid?: string;
}
export interface EventFrame extends EventData { type: "event" }

/** The frame for an event. Built field by field, not by spreading: it runs for every event under load. */
export function eventFrame(e: EventData): EventFrame {
  const f: EventFrame = { type: "event", stream: e.stream, seq: e.seq, pos: e.pos, at: e.at, author: e.author, kind: e.kind, body: e.body };
  if (e.cmid !== undefined) f.cmid = e.cmid;
  return f;
}

/**
 * Several events of one stream, consecutive in seq (no gap between them, in seq order), sent as
 * one frame to a client that said `batch: true` in its hello: what a commit (one event-loop turn
 * of the log's writer) appended to the stream, e.g. every `joined` of a room in that turn. A
 * client handles it exactly as the `event` frames of its events, one after another.
 */
export interface EventsFrame { type: "events"; stream: string; events: EventData[] }

/** The frame for consecutive events of one stream: one `event` frame when there is one, else an `events` frame. */
export function eventsFrame(events: readonly EventData[]): EventFrame | EventsFrame {
  if (events.length === 1) return eventFrame(events[0]!);
  return { type: "events", stream: events[0]!.stream, events: events.map(eventData) };
}

/** An event's data alone, as `page` and `events` carry it (no `type`). */
function eventData(e: EventData): EventData {
  const d: EventData = { stream: e.stream, seq: e.seq, pos: e.pos, at: e.at, author: e.author, kind: e.kind, body: e.body };
  if (e.cmid !== undefined) d.cmid = e.cmid;
  return d;
}

export interface StreamInfo {
  stream: string;
  kind: "room" | "dm" | "user" | "broadcast";
  /** Room name, or the other user of a DM. */
  name: string;
  head: number;
  /** Messages by others after my read cursor (at most 1,000). */
  unread: number;
  /** Of those, the ones that mention me (`@name` outside code; at most 1,000). */
  mentions: number;
}
export interface WelcomeFrame {
  type: "welcome";
  id?: CommandId;
  user: string;
  device: string;
  /** Identifies this log; if it changes, a client's cursors belong to another log and must be dropped. */
  epoch: string;
  streams: StreamInfo[];
  /** My read cursor per stream. */
  reads: Cursors;
  /** Send an app-level ping at least this often (ms). */
  heartbeatMs: number;
  limits: { maxPayload: number; maxText: number };
}
export interface AckFrame { type: "ack"; id?: CommandId; stream: string; seq: number; pos: number; duplicate?: boolean }
export interface SyncedFrame { type: "synced"; id?: CommandId }
/** Events of `stream` up to `first - 1` are gone (retention): replay continues from `first`. */
export interface TruncatedFrame { type: "truncated"; stream: string; cursor: number; first: number }
export interface PresenceEntry { user: string; device: string; client: ClientKind }
export interface PresenceFrame {
  type: "presence";
  id?: CommandId;
  room: string;
  /** Full list (answer to `who`, and on join); otherwise absent. */
  online?: PresenceEntry[];
  joined?: PresenceEntry[];
  left?: PresenceEntry[];
}
export interface TypingEventFrame { type: "typing"; stream: string; user: string }
export interface PageFrame { type: "page"; id?: CommandId; stream: string; events: EventData[]; more: boolean }
/**
 * Answer to `search`: matching messages (their text as last edited; deleted ones never match),
 * newest first. `next` is the seq to pass as `before` to search older events, absent at the start.
 */
export interface SearchResultsFrame { type: "search_results"; id?: CommandId; stream: string; q: string; events: EventData[]; next?: number }
/**
 * One room of `room_list`. `visibility` is absent for public rooms (as from servers before
 * private rooms); `invited` is present when I hold an unused invite; `role` is my role when it is
 * more than member.
 */
export interface RoomSummary {
  room: string; members: number; head: number; member: boolean; topic?: string;
  visibility?: "private"; invited?: true; role?: "owner" | "moderator";
}
/** At most this many names in `room_settings.members`: the answer stays bounded however big the room. */
export const MAX_LISTED_MEMBERS = 500;
/**
 * Answer to `room_info`. `owner` is absent for rooms made before rooms had owners (they stay
 * public and have no moderators). `invited` and `banned` are listed to the owner and moderators only.
 * `members` (the first MAX_LISTED_MEMBERS names in code-unit order) and `memberCount` (all of
 * them) are told to members only, as `who` is: a non-member of a public room sees its settings,
 * not who is in it.
 */
export interface RoomSettingsFrame {
  type: "room_settings"; id?: CommandId; room: string; visibility: RoomVisibility;
  owner?: string; moderators: string[]; invited?: string[]; banned?: string[];
  members?: string[]; memberCount?: number;
}
export interface RoomListFrame { type: "room_list"; id?: CommandId; rooms: RoomSummary[] }
export interface ErrorFrame { type: "error"; id?: CommandId; code: ErrorCode; message: string }
export interface PongFrame { type: "pong"; id?: CommandId; t?: number }
/** Answer to `whois`: `known` is false for a name the server has never seen sign in or act. */
export interface UserInfoFrame { type: "user_info"; id?: CommandId; user: string; known: boolean }

export type ServerFrame =
  | WelcomeFrame | EventFrame | EventsFrame | AckFrame | SyncedFrame | TruncatedFrame | PresenceFrame
  | TypingEventFrame | PageFrame | RoomListFrame | ErrorFrame | PongFrame | UserInfoFrame | SearchResultsFrame
  | RoomSettingsFrame;
export type ServerFrameType = ServerFrame["type"];
