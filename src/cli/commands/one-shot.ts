/** send, history, rooms, who, join, leave: connect, do one thing, print, exit. */
import { CommandError } from "../../client/index.ts";
import { roomStream, type EventData, type SendTarget } from "../../protocol/index.ts";
import { eventJson, eventLine, out, presenceLine, roomLine } from "../format.ts";
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

export async function send(s: Session, to: SendTarget, text: string, join: boolean): Promise<void> {
  if ("room" in to && join) await s.client.join(to.room);
  const { acked } = s.client.send(to, text);
  const ack = await within(acked, s.flags.timeoutMs, "no durable ack").catch((e: unknown) => {
    if (e instanceof CommandError && "room" in to && (e.code === "not_member" || e.code === "unknown_room")) {
      throw new CliError(e.code, `${e.message}${joinHint(to.room, "--join")}`);
    }
    if (e instanceof CliError && e.code === "timeout") {
      // It stays in the outbox: the next run with this state file re-sends it (same cmid, so once).
      throw new CliError("timeout", `${e.message}; the message stays queued in ${s.state.path} and goes out with the next hubbub run that uses it`);
    }
    throw e;
  });
  out(s.flags.json, `sent ${ack.stream} #${ack.seq}`, { type: "sent", stream: ack.stream, seq: ack.seq, pos: ack.pos });
}

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

export async function membership(s: Session, room: string, join: boolean): Promise<void> {
  const ack = join ? await s.client.join(room) : await s.client.leave(room);
  const already = ack.duplicate === true;
  const human = join ? (already ? `already in #${room}` : `joined #${room}`) : (already ? `not in #${room}` : `left #${room}`);
  out(s.flags.json, human, { type: join ? "joined" : "left", room, stream: ack.stream, seq: ack.seq, duplicate: already });
}
