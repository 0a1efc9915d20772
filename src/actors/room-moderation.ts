/**
 * The room commands that decide who may be in a room — invite, uninvite, kick, ban, unban, set_role,
 * set_visibility — and `room_info`. Called only by the room's actor, between its messages, so the
 * membership it checks is the one the log will show. Every change is an event of the room (and,
 * for the user it concerns, one on that user's own stream, so all of their devices hear of it).
 *
 * Policy (docs/protocol.md, "Private rooms"): only the owner and moderators, while members, invite,
 * uninvite, kick, ban and unban; only the owner appoints moderators and changes visibility. Nobody kicks or
 * bans the owner or a moderator: the owner demotes a moderator first. A legacy room (no owner)
 * refuses all of them with `forbidden`.
 */
import {
  ErrorCode, MAX_LISTED_MEMBERS, userStream, unreachable,
  type CommandId, type ModerationFrame, type RoomSettingsFrame,
} from "../protocol/index.ts";
import { accessOf, isKnownUser } from "../projections/projection.ts";
import { type RoomAccess, mayDiscover, roleIn } from "../projections/room-access.ts";
import type { AppendOutcome, AppendRequest } from "../store/event-log.ts";
import type { ActorContext } from "./context.ts";
import type { Conn } from "./messages.ts";
import { AppendError } from "./journal.ts";
import { appendReply, errorFrame } from "./replies.ts";

/** What moderation needs of its room actor. */
export interface ModeratedRoom {
  readonly name: string;
  readonly stream: string;
  readonly hub: ActorContext;
  /** Accepted membership (including changes in flight). */
  isMember(user: string): boolean;
  /** Accepted membership, every name (for `room_info`'s member list). */
  memberNames(): ReadonlySet<string>;
  /** Removes a member at once (a kick or ban about to be appended); call the result once the append is answered, either way. */
  removeMember(user: string): () => void;
  /** Appends, counted as a membership change in flight until answered. */
  appendTracked(requests: AppendRequest[], done: (r: Result) => void): void;
}

type Result = AppendOutcome[] | AppendError;

const duplicate = (room: ModeratedRoom, conn: Conn, id: CommandId | undefined) =>
  conn.reply({ type: "ack", id, stream: room.stream, seq: room.hub.log.head(room.stream), pos: 0, duplicate: true });

export function moderate(room: ModeratedRoom, conn: Conn, f: ModerationFrame): void {
  const access = accessOf(room.hub.projection, room.name);
  const refuse = (code: ErrorCode, message: string) => conn.reply(errorFrame(f.id, code, message));
  if (!access) return refuse(ErrorCode.Forbidden, `${room.name} was made before rooms had owners: nobody can change who may be in it`);
  if (!room.isMember(conn.user)) return refuse(ErrorCode.NotMember, `join ${room.name} first`);
  const role = roleIn(access, conn.user);
  const at = Date.now();
  const event = (kind: AppendRequest["kind"], body: AppendRequest["body"]): AppendRequest =>
    ({ stream: room.stream, kind, author: conn.user, body, at });
  const reply = (r: Result) => conn.reply(appendReply(f.id, r));

  if (f.type === "set_visibility" || f.type === "set_role") {
    if (role !== "owner") return refuse(ErrorCode.Forbidden, `only the owner of ${room.name} (${access.owner}) may do that`);
  } else if (role === "member") {
    return refuse(ErrorCode.Forbidden, `only the owner and moderators of ${room.name} may ${f.type} users`);
  }
  switch (f.type) {
    case "set_visibility":
      if (access.visibility === f.visibility) return duplicate(room, conn, f.id);
      return room.hub.append([event("visibility", { visibility: f.visibility })], reply);
    case "set_role": {
      if (f.user === access.owner) return refuse(ErrorCode.Forbidden, `${f.user} owns ${room.name}`);
      const now = access.moderators.has(f.user) ? "moderator" : "member";
      if (now === f.role) return duplicate(room, conn, f.id);
      if (f.role === "moderator" && !room.isMember(f.user)) return refuse(ErrorCode.NotMember, `${f.user} is not a member of ${room.name}`);
      return room.hub.append([event("role", { user: f.user, role: f.role })], reply);
    }
    case "invite":
      if (!isKnownUser(room.hub.projection, f.user)) return refuse(ErrorCode.UnknownUser, `nobody called ${f.user} has signed in here`);
      if (access.banned.has(f.user)) return refuse(ErrorCode.Banned, `${f.user} is banned from ${room.name}; unban them first`);
      if (room.isMember(f.user) || access.invited.has(f.user)) return duplicate(room, conn, f.id);
      return room.hub.append([
        event("invited", { user: f.user }),
        { stream: userStream(f.user), kind: "room_invited", author: conn.user, body: { room: room.name }, at },
      ], reply);
    case "uninvite":
      // Nothing to withdraw (never invited, already used by a join, or withdrawn): a repeat.
      if (!access.invited.has(f.user)) return duplicate(room, conn, f.id);
      return room.hub.append([
        event("uninvited", { user: f.user }),
        { stream: userStream(f.user), kind: "room_uninvited", author: conn.user, body: { room: room.name }, at },
      ], reply);
    case "kick":
      if (!room.isMember(f.user)) return refuse(ErrorCode.NotMember, `${f.user} is not a member of ${room.name}`);
      if (!protectable(access, f.user, refuse, room.name)) return;
      return removeMember(room, [event("kicked", { user: f.user }), leftStream(f.user, conn.user, room.name, "kicked", at)], f.user, reply);
    case "ban": {
      if (access.banned.has(f.user)) return duplicate(room, conn, f.id);
      if (!protectable(access, f.user, refuse, room.name)) return;
      const requests = [event("banned", { user: f.user })];
      const wasMember = room.isMember(f.user);
      // Cluster mode: the engine holds a ban to the membership this node saw (a `room_left` twin
      // exactly for a member). Refused because another node's join or leave of the target reached
      // this replica only now, the ban is decided once more on what the room sees now; a
      // re-decision needs the membership to have changed again, so this cannot spin on its own.
      const banReply = (r: Result) => {
        if (r instanceof AppendError && r.code === ErrorCode.NotMember && room.isMember(f.user) !== wasMember) {
          room.hub.roomOrNew(room.name).post({ kind: "recheck", command: { kind: "moderate", conn, frame: f } });
        } else reply(r);
      };
      if (!wasMember) return room.hub.append(requests, banReply);
      return removeMember(room, [...requests, leftStream(f.user, conn.user, room.name, "banned", at)], f.user, banReply);
    }
    case "unban":
      if (!access.banned.has(f.user)) return duplicate(room, conn, f.id);
      return room.hub.append([event("unbanned", { user: f.user })], reply);
    default: return unreachable(f, "moderation frame");
  }
}

/** The owner and moderators cannot be kicked or banned (the owner demotes a moderator first). */
function protectable(access: RoomAccess, user: string, refuse: (code: ErrorCode, m: string) => void, room: string): boolean {
  const role = roleIn(access, user);
  if (role === "member") return true;
  refuse(ErrorCode.Forbidden, role === "owner" ? `${user} owns ${room}` : `${user} is a moderator of ${room}; the owner must demote them first`);
  return false;
}

/** The kicked or banned user's own stream says so, so every one of their devices drops the room. */
const leftStream = (user: string, by: string, room: string, reason: "kicked" | "banned", at: number): AppendRequest =>
  ({ stream: userStream(user), kind: "room_left", author: by, body: { room, reason }, at });

function removeMember(room: ModeratedRoom, requests: AppendRequest[], user: string, reply: (r: Result) => void): void {
  const answered = room.removeMember(user);
  room.appendTracked(requests, (r) => {
    answered(); // committed: the projection has it; refused: the user is a member as before
    reply(r);
  });
}

/**
 * A room's settings: anyone may see a public room's, a private room's only its members, owner and
 * invitees; open invites and bans only the owner and moderators; who the members are only the
 * members (as `who`), the first MAX_LISTED_MEMBERS names with the count of all.
 */
export function roomSettings(room: ModeratedRoom, conn: Conn, id: CommandId | undefined): void {
  const access = accessOf(room.hub.projection, room.name);
  const member = room.isMember(conn.user);
  if (!member && !mayDiscover(access, conn.user)) return conn.reply(errorFrame(id, ErrorCode.NotMember, `${room.name} is private`));
  const frame: RoomSettingsFrame = { type: "room_settings", id, room: room.name, visibility: access?.visibility ?? "public", moderators: [] };
  if (access) {
    frame.owner = access.owner;
    frame.moderators = [...access.moderators];
    if (member && roleIn(access, conn.user) !== "member") {
      frame.invited = [...access.invited];
      frame.banned = [...access.banned];
    }
  }
  if (member) {
    // Code-unit order (no locale): the same on every node and client, and cheap for big rooms.
    const all = [...room.memberNames()].sort();
    frame.members = all.length > MAX_LISTED_MEMBERS ? all.slice(0, MAX_LISTED_MEMBERS) : all;
    frame.memberCount = all.length;
  }
  conn.reply(frame);
}
