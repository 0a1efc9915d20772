/**
 * The engine's re-check of room access (guards.ts) with stale nodes: commands are generated
 * blindly — whatever a node with an arbitrarily old view might submit — and committed from three
 * engine instances at once. Every event that lands must be one the log's own state allowed.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { roomStream, userStream, type EventBody } from "../protocol/index.ts";
import type { AppendRequest } from "../store/event-log.ts";
import { createMemoryEngine, MemoryEngineStorage } from "../store/engine/memory-engine.ts";
import type { Engine } from "../store/engine/engine.ts";
import { apply, emptyProjection, isMember } from "../projections/projection.ts";
import { joinRule, roleIn } from "../projections/room-access.ts";
import { guardedCommand } from "./guards.ts";

const at = 1;
const R = "r";
const rs = roomStream(R);
const room = (kind: AppendRequest["kind"], author: string, body: EventBody = {}): AppendRequest => ({ stream: rs, kind, author, body, at });
const own = (kind: "room_joined" | "room_left", user: string): AppendRequest => ({ stream: userStream(user), kind, author: user, body: { room: R }, at });
const twin = (kind: "room_invited" | "room_uninvited" | "room_left", by: string, user: string, reason?: string): AppendRequest =>
  ({ stream: userStream(user), kind, author: by, body: reason ? { room: R, reason } : { room: R }, at });

type Op = { op: string; a: string; t: string };
function requests({ op, a, t }: Op): AppendRequest[] {
  switch (op) {
    case "create-private": return [room("joined", a, { create: "private" }), own("room_joined", a)];
    case "create-public": return [room("joined", a, { create: "public" }), own("room_joined", a)];
    case "join": return [room("joined", a), own("room_joined", a)];
    case "join-invite": return [room("joined", a, { via: "invite" }), own("room_joined", a)];
    case "join-owner": return [room("joined", a, { via: "owner" }), own("room_joined", a)];
    case "leave": return [room("left", a), own("room_left", a)];
    case "invite": return [room("invited", a, { user: t }), twin("room_invited", a, t)];
    case "kick": return [room("kicked", a, { user: t }), twin("room_left", a, t, "kicked")];
    case "ban": return [room("banned", a, { user: t }), twin("room_left", a, t, "banned")];
    // What the room actor sends to ban a user it sees as no member: no twin.
    case "ban-alone": return [room("banned", a, { user: t })];
    case "unban": return [room("unbanned", a, { user: t })];
    case "uninvite": return [room("uninvited", a, { user: t }), twin("room_uninvited", a, t)];
    case "promote": return [room("role", a, { user: t, role: "moderator" })];
    case "demote": return [room("role", a, { user: t, role: "member" })];
    case "private": return [room("visibility", a, { visibility: "private" })];
    case "public": return [room("visibility", a, { visibility: "public" })];
    default: throw new Error(op);
  }
}
const OPS = ["create-private", "create-public", "join", "join-invite", "join-owner", "leave", "invite", "kick", "ban", "ban-alone", "unban", "uninvite", "promote", "demote", "private", "public"];

async function all(e: Engine) { return e.readAfter(0, 100_000); }

describe("room access guards (three nodes on one engine, arbitrarily stale)", () => {
  test("property: every appended event was allowed by the state the log itself shows just before it", async () => {
    const users = ["u1", "u2", "u3"];
    const command = fc.record({ node: fc.integer({ min: 0, max: 2 }), op: fc.constantFrom(...OPS), a: fc.constantFrom(...users), t: fc.constantFrom(...users) });
    await fc.assert(fc.asyncProperty(fc.array(fc.array(command, { maxLength: 6 }), { minLength: 1, maxLength: 8 }), async (rounds) => {
      const storage = new MemoryEngineStorage();
      const engines = [0, 1, 2].map(() => createMemoryEngine(storage));
      for (const round of rounds) {
        const perNode = engines.map((_, n) => round.filter((c) => c.node === n).flatMap((c) => guardedCommand(requests(c))));
        await Promise.all(engines.map((e, n) => e.append(perNode[n]!)));
      }
      const p = emptyProjection();
      let twinOf: string | undefined;
      const kindOf = (e: { kind: string; stream: string; body: EventBody }) => `${e.kind}|${e.stream}|${String(e.body.reason ?? "")}`;
      for (const e of await all(engines[0]!)) {
        const access = p.access.get(R);
        const target = String(e.body.user ?? "");
        const mayModerate = (u: string) => isMember(p, R, u) && roleIn(access, u) !== "member";
        const what = `${e.kind} by ${e.author} ${JSON.stringify(e.body)} at ${e.stream}#${e.seq}`;
        if (e.stream !== rs) {
          // A twin comes right after its room event, and never without it.
          expect({ what, twin: twinOf }).toEqual({ what, twin: kindOf(e) });
          twinOf = undefined;
        } else {
          expect({ what, pendingTwin: twinOf }).toEqual({ what, pendingTwin: undefined });
          twinOf = undefined;
          switch (e.kind) {
            case "joined": {
              expect({ what, member: isMember(p, R, e.author) }).toEqual({ what, member: false });
              if (e.body.create !== undefined) expect({ what, seq: e.seq }).toEqual({ what, seq: 1 });
              else {
                const rule = joinRule(access, e.author);
                expect({ what, ok: rule.ok }).toEqual({ what, ok: true });
                if (rule.ok && e.body.via === "invite") expect({ what, invited: access?.invited.has(e.author) }).toEqual({ what, invited: true });
                if (e.body.via === "owner") expect({ what, owner: access?.owner }).toEqual({ what, owner: e.author });
              }
              twinOf = `room_joined|${userStream(e.author)}|`;
              break;
            }
            case "left": expect({ what, member: isMember(p, R, e.author) }).toEqual({ what, member: true }); twinOf = `room_left|${userStream(e.author)}|`; break;
            case "invited":
              expect({ what, ok: mayModerate(e.author) && !access!.banned.has(target) && !isMember(p, R, target) }).toEqual({ what, ok: true });
              twinOf = `room_invited|${userStream(target)}|`;
              break;
            case "kicked": case "banned":
              expect({ what, ok: mayModerate(e.author) && roleIn(access, target) === "member" && (e.kind === "banned" || isMember(p, R, target)) }).toEqual({ what, ok: true });
              if (e.kind === "banned") expect({ what, already: access!.banned.has(target) }).toEqual({ what, already: false });
              // A kick always has its twin; a ban exactly when the target was a member (so a
              // member's own stream always hears of it, and a never-member's never does).
              twinOf = e.kind === "kicked" || isMember(p, R, target) ? `room_left|${userStream(target)}|${e.kind}` : undefined;
              break;
            case "uninvited":
              expect({ what, ok: mayModerate(e.author) && access!.invited.has(target) }).toEqual({ what, ok: true });
              twinOf = `room_uninvited|${userStream(target)}|`;
              break;
            case "unbanned": expect({ what, ok: mayModerate(e.author) && access!.banned.has(target) }).toEqual({ what, ok: true }); break;
            case "role": case "visibility": {
              const byOwner = isMember(p, R, e.author) && roleIn(access, e.author) === "owner";
              const ok = e.kind === "visibility" || (e.body.role === "moderator" ? isMember(p, R, target) && roleIn(access, target) === "member" : roleIn(access, target) === "moderator");
              expect({ what, ok: byOwner && ok }).toEqual({ what, ok: true });
              break;
            }
            default: throw new Error(`unexpected ${what}`);
          }
        }
        apply(p, e);
      }
    }), { numRuns: 150 });
  });
});
