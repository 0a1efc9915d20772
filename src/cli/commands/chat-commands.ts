/** What one line typed into `hubbub chat` does: a slash command, or a message to the current room. */
import { isUserName, roomStream } from "../../protocol/index.ts";
import { isModeration, type Moderation } from "../args.ts";
import { moderation } from "./moderate.ts";
import { eventJson, eventLine, presenceLine, roomLine } from "../format.ts";
import { describe, type Session } from "../session.ts";

export const CHAT_HELP = "commands: /join R  /leave [R]  /rooms  /who  /dm USER TEXT  /history [N]  /search WORDS  /edit TEXT  /delete  /invite USER  /uninvite USER  /kick USER  /ban USER  /unban USER  /quit  (a plain line goes to the current room; /edit and /delete change your last message there; /invite … /unban: the owner and moderators of the current room)";

export interface ChatContext {
  session: Session;
  /** The room plain lines go to. */
  room: string | undefined;
  setRoom(room: string | undefined): void;
  /** A line of output (or, with --json, the object). */
  say(line: string, obj: object): void;
  /** A line about the session itself, shown as `* text`. */
  notice(text: string): void;
}

/** Runs one input line; resolves false when the user asked to quit. Errors become a notice. */
export async function runLine(ctx: ChatContext, line: string): Promise<boolean> {
  const text = line.trim();
  if (!text) return true;
  if (!text.startsWith("/")) return sendToRoom(ctx, line);
  const [cmd = "", ...args] = text.split(/\s+/);
  try {
    switch (cmd) {
      case "/quit": case "/exit": case "/q": return false;
      case "/help": case "/?": ctx.notice(CHAT_HELP); break;
      case "/join": await join(ctx, args[0]); break;
      case "/leave": await leave(ctx, args[0] ?? ctx.room); break;
      case "/rooms": await listRooms(ctx); break;
      case "/who": await who(ctx); break;
      case "/dm": await dm(ctx, args[0], text.split(/\s+/).slice(2).join(" ")); break;
      case "/history": await history(ctx, args[0]); break;
      case "/search": await searchRoom(ctx, text.slice("/search".length).trim()); break;
      case "/edit": await changeLast(ctx, text.slice("/edit".length).trim() || undefined, true); break;
      case "/delete": await changeLast(ctx, undefined, false); break;
      default: {
        const what = cmd.slice(1);
        if (isModeration(what)) await moderateHere(ctx, what, args[0]);
        else ctx.notice(`unknown command ${cmd}; ${CHAT_HELP}`);
      }
    }
  } catch (e) {
    const d = describe(e);
    ctx.notice(`${cmd} failed: ${d.code}: ${d.message}`);
  }
  return true;
}

function sendToRoom(ctx: ChatContext, line: string): boolean {
  const room = ctx.room;
  if (!room) { ctx.notice("no current room: /join ROOM first (or /dm USER TEXT)"); return true; }
  // Not awaited: the outbox keeps it through disconnects; its event shows it once stored.
  const { client } = ctx.session;
  if (client.state.name !== "live") ctx.notice("not connected: queued, sent once reconnected");
  client.send({ room }, line).acked.catch((e: unknown) => {
    const d = describe(e);
    ctx.notice(`not sent to #${room}: ${d.code}: ${d.message}`);
  });
  return true;
}

async function join(ctx: ChatContext, room: string | undefined): Promise<void> {
  if (!room) return ctx.notice("usage: /join ROOM");
  await ctx.session.client.join(room);
  ctx.setRoom(room);
  ctx.notice(`you are in #${room}`);
}

async function leave(ctx: ChatContext, room: string | undefined): Promise<void> {
  if (!room) return ctx.notice("usage: /leave ROOM");
  await ctx.session.client.leave(room);
  if (ctx.room === room) ctx.setRoom(undefined);
  ctx.notice(`you left #${room}`);
}

async function listRooms(ctx: ChatContext): Promise<void> {
  const { rooms } = await ctx.session.client.rooms();
  if (rooms.length === 0) ctx.notice("no rooms yet: /join NAME creates one");
  for (const r of rooms) ctx.say(roomLine(r), { type: "room", ...r });
}

async function who(ctx: ChatContext): Promise<void> {
  const room = ctx.room;
  if (!room) return ctx.notice("no current room: /join ROOM first");
  const online = (await ctx.session.client.who(room)).online ?? [];
  ctx.notice(`online in #${room}: ${online.length === 0 ? "nobody" : online.map(presenceLine).join(", ")}`);
  if (ctx.session.flags.json) for (const e of online) ctx.say("", { type: "online", room, ...e });
}

async function dm(ctx: ChatContext, to: string | undefined, text: string): Promise<void> {
  if (!to || !text) return ctx.notice("usage: /dm USER TEXT");
  const ack = await ctx.session.client.send({ user: to }, text).acked;
  if (ctx.session.flags.json) ctx.say("", { type: "sent", stream: ack.stream, seq: ack.seq, pos: ack.pos });
}

/** /search WORDS: the current room's messages that contain WORDS, newest first (one request: up to 20). */
async function searchRoom(ctx: ChatContext, q: string): Promise<void> {
  const room = ctx.room;
  if (!room) return ctx.notice("no current room: /join ROOM first");
  if (!q) return ctx.notice("usage: /search WORDS");
  const { client } = ctx.session;
  const { events, next } = await client.search(roomStream(room), q, { limit: 20 });
  const me = client.welcome?.user ?? "";
  ctx.notice(events.length === 0 ? `no message in #${room} contains "${q}"${next === undefined ? "" : " in its latest 5,000 events (hubbub search goes further)"}` : `${events.length} message(s) in #${room} contain "${q}", newest first:`);
  for (const e of events) ctx.say(eventLine(e, me), eventJson(e));
}

/** How far back /edit and /delete look for my last message. */
const LAST_OWN_WINDOW = 200;

/**
 * /edit TEXT and /delete: my newest message in the current room that is not deleted, found in
 * the room's recent history (so it works for messages sent before this chat started, too). The
 * change arrives back as an event and is shown like any other.
 */
async function changeLast(ctx: ChatContext, text: string | undefined, isEdit: boolean): Promise<void> {
  const room = ctx.room;
  if (!room) return ctx.notice("no current room: /join ROOM first");
  if (isEdit && !text) return ctx.notice("usage: /edit NEW TEXT (replaces your last message here)");
  const { client } = ctx.session;
  const me = client.welcome?.user ?? "";
  const stream = roomStream(room);
  const { events } = await client.history(stream, { limit: LAST_OWN_WINDOW });
  const deleted = new Set(events.filter((e) => e.kind === "delete" && e.author === me).map((e) => Number(e.body.target)));
  const last = events.findLast((e) => e.kind === "message" && e.author === me && !deleted.has(e.seq));
  if (!last) return ctx.notice(`no message of yours in the last ${LAST_OWN_WINDOW} events of #${room} (older ones: hubbub edit --room ${room} SEQ TEXT)`);
  if (isEdit) await client.edit(stream, last.seq, text!);
  else await client.delete(stream, last.seq);
}

async function history(ctx: ChatContext, n: string | undefined): Promise<void> {
  const room = ctx.room;
  if (!room) return ctx.notice("no current room: /join ROOM first");
  const limit = Number(n ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) return ctx.notice("usage: /history [N] with N from 1 to 500");
  const page = await ctx.session.client.history(roomStream(room), { limit });
  const me = ctx.session.client.welcome?.user ?? "";
  for (const e of page.events) ctx.say(eventLine(e, me), eventJson(e));
}

/** /invite, /uninvite, /kick, /ban, /unban USER in the current room; the room's event shows what happened, a repeat says nothing changed. */
async function moderateHere(ctx: ChatContext, what: Moderation, user: string | undefined): Promise<void> {
  const room = ctx.room;
  if (!room) return ctx.notice("no current room: /join ROOM first");
  if (!user || !isUserName(user)) return ctx.notice(`usage: /${what} USER`);
  const c = ctx.session.client;
  const ack = await moderation(c, what, room, user);
  if (ack.duplicate) ctx.notice(`/${what} ${user}: nothing changed in #${room}`);
}
