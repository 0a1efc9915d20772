/**
 * edit and delete: change one of my messages, by its seq (what `send` printed, or `history
 * --json`), in a room or in my DM with someone. Both append an event (the original stays in the
 * log), so every client shows the change live and after a reload.
 */
import { CommandError } from "../../client/index.ts";
import { dmStream, roomStream, type AckFrame, type SendTarget } from "../../protocol/index.ts";
import { out } from "../format.ts";
import { CliError, within, type Session } from "../session.ts";

export async function editMessage(s: Session, where: SendTarget, seq: number, text: string): Promise<void> {
  const stream = streamOf(s, where);
  const ack = await settled(s, stream, seq, s.client.edit(stream, seq, text));
  out(s.flags.json, `edited ${stream} #${seq} (the edit is #${ack.seq})`, { type: "edited", stream, target: seq, seq: ack.seq, pos: ack.pos });
}

export async function deleteMessage(s: Session, where: SendTarget, seq: number): Promise<void> {
  const stream = streamOf(s, where);
  const ack = await settled(s, stream, seq, s.client.delete(stream, seq));
  out(s.flags.json, `deleted ${stream} #${seq} (the deletion is #${ack.seq})`, { type: "deleted", stream, target: seq, seq: ack.seq, pos: ack.pos });
}

function streamOf(s: Session, where: SendTarget): string {
  return "room" in where ? roomStream(where.room) : dmStream(s.client.welcome?.user ?? "", where.user);
}

/** The ack, or an error that says what to do about it. */
function settled(s: Session, stream: string, seq: number, p: Promise<AckFrame>): Promise<AckFrame> {
  return within(p, s.flags.timeoutMs, "no answer").catch((e: unknown) => {
    if (!(e instanceof CommandError)) throw e;
    const hint: Record<string, string> = {
      unknown_event: `${stream} has no message #${seq} (seqs: what send printed, or hubbub history --json)`,
      not_author: `#${seq} in ${stream} is someone else's message: only its author can change it`,
      not_member: `you are not in ${stream}`,
      unknown_room: `there is no ${stream}`,
    };
    throw new CliError(e.code, hint[e.code] ?? e.message);
  });
}
