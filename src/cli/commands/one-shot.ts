/** send, history, rooms, who, join, leave: connect, do one thing, print, exit. */
import { CommandError } from "../../client/index.ts";
import { roomStream, type AckFrame, type EventData, type SendTarget } from "../../protocol/index.ts";
import { UsageError } from "../args.ts";
import { errorLine, eventJson, eventLine, out, presenceLine, roomLine } from "../format.ts";
import { CliError, within, type Session } from "../session.ts";
import { writeOut } from "../stdout.ts";

const joinHint = (room: string, flag: string) => ` (hubbub join ${room} first${flag ? `, or add ${flag}` : ""})`;

/** Membership from the welcome; joins when asked to, else a not_member (or unknown_room) error. */
export async function ensureMember({ client }: Session, room: string, join: boolean, flag: string): Promise<void> {
  if (client.welcome?.streams.some((s) => s.stream === roomStream(room))) return;
  if (join) { await client.join(room); return; }
  const exists = (await client.rooms()).rooms.some((r) => r.room === room);
  throw exists
    ? new CliError("not_member", `you are not a member of #${room}${joinHint(room, flag)}`)
    : new CliError("unknown_room", `there is no room ${room}${joinHint(room, flag)}`);
}

export interface SendOptions { to: SendTarget; join: boolean; id?: string }

/** One message; its cmid is `id` when given, so a re-run with the same id sends nothing twice. */
export async function send(s: Session, o: SendOptions, text: string): Promise<void> {
  if ("room" in o.to && o.join) await s.client.join(o.to.room);
  const ack = await acked(s, o.to, s.client.send(o.to, text, { cmid: o.id }).acked);
  out(s.flags.json, sentLine(ack), sentJson(ack));
}

/**
 * One message per line, each sent as it is read (a slow producer streams) and with its own cmid
 * (`ID.N` for line N with --id); blank lines are skipped. One at a time, each after the previous
 * one's ack: a rate-limited message is retried by the SDK, and nothing may overtake it. A line the
 * server refuses for itself (too long) is reported and skipped, and the run fails at the end; any
 * other failure (not a member, a timeout) stops the run at that line.
 */
export async function sendLines(s: Session, o: SendOptions, lines: AsyncIterable<string>): Promise<void> {
  if ("room" in o.to && o.join) await s.client.join(o.to.room);
  let n = 0;
  let sent = 0;
  const skipped: number[] = [];
  for await (const line of lines) {
    n += 1;
    if (line.trim() === "") continue;
    try {
      const ack = await acked(s, o.to, s.client.send(o.to, line, { cmid: o.id === undefined ? undefined : `${o.id}.${n}` }).acked);
      sent += 1;
      out(s.flags.json, sentLine(ack), { ...sentJson(ack), line: n });
    } catch (e) {
      if (!(e instanceof CommandError && LINE_ERRORS.has(e.code))) throw e instanceof CliError || e instanceof CommandError ? new CliError(e.code, `line ${n}: ${e.message}`) : e;
      skipped.push(n);
      process.stderr.write(`${errorLine({ code: e.code, message: `line ${n}: ${e.message}` }, s.flags.json)}\n`);
    }
  }
  if (sent + skipped.length === 0) throw new UsageError("nothing to send: stdin had no text");
  if (skipped.length > 0) throw new CliError("not_sent", `${skipped.length} of ${sent + skipped.length} lines not sent (line${skipped.length > 1 ? "s" : ""} ${skipped.join(", ")})`);
}

/** Refusals that are about one line's text, not about sending at all. */
const LINE_ERRORS: ReadonlySet<string> = new Set(["too_large", "invalid_field"]);

/** The durable ack, or a CliError that says what to do about it. */
async function acked(s: Session, to: SendTarget, p: Promise<AckFrame>): Promise<AckFrame> {
  return within(p, s.flags.timeoutMs, "no durable ack").catch((e: unknown) => {
    if (e instanceof CommandError && "room" in to && (e.code === "not_member" || e.code === "unknown_room")) {
      throw new CliError(e.code, `${e.message}${joinHint(to.room, "--join")}`);
    }
    if (e instanceof CliError && e.code === "timeout") {
      // It stays in the outbox: the next run with this state file re-sends it (same cmid, so once).
      throw new CliError("timeout", `${e.message}; the message stays queued in ${s.state.path} and goes out with the next hubbub run that uses it`);
    }
    throw e;
  });
}

const sentLine = (ack: AckFrame) => `sent ${ack.stream} #${ack.seq}${ack.duplicate ? " (already sent before: nothing new)" : ""}`;
const sentJson = (ack: AckFrame) => ({ type: "sent", stream: ack.stream, seq: ack.seq, pos: ack.pos, ...(ack.duplicate ? { duplicate: true } : {}) });

/** The last `limit` events of a room, oldest first, paging back as far as needed. */
export async function history(s: Session, room: string, limit: number): Promise<void> {
  const stream = roomStream(room);
  let events: EventData[] = [];
  let before: number | undefined;
  while (events.length < limit) {
    const page = await s.client.history(stream, { before, limit: Math.min(500, limit - events.length) }).catch((e: unknown) => {
      if (e instanceof CommandError && e.code === "not_member") throw new CliError(e.code, `you are not a member of #${room}${joinHint(room, "")}`);
      throw e;
    });
    events = [...page.events, ...events];
    if (!page.more || page.events.length === 0) break;
    before = page.events[0]!.seq;
  }
  const me = s.client.welcome?.user ?? "";
  for (const e of events) out(s.flags.json, eventLine(e, me), eventJson(e));
}

export async function rooms(s: Session): Promise<void> {
  const list = await s.client.rooms();
  if (!s.flags.json && list.rooms.length === 0) writeOut("no rooms yet: hubbub join NAME creates one\n");
  for (const r of list.rooms) out(s.flags.json, roomLine(r), { type: "room", ...r });
}

export async function who(s: Session, room: string): Promise<void> {
  const p = await s.client.who(room);
  for (const e of p.online ?? []) out(s.flags.json, presenceLine(e), { type: "online", room, ...e });
}

/** join (creating the room, private with `privately`), or leave. */
export async function membership(s: Session, room: string, join: boolean, privately = false): Promise<void> {
  const ack = join ? await s.client.join(room, { private: privately }) : await s.client.leave(room);
  const already = ack.duplicate === true;
  const human = join ? (already ? `already in #${room}` : `joined #${room}${privately ? " (a new private room: hubbub invite lets people in)" : ""}`) : (already ? `not in #${room}` : `left #${room}`);
  out(s.flags.json, human, { type: join ? "joined" : "left", room, stream: ack.stream, seq: ack.seq, duplicate: already });
}
