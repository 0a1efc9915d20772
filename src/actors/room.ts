/**
 * One actor per room. It serialises every command about its room — membership, sends,
 * edits, typing, presence — so the membership it checks is the membership the log will show.
 * A command's events are submitted to the journal in the order the room accepted them.
 */
import { ErrorCode, roomStream, type CommandId, type ChangeFrame, type EventBody, type RoomVisibility, type SendFrame, type ServerFrame, type TopicFrame } from "../protocol/index.ts";
import { Actor, type MailboxLimits } from "./mailbox.ts";
import type { ActorContext } from "./context.ts";
import type { Conn, RoomCommand, RoomMessage } from "./messages.ts";
import { AppendError } from "./journal.ts";
import { ackFrame, appendReply, errorFrame } from "./replies.ts";
import { changeMessage } from "./message-change.ts";
import { roomGroup } from "./topics.ts";
import { RoomPresence, type RemoteChange } from "./room-presence.ts";
import { unreachable, userStream } from "../protocol/index.ts";
import type { AppendOutcome, AppendRequest } from "../store/event-log.ts";
import { accessOf, roomCount } from "../projections/projection.ts";
import { joinRule } from "../projections/room-access.ts";
import { type ModeratedRoom, moderate, roomSettings } from "./room-moderation.ts";

const ROOM_MAILBOX: MailboxLimits = { capacity: 50_000, overflow: "reject" };

/**
 * Refusals that depend on what other nodes may have committed an instant ago (a join, an invite,
 * an unban, a new moderator, a user's first sign-in, a leave that frees a room slot).
 */
const MAYBE_STALE: ReadonlySet<string> = new Set<ErrorCode>([
  ErrorCode.NotMember, ErrorCode.NotInvited, ErrorCode.Banned, ErrorCode.Forbidden, ErrorCode.UnknownUser, ErrorCode.TooManyRooms,
]);
/** A change of membership accepted and not answered yet. */
interface Accepted { readonly member: boolean }

const isCommand = (m: RoomMessage): m is RoomCommand =>
  m.kind === "join" || m.kind === "leave" || m.kind === "send" || m.kind === "change" || m.kind === "who" || m.kind === "topic" || m.kind === "moderate" || m.kind === "info";

export class RoomActor extends Actor<RoomMessage> implements ModeratedRoom {
  readonly stream: string;
  /**
   * Joins, leaves, kicks and bans this actor accepted and whose append is not answered yet: user
   * -> the latest one's record. Membership as the actor checks it is this on top of the committed
   * membership in the projection, so a send right behind a join in the same tick is accepted (the
   * journal keeps the order). Only the difference is kept: a copy of every member (a Set) cost a
   * table entry per member of every active room, ~0.08 KB per joined connection. Made on the first.
   */
  private accepted: Map<string, Accepted> | undefined;
  private readonly presence: RoomPresence;
  /** Joins and leaves submitted and not yet answered: `accepted` may differ from the projection until they are. */
  private membershipInFlight = 0;
  /** The room's creating join is submitted and not yet committed: until it is, the projection does not know the room. */
  private creating: RoomVisibility | undefined;

  constructor(readonly name: string, readonly hub: ActorContext) {
    super();
    this.stream = roomStream(name);
    this.presence = new RoomPresence({
      name,
      announce: (frame) => hub.publish([roomGroup(name)], frame),
      expireLater: (key, ms) => setTimeout(() => this.post({ kind: "presence-expire", key }), ms),
      graceMs: hub.config.presenceGraceMs,
      settled: () => this.retireIfIdle(),
      link: hub.presenceLink,
    });
  }

  /** For the mailbox only. */
  failed(e: unknown, m: RoomMessage): void {
    this.hub.logger.error(`room ${this.name} failed on ${m.kind}`, e, { event: "actor.failed", actor: "room", room: this.name, on: m.kind });
    if ("conn" in m && "id" in m) m.conn.reply(errorFrame(m.id as CommandId | undefined, ErrorCode.Internal, "the room could not process this command"));
  }

  post(m: RoomMessage): void {
    if (this.enqueue(m) === "rejected" && "conn" in m) {
      m.conn.reply(errorFrame(undefined, ErrorCode.Overloaded, `room ${this.name} is overloaded; retry shortly`));
    }
  }

  /** Messages waiting in this room's mailbox (metrics). */
  get queued(): number { return this.waiting; }
  protected get limits(): MailboxLimits { return ROOM_MAILBOX; }

  isMember(user: string): boolean {
    const a = this.accepted?.get(user);
    return a !== undefined ? a.member : this.hub.projection.rooms.get(this.name)?.has(user) ?? false;
  }

  memberNames(): ReadonlySet<string> {
    const names = new Set(this.hub.projection.rooms.get(this.name)?.keys() ?? []);
    if (this.accepted) for (const [user, a] of this.accepted) { if (a.member) names.add(user); else names.delete(user); }
    return names;
  }

  /**
   * Accepts a change of `user`'s membership ahead of its commit; returns what to call once its
   * append is answered (committed or refused). From then on the committed membership decides again,
   * unless a later change of the same user is still in flight (the latest accepted one stands).
   */
  private accept(user: string, member: boolean): () => void {
    const a: Accepted = { member };
    (this.accepted ??= new Map()).set(user, a);
    return () => {
      if (this.accepted?.get(user) !== a) return;
      this.accepted.delete(user);
      if (this.accepted.size === 0) this.accepted = undefined;
    };
  }

  /**
   * Cluster mode: a join or leave committed (on any node, as followed by this node's tailer), or
   * the committed state after a rejected one. Another node's membership changes reach this
   * actor's view only this way; the engine's guard is what decides, this view is the fast check.
   */
  memberCommitted(user: string): void {
    // The projection holds the committed state already: it decides over what this actor accepted.
    this.accepted?.delete(user);
    if (this.accepted?.size === 0) this.accepted = undefined;
  }

  /** Cluster mode: the other nodes' presence changed (hub.remotePresence: called between this actor's messages). */
  remotePresence(changes: ReadonlyMap<string, RemoteChange>): void {
    for (const [key, c] of changes) this.presence.remoteChanged(key, c);
  }

  /** For the mailbox only: one message at a time. */
  receive(m: RoomMessage): void {
    if (this.hub.clustered && isCommand(m) && !this.cannotBeRefused(m)) {
      if (this.refusedMaybeStale(m)) this.recheckLater(m);
    } else {
      this.handle(m);
    }
    this.retireIfIdle();
  }

  /**
   * A member's message, edit, topic, `who` or repeated join is never refused for membership, so it
   * needs no probe (the hot path in cluster mode, a member's send, allocates nothing for it).
   */
  private cannotBeRefused(m: RoomCommand): boolean {
    const k = m.kind;
    return (k === "send" || k === "change" || k === "topic" || k === "who" || k === "join") && this.isMember(m.conn.user);
  }

  /**
   * Decides `m`; true when the answer was a refusal this node's replica may have got wrong
   * (cluster mode: the change that allows it may have been committed on another node an instant
   * ago). That refusal is held back, not sent; every other answer goes out as usual.
   */
  private refusedMaybeStale(m: RoomCommand): boolean {
    const conn = m.conn;
    let deciding = true;
    let held = false;
    const probe: Conn = {
      user: conn.user, device: conn.device, client: conn.client,
      reply: (f: ServerFrame) => {
        // Only an answer given while deciding (an append's outcome comes later, from the engine,
        // and is authoritative).
        if (deciding && !held && f.type === "error" && MAYBE_STALE.has(f.code)) held = true;
        else conn.reply(f);
      },
      replyShared: (f) => conn.replyShared(f),
      post: (x) => conn.post(x),
      canRead: (stream) => conn.canRead(stream),
      revokeRoom: (room) => conn.revokeRoom(room),
    };
    try {
      this.handle({ ...m, conn: probe });
    } finally {
      deciding = false;
    }
    return held;
  }

  /**
   * Decides a held-back refusal again once this node has applied everything the shared store had
   * committed (bounded wait; on timeout it is decided on what the replica has). The wait does not
   * hold this room's mailbox: other commands go on meanwhile.
   */
  private recheckLater(m: RoomCommand): void {
    const again = () => this.hub.roomOrNew(this.name).post({ kind: "recheck", command: m });
    const wait = this.hub.caughtUp();
    if (wait) wait.then(again, again);
    else again();
  }

  private handle(m: RoomMessage): void {
    switch (m.kind) {
      case "join": return this.join(m.conn, m.id, m.private);
      case "leave": return this.leave(m.conn, m.id);
      case "send": return this.send(m.conn, m.frame);
      case "change": return this.change(m.conn, m.frame);
      case "typing":
        if (this.isMember(m.conn.user)) this.hub.typing([roomGroup(this.name)], { type: "typing", stream: this.stream, user: m.conn.user });
        return;
      case "who": return this.who(m.conn, m.id);
      case "topic": return this.topic(m.conn, m.frame);
      case "moderate": return moderate(this, m.conn, m.frame);
      case "info": return roomSettings(this, m.conn, m.id);
      case "presence-on": return this.presence.on(m.conn);
      case "presence-off": return this.presence.off(m.conn);
      case "presence-expire": return this.presence.expire(m.key);
      case "recheck": return this.handle(m.command);
      default: return unreachable(m, "room message");
    }
  }

  private join(conn: Conn, id: CommandId | undefined, makePrivate: boolean): void {
    const user = conn.user;
    if (this.isMember(user)) {
      const seq = this.hub.projection.rooms.get(this.name)?.get(user);
      conn.reply({ type: "ack", id, stream: this.stream, seq: seq ?? this.hub.log.head(this.stream), pos: 0, duplicate: true });
      return;
    }
    // Checked against committed membership: joins of the same user in flight in other rooms may
    // pass together, so the cap can be exceeded by at most one commit's worth of them.
    const max = this.hub.config.maxRoomsPerUser;
    if (max > 0 && roomCount(this.hub.projection, user) >= max) {
      return conn.reply(errorFrame(id, ErrorCode.TooManyRooms, `${user} is already in ${max} rooms; leave one first`));
    }
    // A room nobody has joined yet is created by this join, and its creator owns it.
    if (!this.hub.projection.rooms.has(this.name) && this.creating === undefined) {
      const visibility = makePrivate ? "private" : "public";
      this.creating = visibility;
      return this.changeMembership(conn, id, true, { create: visibility }, (r) => {
        this.creating = undefined;
        // Cluster mode: another node created the room at the same instant. A public room is then
        // simply joined (this node has caught up with it by now); a private one is `room_exists`.
        if (!(r instanceof AppendError && r.code === ErrorCode.RoomExists && visibility === "public")) return false;
        this.post({ kind: "join", conn, id, private: false });
        return true;
      });
    }
    if (makePrivate) return conn.reply(errorFrame(id, ErrorCode.RoomExists, `${this.name} exists already; pick another name for a private room`));
    // While the creating join is in flight, a private room has nobody invited yet.
    const rule = this.creating === "private" ? { ok: false as const, why: "not_invited" as const } : joinRule(accessOf(this.hub.projection, this.name), user);
    if (!rule.ok) {
      return conn.reply(rule.why === "banned"
        ? errorFrame(id, ErrorCode.Banned, `you are banned from ${this.name}`)
        : errorFrame(id, ErrorCode.NotInvited, `${this.name} is private: ask its owner or a moderator for an invite`));
    }
    this.changeMembership(conn, id, true, rule.via ? { via: rule.via } : {});
  }

  private leave(conn: Conn, id: CommandId | undefined): void {
    if (!this.isMember(conn.user)) return conn.reply(errorFrame(id, ErrorCode.NotMember, `you are not a member of ${this.name}`));
    this.changeMembership(conn, id, false);
  }

  /**
   * A join or leave is two events in one transaction: one in the room, one on the user's own
   * stream (so every device of the user learns of it). The accepted membership changes at once
   * and is undone if the append fails.
   */
  /** `settled` sees the outcome first; when it returns true it has answered the command itself. */
  private changeMembership(conn: Conn, id: CommandId | undefined, joining: boolean, body: EventBody = {}, settled?: (r: AppendOutcome[] | AppendError) => boolean): void {
    const user = conn.user;
    const answered = this.accept(user, joining);
    const at = Date.now();
    this.appendTracked([
      { stream: this.stream, kind: joining ? "joined" : "left", author: user, body, at },
      { stream: userStream(user), kind: joining ? "room_joined" : "room_left", author: user, body: { room: this.name }, at },
    ], (r) => {
      answered(); // committed: the projection has it; refused: the committed membership stands
      if (settled?.(r)) return;
      conn.reply(appendReply(id, r));
    });
  }

  /** Appends a change of membership: counted in flight (the actor does not retire) until answered. */
  appendTracked(requests: AppendRequest[], done: (r: AppendOutcome[] | AppendError) => void): void {
    this.hub.append(requests, (r) => {
      this.membershipInFlight -= 1;
      done(r);
      this.retireIfIdle();
    });
    this.membershipInFlight += 1;
  }

  /** A kick or ban accepted: the user is no member from now on; call the result once its append is answered. */
  removeMember(user: string): () => void { return this.accept(user, false); }

  /**
   * A room with nobody online in it, no presence change to announce and no join or leave in
   * flight holds nothing the projection does not (its accepted membership is the committed one),
   * so its actor leaves the hub's directory; the next command for the room makes a fresh one.
   */
  retireIfIdle(): void {
    if (this.membershipInFlight === 0 && this.presence.idle() && this.waiting === 0) this.hub.retireRoom(this);
  }

  private send(conn: Conn, f: SendFrame): void {
    if (!this.isMember(conn.user)) {
      // A retry is answered with the original ack even if the sender has left since (its first
      // ack may have been lost). Members need no lookup: the append itself dedupes by cmid.
      const original = this.hub.log.findByCmid(conn.user, f.cmid);
      if (original) return conn.reply(ackFrame(f.id, { event: original, duplicate: true }));
      return conn.reply(errorFrame(f.id, ErrorCode.NotMember, `join ${this.name} before sending to it`));
    }
    this.hub.append(
      [{ stream: this.stream, kind: "message", author: conn.user, body: { text: f.text }, cmid: f.cmid, at: Date.now() }],
      (r) => conn.reply(appendReply(f.id, r)),
    );
  }

  private change(conn: Conn, f: ChangeFrame): void {
    if (!this.isMember(conn.user)) return conn.reply(errorFrame(f.id, ErrorCode.NotMember, `join ${this.name} first`));
    changeMessage(this.hub, conn, f);
  }

  /** A topic is an event in the room, so it replays and reaches every member's devices. */
  private topic(conn: Conn, f: TopicFrame): void {
    if (!this.isMember(conn.user)) return conn.reply(errorFrame(f.id, ErrorCode.NotMember, `join ${this.name} to set its topic`));
    this.hub.append(
      [{ stream: this.stream, kind: "topic", author: conn.user, body: { text: f.text }, at: Date.now() }],
      (r) => conn.reply(appendReply(f.id, r)),
    );
  }

  /** Who is online, with device ids, is for members only: it says where a person is right now. */
  private who(conn: Conn, id: CommandId | undefined): void {
    if (!this.isMember(conn.user)) return conn.reply(errorFrame(id, ErrorCode.NotMember, `join ${this.name} to see who is in it`));
    conn.reply({ type: "presence", id, room: this.name, online: this.presence.online() });
  }
}
