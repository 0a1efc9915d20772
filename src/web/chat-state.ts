/**
 * What the web app knows, built from what the SDK tells it: the streams and their unread
 * counts, the messages loaded per stream (with pending/sent/failed for my own), read cursors,
 * presence and typing. No DOM here, so it can be tested on its own.
 */
import type { OutboxItem } from "../client/index.ts";
import {
  dmStream, parseStream, roomStream,
  type EventData, type PresenceEntry, type PresenceFrame, type StreamInfo, type WelcomeFrame,
} from "../protocol/index.ts";

export interface Message {
  key: string;
  stream: string;
  seq?: number;
  cmid?: string;
  author: string;
  at: number;
  text: string;
  state: "pending" | "sent" | "failed";
  edited?: boolean;
  deleted?: boolean;
  error?: string;
}

export interface StreamView {
  stream: string;
  kind: StreamInfo["kind"];
  name: string;
  unread: number;
  read: number;
}

export class ChatState {
  me = "";
  readonly streams = new Map<string, StreamView>();
  private readonly messages = new Map<string, Map<string, Message>>();
  readonly oldest = new Map<string, number>();
  readonly moreBefore = new Map<string, boolean>();
  readonly presence = new Map<string, Map<string, PresenceEntry>>();

  welcome(w: WelcomeFrame): void {
    this.me = w.user;
    for (const s of w.streams) {
      if (s.kind === "user" || s.kind === "broadcast") continue;
      this.streams.set(s.stream, { stream: s.stream, kind: s.kind, name: s.name, unread: s.unread, read: w.reads[s.stream] ?? 0 });
    }
  }

  /** Opens (or keeps) a stream in the list: a DM exists here before its first message. */
  ensure(stream: string): StreamView | undefined {
    const existing = this.streams.get(stream);
    if (existing) return existing;
    const p = parseStream(stream);
    if (!p || p.kind === "user" || p.kind === "broadcast") return undefined;
    const name = p.kind === "room" ? p.room : p.users[0] === this.me ? p.users[1] : p.users[0];
    const view: StreamView = { stream, kind: p.kind, name, unread: 0, read: 0 };
    this.streams.set(stream, view);
    return view;
  }

  dmWith(user: string): string { return dmStream(this.me, user); }

  list(kind: "room" | "dm"): StreamView[] {
    return [...this.streams.values()].filter((s) => s.kind === kind).sort((a, b) => a.name.localeCompare(b.name));
  }

  messagesOf(stream: string): Message[] {
    const all = [...(this.messages.get(stream)?.values() ?? [])];
    return all.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER) || a.at - b.at);
  }

  private bucket(stream: string): Map<string, Message> {
    let m = this.messages.get(stream);
    if (!m) this.messages.set(stream, (m = new Map()));
    return m;
  }

  /** Applies one event; `live` is false for history pages (they never count as unread). */
  event(e: EventData, live: boolean): void {
    const user = parseStream(e.stream);
    if (user?.kind === "user") return this.ownEvent(e);
    if (user?.kind === "broadcast") return;
    const view = this.ensure(e.stream);
    if (!view) return;
    const bucket = this.bucket(e.stream);
    if (e.kind === "message") {
      if (e.cmid) bucket.delete(`c:${e.cmid}`);
      bucket.set(`s:${e.seq}`, { key: `s:${e.seq}`, stream: e.stream, seq: e.seq, cmid: e.cmid, author: e.author, at: e.at, text: String(e.body.text ?? ""), state: "sent" });
      if (live && e.author !== this.me && e.seq > view.read) view.unread += 1;
    } else if (e.kind === "edit" || e.kind === "delete") {
      const target = bucket.get(`s:${e.body.target}`);
      if (target && e.kind === "edit") Object.assign(target, { text: String(e.body.text), edited: true });
      if (target && e.kind === "delete") Object.assign(target, { text: "message deleted", deleted: true });
    } else if (e.kind === "joined" || e.kind === "left") {
      bucket.set(`s:${e.seq}`, { key: `s:${e.seq}`, stream: e.stream, seq: e.seq, author: e.author, at: e.at, text: e.kind === "joined" ? "joined" : "left", state: "sent" });
    }
    const oldest = this.oldest.get(e.stream);
    if (oldest === undefined || e.seq < oldest) this.oldest.set(e.stream, e.seq);
  }

  private ownEvent(e: EventData): void {
    if (e.kind === "room_joined") this.ensure(roomStream(String(e.body.room)));
    if (e.kind === "room_left") this.streams.delete(roomStream(String(e.body.room)));
    if (e.kind === "read") this.markRead(String(e.body.stream), Number(e.body.seq));
  }

  /** A read cursor moved (here or on another device): recount what is still unread. */
  markRead(stream: string, seq: number): void {
    const view = this.streams.get(stream);
    if (!view || seq <= view.read) return;
    view.read = seq;
    view.unread = this.messagesOf(stream).filter((m) => m.seq !== undefined && m.seq > seq && m.author !== this.me && m.text !== "joined" && m.text !== "left").length;
  }

  /** Newest seq loaded in a stream: what "read up to here" means. */
  newestSeq(stream: string): number {
    let max = 0;
    for (const m of this.messages.get(stream)?.values() ?? []) if (m.seq !== undefined && m.seq > max) max = m.seq;
    return max;
  }

  outbox(item: OutboxItem): void {
    const stream = "room" in item.to ? roomStream(item.to.room) : this.dmWith(item.to.user);
    this.ensure(stream);
    const bucket = this.bucket(stream);
    const key = `c:${item.cmid}`;
    const delivered = [...bucket.values()].some((m) => m.cmid === item.cmid && m.seq !== undefined);
    if (item.status === "sent" || delivered) { bucket.delete(key); return; }
    bucket.set(key, {
      key, stream, cmid: item.cmid, author: this.me, at: item.createdAt, text: item.text, state: item.status,
      error: item.error ? `${item.error.code}: ${item.error.message}` : undefined,
    });
  }

  presenceFrame(p: PresenceFrame): void {
    let room = this.presence.get(p.room);
    if (!room || p.online) this.presence.set(p.room, (room = new Map()));
    const k = (e: PresenceEntry) => `${e.user}/${e.device}`;
    for (const e of p.online ?? []) room.set(k(e), e);
    for (const e of p.joined ?? []) room.set(k(e), e);
    for (const e of p.left ?? []) room.delete(k(e));
  }

  online(stream: string): PresenceEntry[] {
    const p = parseStream(stream);
    if (p?.kind !== "room") return [];
    return [...(this.presence.get(p.room)?.values() ?? [])].sort((a, b) => a.user.localeCompare(b.user));
  }
}
