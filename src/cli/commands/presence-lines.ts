/**
 * Presence as `hubbub chat` shows it: per person, not per device or room, and coalesced. The
 * server announces every device in every shared room; a person with two devices in three rooms
 * would be six lines. Here changes are collected for `windowMs`, then reported as what changed
 * for people: "alice, bob are online", "carol went offline". Someone who came and went within
 * the window (an older CLI's one-shot command) is not shown at all. Me, on any device, neither.
 */
import type { PresenceFrame } from "../../protocol/index.ts";

export interface PresenceLinesOptions {
  me: () => string;
  say: (text: string) => void;
  windowMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

export class PresenceLines {
  /** room → device key → user: who the server says is online there now. */
  private readonly rooms = new Map<string, Map<string, string>>();
  /** The people the last line left online. */
  private reported = new Set<string>();
  private pending = false;
  private closed = false;
  private readonly windowMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;

  constructor(private readonly o: PresenceLinesOptions) {
    this.windowMs = o.windowMs ?? 1000;
    // Unref'd: a pending line must not keep a chat that is ending alive.
    this.setTimer = o.setTimer ?? ((fn, ms) => (setTimeout(fn, ms) as { unref?: () => void }).unref?.());
  }

  update(p: PresenceFrame): void {
    let room = this.rooms.get(p.room);
    if (!room) this.rooms.set(p.room, (room = new Map()));
    if (p.online) {
      room.clear(); // a full list replaces what we knew about the room
      for (const e of p.online) room.set(`${e.user}/${e.device}`, e.user);
    }
    for (const e of p.joined ?? []) room.set(`${e.user}/${e.device}`, e.user);
    for (const e of p.left ?? []) room.delete(`${e.user}/${e.device}`);
    this.schedule();
  }

  /**
   * I left a room: I no longer see its people. Nobody went offline, so nothing is said; someone
   * I still share a room with stays as reported.
   */
  forgetRoom(room: string): void {
    if (!this.rooms.delete(room)) return;
    const now = this.online();
    for (const u of this.reported) if (!now.has(u)) this.reported.delete(u);
  }

  /** Nothing more is said (the chat is ending). */
  close(): void { this.closed = true; }

  /** Says what changed since the last line (called by the timer; public for tests). */
  flush(): void {
    this.pending = false;
    if (this.closed) return;
    const now = this.online();
    const came = [...now].filter((u) => !this.reported.has(u)).sort();
    const went = [...this.reported].filter((u) => !now.has(u)).sort();
    this.reported = now;
    if (came.length > 0) this.o.say(`${came.join(", ")} ${came.length === 1 ? "is" : "are"} online`);
    if (went.length > 0) this.o.say(`${went.join(", ")} went offline`);
  }

  private online(): Set<string> {
    const now = new Set<string>();
    for (const room of this.rooms.values()) for (const user of room.values()) if (user !== this.o.me()) now.add(user);
    return now;
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    this.setTimer(() => this.flush(), this.windowMs);
  }
}
