/**
 * The hubbub client: one connection to a server that survives everything a network does.
 * It reconnects with backoff, resumes from its cursors (the server replays what was missed),
 * drops duplicates and repairs gaps, keeps an outbox of unacknowledged sends that it re-sends
 * after every resume, and declares a silent connection dead after three heartbeats.
 * Runtime-neutral: only web-standard APIs (WebSocket, setTimeout, crypto).
 */
import {
  CloseCode, RETRYABLE_ERRORS, SUBPROTOCOLS, closeAdvice, codecFor, eventFrame, newCmid, roomStream, unreachable, userStream,
  type AckFrame, type ClientFrame, type Codec, type Encoding, type EventFrame, type PageFrame, type PresenceFrame, type UserInfoFrame, type SearchResultsFrame,
  type RoomListFrame, type RoomSettingsFrame, type RoomVisibility, type SendTarget, type ServerFrame, type ServerFrameType, type WelcomeFrame,
} from "../protocol/index.ts";
import { DEFAULT_BACKOFF, backoffDelay } from "./backoff.ts";
import { realClock, type Clock } from "./clock.ts";
import { CursorBook } from "./cursors.ts";
import type { ClientEvents } from "./events.ts";
import type { BrowserSignals, ClientOptions, SocketFactory, SocketLike } from "./options.ts";
import { Delivery } from "./delivery.ts";
import { Emitter } from "./emitter.ts";
import { Heartbeat } from "./heartbeat.ts";
import { Outbox, type OutboxItem } from "./outbox.ts";
import { CommandError, Requests } from "./requests.ts";
import { RoomSettingsBook, type RoomSettings } from "./room-settings.ts";
import { TRANSITIONS, type ConnectionState } from "./state.ts";
import { memoryStorage, normaliseSaved, type ClientStorage, type SavedState } from "./storage.ts";
import { socketUrl } from "./url.ts";

export { CommandError } from "./requests.ts";
export type { Clock } from "./clock.ts";
export type { BrowserSignals, ClientOptions, SocketFactory, SocketLike } from "./options.ts";
export type { ClientEvents } from "./events.ts";

const DEFAULT_HEARTBEAT_MS = 10_000;

/** Every server frame type (a Record, so adding one to the protocol fails to compile until it is here). */
const SERVER_FRAME_TYPES: Record<ServerFrameType, true> = {
  welcome: true, event: true, events: true, ack: true, synced: true, truncated: true, presence: true,
  typing: true, page: true, room_list: true, error: true, pong: true, user_info: true, search_results: true,
  room_settings: true,
};
function isServerFrameType(f: unknown): f is ServerFrame {
  const type = typeof f === "object" && f !== null ? (f as { type?: unknown }).type : undefined;
  return typeof type === "string" && Object.hasOwn(SERVER_FRAME_TYPES, type);
}

export class HubbubClient {
  private readonly settingsBook = new RoomSettingsBook();
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly codec: Codec;
  private readonly encoding: Encoding;
  private readonly storage: ClientStorage;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly cursors: CursorBook;
  private readonly delivery: Delivery;
  private readonly outbox: Outbox;
  private readonly requests: Requests;
  /** Sends refused with a retryable error, waiting to go again. */
  private readonly resendTimers = new Map<string, unknown>();
  private readonly sendWaiters = new Map<string, { resolve: (a: AckFrame) => void; reject: (e: Error) => void }>();
  private readonly signals: BrowserSignals;
  private readonly saved: SavedState;
  private ws: SocketLike | undefined;
  private current: ConnectionState = { name: "idle" };
  private attempt = 0;
  private retryTimer: unknown;
  private saveTimer: unknown;
  private beat: Heartbeat | undefined;
  /** The handshake watchdog's interval (the live heartbeat's comes from each welcome). */
  private readonly heartbeatMs: number;
  /** The current connection got its welcome (commands are accepted from then on). */
  private welcomed = false;
  /** The current hello carried cursors: the server replays, so heads in the welcome are not starting points. */
  private resuming = false;
  private wantOpen = false;
  private listening = false;
  /** The last welcome: who I am, my streams with heads and unread counts, my read cursors. */
  welcome: WelcomeFrame | undefined;
  readonly device: string;

  constructor(private readonly opts: ClientOptions) {
    this.encoding = opts.encoding ?? "json";
    this.codec = codecFor(this.encoding);
    this.storage = opts.storage ?? memoryStorage();
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.signals = opts.signals ?? (globalThis as BrowserSignals);
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.requests = new Requests(this.clock, opts.requestTimeoutMs ?? 10_000);
    this.saved = normaliseSaved(this.storage.load());
    this.device = opts.device ?? this.saved.device ?? `${opts.client}-${crypto.randomUUID().slice(0, 8)}`;
    this.saved.device = this.device;
    this.cursors = new CursorBook(this.saved.cursors);
    this.outbox = new Outbox(this.saved.outbox);
    this.delivery = new Delivery(this.cursors, {
      me: () => this.me(),
      fetch: async (stream, after, limit) => (await this.history(stream, { after, limit })).events,
      deliver: (e) => this.delivered(e),
      gap: (g) => this.emitter.emit("gap", g),
      stalled: () => this.drop(CloseCode.Abnormal, "gap repair timed out"),
    });
    this.persist(true);
  }

  /** The connection state now (also announced by every `state` event). */
  get state(): ConnectionState { return this.current; }
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof ClientEvents>(name: K, fn: (v: ClientEvents[K]) => void): () => void { return this.emitter.on(name, fn); }
  /** My cursor per stream (last seq seen). */
  cursorsNow() { return this.cursors.all(); }
  /** Sends not acknowledged yet (including ones restored from storage), oldest first. */
  pendingSends(): OutboxItem[] { return this.outbox.pending(); }

  /**
   * Starts connecting, and keeps the connection up until close() or a close code that means
   * stop. Throws if the runtime has no WebSocket and none was passed (Node 20: use `ws`).
   */
  connect(): void {
    if (!this.opts.socket && typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
      throw new TypeError("hubbub client: this runtime has no global WebSocket; pass options.socket (e.g. the ws package under Node 20)");
    }
    this.wantOpen = true;
    this.listen(true);
    if (this.current.name === "idle" || this.current.name === "stopped") this.attempt = 0;
    if (this.current.name === "idle" || this.current.name === "stopped" || this.current.name === "reconnecting") this.open();
  }

  /** Closes for good (until connect() again). Pending sends stay in the outbox (and in storage). */
  close(): void {
    this.wantOpen = false;
    this.listen(false);
    this.clock.clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.endConnection("the client was closed");
    try { ws?.close(1000, "client closed"); } catch { /* already gone */ }
    this.setState({ name: "stopped", reason: "closed by the client" });
  }

  /** Try at once (the browser says the network or the tab is back). */
  retryNow(): void {
    if (this.wantOpen && this.current.name === "reconnecting") this.open();
  }

  // ---------- commands ----------

  /** Joins a room, creating it (owned by me) if it does not exist; `private: true` creates it invite-only (`room_exists` if it exists). */
  join(room: string, opts: { private?: boolean } = {}): Promise<AckFrame> {
    return this.request(opts.private ? { type: "join", room, private: true } : { type: "join", room }) as Promise<AckFrame>;
  }
  /** Creates a room owned by me, public or private (invite-only); refused with `room_exists` if it exists. */
  createRoom(room: string, opts: { private: boolean }): Promise<AckFrame> {
    return this.request({ type: "join", room, private: opts.private }) as Promise<AckFrame>;
  }
  /** Owner and moderators: lets `user` join the (private) room once. */
  invite(room: string, user: string): Promise<AckFrame> { return this.request({ type: "invite", room, user }) as Promise<AckFrame>; }
  /** Owner and moderators: withdraws `user`'s open invite (a duplicate ack when there is none). */
  uninvite(room: string, user: string): Promise<AckFrame> { return this.request({ type: "uninvite", room, user }) as Promise<AckFrame>; }
  /** Owner and moderators: removes a member (not the owner or a moderator). */
  kick(room: string, user: string): Promise<AckFrame> { return this.request({ type: "kick", room, user }) as Promise<AckFrame>; }
  /** Owner and moderators: removes `user` and keeps them out until `unban`. */
  ban(room: string, user: string): Promise<AckFrame> { return this.request({ type: "ban", room, user }) as Promise<AckFrame>; }
  unban(room: string, user: string): Promise<AckFrame> { return this.request({ type: "unban", room, user }) as Promise<AckFrame>; }
  /** Owner only: makes a member a moderator, or back a plain member. */
  setRole(room: string, user: string, role: "moderator" | "member"): Promise<AckFrame> {
    return this.request({ type: "set_role", room, user, role }) as Promise<AckFrame>;
  }
  /** Owner only: public (anyone may join) or private (invite-only). */
  setVisibility(room: string, visibility: RoomVisibility): Promise<AckFrame> {
    return this.request({ type: "set_visibility", room, visibility }) as Promise<AckFrame>;
  }
  /** Asks for a room's settings; from then on `roomSettings(room)` follows them (`room_settings` events). */
  async roomInfo(room: string): Promise<RoomSettings> {
    return this.settingsBook.set(await (this.request({ type: "room_info", room }) as Promise<RoomSettingsFrame>));
  }
  /** The settings of a room asked about with `roomInfo`, kept current by its events; undefined otherwise. */
  roomSettings(room: string): RoomSettings | undefined { return this.settingsBook.get(room); }
  leave(room: string): Promise<AckFrame> { return this.request({ type: "leave", room }) as Promise<AckFrame>; }
  edit(stream: string, seq: number, text: string): Promise<AckFrame> {
    return this.request({ type: "edit", stream, seq, text, cmid: newCmid() }) as Promise<AckFrame>;
  }
  delete(stream: string, seq: number): Promise<AckFrame> {
    return this.request({ type: "delete", stream, seq, cmid: newCmid() }) as Promise<AckFrame>;
  }
  /** A page of a stream: `before` (older, newest page by default) or `after` (newer). */
  history(stream: string, page: { before?: number; after?: number; limit?: number } = {}): Promise<PageFrame> {
    return this.request({ type: "history", stream, ...page }) as Promise<PageFrame>;
  }
  /** Moves my read cursor (synced to my other devices). */
  read(stream: string, seq: number): Promise<AckFrame> { return this.request({ type: "read", stream, seq }) as Promise<AckFrame>; }
  rooms(): Promise<RoomListFrame> { return this.request({ type: "rooms" }) as Promise<RoomListFrame>; }
  who(room: string): Promise<PresenceFrame> { return this.request({ type: "who", room }) as Promise<PresenceFrame>; }
  /** Adds (`on`) or takes back my reaction to a message. */
  react(stream: string, seq: number, emoji: string, on: boolean): Promise<AckFrame> {
    return this.request({ type: "react", stream, seq, emoji, on, cmid: newCmid() }) as Promise<AckFrame>;
  }
  /** Sets a room's topic ("" clears it); every member sees a `topic` event. */
  setTopic(room: string, text: string): Promise<AckFrame> { return this.request({ type: "topic", room, text }) as Promise<AckFrame>; }
  /** Messages of a stream containing `q`, newest first; pass `next` as `before` to go further back. */
  search(stream: string, q: string, page: { before?: number; limit?: number } = {}): Promise<SearchResultsFrame> {
    return this.request({ type: "search", stream, q, ...page }) as Promise<SearchResultsFrame>;
  }
  /** Whether a name has ever signed in on this server: ask before starting a DM with it. */
  whois(user: string): Promise<UserInfoFrame> { return this.request({ type: "whois", user }) as Promise<UserInfoFrame>; }
  /** Says I am typing (fire and forget; dropped when not live). */
  typing(stream: string): void { if (this.current.name === "live") this.transmit({ type: "typing", stream }); }

  /**
   * Queues a message in the outbox and sends it as soon as the connection is live; `acked`
   * resolves with the durable ack {stream, seq, pos}, or rejects with a CommandError if the
   * server refuses it for good. Survives reconnects and restarts (with persistent storage):
   * the same cmid is re-sent until acked, and the server never appends it twice.
   * `opts.cmid` chooses the cmid (a caller's own idempotency key: a later send with the same one,
   * even from another run, is answered with the original ack and appends nothing).
   */
  send(to: SendTarget, text: string, opts: { cmid?: string } = {}): { cmid: string; acked: Promise<AckFrame> } {
    const item: OutboxItem = { cmid: opts.cmid ?? newCmid(), to, text, createdAt: this.clock.now(), status: "pending" };
    this.outbox.add(item);
    this.persist(true);
    // The same cmid again while the first is unsettled (a caller's own key): both promises settle with the one ack.
    const earlier = this.sendWaiters.get(item.cmid);
    const acked = new Promise<AckFrame>((resolve, reject) => this.sendWaiters.set(item.cmid, {
      resolve: (a) => { earlier?.resolve(a); resolve(a); },
      reject: (e) => { earlier?.reject(e); reject(e); },
    }));
    acked.catch(() => {}); // a caller that ignores the promise must not see an unhandled rejection
    this.emitter.emit("outbox", item);
    if (this.current.name === "live") this.transmitSend(item);
    return { cmid: item.cmid, acked };
  }

  /**
   * Marks everything after `seq` in `stream` as not seen yet, so the next resume replays it.
   * For consumers that stop part-way through what they received (e.g. `tail --count`).
   */
  rewind(stream: string, seq: number): void {
    this.cursors.rewind(stream, seq);
    this.persist(true);
  }

  /** Writes cursors and outbox now (call before a process exits). */
  flush(): void { this.persist(true); }

  private transmitSend(item: OutboxItem): void {
    this.transmit({ type: "send", id: `send:${item.cmid}`, to: item.to, cmid: item.cmid, text: item.text });
  }

  private request(frame: ClientFrame): Promise<ServerFrame> {
    // Accepted once the server has welcomed this connection, also while it replays (gap repair needs that).
    if (!this.ws || !this.welcomed) {
      return Promise.reject(new CommandError("disconnected", `not connected (${this.current.name})`));
    }
    const { id, reply } = this.requests.open(frame.type);
    this.transmit({ ...frame, id } as ClientFrame);
    return reply;
  }

  private transmit(frame: ClientFrame): void {
    try { this.ws?.send(this.codec.encode(frame)); } catch { /* the close handler deals with a dead socket */ }
  }

  // ---------- connection lifecycle ----------

  private setState(next: ConnectionState): void {
    if (!TRANSITIONS[this.current.name].includes(next.name) && this.current.name !== next.name) {
      console.error(`hubbub client: unexpected transition ${this.current.name} -> ${next.name}`);
    }
    this.current = next;
    this.emitter.emit("state", next);
  }

  private open(): void {
    this.clock.clearTimeout(this.retryTimer);
    this.setState({ name: "connecting", attempt: this.attempt });
    let ws: SocketLike;
    try {
      const factory: SocketFactory = this.opts.socket ?? ((u, p) => new WebSocket(u, p) as unknown as SocketLike);
      ws = factory(socketUrl(this.opts.url), [SUBPROTOCOLS[this.encoding]]);
    } catch (e) {
      return this.scheduleReconnect({ code: CloseCode.Abnormal, reason: (e as Error).message });
    }
    this.ws = ws;
    this.welcomed = false;
    // Until the welcome, the watchdog bounds the whole handshake (socket open + hello answered).
    // The handshake's bound is the client's own interval, not the last server's heartbeat (25 s by default: 75 s).
    this.beat = new Heartbeat(this.clock, { intervalMs: this.heartbeatMs, onDead: () => this.drop(CloseCode.HeartbeatTimeout, "no answer from the server") });
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.beat?.touch();
      this.setState({ name: "syncing" });
      const cursors = this.cursors.all();
      this.resuming = Object.keys(cursors).length > 0;
      this.transmit({
        type: "hello", id: "hello", user: this.opts.user, token: this.opts.token, device: this.device, client: this.opts.client,
        cursors: this.resuming ? cursors : undefined,
        ...(this.opts.presence === false ? { presence: false } : {}),
        batch: true,
      });
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      this.beat?.touch();
      let frame: ServerFrame;
      try { frame = this.codec.decode(m.data as string | ArrayBuffer) as ServerFrame; } catch {
        return this.emitter.emit("unexpected", { reason: "a frame that does not decode" });
      }
      if (!isServerFrameType(frame)) return this.emitter.emit("unexpected", { reason: "a frame of no hubbub type" });
      this.onFrame(frame);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.onClosed(e.code, e.reason);
    };
    ws.onerror = () => { /* always followed by close */ };
  }

  /** Everything tied to the connection that just ended: timers, waiting commands, repairs. */
  private endConnection(why: string): void {
    this.welcomed = false;
    this.beat?.stop();
    this.beat = undefined;
    this.delivery.reset();
    this.requests.failAll(why);
    for (const t of this.resendTimers.values()) this.clock.clearTimeout(t);
    this.resendTimers.clear();
    this.persist(true);
  }

  private onClosed(code: number, reason: string): void {
    const wasLiveSince = this.current.name === "live" ? this.current.since : undefined;
    this.endConnection(`connection closed (${code})`);
    if (!this.wantOpen) return;
    const advice = closeAdvice(code);
    if (advice === "stop") {
      this.wantOpen = false;
      this.listen(false);
      this.setState({ name: "stopped", reason: reason || `closed with ${code}`, code });
      return;
    }
    if (wasLiveSince !== undefined && this.clock.now() - wasLiveSince >= (this.opts.stableMs ?? 30_000)) this.attempt = 0;
    this.scheduleReconnect({ code, reason }, advice === "reconnect-now");
  }

  private scheduleReconnect(lastClose: { code: number; reason: string }, now = false): void {
    const delay = now ? 0 : backoffDelay(this.attempt, this.random, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.attempt += 1;
    this.setState({ name: "reconnecting", attempt: this.attempt, nextAttemptAt: this.clock.now() + delay, lastClose });
    this.retryTimer = this.clock.setTimeout(() => { if (this.wantOpen) this.open(); }, delay);
  }

  /** Gives up on the current socket (it may not know it is dead yet) and goes reconnecting. */
  private drop(code: number, reason: string): void {
    const ws = this.ws;
    if (!ws || !this.wantOpen) return;
    this.ws = undefined;
    try { ws.close(code === CloseCode.Abnormal ? CloseCode.HeartbeatTimeout : code, reason); } catch { /* already gone */ }
    this.onClosed(code, reason);
  }

  private readonly onOnline = () => this.retryNow();
  // A browser that knows it is offline is right: do not wait three heartbeats to notice.
  private readonly onOffline = () => this.drop(CloseCode.Abnormal, "the browser went offline");
  private readonly onVisible = () => { if (this.signals.document?.visibilityState === "visible") this.retryNow(); };

  /** Browsers: come back at once when the network or the tab does, instead of waiting out the backoff. */
  private listen(on: boolean): void {
    if (on === this.listening) return;
    this.listening = on;
    const s = this.signals;
    const f = on ? s.addEventListener?.bind(s) : s.removeEventListener?.bind(s);
    f?.("online", this.onOnline);
    f?.("offline", this.onOffline);
    f?.("visibilitychange", this.onVisible);
  }

  // ---------- frames ----------

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "welcome": return this.onWelcome(f);
      case "synced":
        this.setState({ name: "live", since: this.clock.now() });
        this.emitter.emit("synced", undefined);
        for (const item of this.outbox.pending()) this.transmitSend(item);
        return;
      case "event": return this.delivery.accept(f);
      // Several events of one stream (this client says `batch: true` in its hello): each as its own `event`.
      case "events": for (const e of f.events) this.delivery.accept(eventFrame(e)); return;
      case "ack": case "error": case "page": case "room_list": case "pong": case "user_info": case "search_results": case "room_settings": return this.onReply(f);
      case "presence": if (f.id !== undefined) this.onReply(f); this.emitter.emit("presence", f); return;
      case "typing": this.emitter.emit("typing", f); return;
      case "truncated":
        this.cursors.advance({ stream: f.stream, seq: f.first - 1 });
        this.persist(false);
        this.emitter.emit("truncated", f);
        return;
      default: return unreachable(f, "server frame");
    }
  }

  private onWelcome(w: WelcomeFrame): void {
    const epochChanged = this.saved.epoch !== undefined && this.saved.epoch !== w.epoch;
    this.saved.epoch = w.epoch;
    if (epochChanged && this.resuming) {
      // Another log: my cursors mean nothing there. Forget them and start fresh.
      this.cursors.clear();
      this.persist(true);
      this.drop(CloseCode.ServerRestart, "the server's log was replaced");
      return;
    }
    this.welcome = w;
    this.welcomed = true;
    // A fresh start is not replayed: begin each stream at its head. A resume leaves streams I
    // have no cursor for alone: the server replays them from where I joined.
    if (!this.resuming) for (const s of w.streams) this.cursors.initialise(s.stream, s.head);
    this.persist(true);
    this.beat?.stop();
    this.beat = new Heartbeat(this.clock, {
      intervalMs: w.heartbeatMs,
      ping: () => this.transmit({ type: "ping", t: this.clock.now() }),
      // The server sends a heartbeat every interval; a ping goes only after one and a half
      // intervals of silence (a server that sends none, or a late one), so a connection to a
      // heartbeating server sends nothing while idle.
      pingWhenSilentMs: w.heartbeatMs * 1.5,
      // Silent for two intervals: the socket may not know yet, but this connection is dead
      // (50 s with the server's default 25 s).
      deadAfter: 2,
      onDead: () => this.drop(CloseCode.HeartbeatTimeout, "heartbeat timeout"),
    });
    this.emitter.emit("welcome", w);
  }

  /** An event past dedupe and gap repair: the cursor includes it. */
  private delivered(e: EventFrame): void {
    this.persist(false);
    // My own message seen in the log (e.g. replayed after the ack was lost): it is sent.
    if (e.cmid !== undefined && e.author === this.me()) this.settleSent(e.cmid, { type: "ack", id: `send:${e.cmid}`, stream: e.stream, seq: e.seq, pos: e.pos });
    // A room I left: forget its cursor, so a later resume starts from where I rejoin, not from here.
    if (e.kind === "room_left" && e.stream === userStream(this.me())) {
      this.cursors.forget(roomStream(String(e.body.room)));
      this.settingsBook.forget(String(e.body.room));
    }
    const settings = this.settingsBook.apply(e);
    this.emitter.emit("event", e);
    if (settings) this.emitter.emit("room_settings", settings);
  }

  private me(): string { return this.welcome?.user ?? this.opts.user ?? ""; }

  private onReply(f: ServerFrame): void {
    const id = "id" in f && f.id !== undefined ? String(f.id) : undefined;
    if (id?.startsWith("send:")) return this.onSendReply(id.slice(5), f);
    if (id !== undefined && id !== "hello" && this.requests.settle(id, f)) return;
    if (f.type === "error") this.emitter.emit("error", f);
  }

  private onSendReply(cmid: string, f: ServerFrame): void {
    if (f.type === "ack") return this.settleSent(cmid, f);
    if (f.type !== "error") return;
    if (RETRYABLE_ERRORS.has(f.code)) {
      // Try again a little later on this connection (a new one re-sends everything anyway);
      // the cmid keeps it idempotent.
      if (this.resendTimers.has(cmid)) return;
      this.resendTimers.set(cmid, this.clock.setTimeout(() => {
        this.resendTimers.delete(cmid);
        const item = this.outbox.get(cmid);
        if (item && this.current.name === "live") this.transmitSend(item);
      }, 1000 + this.random() * 1000));
      return;
    }
    const done = this.outbox.settle(cmid, { status: "failed", error: { code: f.code, message: f.message } });
    if (!done) return;
    this.persist(true);
    this.emitter.emit("outbox", done);
    const waiter = this.sendWaiters.get(cmid);
    this.sendWaiters.delete(cmid);
    waiter?.reject(new CommandError(f.code, f.message));
  }

  /** Settles an outbox item once, by its ack or by its event, whichever comes first. */
  private settleSent(cmid: string, ack: AckFrame): void {
    const done = this.outbox.settle(cmid, { status: "sent", stream: ack.stream, seq: ack.seq });
    if (!done) return;
    this.persist(true);
    this.emitter.emit("outbox", done);
    const waiter = this.sendWaiters.get(cmid);
    this.sendWaiters.delete(cmid);
    waiter?.resolve(ack);
  }

  // ---------- persistence ----------

  /** Cursors move on every event, so their saves are batched; outbox changes are saved at once. */
  private persist(now: boolean): void {
    const write = () => {
      this.saveTimer = undefined;
      this.storage.save({ ...this.saved, cursors: this.cursors.all(), outbox: this.outbox.toJSON() });
    };
    if (now) {
      this.clock.clearTimeout(this.saveTimer);
      write();
    } else if (this.saveTimer === undefined) {
      this.saveTimer = this.clock.setTimeout(write, 200);
    }
  }
}
