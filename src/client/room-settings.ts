/**
 * What the client knows of each room's settings (visibility, owner, moderators, and for the owner
 * and moderators the open invites and bans): filled by `roomInfo()` answers and kept current by
 * the room's own events as they arrive (`visibility`, `role`, `invited`, `kicked`, `banned`,
 * `unbanned`, a `joined` by invite). A room never asked about is not tracked: ask once with
 * `roomInfo(room)` (a settings panel does on opening), events keep it true from then on.
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
      case "joined": s.invited = without(s.invited, e.author); break;
      case "left": s.moderators = without(s.moderators, e.author)!; break;
      case "kicked": s.invited = without(s.invited, user); s.moderators = without(s.moderators, user)!; break;
      case "banned": s.invited = without(s.invited, user); s.moderators = without(s.moderators, user)!; s.banned = withUser(s.banned, user); break;
      case "unbanned": s.banned = without(s.banned, user); break;
      default: return undefined;
    }
    this.rooms.set(p.room, s);
    return s;
  }

  /** I am no longer in the room (left, kicked, banned): what I knew may go stale, so forget it. */
  forget(room: string): void { this.rooms.delete(room); }
}
