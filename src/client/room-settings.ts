/**
 * What the client knows of each room's settings (visibility, owner, moderators, for the owner and
 * moderators the open invites and bans, and for members who the members are): filled by
 * `roomInfo()` answers and kept current by the room's own events as they arrive (`visibility`,
 * `role`, `invited`, `uninvited`, `joined`, `left`, `kicked`, `banned`, `unbanned`). A room never asked about
 * is not tracked: ask once with `roomInfo(room)` (a settings panel does on opening), events keep
 * it true from then on.
 *
 * The member list is the first names of the sorted membership (the server lists at most
 * MAX_LISTED_MEMBERS): folding keeps it a prefix of the sorted membership and `memberCount` the
 * size of all of it. One thing a listed prefix cannot tell: whether a banned name sorting after
 * the last listed one was a member; the count stays as it was then (a new `roomInfo` corrects it).
 */
import { parseStream, type EventFrame, type RoomSettingsFrame, type RoomVisibility } from "../protocol/index.ts";

export interface RoomSettings {
  room: string;
  visibility: RoomVisibility;
  /** Absent for rooms made before rooms had owners (public, no moderators, no moderation). */
  owner?: string;
  moderators: string[];
  /** Known to the owner and moderators only (undefined for others). */
  invited?: string[];
  banned?: string[];
  /** Members only (undefined for others): the members' names in code-unit order, at most the server's cap. */
  members?: string[];
  /** How many members in all (more than `members.length` when the list is capped). */
  memberCount?: number;
}

const without = (list: string[] | undefined, user: string) => list?.filter((u) => u !== user);
const withUser = (list: string[] | undefined, user: string) => (list === undefined || list.includes(user) ? list : [...list, user]);

export class RoomSettingsBook {
  private readonly rooms = new Map<string, RoomSettings>();

  get(room: string): RoomSettings | undefined { return this.rooms.get(room); }

  /** A `room_settings` answer: the server's word replaces what was known. */
  set(f: RoomSettingsFrame): RoomSettings {
    const s: RoomSettings = { room: f.room, visibility: f.visibility, moderators: [...f.moderators] };
    if (f.owner !== undefined) s.owner = f.owner;
    if (f.invited !== undefined) s.invited = [...f.invited];
    if (f.banned !== undefined) s.banned = [...f.banned];
    if (f.members !== undefined) {
      s.members = [...f.members];
      s.memberCount = f.memberCount ?? f.members.length;
    }
    this.rooms.set(f.room, s);
    return s;
  }

  /** Folds a room event into a tracked room's settings; returns the new settings if they changed. */
  apply(e: EventFrame): RoomSettings | undefined {
    const p = parseStream(e.stream);
    if (p?.kind !== "room") return undefined;
    const old = this.rooms.get(p.room);
    if (!old) return undefined;
    const s: RoomSettings = { ...old };
    const user = typeof e.body.user === "string" ? e.body.user : "";
    switch (e.kind) {
      case "visibility": if (e.body.visibility === "public" || e.body.visibility === "private") s.visibility = e.body.visibility; break;
      case "role": s.moderators = e.body.role === "moderator" ? withUser(s.moderators, user)! : without(s.moderators, user)!; break;
      case "invited": s.invited = withUser(s.invited, user); break;
      case "uninvited": s.invited = without(s.invited, user); break;
      case "joined": s.invited = without(s.invited, e.author); joined(s, e.author); break;
      case "left": s.moderators = without(s.moderators, e.author)!; gone(s, e.author, true); break;
      case "kicked": s.invited = without(s.invited, user); s.moderators = without(s.moderators, user)!; gone(s, user, true); break;
      case "banned":
        s.invited = without(s.invited, user); s.moderators = without(s.moderators, user)!; s.banned = withUser(s.banned, user);
        gone(s, user, false); // a ban may be of someone who never joined
        break;
      case "unbanned": s.banned = without(s.banned, user); break;
      default: return undefined;
    }
    this.rooms.set(p.room, s);
    return s;
  }

  /** I am no longer in the room (left, kicked, banned): what I knew may go stale, so forget it. */
  forget(room: string): void { this.rooms.delete(room); }
}

/** Code-unit order, as the server sorts (no locale: the same everywhere). */
const before = (a: string, b: string) => a < b;

/** A member joined: listed if the list is complete or they sort inside the listed prefix. */
function joined(s: RoomSettings, user: string): void {
  if (s.members === undefined || s.memberCount === undefined || s.members.includes(user)) return;
  const complete = s.members.length >= s.memberCount;
  s.memberCount += 1;
  const last = s.members.at(-1);
  if (!complete && (last === undefined || !before(user, last))) return; // beyond the listed prefix
  const at = s.members.findIndex((m) => before(user, m));
  s.members = at < 0 ? [...s.members, user] : [...s.members.slice(0, at), user, ...s.members.slice(at)];
  if (!complete) s.members.pop(); // the prefix keeps its length: its last name is pushed out
}

/**
 * Someone is out of the room. Listed: removed. Not listed: in a complete list they were no member;
 * in a capped one, a name inside the prefix was no member either, one beyond it was if `wasMember`.
 */
function gone(s: RoomSettings, user: string, wasMember: boolean): void {
  if (s.members === undefined || s.memberCount === undefined) return;
  if (s.members.includes(user)) {
    s.members = s.members.filter((m) => m !== user);
    s.memberCount -= 1;
    return;
  }
  const last = s.members.at(-1);
  const complete = s.members.length >= s.memberCount;
  if (!complete && wasMember && (last === undefined || !before(user, last))) s.memberCount -= 1;
}
