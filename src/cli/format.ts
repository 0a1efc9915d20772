/**
 * How things look: one line per event, room, person or connection change for a human, or one
 * JSON object per line with --json (each with a `type`, so mixed output stays parseable).
 */
import type { ConnectionState } from "../client/index.ts";
import { eventFrame, parseStream, type EventData, type PresenceEntry, type RoomSummary } from "../protocol/index.ts";
import { writeOut } from "./stdout.ts";

const pad = (n: number) => String(n).padStart(2, "0");

/** `15:09` today, `2026-11-27 15:09` on any other day (local time). */
export function when(at: number, now: number): string {
  const d = new Date(at);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return d.toDateString() === new Date(now).toDateString() ? hm : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** `#room`, `@other-user` for a DM seen by `me`, or the stream name as it is. */
export function where(stream: string, me: string): string {
  const s = parseStream(stream);
  if (s?.kind === "room") return `#${s.room}`;
  if (s?.kind === "dm") return `@${s.users[0] === me ? s.users[1] : s.users[0]}`;
  return stream;
}

export function eventLine(e: EventData, me: string, now = Date.now()): string {
  const at = `[${when(e.at, now)}] ${where(e.stream, me)}`;
  switch (e.kind) {
    case "message": return `${at} ${e.author}: ${e.body.text}`;
    case "edit": return `${at} ${e.author} edited message ${e.body.target}: ${e.body.text}`;
    case "delete": return `${at} ${e.author} deleted message ${e.body.target}`;
    case "joined": return `${at} → ${e.author} joined`;
    case "left": return `${at} ← ${e.author} left`;
    case "broadcast": return `[${when(e.at, now)}] 📣 ${e.body.text}`;
    case "invited": case "uninvited": case "kicked": case "banned": case "unbanned": return `${at} ${e.author} ${e.kind} ${String(e.body.user)}`;
    case "role": return `${at} ${e.author} made ${String(e.body.user)} ${e.body.role === "moderator" ? "a moderator" : "a plain member"}`;
    case "visibility": return `${at} ${e.author} made the room ${String(e.body.visibility)}`;
    case "topic": return `${at} ${e.author} set the topic: ${String(e.body.text) || "(none)"}`;
    case "room_invited": return `${at} ${e.author} invited you to #${String(e.body.room)}`;
    case "room_uninvited": return `${at} ${e.author} withdrew your invite to #${String(e.body.room)}`;
    case "room_left": return e.body.reason ? `${at} ${e.author} ${String(e.body.reason)} you from #${String(e.body.room)}` : `${at} ${e.author} ${e.kind}`;
    default: return `${at} ${e.author} ${e.kind}`;
  }
}

/** The JSON line `--json` prints for an event: the event frame itself. */
export const eventJson = (e: EventData) => eventFrame(e);

export const presenceLine = (p: PresenceEntry) => `${p.user} (${p.client}, ${p.device})`;

export function roomLine(r: RoomSummary): string {
  const notes = [r.visibility, r.role, r.invited ? "invited: hubbub join lets you in" : undefined].filter(Boolean);
  const line = `${r.member ? "*" : " "} #${r.room.padEnd(20)} ${String(r.members).padStart(4)} member${r.members === 1 ? " " : "s"} ${String(r.head).padStart(7)} events`;
  return notes.length > 0 ? `${line}  (${notes.join(", ")})` : line;
}

/** What a connection change means to the person watching, or nothing worth a line. */
export function stateLine(s: ConnectionState, now: number): string | undefined {
  switch (s.name) {
    case "reconnecting": {
      const why = s.lastClose ? ` (${s.lastClose.code}${s.lastClose.reason ? ` ${s.lastClose.reason}` : ""})` : "";
      const wait = Math.max(0, s.nextAttemptAt - now);
      return `connection lost${why}; ${wait < 100 ? "reconnecting now" : `reconnecting in ${(wait / 1000).toFixed(1)} s`} (attempt ${s.attempt})`;
    }
    case "live": return "connected";
    case "stopped": return `disconnected: ${s.reason}`;
    default: return undefined;
  }
}

export function errorLine(e: { code: string; message: string }, json: boolean, usage = false): string {
  if (json) return JSON.stringify({ type: "error", code: usage ? "usage" : e.code, message: e.message });
  if (usage) return `hubbub: usage: ${e.message}`;
  return e.code === "error" ? `hubbub: error: ${e.message}` : `hubbub: error: ${e.code}: ${e.message}`;
}

/** Writes one line: the human text, or the object as JSON. */
export function out(json: boolean, human: string, obj: object): void {
  writeOut(`${json ? JSON.stringify(obj) : human}\n`);
}
