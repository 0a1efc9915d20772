/**
 * One actor per WebSocket connection. It speaks the protocol with one client: hello and
 * authentication, replay of what the client missed, routing commands to room and user actors,
 * and everything sent back on this socket.
 *
 * Gap-free resume rests on one rule: a delivery group (topic) is joined in the same synchronous
 * block that sends the last part of its replay. Commit-then-publish is also one synchronous
 * block (see journal.ts), so every event is either already in the log when that block reads it,
 * or is published after the subscription: never both, never neither.
 *
 * Frames for this client are queued and written once per turn in one corked batch (a syscall
 * per ack was the largest cost under load); the queue is flushed before subscribing, so the
 * replay is on the wire before anything the topic brings.
 */
import {
  BROADCAST_STREAM, CloseCode, ErrorCode, eventFrame, parseStream, roomStream, userStream,
  type ClientFrame, type Codec, type CommandId, type Encoding, type EventData, type HelloFrame,
  type HistoryFrame, type RoomSummary, type SearchFrame, type ServerFrame, type StreamInfo, type WireData, unreachable,
} from "../protocol/index.ts";
import { isKnownUser, isMember, readCursor, roomsOf } from "../projections/projection.ts";
import { unreadMentions } from "../projections/mentions.ts";
import { Actor, type MailboxLimits } from "./mailbox.ts";
import type { ActorContext } from "./context.ts";
import type { Connected, ConnectionMessage, Postable, RoomMessage } from "./messages.ts";
import { type Socket, topicFor } from "../fanout/ports.ts";
import { AppendError } from "./journal.ts";
import { errorFrame } from "./replies.ts";
import { BROADCAST_GROUP, roomGroup, userGroup } from "./topics.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { SharedFrame } from "./shared-frame.ts";
import { searchStream } from "./search.ts";
import { describeAccess, mayDiscover } from "../projections/room-access.ts";

/** Per connection: each search reads up to SEARCH_SCAN events. */
const SEARCHES_PER_SECOND = 2;
const SEARCH_BURST = 5;

/** Replay is sent in pages of this many events; between pages the actor waits for the socket to drain. */
const PAGE = 1000;
/** What one replay page aims at, in bytes sent (pages shrink for big events, never below MIN_PAGE events). */
const REPLAY_PAGE_BYTES = 512 * 1024;
const MIN_PAGE = 50;
/** Replay pauses while more than this many bytes wait to be written to the socket. */
const REPLAY_HIGH_WATER = 1 << 20;

/**
 * Streams a hello describes (welcome), follows or announces presence in between two takes from
 * the hub's per-turn hello budget (`helloWork`): the budget, shared by every connection, bounds
 * each event-loop turn whatever the number of hellos and rooms.
 */
const WELCOME_CHUNK = 16;

/** A `room_list` names at most this many rooms. */
export const ROOM_LIST_MAX = 1000;

/** Unread counts in `welcome` stop at this; clients show it as "1000+". */
export const UNREAD_CAP = 1000;

/** Shared by every connection in no room. It stays empty: followRoom replaces it before the first push. */
const NO_ROOMS: string[] = [];

const CONNECTION_MAILBOX: MailboxLimits = { capacity: 1000, overflow: "reject" };

let nextConnectionId = 1;

export class ConnectionActor extends Actor<ConnectionMessage> implements Connected {
  readonly id = nextConnectionId++;
  user = "";
  device = "";
  client = "";
  /** false when the hello said `presence: false` (a one-shot command): never announced in a room. */
  private announce = true;
  /** true when the hello said `batch: true`: the client takes `events` frames, and this socket follows the batch topics; undefined before hello. */
  batch: boolean | undefined;
  private phase: "new" | "greeting" | "live" | "closed" = "new";
  /**
   * Delivery groups this socket is subscribed to. An array, not a Set: it holds two or three
   * entries on most connections, and a Set's table costs several times that on every one.
   */
  private readonly groups: string[] = [];
  /**
   * Rooms followed or being replayed. An array, not a Set, like `groups`: a Set's table cost
   * ~0.4 KB on every joined connection (heap census, 2,000 connections in rooms of 100), and a
   * lookup here is rare (hello, join, leave) and bounded by --max-rooms-per-user. Most
   * connections of a big server sit in no room, so the array is made on the first.
   */
  private rooms: string[] = NO_ROOMS;
  /** Dropped once hello arrives: a cleared timer kept in a field would live as long as the connection. */
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private overLimitLastSweep = false;
  /** Frames encoded this turn, not yet written; made on the first frame of a turn. */
  private outbound: WireData[] | undefined;
  /** Bytes in `outbound`: history waits on them as on the socket's own backlog. */
  private outboundBytes = 0;
  private flushScheduled = false;

  constructor(private readonly socket: Socket, private readonly codec: Codec, private readonly hub: ActorContext) {
    super();
    const { helloTimeoutMs } = hub.config;
    this.helloTimer = setTimeout(() => {
      if (this.phase === "new") { this.hub.metrics.hellos.timeout.inc(); this.closeSocket(CloseCode.HelloTimeout, "no hello in time"); }
    }, helloTimeoutMs);
    hub.addConnection(this);
  }

  get encoding(): Encoding { return this.socket.encoding; }
  /** Messages waiting in this connection's mailbox (metrics). */
  get queued(): number { return this.waiting; }
  protected get limits(): MailboxLimits { return CONNECTION_MAILBOX; }

  /** For the mailbox only. */
  failed(e: unknown, m: ConnectionMessage): void {
    this.hub.logger.error(`connection ${this.id} failed on ${m.kind}`, e, { event: "actor.failed", actor: "connection", conn: this.id, on: m.kind });
    if (m.kind === "frame") this.deliver(errorFrame(m.frame.type === "typing" ? undefined : m.frame.id, ErrorCode.Internal, "the server failed on this command"));
  }

  private stopHelloTimer(): void {
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
  }

  post(m: ConnectionMessage): void {
    if (this.phase === "closed" && m.kind !== "closed") return;
    if (this.enqueue(m) === "rejected") this.closeSocket(CloseCode.Flood, "too many frames in flight");
  }

  /** Queue a frame for this client, after anything already queued for it. */
  reply(frame: ServerFrame): void { this.post({ kind: "out", frame }); }
  replyShared(frame: SharedFrame): void { this.post({ kind: "out", frame }); }

  /** The transport calls this the moment the socket closes. */
  socketClosed(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.stopHelloTimer();
    this.closeMailbox();
    this.cleanup();
  }

  closeSocket(code: number, reason: string): void {
    this.flushOut();
    this.socket.close(code, reason);
    this.socketClosed();
  }

  /**
   * Called by the hub's sweep (see Hub.sweepSlowConsumers). A burst can briefly fill any socket's
   * buffer, so only a backlog still over the limit at two looks in a row counts as a slow
   * consumer (a connection over the limit is looked at again by the very next sweep).
   */
  checkSlow(): "closed" | "over" | "ok" {
    const over = this.phase !== "closed" && this.socket.bufferedAmount() > this.hub.config.slowConsumerBytes;
    const sustained = over && this.overLimitLastSweep;
    this.overLimitLastSweep = over;
    if (!sustained) return over ? "over" : "ok";
    this.closeSocket(CloseCode.SlowConsumer, "slow consumer: reconnect and resume from your cursors");
    return "closed";
  }

  /** A method, not a field test, because the phase changes across awaits. */
  closed(): boolean { return this.phase === "closed"; }

  canRead(stream: string): boolean {
    const s = parseStream(stream);
    if (!s) return false;
    switch (s.kind) {
      case "room": return isMember(this.hub.projection, s.room, this.user);
      case "dm": return s.users[0] === this.user || s.users[1] === this.user;
      case "user": return s.user === this.user;
      case "broadcast": return true;
    }
  }

  /** Queues a frame for this turn's write. */
  private deliver(frame: ServerFrame | SharedFrame): void { this.deliverSized(frame); }

  /** Queues a frame for this turn's write; returns its encoded size (what reads are charged by). */
  private deliverSized(frame: ServerFrame | SharedFrame): number {
    if (this.phase === "closed") return 0;
    let data: WireData;
    if (frame instanceof SharedFrame) data = frame.encode(this.codec);
    else {
      if (frame.type === "error") this.hub.metrics.errors[frame.code].inc();
      data = this.codec.encode(frame);
    }
    (this.outbound ??= []).push(data);
    const size = typeof data === "string" ? data.length : data.byteLength;
    this.outboundBytes += size;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flushOut());
    }
    return size;
  }

  private flushOut(): void {
    this.flushScheduled = false;
    const batch = this.outbound;
    if (batch === undefined) return;
    this.outbound = undefined;
    this.outboundBytes = 0;
    if (this.phase === "closed") return;
    this.socket.sendBatch(batch);
    // What the transport could not write at once makes this connection one the next sweep looks at.
    if (this.socket.bufferedAmount() > 0) this.hub.backlogged(this);
  }

  /** For the mailbox only: one message at a time. */
  receive(m: ConnectionMessage): void | Promise<void> {
    switch (m.kind) {
      case "out": return this.deliver(m.frame);
      case "reject": return this.admit(m.id) ? this.deliver(errorFrame(m.id, m.code, m.message)) : undefined;
      case "frame": return this.admit(m.frame.type === "typing" ? undefined : m.frame.id) ? this.command(m.frame) : undefined;
      case "follow-room": return this.followRoomLive(m.room, m.from, m.joined);
      case "closed": return;
      default: return unreachable(m, "connection message");
    }
  }

  private command(f: ClientFrame): void | Promise<void> {
    if (f.type === "hello") {
      if (this.phase !== "new") return this.deliver(errorFrame(f.id, ErrorCode.AlreadyHello, "this connection already said hello"));
      return this.hello(f);
    }
    if (f.type === "ping") return this.deliver({ type: "pong", id: f.id, t: f.t });
    if (this.phase !== "live") {
      return this.deliver(errorFrame(f.type === "typing" ? undefined : f.id, ErrorCode.HelloRequired, "send hello first"));
    }
    const hub = this.hub;
    switch (f.type) {
      case "join": return hub.roomOrNew(f.room).post({ kind: "join", conn: this, id: f.id, private: f.private === true });
      case "leave": return this.toRoom(f.room, f.id, (r) => r.post({ kind: "leave", conn: this, id: f.id }));
      case "send":
        if ("room" in f.to) return this.toRoom(f.to.room, f.id, (r) => r.post({ kind: "send", conn: this, frame: f }));
        return hub.user(this.user).post({ kind: "dm", conn: this, frame: f, to: f.to.user });
      case "edit":
      case "delete":
      case "react": {
        const s = parseStream(f.stream);
        if (s?.kind === "room") return this.toRoom(s.room, f.id, (r) => r.post({ kind: "change", conn: this, frame: f }));
        if (s?.kind === "dm") return hub.user(this.user).post({ kind: "change", conn: this, frame: f });
        return this.deliver(errorFrame(f.id, ErrorCode.InvalidField, "only messages in rooms and DMs can be changed"));
      }
      case "read": return hub.user(this.user).post({ kind: "read", conn: this, frame: f });
      case "typing": {
        const s = parseStream(f.stream);
        if (s?.kind === "room") return hub.room(s.room)?.post({ kind: "typing", conn: this });
        if (s?.kind === "dm" && this.canRead(f.stream)) return hub.user(this.user).post({ kind: "typing", conn: this, stream: f.stream });
        return;
      }
      case "history": return this.history(f);
      case "search": return this.search(f);
      case "topic": return this.toRoom(f.room, f.id, (r) => r.post({ kind: "topic", conn: this, frame: f }));
      case "rooms": return this.deliver({ type: "room_list", id: f.id, rooms: this.roomList() });
      case "who": return this.toRoom(f.room, f.id, (r) => r.post({ kind: "who", conn: this, id: f.id }));
      case "invite": case "uninvite": case "kick": case "ban": case "unban": case "set_role": case "set_visibility":
        return this.toRoom(f.room, f.id, (r) => r.post({ kind: "moderate", conn: this, frame: f }));
      case "room_info": return this.toRoom(f.room, f.id, (r) => r.post({ kind: "info", conn: this, id: f.id }));
      case "whois": return this.deliver({ type: "user_info", id: f.id, user: f.user, known: isKnownUser(hub.projection, f.user) });
      default: return unreachable(f, "client frame");
    }
  }

  /**
   * Every frame after hello counts against the user's budget, shared by all of the user's
   * connections: pings, refused and malformed frames too, since each costs the server a decode
   * and a reply. (Before hello the transport's small pre-hello budget applies.) A client that
   * keeps sending through a burst's worth of refusals is closed with 4101.
   */
  private admit(id: CommandId | undefined): boolean {
    if (this.user === "") return true;
    const budget = this.hub.budgetOf(this.user);
    if (!budget || budget.take()) return true;
    if (budget.flooding()) this.closeSocket(CloseCode.Flood, "rate limit exceeded repeatedly");
    else this.deliver(errorFrame(id, ErrorCode.RateLimited, `more than ${this.hub.config.rateLimit} frames per second from ${this.user}'s connections; slow down`));
    return false;
  }

  private toRoom(room: string, id: CommandId | undefined, then: (r: Postable<RoomMessage>) => void): void {
    const r = this.hub.room(room);
    if (!r) return this.deliver(errorFrame(id, ErrorCode.UnknownRoom, `there is no room ${room}; join it to create it`));
    then(r);
  }

  // ---------- hello, welcome, replay ----------

  /** A hello that fails half-way (an authenticator or the log throwing) must not leave a half-open session. */
  private async hello(f: HelloFrame): Promise<void> {
    try {
      await this.greet(f);
    } catch (e) {
      this.hub.metrics.hellos.failed.inc();
      this.hub.logger.error(`connection ${this.id} failed on hello`, e, { event: "hello.failed", conn: this.id });
      // A new user's `registered` event refused by a full or failing store: say so, retryably.
      const storing = e instanceof AppendError && e.code === ErrorCode.StoreUnavailable;
      this.deliver(storing ? errorFrame(f.id, e.code, e.message) : errorFrame(f.id, ErrorCode.Internal, "the server failed on hello; reconnect"));
      this.closeSocket(CloseCode.InternalError, "hello failed");
    }
  }

  private async greet(f: HelloFrame): Promise<void> {
    this.stopHelloTimer();
    this.phase = "greeting";
    const t0 = performance.now();
    const auth = await this.hub.authenticate(f);
    if (this.closed()) return;
    if (!auth.ok) {
      this.hub.metrics.hellos.unauthorized.inc();
      this.deliver(errorFrame(f.id, ErrorCode.Unauthorized, auth.message));
      return this.closeSocket(CloseCode.Unauthorized, auth.message.slice(0, 100));
    }
    const registered = this.hub.register(auth.user);
    if (registered) {
      await registered;
      if (this.closed()) return;
    }
    // Cluster mode: first catch up with everything committed on any node before this hello, so
    // cursors handed out by another node are never ahead of this node's replica. Single node: undefined.
    const caughtUp = this.hub.caughtUp();
    if (caughtUp) {
      await caughtUp;
      if (this.closed()) return;
    }
    // Counted from here until cleanup (which runs once `user` is set): a user's devices are bounded.
    if (!this.hub.openSession(auth.user)) {
      return this.closeSocket(CloseCode.UserConnectionLimit, `${auth.user} already has ${this.hub.config.maxConnectionsPerUser} connections open`);
    }
    this.user = auth.user;
    this.device = f.device;
    this.client = f.client;
    this.announce = f.presence !== false;
    // Before the first subscription: every topic of this socket is a batch topic, or none is.
    this.batch = f.batch === true;
    this.hub.greeted(this);
    this.hub.metrics.helloOk(this.encoding, f.client);
    this.hub.user(this.user).post({ kind: "attach", conn: this });

    const p = this.hub.projection;
    const log = this.hub.log;
    const rooms = [...roomsOf(p, this.user)];
    const dms = [...(p.userDms.get(this.user) ?? [])];
    const own = userStream(this.user);
    // Each stream costs a head and an unread count: a user in a thousand rooms is described a
    // chunk per event-loop turn, so one hello never holds the server for all of them at once.
    const streams = [this.info(own, "user", this.user), this.info(BROADCAST_STREAM, "broadcast", "broadcast")];
    for (const [i, r] of rooms.entries()) {
      if (i % WELCOME_CHUNK === 0 && !(await this.paced(rooms.length - i))) return;
      streams.push(this.info(roomStream(r), "room", r));
    }
    for (const [i, d] of dms.entries()) {
      if (i % WELCOME_CHUNK === 0 && !(await this.paced(dms.length - i))) return;
      streams.push(this.info(d, "dm", dmOther(d, this.user)));
    }
    /** What the welcome said each head was: a fresh start follows each stream from exactly there. */
    const heads = new Map(streams.map((s) => [s.stream, s.head]));
    const welcome: ServerFrame = {
      type: "welcome", id: f.id, user: this.user, device: this.device, epoch: log.epoch,
      streams,
      reads: Object.fromEntries(p.reads.get(this.user) ?? []),
      heartbeatMs: this.hub.config.heartbeatMs,
      limits: { maxPayload: this.hub.config.maxPayload, maxText: this.hub.config.maxText },
    };

    const cursors = f.cursors;
    const from = (stream: string, ifMissing: number): number =>
      cursors === undefined ? (heads.get(stream) ?? log.head(stream)) : (cursors[stream] ?? ifMissing);
    const mine = new Map<string, number>([[own, from(own, 0)], ...dms.map((d): [string, number] => [d, from(d, 0)])]);
    const roomsFrom = rooms.map((r) => from(roomStream(r), (p.rooms.get(r)?.get(this.user) ?? 1) - 1));
    if (this.syncAtHead(welcome, mine, from(BROADCAST_STREAM, 0), rooms, roomsFrom)) {
      this.deliver({ type: "synced", id: f.id });
      this.flushOut();
    } else {
      this.deliver(welcome);
      // DMs that start while we replay are picked up in the final synchronous step, from their first event.
      await this.follow(userGroup(this.user), mine, () => (p.userDms.get(this.user) ?? new Set()));
      await this.follow(BROADCAST_GROUP, new Map([[BROADCAST_STREAM, from(BROADCAST_STREAM, 0)]]));
      for (const [i, r] of rooms.entries()) {
        if (i % WELCOME_CHUNK === 0 && !(await this.paced(rooms.length - i))) return;
        await this.followRoom(r, roomsFrom[i]!);
      }
      if (this.closed()) return;
      this.deliver({ type: "synced", id: f.id });
    }
    this.phase = "live";
    this.hub.metrics.resumed(cursors !== undefined, (performance.now() - t0) / 1000);
    if (this.announce) {
      const following = [...this.rooms];
      for (const [i, r] of following.entries()) {
        if (i % WELCOME_CHUNK === 0 && !(await this.paced(following.length - i))) return;
        if (this.rooms.includes(r)) this.hub.room(r)?.post({ kind: "presence-on", conn: this });
      }
    }
  }

  /**
   * The common hello — nothing to replay anywhere (a fresh start, or cursors at every head), at
   * most WELCOME_CHUNK rooms (describing them took their share of the hello budget) — done in one
   * synchronous block: the welcome, every subscription, and then the caller's `synced`, in one
   * write. Rule 2 holds with an empty replay, and nothing can be published between these
   * subscriptions and that write, so no topic frame can overtake the welcome. (The general path
   * writes the welcome before the first subscription: one more write per hello, 9 % of a
   * hello-only profile went to writes.) False, having done nothing, when the hello has
   * anything to replay, including a DM started since it was listed.
   */
  private syncAtHead(welcome: ServerFrame, mine: Map<string, number>, broadcastFrom: number, rooms: string[], roomsFrom: number[]): boolean {
    const log = this.hub.log;
    const p = this.hub.projection;
    if (this.closed() || rooms.length > WELCOME_CHUNK) return false;
    for (const [stream, c] of mine) if (c < log.head(stream)) return false;
    for (const d of p.userDms.get(this.user) ?? []) if (!mine.has(d)) return false;
    if (broadcastFrom < log.head(BROADCAST_STREAM)) return false;
    for (const [i, r] of rooms.entries()) if (roomsFrom[i]! < log.head(roomStream(r)) || !isMember(p, r, this.user)) return false;
    this.deliver(welcome);
    this.subscribe(userGroup(this.user));
    this.subscribe(BROADCAST_GROUP);
    for (const r of rooms) {
      this.addRoom(r);
      this.subscribe(roomGroup(r));
    }
    return true;
  }

  private subscribe(group: string): void {
    if (this.groups.includes(group)) return;
    this.hub.fanout.subscribe(this.socket, topicFor(group, this.socket.encoding, this.batch === true));
    this.groups.push(group);
  }

  /** Waits for room in this turn's shared hello budget for the next chunk (of `left` streams to go); false if the socket closed meanwhile. */
  private async paced(left: number): Promise<boolean> {
    await this.hub.helloWork(Math.min(WELCOME_CHUNK, left));
    return !this.closed();
  }

  private info(stream: string, kind: StreamInfo["kind"], name: string): StreamInfo {
    const log = this.hub.log;
    return {
      stream, kind, name, head: log.head(stream),
      unread: log.countMessagesAfter(stream, readCursor(this.hub.projection, this.user, stream), this.user, UNREAD_CAP),
      // Kept up to date by the projection, so this costs no read of the log.
      mentions: unreadMentions(this.hub.projection, this.user, stream),
    };
  }

  private async followRoom(room: string, from: number): Promise<void> {
    if (this.rooms.includes(room)) return;
    this.addRoom(room);
    const member = () => this.rooms.includes(room) && isMember(this.hub.projection, room, this.user);
    await this.follow(roomGroup(room), new Map([[roomStream(room), from]]), undefined, member);
    // Not subscribed (the user left before or during the replay): forget the room, so a re-join follows it again.
    if (!this.groups.includes(roomGroup(room))) this.forgetRoom(room);
  }

  /** A room joined (on this or another device) while this connection is up. */
  private followRoomLive(room: string, from: number, joined: EventData | undefined): void | Promise<void> {
    if (this.rooms.includes(room) || !isMember(this.hub.projection, room, this.user)) return;
    if (joined !== undefined && joined.seq === from + 1 && this.hub.publishing === joined && this.phase === "live") {
      this.followAtCommit(room, joined);
    } else {
      return this.followRoomThenAnnounce(room, from);
    }
    if (this.announce) this.hub.room(room)?.post({ kind: "presence-on", conn: this });
  }

  private async followRoomThenAnnounce(room: string, from: number): Promise<void> {
    await this.followRoom(room, from);
    // Not following it after all (the user left while it was replayed): not online there either.
    if (this.phase === "live" && this.announce && this.rooms.includes(room)) this.hub.room(room)?.post({ kind: "presence-on", conn: this });
  }

  /**
   * Follows a room from the user's own `joined` event while the commit path is about to publish
   * it (hub.publishing): everything before it in the room is behind the join, and it and
   * everything after it are published after this subscription, so the replay is empty. Rule 2
   * holds without reading the log, and the event reaches this socket through the topic, in the
   * same write as the rest of the turn's events.
   */
  private followAtCommit(room: string, joined: EventData): void {
    const group = roomGroup(room);
    this.addRoom(room);
    if (this.groups.includes(group)) return;
    // The commit holds its events back to send each stream's together (Hub.commitBlock): this
    // socket subscribes when they are published — a plain one right before its own `joined`, a
    // batch one after being handed the commit's events from its `joined` on — in that one block.
    const later = this.hub.followAtFlush(joined.stream, joined.seq, this, (held, final) => {
      if (this.closed() || !this.rooms.includes(room) || this.groups.includes(group)) return;
      if (held === undefined) {
        this.flushOut();
      } else {
        for (const f of held.from(joined.seq)) this.deliver(f);
        // Nothing more of the room goes out in this block when `final`: the frames may wait for
        // this turn's one write (with the join's ack, which follows them); else they go first.
        if (!final) this.flushOut();
      }
      this.subscribe(group);
    });
    if (later) return;
    this.flushOut();
    this.subscribe(group);
  }

  /** Adds `room` to the rooms followed or being replayed (a connection in none shares NO_ROOMS until its first). */
  private addRoom(room: string): void {
    if (this.rooms === NO_ROOMS) this.rooms = [];
    this.rooms.push(room);
  }

  /** Drops `room` from the rooms followed or being replayed; false if it was not there. */
  private forgetRoom(room: string): boolean {
    const at = this.rooms.indexOf(room);
    if (at < 0) return false;
    this.rooms.splice(at, 1);
    return true;
  }

  /**
   * The user left `room` (on any device). Called synchronously from the commit path, not queued:
   * losing read access must not wait behind a replay, or events after the leave could still
   * reach this socket. It touches only this connection's own subscription bookkeeping.
   */
  revokeRoom(room: string): void {
    if (!this.forgetRoom(room)) return;
    const group = roomGroup(room);
    this.hub.fanout.unsubscribe(this.socket, topicFor(group, this.socket.encoding, this.batch === true));
    const at = this.groups.indexOf(group);
    if (at >= 0) this.groups.splice(at, 1);
    this.hub.room(room)?.post({ kind: "presence-off", conn: this });
  }

  /**
   * Replays each stream of a delivery group from its cursor, then joins the group's topic.
   * Large backlogs are paged with pauses for the socket to drain; the last page and the
   * subscription happen in one synchronous block (the rule at the top of this file).
   */
  private async follow(
    group: string,
    cursors: Map<string, number>,
    lateStreams?: () => Iterable<string>,
    allowed: () => boolean = () => true,
  ): Promise<void> {
    if (this.groups.includes(group)) return;
    for (const [stream, from] of cursors) {
      cursors.set(stream, await this.catchUp(stream, from, allowed));
      if (this.closed() || !allowed()) return;
    }
    // The last pages are work too (up to PAGE events a stream): a unit of the shared hello budget
    // per 64 events, so many replays at once share the turns instead of filling one.
    let left = 0;
    for (const [stream, c] of cursors) left += Math.max(0, this.hub.log.head(stream) - c);
    if (left > 64) {
      await this.hub.helloWork(Math.ceil(left / 64));
      if (this.closed()) return;
    }
    // ---- synchronous from here: no await until subscribed ----
    if (!allowed()) return;
    if (lateStreams) for (const s of lateStreams()) if (!cursors.has(s)) cursors.set(s, this.checkKept(s, 0));
    for (const [stream, cursor] of cursors) {
      let c = this.checkKept(stream, cursor);
      for (let page = this.hub.log.readAfter(stream, c, PAGE); page.length > 0; page = this.hub.log.readAfter(stream, c, PAGE)) {
        c = this.sendEvents(page).last;
      }
    }
    this.flushOut();
    this.subscribe(group);
  }

  private async catchUp(stream: string, from: number, allowed: () => boolean): Promise<number> {
    const log = this.hub.log;
    let cursor = this.checkKept(stream, from);
    // Pages are sized by what the last one weighed, so one page (one block: read, encode, write)
    // stays near REPLAY_PAGE_BYTES: 1,000 messages of 4,000 characters would be 4 MB in one block.
    // The first is a quarter page; small events grow it to PAGE at once. What is left for the
    // final synchronous block (follow) is at most one such page.
    let size = PAGE / 4;
    while (log.head(stream) - cursor > size && !this.closed() && allowed()) {
      await this.hub.readWork.room(); // replays share each turn's reads with history and search
      if (this.closed() || !allowed()) break;
      cursor = this.checkKept(stream, cursor); // retention may have pruned while we waited for the socket
      const page = log.readAfter(stream, cursor, size);
      if (page.length === 0) break;
      const sent = this.sendEvents(page);
      cursor = sent.last;
      size = Math.max(MIN_PAGE, Math.min(PAGE, Math.floor((page.length * REPLAY_PAGE_BYTES) / Math.max(1, sent.bytes))));
      // Written now, not at the end of the turn, so the backlog check sees this page too: else
      // the page just queued is not counted, and with no read budget a fast loop can run ahead.
      this.flushOut();
      while (this.socket.bufferedAmount() > REPLAY_HIGH_WATER && !this.closed()) await this.socket.drained();
      // A replay is paid for like history: past the user's read budget it slows to that pace.
      const budget = this.hub.readBudgetOf(this.user);
      while (budget && !budget.inCredit() && !this.closed()) await Bun.sleep(budget.msUntilCredit());
    }
    return cursor;
  }

  /** Says `truncated` when the cursor points before what the log still keeps, and moves it to the first kept event. */
  private checkKept(stream: string, cursor: number): number {
    const head = this.hub.log.head(stream);
    if (cursor > head) return head; // a cursor from the future: the client will notice the epoch
    if (cursor === head) return cursor; // caught up: whatever was pruned, nothing after it is missing
    const first = this.hub.log.first(stream);
    if (cursor >= first - 1) return cursor;
    this.deliver({ type: "truncated", stream, cursor, first });
    return first - 1;
  }

  /** Sends replayed events, charged to the user's read budget; returns the last seq sent and the bytes. */
  private sendEvents(events: EventData[]): { last: number; bytes: number } {
    this.hub.metrics.replayEvents.inc(events.length);
    let bytes = 0;
    for (const e of events) bytes += this.deliverSized(eventFrame(e));
    this.chargeRead(bytes, this.hub.readBudgetOf(this.user));
    return { last: events[events.length - 1]!.seq, bytes };
  }

  // ---------- reads ----------

  /**
   * A page of history. Its cost is charged by the bytes it made the server read and encode (the
   * user's read budget, shared by all of the user's connections), not by request; a page stops
   * at PAGE_BYTES (saying `more`); and the page waits (see `read`) while this socket still has a
   * replay's worth of unsent bytes or this turn's reads are spent, so a burst is paced by the
   * reader and spread over event-loop turns.
   */
  private history(f: HistoryFrame): void | Promise<void> { return this.read(() => this.historyPage(f)); }

  /**
   * Runs a read (history page, search) now if the socket's backlog is low and this event-loop
   * turn has room for reads (`readWork`, shared by all connections); else once both hold. A
   * loopback or fast socket takes every byte at once, so the backlog alone never paused a burst.
   */
  private read(run: () => void): void | Promise<void> {
    if (this.socket.bufferedAmount() + this.outboundBytes <= REPLAY_HIGH_WATER && this.hub.readWork.hasRoom()) return run();
    return this.readLater(run);
  }

  /** Writes what is queued, lets the event loop run once, then waits for the socket's backlog and for a turn with room. */
  private async readLater(run: () => void): Promise<void> {
    this.flushOut();
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.socket.bufferedAmount() > REPLAY_HIGH_WATER && !this.closed()) await this.socket.drained();
    await this.hub.readWork.room();
    if (!this.closed()) run(); // access is checked again: the user may have left meanwhile
  }

  /** What a read (replay page, history page, search) cost: charged to the user's read budget and to this turn's reads. */
  private chargeRead(bytes: number, budget: RateLimiter | undefined): void {
    budget?.spend(bytes);
    this.hub.readWork.spend(bytes);
  }

  /**
   * The checks history and search share: the room exists, this user may read the stream, and the
   * user's read budget is in credit. Answers the refusal itself and returns undefined; otherwise
   * the budget to charge (undefined budget: no read limit configured).
   */
  private readAccess(id: CommandId | undefined, stream: string): { budget: RateLimiter | undefined } | undefined {
    const s = parseStream(stream);
    if (s?.kind === "room" && !this.hub.projection.rooms.has(s.room)) {
      this.deliver(errorFrame(id, ErrorCode.UnknownRoom, `there is no room ${s.room}`));
      return undefined;
    }
    if (!this.canRead(stream)) {
      this.deliver(errorFrame(id, ErrorCode.NotMember, `you cannot read ${stream}`));
      return undefined;
    }
    const budget = this.hub.readBudgetOf(this.user);
    if (budget && !budget.inCredit()) {
      this.deliver(errorFrame(id, ErrorCode.RateLimited, `more than ${this.hub.config.readRateLimit} bytes of history per second for ${this.user}; retry in ${budget.msUntilCredit()} ms`));
      return undefined;
    }
    return { budget };
  }

  private historyPage(f: HistoryFrame): void {
    const access = this.readAccess(f.id, f.stream);
    if (!access) return;
    const { budget } = access;
    const log = this.hub.log;
    const limit = f.limit ?? 50;
    let events: EventData[];
    let more: boolean;
    if (f.after !== undefined) {
      events = readPage(limit, "oldest", (after, n) => log.readAfter(f.stream, after, n), f.after);
      more = events.length > 0 && events[events.length - 1]!.seq < log.head(f.stream);
    } else {
      events = readPage(limit, "newest", (before, n) => log.readBefore(f.stream, before, n), f.before ?? log.head(f.stream) + 1);
      more = events.length > 0 && events[0]!.seq > log.first(f.stream);
    }
    const bytes = this.deliverSized({ type: "page", id: f.id, stream: f.stream, events, more });
    this.chargeRead(bytes, budget);
  }

  /** Searches read up to SEARCH_SCAN events each: a few per second per connection is plenty for a person. */
  private searches: RateLimiter | undefined;
  private search(f: SearchFrame): void | Promise<void> { return this.read(() => this.searchNow(f)); }

  private searchNow(f: SearchFrame): void {
    const access = this.readAccess(f.id, f.stream);
    if (!access) return;
    const { budget } = access;
    if (!(this.searches ??= new RateLimiter(SEARCHES_PER_SECOND, SEARCH_BURST)).take()) {
      return this.deliver(errorFrame(f.id, ErrorCode.RateLimited, `at most ${SEARCHES_PER_SECOND} searches per second; try again shortly`));
    }
    const { events, next, readBytes } = searchStream(this.hub.log, f.stream, f.q, f.before, f.limit ?? 20, this.hub.projection.changes.get(f.stream));
    const sent = this.deliverSized({ type: "search_results", id: f.id, stream: f.stream, q: f.q, events, ...(next === undefined ? {} : { next }) });
    // Charged like history, by what it made the server read (every event scanned) and send.
    this.chargeRead(readBytes + sent, budget);
  }

  /** At most ROOM_LIST_MAX rooms, read one by one: a 20-byte `rooms` frame must not copy every room the server has. */
  private roomList() {
    const p = this.hub.projection;
    const list: RoomSummary[] = [];
    for (const [room, members] of p.rooms) {
      if (list.length === ROOM_LIST_MAX) break;
      const member = members.has(this.user);
      const access = p.access.get(room);
      // A private room is listed only to its members, its owner and the users invited to it.
      if (access !== undefined && !member && !mayDiscover(access, this.user)) continue;
      const topic = p.topics.get(room);
      const summary: RoomSummary = { room, members: members.size, head: this.hub.log.head(roomStream(room)), member, ...(topic ? { topic } : {}) };
      if (access !== undefined) describeAccess(summary, access, this.user);
      list.push(summary);
    }
    return list;
  }

  private cleanup(): void {
    this.hub.removeConnection(this);
    if (!this.user) return;
    this.hub.closeSession(this.user);
    this.hub.user(this.user).post({ kind: "detach", conn: this });
    const rooms = [...this.rooms];
    for (const r of rooms.slice(0, WELCOME_CHUNK)) this.hub.room(r)?.post({ kind: "presence-off", conn: this });
    if (rooms.length > WELCOME_CHUNK) {
      this.leaveLater(rooms).catch((e: unknown) => this.hub.logger.error(`connection ${this.id} failed leaving its rooms`, e, { event: "actor.failed", actor: "connection", conn: this.id }));
    }
  }

  /**
   * Goes offline in the rooms after the first WELCOME_CHUNK, paced by the hello budget like the
   * hello that followed them: 20 connections of a user in 1,000 rooms closing together took
   * 35-100 ms in one event-loop turn (abuse bench, hello with 1,000 rooms; a probe of the loop).
   */
  private async leaveLater(rooms: string[]): Promise<void> {
    for (let i = WELCOME_CHUNK; i < rooms.length; i += WELCOME_CHUNK) {
      const chunk = rooms.slice(i, i + WELCOME_CHUNK);
      await this.hub.helloWork(chunk.length);
      for (const r of chunk) this.hub.room(r)?.post({ kind: "presence-off", conn: this });
    }
  }
}

/** A history page holds about this many bytes at most (at least one event): a 500-event request cannot build megabytes in one go. */
export const PAGE_BYTES = 256 * 1024;

/** What an event costs on the wire, roughly: its strings plus the frame around them. */
function approxBytes(e: EventData): number {
  let n = 100 + e.stream.length + e.author.length + (e.cmid?.length ?? 0);
  for (const v of Object.values(e.body)) n += typeof v === "string" ? v.length : 8;
  return n;
}

/** Events are read in chunks of this many, so a page of big events never reads (much) more than it sends. */
const READ_CHUNK = 50;

/**
 * Up to `limit` events (ascending) and about PAGE_BYTES, read a chunk at a time from `from`
 * towards the end the client pages to: forward (`oldest` first) or back (`newest` first).
 */
function readPage(limit: number, keep: "oldest" | "newest", read: (from: number, n: number) => EventData[], from: number): EventData[] {
  const chunks: EventData[][] = [];
  let count = 0;
  let bytes = 0;
  while (count < limit && bytes <= PAGE_BYTES) {
    const chunk = read(from, Math.min(READ_CHUNK, limit - count));
    if (chunk.length === 0) break;
    chunks.push(chunk);
    count += chunk.length;
    for (const e of chunk) bytes += approxBytes(e);
    from = keep === "oldest" ? chunk[chunk.length - 1]!.seq : chunk[0]!.seq;
    if (chunk.length < Math.min(READ_CHUNK, limit - count + chunk.length)) break;
  }
  const events = keep === "oldest" ? chunks.flat() : chunks.reverse().flat();
  return keepBytes(events, keep);
}

/** The events (ascending) that fit PAGE_BYTES, counted from the end a client pages towards. */
function keepBytes(events: EventData[], keep: "oldest" | "newest"): EventData[] {
  let total = 0;
  if (keep === "oldest") {
    for (let i = 0; i < events.length; i++) {
      total += approxBytes(events[i]!);
      if (total > PAGE_BYTES && i > 0) return events.slice(0, i);
    }
    return events;
  }
  for (let i = events.length - 1; i >= 0; i--) {
    total += approxBytes(events[i]!);
    if (total > PAGE_BYTES && i < events.length - 1) return events.slice(i + 1);
  }
  return events;
}

function dmOther(stream: string, me: string): string {
  const s = parseStream(stream);
  return s?.kind === "dm" ? (s.users[0] === me ? s.users[1] : s.users[0]) : "";
}
