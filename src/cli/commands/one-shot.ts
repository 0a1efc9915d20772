/** send, history, rooms, who, join, leave: connect, do one thing, print, exit. */
import { roomStream, type AckFrame } from "../../protocol/index.ts";
import type { HubbubClient } from "../../client/index.ts";
import { CliError } from "../session.ts";
import { eventLine, out, presenceLine, roomLine } from "../format.ts";

export async function ensureMember(client: HubbubClient, room: string, join: boolean): Promise<void> {
  const member = client.welcome?.streams.some((s) => s.stream === roomStream(room));
  if (member) return;
  if (!join) throw new CliError(`you are not a member of #${room}: join it first (hubbub join ${room}, or add --join)`, "not_member");
  await client.join(room);
}

export async function send(client: HubbubClient, json: boolean, to: { room: string } | { user: string }, text: string, join: boolean): Promise<void> {
  if ("room" in to) await ensureMember(client, to.room, join);
  const ack: AckFrame = await client.send(to, text).acked;
  out(json, `sent ${ack.stream} #${ack.seq}${ack.duplicate ? " (already sent before)" : ""}`, { stream: ack.stream, seq: ack.seq, pos: ack.pos });
}

export async function history(client: HubbubClient, json: boolean, room: string, limit: number): Promise<void> {
  const me = client.welcome?.user ?? "";
  const page = await client.history(roomStream(room), { limit });
  for (const e of page.events) out(json, eventLine(e, me), e);
}

export async function rooms(client: HubbubClient, json: boolean): Promise<void> {
  const list = await client.rooms();
  if (!json && list.rooms.length === 0) out(false, "no rooms yet: hubbub join NAME creates one", null);
  for (const r of list.rooms) out(json, roomLine(r), r);
}

export async function who(client: HubbubClient, json: boolean, room: string): Promise<void> {
  const p = await client.who(room);
  for (const e of p.online ?? []) out(json, presenceLine(e), e);
}

export async function membership(client: HubbubClient, json: boolean, room: string, join: boolean): Promise<void> {
  const ack = join ? await client.join(room) : await client.leave(room);
  out(json, join ? `joined #${room}` : `left #${room}`, { room, stream: ack.stream, seq: ack.seq });
}
