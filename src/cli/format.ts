/** How events and replies look in the terminal, and as JSON lines with --json. */
import type { EventData, PresenceEntry, RoomSummary } from "../protocol/index.ts";
import { parseStream } from "../protocol/index.ts";

const time = (ms: number) => new Date(ms).toTimeString().slice(0, 5);

export function where(stream: string, me: string): string {
  const s = parseStream(stream);
  if (s?.kind === "room") return `#${s.room}`;
  if (s?.kind === "dm") return `@${s.users[0] === me ? s.users[1] : s.users[0]}`;
  return stream;
}

export function eventLine(e: EventData, me: string): string {
  const at = `[${time(e.at)}] ${where(e.stream, me)}`;
  switch (e.kind) {
    case "message": return `${at} ${e.author}: ${e.body.text}`;
    case "edit": return `${at} ${e.author} edited #${e.body.target}: ${e.body.text}`;
    case "delete": return `${at} ${e.author} deleted #${e.body.target}`;
    case "joined": return `${at} → ${e.author} joined`;
    case "left": return `${at} ← ${e.author} left`;
    case "broadcast": return `[${time(e.at)}] 📣 ${e.body.text}`;
    default: return `${at} ${e.author} ${e.kind}`;
  }
}

export const presenceLine = (p: PresenceEntry) => `${p.user} (${p.client}, ${p.device})`;

export function roomLine(r: RoomSummary): string {
  return `${r.member ? "*" : " "} #${r.room.padEnd(20)} ${String(r.members).padStart(4)} members  ${String(r.head).padStart(6)} events`;
}

/** One line for a human, or the object as one JSON line. */
export function out(json: boolean, human: string, obj: unknown): void {
  process.stdout.write(`${json ? JSON.stringify(obj) : human}\n`);
}
