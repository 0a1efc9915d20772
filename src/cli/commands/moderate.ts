/**
 * invite, uninvite, kick, ban, unban: a room's owner or moderator letting one user in or putting them out.
 * Each is one event in the room (so every member's clients see it, and it replays); repeating one
 * that is already so (inviting an invitee, banning the banned) changes nothing and says so, exit 0,
 * so a script may run it again. Refusals are the server's, one line each: forbidden, not_member,
 * banned, unknown_user, unknown_room.
 */
import type { AckFrame } from "../../protocol/index.ts";
import type { HubbubClient } from "../../client/index.ts";
import type { Moderation } from "../args.ts";
import { out } from "../format.ts";
import { within, type Session } from "../session.ts";

const DONE: Record<Moderation, { past: string; already: string; to: string }> = {
  invite: { past: "invited", already: "is already invited to or in", to: "to" },
  uninvite: { past: "uninvited", already: "has no open invite to", to: "from" },
  kick: { past: "kicked", already: "is not in", to: "from" },
  ban: { past: "banned", already: "is already banned from", to: "from" },
  unban: { past: "unbanned", already: "is not banned from", to: "in" },
};

export async function moderate(s: Session, what: Moderation, room: string, user: string): Promise<void> {
  const c = s.client;
  const ack: AckFrame = await within(
    moderation(c, what, room, user),
    s.flags.timeoutMs, "no answer",
  );
  const d = DONE[what];
  const already = ack.duplicate === true;
  const human = already ? `${user} ${d.already} #${room}: nothing changed` : `${d.past} ${user} ${d.to} #${room}`;
  out(s.flags.json, human, { type: d.past, room, user, stream: ack.stream, seq: ack.seq, duplicate: already });
}

/** The SDK call for one moderation command (shared by the one-shot commands and chat's /invite…). */
export function moderation(c: HubbubClient, what: Moderation, room: string, user: string): Promise<AckFrame> {
  switch (what) {
    case "invite": return c.invite(room, user);
    case "uninvite": return c.uninvite(room, user);
    case "kick": return c.kick(room, user);
    case "ban": return c.ban(room, user);
    case "unban": return c.unban(room, user);
  }
}
