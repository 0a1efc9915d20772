/**
 * The actor system: the directory of room and user actors, the journal, the read model and
 * fan-out. It owns the commit path — the only code that runs when an append becomes durable:
 * fold the event into the projection, publish it once per wire encoding, then tell the actors
 * that react to it. All of that happens in one synchronous block after COMMIT.
 */
import {
  BROADCAST_STREAM, ENCODINGS, ErrorCode, codecFor, parseStream,
  eventFrame, eventsFrame, type AckFrame, type Codec, type Encoding, type EventData, type HelloFrame, type PresenceEntry, type ServerFrame, type TypingEventFrame, type WireData,
} from "../protocol/index.ts";
import type { AppendOutcome, AppendRequest, EventLog, StoredEvent } from "../store/event-log.ts";
import { type Projection, USERS_STREAM, apply } from "../projections/projection.ts";
import { saveSnapshot } from "../projections/snapshot.ts";
import { AppendError, Journal } from "./journal.ts";
import { type Fanout, topicFor } from "../fanout/ports.ts";
import { BROADCAST_GROUP, groupsOf } from "./topics.ts";
import { Budgets, burstFor, type RateLimiter } from "./rate-limiter.ts";
import { RoomActor } from "./room.ts";
import type { PresenceLink, RemoteChange } from "./room-presence.ts";
import { TurnBudget } from "./turn-budget.ts";
import { type FollowHeld, HeldFrames } from "./held-frames.ts";
import { UserActor } from "./user.ts";
import type { ActorConfig, ActorContext, Authenticator } from "./context.ts";
import type { Connected, Postable, RoomMessage, UserMessage } from "./messages.ts";
import type { Logger } from "../observability/log.ts";
import { HubMetrics, type MailboxKind } from "../observability/hub-metrics.ts";
import { noopMetrics } from "../observability/metrics.ts";

/** A stream's events held back in a commit block, and the connections to start following it when they are published. */
interface HeldStream {
  readonly groups: string[];
  readonly events: EventData[];
  followers: HeldFollower[] | undefined;
}

/** A connection that starts following a held stream at its own `joined` (Hub.followAtFlush). */
interface HeldFollower {
  readonly seq: number;
  readonly encoding: Encoding;
  readonly batch: boolean;
  readonly follow: FollowHeld;
}

/**
 * A commit of this many events or more means the server is busy, and the next commit may wait
 * out the commit window. At the benchmark's paced 20,000 deliveries/s commits carry one or two
 * events; at saturation 6-10 committing every turn, and 12-25 with the window.
 */
const BUSY_COMMIT_EVENTS = 8;

/** The author of operator broadcasts: '@' cannot appear in a user name, so nobody can pose as it. */
export const OPERATOR = "@operator";

/**
 * Cluster mode's side of the hub (src/cluster/node.ts): where appends go instead of the local
 * journal, and how a hello waits for this node's replica to catch up.
 */
export interface RemoteWriter {
  submit(requests: AppendRequest[], done: (result: AppendOutcome[] | AppendError) => void): void;
  caughtUp(): Promise<void>;
  /** For /health: the node, how far its replica has applied, its commits. */
  status(): object;
  /** Why this node should not take traffic (for /ready), if it should not. */
  problems(): string[];
}

export class Hub implements ActorContext {
  readonly journal: Journal;
  /** Set in cluster mode only; undefined keeps the single-node path exactly as it is. */
  private remote: RemoteWriter | undefined;
  /** Cluster mode only (src/cluster/presence-tracker.ts). */
  presenceLink: PresenceLink | undefined;
  private typingOut: { typing(groups: string[], frame: TypingEventFrame): void } | undefined;
  /** Set while new sockets are to be closed as they open (see refuseConnections). */
  refusing: { code: number; reason: string } | undefined;
  readonly connections = new Set<Connected>();
  /** Connections the next slow-consumer sweep must look at even if nothing is published (see sweepSlowConsumers). */
  private readonly suspects = new Set<Connected>();
  /** Anything published since the last sweep: any subscriber's backlog may have grown. */
  private publishedSinceSweep = false;
  /** Open connections per wire encoding: fan-out skips an encoding nobody speaks. */
  private readonly speakers: Record<Encoding, number> = { json: 0, msgpack: 0 };
  /** Of those, the hello'd ones whose client takes `events` frames (they follow the batch topics), and the hello'd ones that do not. */
  private readonly batchers: Record<Encoding, number> = { json: 0, msgpack: 0 };
  private readonly plain: Record<Encoding, number> = { json: 0, msgpack: 0 };
  /**
   * Inside a commit block (see commitBlock): the events of each stream committed in it, held back
   * to be published together, in the order their streams first appear; undefined outside one.
   */
  private held: Map<string, HeldStream> | undefined;
  /** Inside a commit block: the appends' answers (acks), run after its events are published. */
  private afterFlush: ((broken: boolean) => void)[] = [];
  private readonly rooms = new Map<string, RoomActor>();
  /** User actors of users with a connection or a command in flight; an idle one retires (see UserActor). */
  private readonly users = new Map<string, UserActor>();
  /** First sign-ins being written, so two devices of a new user saying hello at once append one `registered`. */
  private readonly registering = new Map<string, Promise<void>>();
  /**
   * One codec per encoding, shared by fan-out and by every connection of that encoding (a
   * frame is encoded once per encoding, never per subscriber).
   */
  readonly codecs: Record<Encoding, Codec>;
  /** See ActorContext.publishing: set only while a `joined` event's reactions run, before it is published. */
  publishing: EventData | undefined;
  private sinceSnapshot = 0;
  /**
   * Set once the commit path failed on an event already in the log (which one, and why): a
   * followed event in cluster mode, a committed one on a single node. The projection may then hold
   * part of an event, so it is never snapshotted and nothing more is applied or published.
   */
  private commitPathFailed: string | undefined;
  /** Single node: told once when the commit path fails (the server stops: see `append`). */
  private onBroken: ((why: string) => void) | undefined;
  /** Frames per second per user, across all of the user's connections (`--rate-limit`); none when 0. */
  private readonly userBudgets: Budgets | undefined;
  /**
   * Streams all hellos together may describe or follow per event-loop turn. A stream costs a few
   * SQLite reads (~0.1-0.3 ms on a loaded 2-core machine), so 64 keep a turn to ~10-20 ms.
   */
  private readonly helloBudget = new TurnBudget(64);
  /**
   * Bytes all reads together (history, search, replay pages) may read and send per event-loop
   * turn: about two full history pages (~1 ms each on a quiet 2-core machine). One socket's read
   * of 350 `history` frames used to build 34 pages of 256 KiB in one turn (the loopback socket
   * took every byte, so no backlog ever paused it): 50-90 ms during which no other client was
   * read (abuse bench, history burst).
   */
  readonly readWork = new TurnBudget(512 * 1024);
  /** Bytes of history and replay per second per user (`--read-rate-limit`); none when 0. */
  private readonly readBudgets: Budgets | undefined;
  /** Hello'd connections per user (for --max-connections-per-user); a user with none has no entry. */
  private readonly sessions = new Map<string, number>();

  constructor(
    readonly log: EventLog,
    readonly projection: Projection,
    readonly fanout: Fanout,
    readonly config: ActorConfig,
    readonly authenticate: Authenticator,
    readonly logger: Logger,
    readonly metrics: HubMetrics = new HubMetrics(noopMetrics),
  ) {
    this.journal = new Journal(log, {
      maxBatch: config.commitMaxEvents,
      maxQueued: 100_000,
      coalesceMs: config.commitWindowMs,
      coalesceAfter: BUSY_COMMIT_EVENTS,
      onError: (e) => logger.error("commit failed", e, { event: "commit.failed" }),
      commitBlock: (run) => this.commitBlock(run),
      onCommit: metrics.enabled ? (n, seconds) => { metrics.commitEvents.observe(n); metrics.commitSeconds.observe(seconds); } : undefined,
    });
    this.userBudgets = config.rateLimit > 0 ? new Budgets(config.rateLimit, burstFor(config.rateLimit)) : undefined;
    this.readBudgets = config.readRateLimit > 0 ? new Budgets(config.readRateLimit, 2 * config.readRateLimit) : undefined;
    this.codecs = { json: codecFor("json"), msgpack: codecFor("msgpack", { maxPayload: config.maxPayload }) };
  }

  /** The actor of an existing room, or undefined. */
  room(name: string): RoomActor | undefined {
    let r = this.rooms.get(name);
    if (!r && this.projection.rooms.has(name)) this.rooms.set(name, (r = new RoomActor(name, this)));
    return r;
  }

  /** The actor of a room, creating the room's actor if the room is new (its first join creates it in the log). */
  roomOrNew(name: string): RoomActor {
    let r = this.room(name);
    if (!r) this.rooms.set(name, (r = new RoomActor(name, this)));
    return r;
  }

  user(name: string): UserActor {
    let u = this.users.get(name);
    if (!u) this.users.set(name, (u = new UserActor(name, this)));
    return u;
  }

  /** An idle user actor leaves the directory; the next command for the user makes a fresh one. */
  retireRoom(r: Postable<RoomMessage> & { readonly name: string }): void {
    if (this.rooms.get(r.name) === r) this.rooms.delete(r.name);
  }

  retireUser(u: Postable<UserMessage> & { readonly name: string }): void {
    if (this.users.get(u.name) === u) this.users.delete(u.name);
  }

  /**
   * Makes the user known (a `registered` event, durable) before its first welcome, so that from
   * then on others may send it DMs. Undefined when the user is known already: nothing to wait for.
   */
  register(user: string): Promise<void> | undefined {
    if (this.projection.users.has(user)) return undefined;
    let p = this.registering.get(user);
    if (!p) {
      p = new Promise<void>((resolve, reject) => {
        this.append([{ stream: USERS_STREAM, kind: "registered", author: user, body: {}, at: Date.now() }], (r) => {
          this.registering.delete(user);
          if (r instanceof AppendError) reject(r);
          else resolve();
        });
      });
      this.registering.set(user, p);
    }
    return p;
  }

  /** Cluster mode: appends go to the shared engine; the commit path runs in `applyFollowed`. */
  useRemote(remote: RemoteWriter): void { this.remote = remote; }

  /** Cluster mode: presence and typing shared with the other nodes (set before any room actor exists). */
  usePresence(link: PresenceLink & { typing(groups: string[], frame: TypingEventFrame): void }): void {
    this.presenceLink = link;
    this.typingOut = link;
  }

  typing(groups: string[], frame: TypingEventFrame): void {
    this.publish(groups, frame);
    this.typingOut?.typing(groups, frame);
  }

  /**
   * Cluster mode: other nodes' presence in `room` changed. Only a room actor in memory is told: a
   * room without one has nobody online here, and a new actor reads the other nodes' presence whole.
   * Told at once, not through its mailbox: the room reads the tracker's map rather than a copy of
   * its own (a map entry per remote device per room), so it must hear of a change in the same
   * synchronous block as the map changes (its handlers are synchronous: this runs between them).
   */
  remotePresence(room: string, changes: ReadonlyMap<string, RemoteChange>): void {
    this.rooms.get(room)?.remotePresence(changes);
  }

  caughtUp(): Promise<void> | undefined { return this.remote?.caughtUp(); }
  get clustered(): boolean { return this.remote !== undefined; }

  /** Cluster mode: reasons this node is not ready (none on a single node). */
  clusterProblems(): string[] { return this.remote?.problems() ?? []; }

  /** Appends through the journal; on commit, runs the commit path, then `done`. */
  append(requests: AppendRequest[], done: (result: AppendOutcome[] | AppendError) => void): void {
    const t0 = this.metrics.enabled ? performance.now() : 0;
    if (this.remote) {
      // The commit path has already run for these events (the tailer applied them) when `done` runs.
      this.remote.submit(requests, (result) => this.answer(done, result, t0));
      return;
    }
    if (this.commitPathFailed !== undefined) return done(stopping());
    this.journal.submit(requests, (result) => {
      if (!(result instanceof AppendError)) {
        for (const o of result) {
          if (o.duplicate || this.committedOrStopped(o.event)) continue;
          // Durable, but not folded or published: the retry (same cmid) after the restart gets the original ack.
          return this.answer(done, stopping(), 0);
        }
      }
      this.answer(done, result, t0);
    });
  }

  /**
   * Answers an append now, or, inside a commit block, once the block's events are published (an
   * ack never overtakes its event); if publishing them failed, retryably (see commitBlock).
   */
  private answer(done: (result: AppendOutcome[] | AppendError) => void, result: AppendOutcome[] | AppendError, t0: number): void {
    const f = (broken: boolean) => {
      done(broken && !(result instanceof AppendError) ? stopping() : result);
      if (t0 > 0) this.metrics.ackSeconds.observe((performance.now() - t0) / 1000);
    };
    if (this.held) this.afterFlush.push(f);
    else f(false);
  }

  /**
   * Runs the commit path of one transaction (`run`: the journal's callbacks, or the tailer's
   * events) with every event it publishes held back, then publishes each stream's events
   * together — one `events` frame per stream to the clients that take them, the same `event`
   * frames as ever to the others — and only then runs the appends' answers. All in one
   * synchronous block, so "commit and publish are one block" still holds: nothing can read the
   * log and subscribe between the commit and the publish. Within the block, whatever must see a
   * stream's earlier events published first publishes them first (a leave before it unsubscribes
   * the leaver, flushStream), and a connection that starts following a room at its own `joined`
   * event is handed the held events from that one on (followAtFlush).
   */
  commitBlock(run: () => void): void {
    if (this.held) return run();
    this.held = new Map();
    let broken: unknown;
    try {
      run();
    } finally {
      const held = this.held;
      this.held = undefined;
      // Published even if `run` failed on a later event: these were folded, as before holding.
      for (const h of held.values()) {
        try {
          this.publishHeld(h, true);
        } catch (e) {
          // The events are durable but some subscribers missed them: a silent gap if it went on
          // (the rule of committedOrStopped). So nothing more is published, and the server stops.
          const first = h.events[0];
          this.commitPathFailed ??= `${first ? `${first.stream}#${first.seq} at pos ${first.pos}` : "a held stream"}: ${(e as Error)?.message ?? String(e)}`;
          this.logger.error("commit path failed publishing committed events: the server stops", e, { event: "commit_path_failed", pos: first?.pos });
          broken = e ?? new Error("the publish threw nothing");
          break;
        }
      }
      const answers = this.afterFlush;
      this.afterFlush = [];
      for (const f of answers) {
        try { f(broken !== undefined); } catch (e) { this.logger.error("an append's answer failed", e, { event: "commit.answer_failed" }); }
      }
    }
    if (broken !== undefined) {
      if (this.remote) throw new CommitPathError(`the commit path failed on ${this.commitPathFailed}`, { cause: broken });
      this.onBroken?.(`the commit path failed on ${this.commitPathFailed}`);
    }
  }

  /** Publishes what is held of `stream` now (the block goes on: later events of it are held again). */
  private flushStream(stream: string): void {
    const h = this.held?.get(stream);
    if (h === undefined) return;
    this.held!.delete(stream);
    this.publishHeld(h, false);
  }

  /** Publishes an event now, or holds it back inside a commit block. */
  private publishEvent(groups: string[], e: EventData): void {
    const held = this.held;
    if (held === undefined) return this.publish(groups, eventFrame(e));
    const h = held.get(e.stream);
    if (h === undefined) held.set(e.stream, { groups, events: [e], followers: undefined });
    else h.events.push(e);
  }

  /**
   * One stream's held events: to the plain topics as one `event` frame each, to the batch topics
   * as one frame (one `events` frame, or the `event` frame when there is one event). A plain
   * follower subscribes right before its own `joined` is published (as before holding: the topic
   * carries it and the rest, no frame of its own); a batch follower is handed the commit's events
   * from its `joined` on (one shared frame per tail), then subscribes. `final`: see FollowHeld.
   */
  private publishHeld(h: HeldStream, final: boolean): void {
    this.publishedSinceSweep = true;
    const { groups, events, followers } = h;
    let waiting = followers?.filter((f) => !f.batch);
    for (const enc of ENCODINGS) {
      if (this.speakers[enc] === 0) continue;
      const codec = this.codecs[enc];
      let single: WireData | undefined;
      if (this.plain[enc] > 0) {
        for (const e of events) {
          if (waiting !== undefined && waiting.length > 0) waiting = this.startFollowing(waiting, enc, e.seq, final);
          single = codec.encode(eventFrame(e));
          for (const g of groups) this.fanout.publish(topicFor(g, enc), single);
        }
      }
      if (this.batchers[enc] > 0) {
        const data = events.length === 1 && single !== undefined ? single : codec.encode(eventsFrame(events));
        for (const g of groups) this.fanout.publish(topicFor(g, enc, true), data);
      }
    }
    // A plain follower whose `joined` was not among them (none is expected) subscribes now.
    if (waiting) for (const f of waiting) f.follow(undefined, final);
    if (followers?.some((f) => f.batch)) {
      const frames = new HeldFrames(events);
      for (const f of followers) if (f.batch) f.follow(frames, final);
    }
  }

  /** Lets the plain followers of `enc` whose `joined` is `seq` subscribe; returns those still waiting. */
  private startFollowing(waiting: HeldFollower[], enc: Encoding, seq: number, final: boolean): HeldFollower[] {
    const rest: HeldFollower[] = [];
    for (const f of waiting) {
      if (f.encoding === enc && f.seq === seq) f.follow(undefined, final);
      else rest.push(f);
    }
    return rest;
  }

  followAtFlush(stream: string, seq: number, c: Connected, follow: FollowHeld): boolean {
    const held = this.held;
    if (held === undefined) return false;
    let h = held.get(stream);
    if (h === undefined) {
      const s = parseStream(stream);
      if (!s) return false;
      h = { groups: groupsOf(s), events: [], followers: undefined };
      held.set(stream, h);
    }
    (h.followers ??= []).push({ seq, encoding: c.encoding, batch: c.batch === true, follow });
    return true;
  }

  greeted(c: Connected): void {
    if (!this.connections.has(c)) return;
    if (c.batch) this.batchers[c.encoding] += 1;
    else this.plain[c.encoding] += 1;
  }

  /**
   * Cluster mode, called by this node's one tailer: appends events committed by the engine (any
   * node's) to the local replica in one transaction, then runs the commit path for each —
   * projection, publish to local sockets, reactions — all in this one synchronous block, so rule 1
   * ("commit and publish are one block") holds for the replica that replay reads. The replica is
   * written by nothing else, so its own seq/pos assignment must reproduce the engine's exactly;
   * anything else is a divergence and throws ReplicaDivergedError.
   */
  applyFollowed(events: readonly StoredEvent[]): number {
    if (this.commitPathFailed !== undefined) throw new CommitPathError(`this node's commit path failed earlier (${this.commitPathFailed}): it applies nothing more`);
    const fresh = events.filter((e) => e.pos > this.log.lastPos());
    if (fresh.length === 0) return 0;
    const outcomes = this.log.append(fresh.map((e) => {
      const r: AppendRequest = { stream: e.stream, kind: e.kind, author: e.author, body: e.body, at: e.at };
      if (e.cmid !== undefined) r.cmid = e.cmid;
      return r;
    }));
    outcomes.forEach((o, i) => {
      const e = fresh[i]!;
      if (o.duplicate || o.event.pos !== e.pos || o.event.seq !== e.seq) {
        throw new ReplicaDivergedError(`replica wrote ${o.event.stream}#${o.event.seq} at pos ${o.event.pos}${o.duplicate ? " (duplicate)" : ""}, engine has ${e.stream}#${e.seq} at pos ${e.pos}`);
      }
    });
    // The events are in the replica now. If folding or publishing one of them fails, this node's
    // projection and subscribers have missed an event its replica holds, and the tailer will not
    // offer it again (it is applied): carrying on would be a silent gap for every subscriber here.
    // So it stops at the first failure and the node must stop too (CommitPathError, node.ts); a
    // restart rebuilds the projection from the replica and clients resume, gap-free, from it or
    // from another node.
    // One commit block: each stream's events of this batch go out together (see commitBlock).
    this.commitBlock(() => {
      for (const e of fresh) {
        const err = this.commitPathError(e, "commit path failed on a followed event: this node stops", "cluster.apply_failed");
        if (err !== undefined) throw new CommitPathError(`the commit path failed on ${this.commitPathFailed}`, { cause: err });
      }
    });
    return fresh.length;
  }

  /**
   * Single node: the server's hook for a failed commit path (start.ts stops the server and exits
   * 4; a restart rebuilds the projection from the log, and clients resume gap-free from it).
   */
  whenCommitPathFails(stop: (why: string) => void): void { this.onBroken = stop; }

  /**
   * Single node: runs the commit path for an event the journal has just made durable. If it
   * throws, the event is in the log but this server's projection and subscribers missed it, and
   * carrying on would be a silent gap for every subscriber (they would see the events after it):
   * so nothing more is applied or published, and the server stops (same rule as a cluster node's
   * followed events, applyFollowed). False once stopped.
   */
  private committedOrStopped(e: EventData): boolean {
    if (this.commitPathFailed !== undefined) return false;
    if (this.commitPathError(e, "commit path failed on a committed event: the server stops", "commit_path_failed") === undefined) return true;
    this.onBroken?.(`the commit path failed on ${this.commitPathFailed}`);
    return false;
  }

  /**
   * Runs the commit path for `e`; if it throws, records which event failed and why (after which
   * nothing more is applied, published or snapshotted), logs it, and returns the error.
   */
  private commitPathError(e: EventData, message: string, event: string): unknown {
    try {
      this.committed(e);
      return undefined;
    } catch (err) {
      this.commitPathFailed = `${e.stream}#${e.seq} at pos ${e.pos}: ${(err as Error)?.message ?? String(err)}`;
      this.logger.error(message, err, { event, pos: e.pos });
      return err ?? new Error("the commit path threw nothing");
    }
  }

  /**
   * Cluster mode: the room actor's view of a user's membership set from the committed state
   * (after a rejected join or leave: the engine knew better).
   */
  resyncMember(room: string, user: string): void {
    this.rooms.get(room)?.memberCommitted(user);
  }

  /**
   * A membership change is told to the user's actor only if it is in the directory: one that is
   * not has no device on this node to follow or stop following the room (a connection makes it
   * before it reads the projection at hello), and in cluster mode most joins are other nodes'
   * users, for whom making an actor and its mailbox only to retire it cost every node CPU per join.
   */
  private committed(e: EventData): void {
    const s = parseStream(e.stream);
    apply(this.projection, e, s);
    this.metrics.eventsAppended[e.kind].inc();
    const room = s?.kind === "room" ? s.room : undefined;
    if (room !== undefined && e.kind === "joined") this.joinCommitted(e, room);
    if (s) this.publishEvent(groupsOf(s), e);
    // A leave, kick or ban unsubscribes the user's sockets from the room below: what the commit
    // holds of the room, this event included, goes out first (see commitBlock).
    if (room !== undefined && (e.kind === "left" || e.kind === "kicked" || e.kind === "banned")) this.flushStream(e.stream);
    if (room !== undefined && e.kind === "left") {
      // Published above while the user's sockets still followed the room, so every device of
      // theirs got its own leave; from here on none of them follows it.
      this.users.get(e.author)?.post({ kind: "membership", room, joined: false, seq: e.seq });
      if (this.remote) this.rooms.get(room)?.memberCommitted(e.author);
    } else if (room !== undefined && (e.kind === "kicked" || e.kind === "banned") && typeof e.body.user === "string") {
      // Likewise: every device of theirs got the event that removed them.
      this.users.get(e.body.user)?.post({ kind: "membership", room, joined: false, seq: e.seq });
      if (this.remote) this.rooms.get(room)?.memberCommitted(e.body.user);
    }
    if (s?.kind === "room" && this.config.retain > 0 && e.seq % 1000 === 0) this.prune(e.stream);
    this.sinceSnapshot += 1;
    if (this.config.snapshotEvery > 0 && this.sinceSnapshot >= this.config.snapshotEvery) this.snapshot();
  }

  /**
   * A join's reactions run before its event is published, and right here when the actors are
   * idle: a connection of the joiner then subscribes to the room first and gets its own `joined`
   * event through the topic with everyone else (no replay read, no encode or write of its own;
   * the read used to return every later join of the same transaction, a quarter of a
   * connect-and-join profile). `publishing` tells it so, and must never outlive this call.
   */
  private joinCommitted(e: EventData, room: string): void {
    this.publishing = e;
    try {
      this.users.get(e.author)?.post({ kind: "membership", room, joined: true, seq: e.seq, event: e });
    } finally {
      this.publishing = undefined;
    }
    // Cluster mode: a join made on another node reaches this node's room actor here.
    if (this.remote) this.rooms.get(room)?.memberCommitted(e.author);
  }

  addConnection(c: Connected): void {
    if (!this.connections.has(c)) this.speakers[c.encoding] += 1;
    this.connections.add(c);
  }

  removeConnection(c: Connected): void {
    if (this.connections.delete(c)) {
      this.speakers[c.encoding] -= 1;
      if (c.batch === true) this.batchers[c.encoding] -= 1;
      else if (c.batch === false) this.plain[c.encoding] -= 1;
    }
    this.suspects.delete(c);
  }

  backlogged(c: Connected): void {
    if (this.connections.has(c)) this.suspects.add(c);
  }

  /**
   * The server's heartbeat: an unsolicited `pong` (no id) to every hello'd connection, one
   * native publish on the broadcast topic. A client that hears it need not ping, so an idle
   * connection costs the server no frame of its own to decode and answer (docs/protocol.md).
   * Not an event: no seq, nothing logged, and nothing replays it.
   */
  heartbeat(): void { this.publish([BROADCAST_GROUP], { type: "pong" }); }

  /**
   * Encodes a frame once for each encoding that some connection speaks, and publishes it to
   * every group. It does not ask each topic for its subscriber count first: under load every
   * topic has subscribers, and the question cost more than an unneeded encode does at rest.
   */
  publish(groups: string[], frame: ServerFrame): void {
    this.publishedSinceSweep = true;
    for (const enc of ENCODINGS) {
      if (this.speakers[enc] === 0) continue;
      const data = this.codecs[enc].encode(frame);
      const plain = this.plain[enc] > 0;
      const batch = this.batchers[enc] > 0;
      for (const g of groups) {
        if (plain) this.fanout.publish(topicFor(g, enc), data);
        if (batch) this.fanout.publish(topicFor(g, enc, true), data);
      }
    }
  }

  /**
   * Runs inside the commit path, so it must not throw: a failed prune (disk full, I/O error)
   * would skip the rest of the commit path for that request (the ack, and its other events'
   * projection and publish). Pruning is only housekeeping: it is tried again 1,000 events later.
   */
  private prune(stream: string): void {
    const t0 = performance.now();
    try {
      const removed = this.log.prune(stream, this.config.retain);
      this.logger.info("retention pruned", { event: "retention.pruned", stream, removed, keep: this.config.retain, ms: Math.round(performance.now() - t0) });
    } catch (e) {
      this.logger.error("retention prune failed", e, { event: "retention.failed", stream, keep: this.config.retain });
    }
  }

  snapshot(): void {
    this.sinceSnapshot = 0;
    if (this.commitPathFailed !== undefined) return void this.logger.warn("snapshot skipped: the commit path failed, the projection may be incomplete", { event: "snapshot.skipped" });
    const t0 = performance.now();
    try {
      saveSnapshot(this.log, this.projection);
      this.logger.info("snapshot saved", { event: "snapshot.saved", pos: this.projection.pos, ms: Math.round(performance.now() - t0) });
    } catch (e) {
      this.logger.error("snapshot failed", e, { event: "snapshot.failed", pos: this.projection.pos });
    }
  }

  /** Messages waiting in the mailboxes of each kind of actor, in total and the deepest one (for /metrics). */
  mailboxDepths(): Record<MailboxKind, { total: number; max: number }> {
    const depth = (actors: Iterable<{ queued: number }>) => {
      let total = 0, max = 0;
      for (const a of actors) { total += a.queued; if (a.queued > max) max = a.queued; }
      return { total, max };
    };
    return { connection: depth(this.connections), room: depth(this.rooms.values()), user: depth(this.users.values()) };
  }

  /** An operator announcement, logged like any event. */
  broadcast(text: string): Promise<AckFrame> {
    return new Promise((resolve, reject) => {
      this.append([{ stream: BROADCAST_STREAM, kind: "broadcast", author: OPERATOR, body: { text }, at: Date.now() }], (r) => {
        if (r instanceof AppendError) return reject(r);
        const e = r[0]!.event;
        resolve({ type: "ack", stream: e.stream, seq: e.seq, pos: e.pos });
      });
    });
  }

  /**
   * Closes connections whose unsent backlog stayed over the limit: they resume from the log,
   * losing nothing. Run every second, it looks only where a backlog can have grown: at every
   * connection when anything was published since the last sweep (Bun's publish says nothing per
   * socket), otherwise only at connections whose own writes left bytes queued and those over the
   * limit last time. An idle server (heartbeats only) therefore looks at no socket at all;
   * it used to ask each of them for its buffered amount every second.
   */
  sweepSlowConsumers(): number {
    const everyone = this.publishedSinceSweep;
    this.publishedSinceSweep = false;
    if (!everyone && this.suspects.size === 0) return 0;
    const look = everyone ? [...this.connections] : [...this.suspects];
    this.suspects.clear();
    let closed = 0;
    for (const c of look) {
      const r = c.checkSlow();
      if (r === "closed") closed += 1;
      else if (r === "over") this.suspects.add(c); // looked at again next time, traffic or not
    }
    return closed;
  }

  /** The rate budget shared by every connection of `user`, if rates are limited. */
  budgetOf(user: string): RateLimiter | undefined { return this.userBudgets?.of(user); }

  helloWork(streams: number): Promise<void> { return this.helloBudget.take(streams); }

  readBudgetOf(user: string): RateLimiter | undefined { return this.readBudgets?.of(user); }

  openSession(user: string): boolean {
    const n = this.sessions.get(user) ?? 0;
    const max = this.config.maxConnectionsPerUser;
    if (max > 0 && n >= max) return false;
    this.sessions.set(user, n + 1);
    return true;
  }

  closeSession(user: string): void {
    const n = (this.sessions.get(user) ?? 1) - 1;
    if (n > 0) this.sessions.set(user, n);
    else this.sessions.delete(user);
  }

  /** Drops refilled rate budgets (every second, with the slow-consumer sweep). */
  sweepBudgets(): void {
    this.userBudgets?.sweep();
    this.readBudgets?.sweep();
  }

  /** Closes every connection (those still saying hello too) with `code`; the hub goes on. */
  closeConnections(code: number, reason: string): void {
    for (const c of [...this.connections]) c.closeSocket(code, reason);
  }

  /**
   * Cluster mode, while the shared store is unreachable: every connection is closed with `code`,
   * and new sockets are closed with it as they open (the transport asks `refusing`), until `undefined`.
   */
  refuseConnections(refusal: { code: number; reason: string } | undefined): void {
    this.refusing = refusal;
    if (refusal) this.closeConnections(refusal.code, refusal.reason);
  }

  /** Writes what is queued, snapshots, and closes every connection with "going away". */
  shutdown(closeCode: number, reason: string): void {
    this.journal.flush();
    this.journal.stop();
    this.snapshot();
    for (const c of [...this.connections]) c.closeSocket(closeCode, reason);
  }

  stats() {
    return {
      connections: this.connections.size,
      /** Actors in memory: users with a connection or a command in flight, rooms with someone online or a change in flight. */
      actors: { users: this.users.size, rooms: this.rooms.size },
      rooms: this.projection.rooms.size,
      lastPos: this.log.lastPos(),
      journal: { ...this.journal.stats },
      ...(this.remote && { cluster: this.remote.status() }),
    };
  }
}

/** The local replica no longer matches the engine it follows: the node must stop and rebuild it. */
export class ReplicaDivergedError extends Error {}

/**
 * Cluster mode: a followed event reached the replica but its commit path (projection, publish,
 * reactions) failed, so this node's in-memory state and subscribers are behind its replica: the
 * node must stop (its replica is fine; a restart rebuilds the rest from it).
 */
export class CommitPathError extends Error {}

/** The answer to an append once the commit path has failed: retryable, since the server is about to restart. */
const stopping = () => new AppendError(ErrorCode.Internal, "the server is stopping after an internal failure: retry once reconnected");
