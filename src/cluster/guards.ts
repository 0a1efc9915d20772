/**
 * Room membership as engine facts (docs/architecture.md, "Cluster mode"): the room actor's check
 * is local and may be stale on a node that has not yet followed another node's join or leave, so
 * the engine re-checks it inside its transaction. Pure: one request in, the same request with its
 * guard and effects out.
 *
 * - `joined` (room stream): the author must not be a member; makes them one, and leaves a
 *   one-shot "pair" token that its `room_joined` twin (user stream, same command, next request)
 *   requires and consumes — so the twin is appended exactly when the join is, and a join rejected
 *   because another node's join of the same user won leaves no stray `room_joined`.
 * - `left` / `room_left`: the same with the roles reversed.
 * - `message`, `edit`, `delete` in a room: the author must be a member.
 * DMs, read cursors, broadcasts and `registered` carry no guard (a `registered` written by two
 * nodes at once is harmless: the projection's known-users set absorbs the repeat).
 */
import { parseStream, roomStream, userStream } from "../protocol/index.ts";
import type { AppendRequest } from "../store/event-log.ts";
import type { EngineRequest, Fact } from "../store/engine/engine.ts";

export const memberFact = (roomStream: string, user: string): Fact => ({ scope: roomStream, key: user });
const pairFact = (roomStream: string, user: string): Fact => ({ scope: `pair:${roomStream}`, key: user });

export function guarded(r: AppendRequest): EngineRequest {
  const s = parseStream(r.stream);
  if (s?.kind === "room") {
    const member = memberFact(r.stream, r.author);
    const pair = pairFact(r.stream, r.author);
    switch (r.kind) {
      case "joined": return { ...r, guard: { forbid: [member] }, effects: { add: [member, pair] } };
      case "left": return { ...r, guard: { require: [member] }, effects: { remove: [member], add: [pair] } };
      case "message": case "edit": case "delete": return { ...r, guard: { require: [member] } };
      default: return r;
    }
  }
  if ((r.kind === "room_joined" || r.kind === "room_left") && r.stream === userStream(r.author) && typeof r.body.room === "string") {
    const pair = pairFact(roomStream(r.body.room), r.author);
    return { ...r, guard: { require: [pair] }, effects: { remove: [pair] } };
  }
  return r;
}
