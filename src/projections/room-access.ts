/**
 * Who may be in a room and who decides it: the room's visibility, owner, moderators, open invites
 * and bans, folded from the room's own events (so they replay, survive restarts and reach every
 * device) and read by the actors for every decision. docs/protocol.md, "Private rooms".
 *
 * A room made before rooms had owners has no entry here: it is public, has no owner and no
 * moderators, and nobody can invite, kick, ban or change it — it stays as it was.
 */
import type { EventData, RoomRole, RoomSummary, RoomVisibility } from "../protocol/index.ts";

export interface RoomAccess {
  visibility: RoomVisibility;
  /** The creator (author of the room's first `joined`, with `create`). Never changes, cannot be kicked or banned. */
  owner: string;
  /** Appointed by the owner; a moderator who leaves stops being one. The owner is not listed. */
  moderators: Set<string>;
  /** Invites not used yet: a join by invite uses one up; an uninvite, a kick or a ban cancels it. */
  invited: Set<string>;
  banned: Set<string>;
}

/** The body field of a room's creating `joined` event. */
export const isVisibility = (v: unknown): v is RoomVisibility => v === "public" || v === "private";

/**
 * Folds one room event into the room's access. `access` is the room's current entry (undefined for
 * a legacy room or one not created yet); returns the entry to keep. Membership itself is kept by
 * the projection (`rooms`); this only keeps what membership alone does not say.
 */
export function foldAccess(access: RoomAccess | undefined, e: EventData): RoomAccess | undefined {
  const user = typeof e.body.user === "string" ? e.body.user : undefined;
  switch (e.kind) {
    case "joined":
      if (access === undefined) {
        // Only a room's very first join may create it; a `create` later in a legacy room is ignored.
        return isVisibility(e.body.create) && e.seq === 1
          ? { visibility: e.body.create, owner: e.author, moderators: new Set(), invited: new Set(), banned: new Set() }
          : undefined;
      }
      access.invited.delete(e.author);
      return access;
    case "left": access?.moderators.delete(e.author); return access;
    case "invited": if (access && user) access.invited.add(user); return access;
    case "uninvited": if (access && user) access.invited.delete(user); return access;
    case "kicked": if (access && user) { access.invited.delete(user); access.moderators.delete(user); } return access;
    case "banned": if (access && user) { access.invited.delete(user); access.moderators.delete(user); access.banned.add(user); } return access;
    case "unbanned": if (access && user) access.banned.delete(user); return access;
    case "role":
      if (access && user) { if (e.body.role === "moderator") access.moderators.add(user); else access.moderators.delete(user); }
      return access;
    case "visibility": if (access && isVisibility(e.body.visibility)) access.visibility = e.body.visibility; return access;
    default: return access;
  }
}

/** A user's role in a room (a legacy room has owners and moderators of nobody). */
export function roleIn(access: RoomAccess | undefined, user: string): RoomRole {
  if (access === undefined) return "member";
  if (access.owner === user) return "owner";
  return access.moderators.has(user) ? "moderator" : "member";
}

export const isPrivate = (access: RoomAccess | undefined): boolean => access?.visibility === "private";

/** May a non-member see that the room exists (in `rooms`) and ask for its settings? Members always may. */
export const mayDiscover = (access: RoomAccess | undefined, user: string): boolean =>
  !isPrivate(access) || access!.owner === user || access!.invited.has(user);

/**
 * How `user`, not a member, may join: as anyone (public), with an invite, as the owner coming
 * back, or not at all (and why). In cluster mode the engine checks the same rule again
 * (cluster/guards.ts), because this node's view may be stale. Bans come first: a banned user cannot use an old invite.
 */
export type JoinRule = { ok: true; via?: "invite" | "owner" } | { ok: false; why: "banned" | "not_invited" };
export function joinRule(access: RoomAccess | undefined, user: string): JoinRule {
  if (access === undefined) return { ok: true };
  if (access.banned.has(user)) return { ok: false, why: "banned" };
  // The owner's own join says so even in a public room: it gives back the right to moderate.
  if (access.owner === user) return { ok: true, via: "owner" };
  if (access.visibility === "public") return { ok: true };
  return access.invited.has(user) ? { ok: true, via: "invite" } : { ok: false, why: "not_invited" };
}

export function copyAccess(a: RoomAccess): RoomAccess {
  return { visibility: a.visibility, owner: a.owner, moderators: new Set(a.moderators), invited: new Set(a.invited), banned: new Set(a.banned) };
}

/** What `room_list` says of a room's access to `user`: private or not, an open invite, their role. */
export function describeAccess(summary: RoomSummary, access: RoomAccess, user: string): void {
  if (access.visibility === "private") summary.visibility = "private";
  if (access.invited.has(user)) summary.invited = true;
  const role = roleIn(access, user);
  if (role !== "member") summary.role = role;
}
