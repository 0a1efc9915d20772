/** Small helpers to build reply frames, shared by the actors. */
import { ErrorCode, type AckFrame, type CommandId, type ErrorFrame } from "../protocol/index.ts";
import type { AppendOutcome } from "../store/event-log.ts";
import { AppendError } from "./journal.ts";

export const errorFrame = (id: CommandId | undefined, code: ErrorCode, message: string): ErrorFrame =>
  ({ type: "error", id, code, message });

export function ackFrame(id: CommandId | undefined, o: AppendOutcome): AckFrame {
  const f: AckFrame = { type: "ack", id, stream: o.event.stream, seq: o.event.seq, pos: o.event.pos };
  if (o.duplicate) f.duplicate = true;
  return f;
}

/** The reply to an append: an ack for the first event, or the error. */
export function appendReply(id: CommandId | undefined, r: AppendOutcome[] | AppendError): AckFrame | ErrorFrame {
  if (r instanceof AppendError) return errorFrame(id, r.code, r.message);
  const first = r[0];
  return first ? ackFrame(id, first) : errorFrame(id, ErrorCode.Internal, "nothing was appended");
}
