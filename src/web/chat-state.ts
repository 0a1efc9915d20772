/**
 * What the web app knows, built from what the SDK tells it: the streams and their unread
 * counts, the messages loaded per stream (with pending/sent/failed for my own), read cursors,
 * presence and the latest broadcast. No DOM here, so it can be tested on its own.
 *
 * Unread and mention counts start from the server's (welcome: counted there from the whole
 * log, not from what this tab happened to load) and then count only messages past the head
 * the welcome reported: a resume replays what was missed, and those events are already in the
 * server's count.
 */
import type { OutboxItem } from "../client/index.ts";
import { mentions } from "../protocol/message-format.ts";
import {
  dmPeer, dmStream, parseStream, roomStream,
  type EventData, type PresenceEntry, type RoomSummary, type SendTarget, type PresenceFrame, type StreamInfo, type WelcomeFrame,
} from "../protocol/index.ts";

export interface Message {
  key: string;
  stream: string;
  /** `notice`: a moderation event (invite, kick, ban, role, visibility), `text` says what happened. */
  kind: "message" | "joined" | "left" | "topic" | "notice";
  seq?: number;
  cmid?: string;
  author: string;
  at: number;
  text: string;
  state: "pending" | "sent" | "failed";
  edited?: boolean;
  deleted?: boolean;
  error?: string;
  /** A failed message of mine: where it was going and why the server refused it, so it can be retried or edited. */
  failure?: { to: SendTarget; code: string; message: string };
}

export interface StreamView {
  stream: string;
  kind: StreamInfo["kind"];
  name: string;
  unread: number;
  /** Of the unread messages, those that mention me (the server's count at welcome, then live). */
  mentions: number;
  /** My read cursor (any device of mine). */
  read: number;
  /** The newest seq known to exist in the stream. */
  head: number;
}

/** One emoji on a message and who put it there. */
export interface Reaction { emoji: string; users: string[] }

/** A room as the directory lists it. */
export interface RoomEntry {
  room: string; members: number; member: boolean; topic: string; topicSeq?: number;
  private?: boolean; invited?: boolean; role?: "owner" | "moderator";
}

export interface ChatSnapshot { me: string; streams: StreamView[]; messages: Record<string, Message[]> }

/** An edit or delete seen before the message it changes was loaded (history comes later). */
interface Change { seq: number; text?: string; deleted?: boolean }

export class ChatState {
  me = "";
  readonly streams = new Map<string, StreamView>();
  private readonly messages = new Map<string, Map<string, Message>>();
  private readonly changes = new Map<string, Map<number, Change>>();
  /** Lowest seq loaded per stream; everything from there to the head is loaded (loads are contiguous). */
  readonly oldest = new Map<string, number>();
  readonly moreBefore = new Map<string, boolean>();
  readonly presence = new Map<string, Map<string, PresenceEntry>>();
  broadcast: { text: string; at: number; seq: number } | undefined;
  /** Every room on the server (from `rooms`), with topics kept up to date by `topic` events. */
  readonly directory = new Map<string, RoomEntry>();

  /** stream -> message seq -> emoji -> user -> that user's latest reaction event (any order of arrival). */
  private readonly reactionLog = new Map<string, Map<number, Map<string, Map<string, { seq: number; on: boolean }>>>>();

  /** The reactions a message has now: each emoji with who reacted, in the order they were first added. */
  reactionsOf(stream: string, seq: number): Reaction[] {
    const out: (Reaction & { first: number })[] = [];
    for (const [emoji, byUser] of this.reactionLog.get(stream)?.get(seq) ?? []) {
      const on = [...byUser].filter(([, r]) => r.on).sort((a, b) => a[1].seq - b[1].seq);
      if (on.length > 0) out.push({ emoji, users: on.map(([u]) => u), first: on[0]![1].seq });
    }
    return out.sort((a, b) => a.first - b.first).map(({ emoji, users }) => ({ emoji, users }));
  }

  /** The server's list of rooms; its topics are current as of each room's head. */
  setDirectory(rooms: RoomSummary[]): void {
    this.directory.clear();
    for (const r of rooms) {
      this.directory.set(r.room, {
        room: r.room, members: r.members, member: r.member, topic: r.topic ?? "", topicSeq: r.head,
        private: r.visibility === "private", invited: r.invited === true, role: r.role,
      });
    }
  }

  /** The topic of a room, as last heard. */
  topic(room: string): string { return this.directory.get(room)?.topic ?? ""; }

  welcome(w: WelcomeFrame): void {
    this.me = w.user;
    this.presence.clear(); // each room's full list follows the welcome
    for (const s of w.streams) {
      if (s.kind === "user" || s.kind === "broadcast") continue;
      this.streams.set(s.stream, { stream: s.stream, kind: s.kind, name: s.name, unread: s.unread, mentions: s.mentions, read: w.reads[s.stream] ?? 0, head: s.head });
    }
  }

  /** Opens (or keeps) a stream in the list: a DM exists here before its first message. */
  ensure(stream: string): StreamView | undefined {
    const existing = this.streams.get(stream);
    if (existing) return existing;
    const p = parseStream(stream);
    if (!p || p.kind === "user" || p.kind === "broadcast") return undefined;
    const name = p.kind === "room" ? p.room : dmPeer(stream, this.me) ?? p.users[0];
    const view: StreamView = { stream, kind: p.kind, name, unread: 0, mentions: 0, read: 0, head: 0 };
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
    const parsed = parseStream(e.stream);
    if (parsed?.kind === "user") return this.ownEvent(e);
    if (parsed?.kind === "broadcast") {
      if (e.kind === "broadcast" && (!this.broadcast || e.seq > this.broadcast.seq)) this.broadcast = { text: String(e.body.text ?? ""), at: e.at, seq: e.seq };
      return;
    }
    const view = this.ensure(e.stream);
    if (!view) return;
    const bucket = this.bucket(e.stream);
    if (e.kind === "message") {
      if (e.cmid) bucket.delete(`c:${e.cmid}`);
      const m: Message = { key: `s:${e.seq}`, stream: e.stream, kind: "message", seq: e.seq, cmid: e.cmid, author: e.author, at: e.at, text: String(e.body.text ?? ""), state: "sent" };
      const change = this.changes.get(e.stream)?.get(e.seq);
      if (change) applyChange(m, change);
      bucket.set(m.key, m);
      if (live && e.author !== this.me && e.seq > view.head && e.seq > view.read) {
        view.unread += 1;
        if (mentions(m.text, this.me)) view.mentions += 1;
      }
    } else if (e.kind === "edit" || e.kind === "delete") {
      const target = Number(e.body.target);
      const change: Change = e.kind === "edit" ? { seq: e.seq, text: String(e.body.text ?? "") } : { seq: e.seq, deleted: true };
      let changes = this.changes.get(e.stream);
      if (!changes) this.changes.set(e.stream, (changes = new Map()));
      const prior = changes.get(target);
      if (!prior || prior.seq < e.seq) changes.set(target, change);
      const m = bucket.get(`s:${target}`);
      if (m && (!prior || prior.seq < e.seq)) applyChange(m, change);
    } else if (e.kind === "reaction") {
      const target = Number(e.body.target);
      const emoji = String(e.body.emoji ?? "");
      let byTarget = this.reactionLog.get(e.stream);
      if (!byTarget) this.reactionLog.set(e.stream, (byTarget = new Map()));
      let byEmoji = byTarget.get(target);
      if (!byEmoji) byTarget.set(target, (byEmoji = new Map()));
      let byUser = byEmoji.get(emoji);
      if (!byUser) byEmoji.set(emoji, (byUser = new Map()));
      const prior = byUser.get(e.author);
      if (!prior || prior.seq < e.seq) byUser.set(e.author, { seq: e.seq, on: Number(e.body.on) === 1 });
    } else if (e.kind === "topic" && parsed?.kind === "room") {
      const text = String(e.body.text ?? "");
      const entry = this.directory.get(parsed.room);
      // Only a newer event moves the topic: history pages bring older ones too.
      if (entry && (entry.topicSeq ?? 0) < e.seq) Object.assign(entry, { topic: text, topicSeq: e.seq });
      else if (!entry) this.directory.set(parsed.room, { room: parsed.room, members: 0, member: true, topic: text, topicSeq: e.seq });
      bucket.set(`s:${e.seq}`, { key: `s:${e.seq}`, stream: e.stream, kind: "topic", seq: e.seq, author: e.author, at: e.at, text, state: "sent" });
    } else if (MODERATION.has(e.kind)) {
      bucket.set(`s:${e.seq}`, { key: `s:${e.seq}`, stream: e.stream, kind: "notice", seq: e.seq, author: e.author, at: e.at, text: moderationText(e), state: "sent" });
    } else if (e.kind === "joined" || e.kind === "left") {
      bucket.set(`s:${e.seq}`, { key: `s:${e.seq}`, stream: e.stream, kind: e.kind, seq: e.seq, author: e.author, at: e.at, text: e.kind, state: "sent" });
    }
    if (e.seq > view.head) view.head = e.seq;
    const oldest = this.oldest.get(e.stream);
    if (oldest === undefined || e.seq < oldest) this.oldest.set(e.stream, e.seq);
  }

  private ownEvent(e: EventData): void {
    if (e.kind === "room_joined") this.ensure(roomStream(String(e.body.room)));
    if (e.kind === "room_left") {
      this.streams.delete(roomStream(String(e.body.room)));
      this.presence.delete(String(e.body.room));
    }
    if (e.kind === "read") this.markRead(String(e.body.stream), Number(e.body.seq));
  }

  /**
   * A read cursor moved (here or on another device): recount what is still unread. Returns
   * false when messages after the cursor are not loaded, so the count is only an upper bound
   * until they are (the app then fetches them).
   */
  markRead(stream: string, seq: number): boolean {
    const view = this.streams.get(stream);
    if (!view || seq <= view.read) return true;
    view.read = seq;
    return this.recount(stream);
  }

  /** Recounts a stream's unread messages from what is loaded (see markRead). */
  recount(stream: string): boolean {
    const view = this.streams.get(stream);
    if (!view) return true;
    if (!this.loadedAfter(stream, view.read)) {
      view.unread = Math.min(view.unread, Math.max(0, view.head - view.read));
      view.mentions = Math.min(view.mentions, view.unread);
      return false;
    }
    const unread = this.messagesOf(stream).filter((m) => m.kind === "message" && m.seq !== undefined && m.seq > view.read && m.author !== this.me);
    view.unread = unread.length;
    view.mentions = unread.filter((m) => !m.deleted && mentions(m.text, this.me)).length;
    return true;
  }

  /** Whether every event after `seq` up to the head is loaded. */
  loadedAfter(stream: string, seq: number): boolean {
    const view = this.streams.get(stream);
    if (!view || seq >= view.head) return true;
    const oldest = this.oldest.get(stream);
    return oldest !== undefined && oldest <= seq + 1;
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
      key, stream, kind: "message", cmid: item.cmid, author: this.me, at: item.createdAt, text: item.text, state: item.status,
      error: item.error ? `${item.error.code}: ${item.error.message}` : undefined,
      failure: item.error ? { to: item.to, ...item.error } : undefined,
    });
  }

  /** Forgets a failed message the user dismissed. */
  dismiss(stream: string, key: string): void { this.messages.get(stream)?.delete(key); }

  /** What to keep for a reload without the server: the streams and the newest loaded messages of each. */
  snapshot(perStream: number): ChatSnapshot {
    const messages: Record<string, Message[]> = {};
    for (const stream of this.streams.keys()) {
      const kept = this.messagesOf(stream).filter((m) => m.seq !== undefined).slice(-perStream);
      if (kept.length > 0) messages[stream] = kept;
    }
    return { me: this.me, streams: [...this.streams.values()], messages };
  }

  /** Shows a snapshot until the server answers; `forgetHistory` drops it then. */
  restore(snap: ChatSnapshot): void {
    if (snap.me !== this.me) return;
    for (const v of snap.streams) if (!this.streams.has(v.stream)) this.streams.set(v.stream, { ...v });
    for (const [stream, list] of Object.entries(snap.messages)) {
      const bucket = this.bucket(stream);
      for (const m of list) if (m.seq !== undefined) bucket.set(m.key, { ...m });
      if (list[0]?.seq !== undefined) this.oldest.set(stream, list[0].seq);
    }
  }

  /**
   * Forgets loaded history (not my unsent or refused messages): a fresh connection is not
   * replayed, so what was loaded before may have a hole up to the new head.
   */
  forgetHistory(stream?: string): void {
    for (const [s, bucket] of this.messages) {
      if (stream !== undefined && s !== stream) continue;
      for (const [k, m] of bucket) if (m.seq !== undefined) bucket.delete(k);
      this.oldest.delete(s);
      this.moreBefore.delete(s);
      this.changes.delete(s);
    }
  }

  presenceFrame(p: PresenceFrame): void {
    let room = this.presence.get(p.room);
    if (!room || p.online) this.presence.set(p.room, (room = new Map()));
    const k = (e: PresenceEntry) => `${e.user}/${e.device}`;
    for (const e of p.online ?? []) room.set(k(e), e);
    for (const e of p.joined ?? []) room.set(k(e), e);
    for (const e of p.left ?? []) room.delete(k(e));
  }

  /** Who is online in a room; for a DM, the two people as seen in any room I follow. */
  online(stream: string): PresenceEntry[] {
    const p = parseStream(stream);
    let entries: PresenceEntry[] = [];
    if (p?.kind === "room") entries = [...(this.presence.get(p.room)?.values() ?? [])];
    if (p?.kind === "dm") {
      const seen = new Map<string, PresenceEntry>();
      for (const room of this.presence.values()) for (const [k, e] of room) if (p.users.includes(e.user)) seen.set(k, e);
      entries = [...seen.values()];
    }
    return entries.sort((a, b) => a.user.localeCompare(b.user) || a.device.localeCompare(b.device));
  }
}

const MODERATION: ReadonlySet<string> = new Set(["invited", "uninvited", "kicked", "banned", "unbanned", "role", "visibility"]);

/** What a moderation event did, after its author's name ("ann …"). */
export function moderationText(e: EventData): string {
  const user = String(e.body.user ?? "");
  switch (e.kind) {
    case "role": return e.body.role === "moderator" ? `made ${user} a moderator` : `made ${user} a plain member`;
    case "visibility": return e.body.visibility === "private" ? "made the room private (invite only)" : "made the room public";
    case "uninvited": return `withdrew ${user}'s invite`;
    default: return `${e.kind} ${user}`;
  }
}

function applyChange(m: Message, c: Change): void {
  if (c.deleted) Object.assign(m, { text: "message deleted", deleted: true });
  else if (c.text !== undefined) Object.assign(m, { text: c.text, edited: true });
}
