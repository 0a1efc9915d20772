/**
 * Room membership and room access as engine facts (docs/architecture.md, "Cluster mode"): the
 * room actor's check is local and may be stale on a node that has not yet followed another node's
 * join, leave, invite, kick, ban or role change, so the engine re-checks it inside its transaction.
 * Pure: one request in, the same request with its guard and effects out.
 *
 * Facts of a room stream `rs` (each keyed by user unless said): member (`rs`), `created` (key rs),
 * `private` (key rs), `owner:rs`, `mod:rs` (held by the owner and the moderators: who may moderate),
 * `invited:rs`, `banned:rs`, and one-shot twin tokens `pair:rs` / `twin:rs`.
 *
 * - `joined` (room stream): the author must not be a member; makes them one, and leaves a
 *   one-shot "pair" token that its `room_joined` twin (user stream, same command, next request)
 *   requires and consumes — so the twin is appended exactly when the join is, and a join rejected
 *   because another node's join of the same user won leaves no stray `room_joined`. Besides:
 *   `{create}` needs the room not `created` and makes the author its owner (and moderator);
 *   `{via: "invite"}` needs and uses up the author's invite and forbids a ban; `{via: "owner"}`
 *   needs ownership; a plain join forbids a ban and a `private` room.
 * - `left` / `room_left`: the same with the roles reversed; leaving ends moderation (the owner's
 *   returns with their `{via: "owner"}` join).
 * - `invited`, `uninvited`, `kicked`, `banned`, `unbanned`: the author must be a member who may
 *   moderate; an uninvite needs an open invite; a kick or ban forbids a target who may moderate
 *   (the owner, a moderator). Their twins on the target's own stream (`room_invited`,
 *   `room_uninvited`, `room_left` with a reason) use the `twin` token, which
 *   the room event leaves only when its command carries that twin: a ban of a user who is not a
 *   member has none, and a token left behind would let a later stray twin through (a stale
 *   node's kick of that user, refused, with its `room_left` accepted alone). A ban must find the
 *   target a member exactly when it carries a twin (else the node was stale: refused, re-decided).
 * - `role`, `visibility`: the author must be the owner, and a member; the owner is never made a moderator.
 * - `message`, `edit`, `delete` in a room: the author must be a member.
 * DMs, read cursors, broadcasts and `registered` carry no guard (a `registered` written by two
 * nodes at once is harmless: the projection's known-users set absorbs the repeat).
 */
import { ErrorCode, parseStream, roomStream, userStream } from "../protocol/index.ts";
import type { AppendRequest } from "../store/event-log.ts";
import type { EngineRequest, Fact, RejectionCode } from "../store/engine/engine.ts";

export const memberFact = (roomStream: string, user: string): Fact => ({ scope: roomStream, key: user });
const pairFact = (roomStream: string, user: string): Fact => ({ scope: `pair:${roomStream}`, key: user });
const twinFact = (roomStream: string, user: string): Fact => ({ scope: `twin:${roomStream}`, key: user });
const createdFact = (roomStream: string): Fact => ({ scope: "created", key: roomStream });
const privateFact = (roomStream: string): Fact => ({ scope: "private", key: roomStream });
const ownerFact = (roomStream: string, user: string): Fact => ({ scope: `owner:${roomStream}`, key: user });
const modFact = (roomStream: string, user: string): Fact => ({ scope: `mod:${roomStream}`, key: user });
const invitedFact = (roomStream: string, user: string): Fact => ({ scope: `invited:${roomStream}`, key: user });
const bannedFact = (roomStream: string, user: string): Fact => ({ scope: `banned:${roomStream}`, key: user });

/** One command's requests (a room event and its twin, if any), guarded: what the node writer submits. */
export function guardedCommand(requests: AppendRequest[]): EngineRequest[] {
  return requests.map((r, i) => guarded(r, requests[i + 1]));
}

/**
 * One request, guarded; `next` is the request after it in the same command (its twin, if it has
 * one). Folding a whole log (the importer) passes none: no twin token is then made, and the twin
 * events that follow find nothing to use up, which leaves the same facts.
 */
export function guarded(r: AppendRequest, next?: AppendRequest): EngineRequest {
  const s = parseStream(r.stream);
  if (s?.kind === "room") return guardedRoom(r, r.stream, next !== undefined && isTwin(next, s.room, r.body.user));
  if ((r.kind === "room_joined" || r.kind === "room_left") && r.stream === userStream(r.author) && typeof r.body.room === "string") {
    const pair = pairFact(roomStream(r.body.room), r.author);
    return { ...r, guard: { require: [pair] }, effects: { remove: [pair] } };
  }
  // A twin written by someone else on the user's stream: an invite or its withdrawal, or a kick or ban.
  const target = s?.kind === "user" ? s.user : undefined;
  if (target && isTwinKind(r.kind) && typeof r.body.room === "string") {
    const twin = twinFact(roomStream(r.body.room), target);
    return { ...r, guard: { require: [twin] }, effects: { remove: [twin] } };
  }
  return r;
}

/** Whether `next` is the target's own record of a moderation command in `room`. */
function isTwin(next: AppendRequest, room: string, target: unknown): boolean {
  return typeof target === "string" && next.stream === userStream(target) && next.author !== target
    && isTwinKind(next.kind) && next.body.room === room;
}

const isTwinKind = (k: AppendRequest["kind"]) => k === "room_invited" || k === "room_uninvited" || k === "room_left";

function guardedRoom(r: AppendRequest, rs: string, twinFollows: boolean): EngineRequest {
  const a = r.author;
  const member = memberFact(rs, a);
  const target = typeof r.body.user === "string" ? r.body.user : "";
  const moderator = [memberFact(rs, a), modFact(rs, a)];
  const twin = twinFollows ? [twinFact(rs, target)] : [];
  switch (r.kind) {
    case "joined": {
      const joins = [member, pairFact(rs, a), createdFact(rs)];
      // Any join uses up an open invite (as the projection's fold does).
      const usedUp = [invitedFact(rs, a)];
      if (r.body.create === "public" || r.body.create === "private") {
        const made = [...joins, ownerFact(rs, a), modFact(rs, a), ...(r.body.create === "private" ? [privateFact(rs)] : [])];
        return { ...r, guard: { forbid: [member, createdFact(rs)] }, effects: { add: made } };
      }
      if (r.body.via === "invite") {
        return { ...r, guard: { require: [invitedFact(rs, a)], forbid: [member, bannedFact(rs, a)] }, effects: { add: joins, remove: usedUp } };
      }
      if (r.body.via === "owner") {
        return { ...r, guard: { require: [ownerFact(rs, a)], forbid: [member] }, effects: { add: [...joins, modFact(rs, a)], remove: usedUp } };
      }
      return { ...r, guard: { forbid: [member, bannedFact(rs, a), privateFact(rs)] }, effects: { add: joins, remove: usedUp } };
    }
    case "left": return { ...r, guard: { require: [member] }, effects: { remove: [member, modFact(rs, a)], add: [pairFact(rs, a)] } };
    case "message": case "edit": case "delete": return { ...r, guard: { require: [member] } };
    case "invited":
      return { ...r, guard: { require: moderator, forbid: [bannedFact(rs, target), memberFact(rs, target)] }, effects: { add: [invitedFact(rs, target), ...twin] } };
    case "uninvited":
      return { ...r, guard: { require: [...moderator, invitedFact(rs, target)] }, effects: { remove: [invitedFact(rs, target)], add: twin } };
    case "kicked":
      return { ...r, guard: { require: [...moderator, memberFact(rs, target)], forbid: [modFact(rs, target)] },
        effects: { remove: [memberFact(rs, target), invitedFact(rs, target)], add: twin } };
    case "banned": {
      // The command carries a `room_left` twin exactly when its node saw the target as a member;
      // the engine holds it to that, so a stale node's ban (of a user who joined or left elsewhere
      // an instant ago) is refused as not_member and decided again after the catch-up, instead of
      // ending a membership without the target's own stream ever hearing of it.
      const seen = memberFact(rs, target);
      const forbid = [modFact(rs, target), bannedFact(rs, target)];
      return { ...r, guard: twinFollows ? { require: [...moderator, seen], forbid } : { require: moderator, forbid: [...forbid, seen] },
        effects: { remove: [seen, invitedFact(rs, target)], add: [bannedFact(rs, target), ...twin] } };
    }
    case "unbanned":
      return { ...r, guard: { require: [...moderator, bannedFact(rs, target)] }, effects: { remove: [bannedFact(rs, target)] } };
    case "role": {
      const owner = [member, ownerFact(rs, a)];
      return r.body.role === "moderator"
        ? { ...r, guard: { require: [...owner, memberFact(rs, target)], forbid: [modFact(rs, target), ownerFact(rs, target)] }, effects: { add: [modFact(rs, target)] } }
        : { ...r, guard: { require: [...owner, modFact(rs, target)], forbid: [ownerFact(rs, target)] }, effects: { remove: [modFact(rs, target)] } };
    }
    case "visibility":
      return { ...r, guard: { require: [member, ownerFact(rs, a)] },
        effects: r.body.visibility === "private" ? { add: [privateFact(rs)] } : { remove: [privateFact(rs)] } };
    default: return r;
  }
}

/**
 * The error a command gets when the engine's check refused it (the node's room actor was
 * stale): the same code the room actor would have given had it known.
 */
export function refusalCode(fact: Fact, code: RejectionCode): ErrorCode {
  const scope = fact.scope.split(":")[0];
  if (scope === "banned") return code === "fact_present" ? ErrorCode.Banned : ErrorCode.NotMember;
  if (scope === "invited" || scope === "private") return ErrorCode.NotInvited;
  if (scope === "owner" || scope === "mod") return ErrorCode.Forbidden;
  if (scope === "created") return ErrorCode.RoomExists;
  return ErrorCode.NotMember;
}

/**
 * Whether the engine refused a moderation command because what it asks for is already so (done
 * meanwhile on another node): inviting a member, banning the banned, unbanning someone not
 * banned, withdrawing an invite that is not open, giving a role the user has. Such a command is a repeat, acked as the room actor acks
 * one. The author's own rights are required first, so a refusal for them is never taken for this.
 */
export function alreadySo(r: AppendRequest, fact: Fact, code: RejectionCode): boolean {
  const target = typeof r.body.user === "string" ? r.body.user : undefined;
  if (target === undefined || fact.key !== target) return false;
  const rs = r.stream;
  switch (r.kind) {
    case "invited": return code === "fact_present" && fact.scope === rs;
    case "banned": return code === "fact_present" && fact.scope === `banned:${rs}`;
    case "unbanned": return code === "fact_missing" && fact.scope === `banned:${rs}`;
    case "uninvited": return code === "fact_missing" && fact.scope === `invited:${rs}`;
    case "role": return fact.scope === `mod:${rs}` && code === (r.body.role === "moderator" ? "fact_present" : "fact_missing");
    default: return false;
  }
}
