/**
 * Edit, delete and reactions on a message, the same in rooms and DMs once the caller has checked
 * that the user may write to the stream: the target must be a message, and only its author may
 * edit or delete it (anyone who may write may react).
 */
import { ErrorCode, type ChangeFrame, type EventBody } from "../protocol/index.ts";
import type { ActorContext } from "./context.ts";
import type { Conn } from "./messages.ts";
import { appendReply, errorFrame } from "./replies.ts";

/** `settled`, if given, is called exactly once: after the reply, whether or not anything was appended. */
export function changeMessage(hub: ActorContext, conn: Conn, f: ChangeFrame, settled?: () => void): void {
  const target = hub.log.get(f.stream, f.seq);
  const refuse = (code: ErrorCode, message: string) => { conn.reply(errorFrame(f.id, code, message)); settled?.(); };
  if (!target || target.kind !== "message") return refuse(ErrorCode.UnknownEvent, `no message ${f.seq} in ${f.stream}`);
  if (f.type !== "react" && target.author !== conn.user) return refuse(ErrorCode.NotAuthor, "only the author can change a message");
  const body: EventBody = f.type === "edit" ? { target: f.seq, text: f.text }
    : f.type === "react" ? { target: f.seq, emoji: f.emoji, on: f.on ? 1 : 0 }
    : { target: f.seq };
  hub.append(
    [{ stream: f.stream, kind: f.type === "react" ? "reaction" : f.type, author: conn.user, body, cmid: f.cmid, at: Date.now() }],
    (r) => { conn.reply(appendReply(f.id, r)); settled?.(); },
  );
}
