/**
 * The hubbub client: one connection to a server that survives everything a network does.
 * It reconnects with backoff, resumes from its cursors (the server replays what was missed),
 * drops duplicates and repairs gaps, keeps an outbox of unacknowledged sends that it re-sends
 * after every resume, and declares a silent connection dead after three heartbeats.
 * Runtime-neutral: only web-standard APIs (WebSocket, setTimeout, crypto.randomUUID).
 */
import {
  RETRYABLE_ERRORS, SUBPROTOCOLS, closeAdvice, codecFor,
  type AckFrame, type ClientFrame, type Codec, type Encoding, type ErrorCode, type ErrorFrame, type EventFrame,
  type PageFrame, type PresenceFrame, type RoomListFrame, type SendTarget, type ServerFrame, type TruncatedFrame,
  type TypingEventFrame, type WelcomeFrame,
} from "../protocol/index.ts";
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from "./backoff.ts";
import { CursorBook } from "./cursors.ts";
import { Emitter } from "./emitter.ts";
import { Outbox, type OutboxItem } from "./outbox.ts";
import { TRANSITIONS, type ConnectionState } from "./state.ts";
import { memoryStorage, type ClientStorage, type SavedState } from "./storage.ts";

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The subset of the WebSocket API the client uses, so tests can pass a fake. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

export interface ClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 (ws:// also accepted); `/ws` is appended. */
  url: string;
  /** User name (dev auth) … */
  user?: string;
  /** … or an HS256 JWT (when the server requires tokens). */
  token?: string;
  /** Client kind shown in presence: "web", "cli", … */
  client: string;
  /** Stable per device; generated and stored if absent. */
  device?: string;
  encoding?: Encoding;
  storage?: ClientStorage;
  socket?: SocketFactory;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffOptions;
  /** A connection live this long resets the backoff. */
  stableMs?: number;
  /** Timeout for commands that expect a reply (not sends: those wait in the outbox). */
  requestTimeoutMs?: number;
}

export interface ClientEvents extends Record<string, unknown> {
  state: ConnectionState;
  welcome: WelcomeFrame;
  synced: void;
  event: EventFrame;
  presence: PresenceFrame;
  typing: TypingEventFrame;
  truncated: TruncatedFrame;
  gap: { stream: string; from: number; to: number };
  outbox: OutboxItem;
  error: ErrorFrame;
}

interface Pending { resolve: (f: ServerFrame) => void; reject: (e: Error) => void; timer: unknown }

export class CommandError extends Error {
  constructor(readonly code: ErrorCode | "disconnected" | "timeout", message: string) { super(message); }
}

export class HubbubClient {
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly codec: Codec;
  private readonly encoding: Encoding;
  private readonly storage: ClientStorage;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly cursors: CursorBook;
  private readonly outbox: Outbox;
  private readonly sendWaiters = new Map<string, { resolve: (a: AckFrame) => void; reject: (e: Error) => void }>();
  private readonly pending = new Map<string, Pending>();
  private saved: SavedState;
  private ws: SocketLike | undefined;
  private current: ConnectionState = { name: "idle" };
  private attempt = 0;
  private nextId = 1;
  private retryTimer: unknown;
  private heartbeatTimer: unknown;
  private saveTimer: unknown;
  private lastTraffic = 0;
  private heartbeatMs = 10_000;
  private repairing = new Set<string>();
  private held = new Map<string, EventFrame[]>();
  private wantOpen = false;
  /** The last welcome: who I am, my streams with heads and unread counts, my read cursors. */
  welcome: WelcomeFrame | undefined;
  readonly device: string;

  constructor(private readonly opts: ClientOptions) {
    this.encoding = opts.encoding ?? "json";
    this.codec = codecFor(this.encoding);
    this.storage = opts.storage ?? memoryStorage();
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.saved = this.storage.load() ?? { cursors: {}, outbox: [] };
    this.device = opts.device ?? this.saved.device ?? `${opts.client}-${crypto.randomUUID().slice(0, 8)}`;
    this.saved.device = this.device;
    this.cursors = new CursorBook(this.saved.cursors);
    this.outbox = new Outbox(this.saved.outbox);
    this.persist(true);
    const g = globalThis as { addEventListener?: (n: string, f: () => void) => void; document?: { visibilityState?: string } };
    // Browsers: come back at once when the network or the tab does, instead of waiting out the backoff.
    g.addEventListener?.("online", () => this.retryNow());
    // A browser that knows it is offline is right: do not wait three heartbeats to notice.
    g.addEventListener?.("offline", () => this.drop(1006, "the browser went offline"));
    g.addEventListener?.("visibilitychange", () => { if (g.document?.visibilityState === "visible") this.retryNow(); });
  }

  get state(): ConnectionState { return this.current; }
  on<K extends keyof ClientEvents>(name: K, fn: (v: ClientEvents[K]) => void): () => void { return this.emitter.on(name, fn); }
  /** My cursor per stream (last seq seen). */
  cursorsNow() { return this.cursors.all(); }
  /** Sends not acknowledged yet (including ones restored from storage). */
  pendingSends(): OutboxItem[] { return this.outbox.pending(); }

  connect(): void {
    this.wantOpen = true;
    if (this.current.name === "idle" || this.current.name === "stopped" || this.current.name === "reconnecting") this.open();
  }

  /** Closes for good (until connect() again). Pending sends stay in the outbox. */
  close(): void {
    this.wantOpen = false;
    this.clock.clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, "client closed");
    this.failPending("disconnected", "the client was closed");
    this.persist(true);
    this.setState({ name: "stopped", reason: "closed by the client" });
  }

  // ---------- commands ----------

  join(room: string): Promise<AckFrame> { return this.request({ type: "join", room }) as Promise<AckFrame>; }
  leave(room: string): Promise<AckFrame> { return this.request({ type: "leave", room }) as Promise<AckFrame>; }
  edit(stream: string, seq: number, text: string): Promise<AckFrame> {
    return this.request({ type: "edit", stream, seq, text, cmid: crypto.randomUUID() }) as Promise<AckFrame>;
  }
  delete(stream: string, seq: number): Promise<AckFrame> {
    return this.request({ type: "delete", stream, seq, cmid: crypto.randomUUID() }) as Promise<AckFrame>;
  }
  history(stream: string, page: { before?: number; after?: number; limit?: number } = {}): Promise<PageFrame> {
    return this.request({ type: "history", stream, ...page }) as Promise<PageFrame>;
  }
  read(stream: string, seq: number): Promise<AckFrame> { return this.request({ type: "read", stream, seq }) as Promise<AckFrame>; }
  rooms(): Promise<RoomListFrame> { return this.request({ type: "rooms" }) as Promise<RoomListFrame>; }
  who(room: string): Promise<PresenceFrame> { return this.request({ type: "who", room }) as Promise<PresenceFrame>; }
  typing(stream: string): void { if (this.current.name === "live") this.transmit({ type: "typing", stream }); }

  /**
   * Queues a message in the outbox and sends it as soon as the connection is live; resolves
   * with the durable ack. Survives reconnects and restarts (with persistent storage): the
   * same cmid is re-sent until acked, and the server never appends it twice.
   */
  send(to: SendTarget, text: string): { cmid: string; acked: Promise<AckFrame> } {
    const item: OutboxItem = { cmid: crypto.randomUUID(), to, text, createdAt: this.clock.now(), status: "pending" };
    this.outbox.add(item);
    this.persist(true);
    this.emitter.emit("outbox", item);
    const acked = new Promise<AckFrame>((resolve, reject) => this.sendWaiters.set(item.cmid, { resolve, reject }));
    acked.catch(() => {}); // a caller that ignores the promise must not see an unhandled rejection
    if (this.current.name === "live") this.transmitSend(item);
    return { cmid: item.cmid, acked };
  }

  private transmitSend(item: OutboxItem): void {
    this.transmit({ type: "send", id: `send:${item.cmid}`, to: item.to, cmid: item.cmid, text: item.text });
  }

  private request(frame: ClientFrame): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      if (this.current.name !== "live") return reject(new CommandError("disconnected", `not connected (${this.current.name})`));
      const id = `r${this.nextId++}`;
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandError("timeout", `no reply to ${frame.type} in time`));
      }, this.opts.requestTimeoutMs ?? 10_000);
      this.pending.set(id, { resolve, reject, timer });
      this.transmit({ ...frame, id } as ClientFrame);
    });
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

  private socketUrl(): string {
    const base = this.opts.url.replace(/^http/, "ws").replace(/\/+$/, "");
    return base.endsWith("/ws") ? base : `${base}/ws`;
  }

  private open(): void {
    this.clock.clearTimeout(this.retryTimer);
    this.setState({ name: "connecting", attempt: this.attempt });
    let ws: SocketLike;
    try {
      const factory: SocketFactory = this.opts.socket ?? ((u, p) => new WebSocket(u, p) as unknown as SocketLike);
      ws = factory(this.socketUrl(), [SUBPROTOCOLS[this.encoding]]);
    } catch (e) {
      return this.scheduleReconnect({ code: 1006, reason: (e as Error).message });
    }
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.lastTraffic = this.clock.now();
      this.setState({ name: "syncing" });
      const resume = Object.keys(this.cursors.all()).length > 0;
      this.transmit({
        type: "hello", id: "hello", user: this.opts.user, token: this.opts.token, device: this.device, client: this.opts.client,
        cursors: resume ? this.cursors.all() : undefined,
      });
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      this.lastTraffic = this.clock.now();
      let frame: ServerFrame;
      try { frame = this.codec.decode(m.data as string | ArrayBuffer) as ServerFrame; } catch { return; }
      this.onFrame(frame);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.onClosed(e.code, e.reason);
    };
    ws.onerror = () => {};
  }

  private onClosed(code: number, reason: string): void {
    this.stopHeartbeat();
    this.failPending("disconnected", `connection closed (${code})`);
    this.persist(true);
    if (!this.wantOpen) return;
    const advice = closeAdvice(code);
    if (advice === "stop") {
      this.wantOpen = false;
      this.setState({ name: "stopped", reason: reason || `closed with ${code}`, code });
      return;
    }
    if (this.current.name === "live" && this.clock.now() - this.current.since >= (this.opts.stableMs ?? 30_000)) this.attempt = 0;
    this.scheduleReconnect({ code, reason }, advice === "reconnect-now");
  }

  private scheduleReconnect(lastClose: { code: number; reason: string }, now = false): void {
    const delay = now ? 0 : backoffDelay(this.attempt, this.random, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.attempt += 1;
    this.setState({ name: "reconnecting", attempt: this.attempt, nextAttemptAt: this.clock.now() + delay, lastClose });
    this.retryTimer = this.clock.setTimeout(() => { if (this.wantOpen) this.open(); }, delay);
  }

  /** Try at once (the browser says the network or the tab is back). */
  retryNow(): void {
    if (this.wantOpen && this.current.name === "reconnecting") this.open();
  }

  private failPending(code: "disconnected", message: string): void {
    for (const [id, p] of this.pending) {
      this.clock.clearTimeout(p.timer);
      p.reject(new CommandError(code, message));
      this.pending.delete(id);
    }
  }

  // ---------- heartbeat ----------

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const tick = () => {
      if (this.clock.now() - this.lastTraffic > 3 * this.heartbeatMs) {
        // Silent for three intervals: the socket may not know yet, but this connection is dead.
        this.drop(4103, "heartbeat timeout");
        return;
      }
      this.transmit({ type: "ping", t: this.clock.now() });
      this.heartbeatTimer = this.clock.setTimeout(tick, this.heartbeatMs);
    };
    this.heartbeatTimer = this.clock.setTimeout(tick, this.heartbeatMs);
  }

  private stopHeartbeat(): void { this.clock.clearTimeout(this.heartbeatTimer); }

  /** Gives up on the current socket (it may not know it is dead yet) and goes reconnecting. */
  private drop(code: number, reason: string): void {
    const ws = this.ws;
    if (!ws || !this.wantOpen) return;
    this.ws = undefined;
    try { ws.close(code === 1006 ? 4103 : code, reason); } catch { /* already gone */ }
    this.onClosed(code, reason);
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
      case "event": return this.onEvent(f);
      case "ack": return this.onReply(f);
      case "error": return this.onReply(f);
      case "page": case "room_list": case "pong": return this.onReply(f);
      case "presence": if (f.id !== undefined) this.onReply(f); this.emitter.emit("presence", f); return;
      case "typing": this.emitter.emit("typing", f); return;
      case "truncated":
        this.cursors.advance({ stream: f.stream, seq: f.first - 1 } as EventFrame);
        this.emitter.emit("truncated", f);
        return;
    }
  }

  private onWelcome(w: WelcomeFrame): void {
    if (this.saved.epoch && this.saved.epoch !== w.epoch) {
      // Another log: my cursors mean nothing there. Forget them and start fresh.
      this.cursors.clear();
      this.saved.epoch = w.epoch;
      this.persist(true);
      this.ws?.close(4201, "new epoch");
      return;
    }
    this.saved.epoch = w.epoch;
    this.welcome = w;
    this.heartbeatMs = w.heartbeatMs;
    // A fresh start is not replayed: begin each stream at its head.
    for (const s of w.streams) this.cursors.initialise(s.stream, s.head);
    this.persist(true);
    this.startHeartbeat();
    this.emitter.emit("welcome", w);
  }

  private onEvent(e: EventFrame): void {
    if (this.repairing.has(e.stream)) {
      this.held.get(e.stream)?.push(e);
      return;
    }
    const verdict = this.cursors.judge(e, this.welcome?.user ?? this.opts.user ?? "");
    if (verdict === "duplicate") return;
    if (verdict === "gap") return void this.repair(e);
    this.cursors.advance(e);
    this.persist(false);
    this.emitter.emit("event", e);
  }

  /** Fetches what is missing before `e` with `history`, then delivers it and what arrived meanwhile, in order. */
  private async repair(e: EventFrame): Promise<void> {
    const from = this.cursors.get(e.stream) ?? 0;
    this.emitter.emit("gap", { stream: e.stream, from: from + 1, to: e.seq - 1 });
    this.repairing.add(e.stream);
    this.held.set(e.stream, [e]);
    try {
      let after = from;
      while (after < e.seq - 1) {
        const page = await this.history(e.stream, { after, limit: Math.min(500, e.seq - 1 - after) });
        if (page.events.length === 0) break;
        for (const x of page.events) {
          if (this.cursors.judge({ ...x }, this.welcome?.user ?? "") !== "duplicate") {
            this.cursors.advance(x);
            this.emitter.emit("event", { type: "event", ...x });
          }
        }
        after = page.events[page.events.length - 1]!.seq;
      }
    } catch {
      // Disconnected mid-repair: the resume after reconnect replays from the cursor anyway.
    } finally {
      this.repairing.delete(e.stream);
      const held = this.held.get(e.stream) ?? [];
      this.held.delete(e.stream);
      for (const x of held) this.onEvent(x);
    }
  }

  private onReply(f: ServerFrame): void {
    const id = "id" in f ? f.id : undefined;
    if (typeof id === "string" && id.startsWith("send:")) return this.onSendReply(id.slice(5), f);
    if (id === "hello" && f.type === "error") {
      this.emitter.emit("error", f);
      return;
    }
    const p = id === undefined ? undefined : this.pending.get(String(id));
    if (!p) {
      if (f.type === "error") this.emitter.emit("error", f);
      return;
    }
    this.pending.delete(String(id));
    this.clock.clearTimeout(p.timer);
    if (f.type === "error") p.reject(new CommandError(f.code, f.message));
    else p.resolve(f);
  }

  private onSendReply(cmid: string, f: ServerFrame): void {
    const waiter = this.sendWaiters.get(cmid);
    if (f.type === "ack") {
      const done = this.outbox.settle(cmid, { status: "sent", stream: f.stream, seq: f.seq });
      if (!done) return;
      this.persist(true);
      this.emitter.emit("outbox", done);
      this.sendWaiters.delete(cmid);
      waiter?.resolve(f);
    } else if (f.type === "error") {
      if (RETRYABLE_ERRORS.has(f.code)) {
        // Try again a little later; the cmid keeps it idempotent.
        this.clock.setTimeout(() => {
          const item = this.outbox.get(cmid);
          if (item && this.current.name === "live") this.transmitSend(item);
        }, 1000 + this.random() * 1000);
        return;
      }
      const done = this.outbox.settle(cmid, { status: "failed", error: { code: f.code, message: f.message } });
      if (!done) return;
      this.persist(true);
      this.emitter.emit("outbox", done);
      this.sendWaiters.delete(cmid);
      waiter?.reject(new CommandError(f.code, f.message));
    }
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
}
