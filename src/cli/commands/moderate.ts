/**
 * invite, kick, ban, unban: a room's owner or moderator letting one user in or putting them out.
 * Each is one event in the room (so every member's clients see it, and it replays); repeating one
 * that is already so (inviting an invitee, banning the banned) changes nothing and says so, exit 0,
 * so a script may run it again. Refusals are the server's, one line each: forbidden, not_member,
 * banned, unknown_user, unknown_room.
 */
import type { AckFrame } from "../../protocol/index.ts";
import type { Moderation } from "../args.ts";
import { out } from "../format.ts";
import { within, type Session } from "../session.ts";

const DONE: Record<Moderation, { past: string; already: string; to: string }> = {
  invite: { past: "invited", already: "is already invited to or in", to: "to" },
  kick: { past: "kicked", already: "is not in", to: "from" },
  ban: { past: "banned", already: "is already banned from", to: "from" },
  unban: { past: "unbanned", already: "is not banned from", to: "in" },
};

export async function moderate(s: Session, what: Moderation, room: string, user: string): Promise<void> {
  const c = s.client;
  const ack: AckFrame = await within(
    what === "invite" ? c.invite(room, user) : what === "kick" ? c.kick(room, user) : what === "ban" ? c.ban(room, user) : c.unban(room, user),
    s.flags.timeoutMs, "no answer",
  );
  const d = DONE[what];
  const already = ack.duplicate === true;
  const human = already ? `${user} ${d.already} #${room}: nothing changed` : `${d.past} ${user} ${d.to} #${room}`;
  out(s.flags.json, human, { type: d.past, room, user, stream: ack.stream, seq: ack.seq, duplicate: already });
}
