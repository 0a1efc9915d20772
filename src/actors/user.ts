/**
 * One actor per user. It owns what belongs to the person rather than to a room: their
 * devices (connections), their direct messages, their read cursors. When the user joins or
 * leaves a room on one device, it tells every device, so all of them follow the same streams.
 */
import {
  ErrorCode, dmPeer, dmStream, unreachable, userStream,
  type ChangeFrame, type CommandId, type ReadFrame, type SendFrame,
} from "../protocol/index.ts";
import { isKnownUser, readCursor } from "../projections/projection.ts";
import { Actor, type MailboxLimits } from "./mailbox.ts";
import type { ActorContext } from "./context.ts";
import type { Conn, UserMessage } from "./messages.ts";
import { appendReply, errorFrame } from "./replies.ts";
import { changeMessage } from "./message-change.ts";
import { AppendError } from "./journal.ts";
import { userGroup } from "./topics.ts";

const USER_MAILBOX: MailboxLimits = { capacity: 10_000, overflow: "reject" };

export class UserActor extends Actor<UserMessage> {
  /** This user's connections. An array: most users have one or two, and a Set's table would cost more than the actor. */
  readonly devices: Conn[] = [];
  /** Read cursors submitted but maybe not committed yet: a cursor never moves backwards. Made on the first read. */
  private pendingReads: Map<string, number> | undefined;
  /** Appends submitted and not answered yet: the actor stays in the hub's directory until they are. */
  private inFlight = 0;

  constructor(readonly name: string, private readonly hub: ActorContext) { super(); }

  /** Messages waiting in this user's mailbox (metrics). */
  get queued(): number { return this.waiting; }
  protected get limits(): MailboxLimits { return USER_MAILBOX; }

  /** For the mailbox only. */
  failed(e: unknown, m: UserMessage): void {
    this.hub.logger.error(`user ${this.name} failed on ${m.kind}`, e, { event: "actor.failed", actor: "user", user: this.name, on: m.kind });
    if ("frame" in m) m.conn.reply(errorFrame(m.frame.id, ErrorCode.Internal, "could not process this command"));
  }

  post(m: UserMessage): void {
    if (this.enqueue(m) === "rejected" && "conn" in m) {
      m.conn.reply(errorFrame(undefined, ErrorCode.Overloaded, "too many commands in flight; retry shortly"));
    }
  }

  /** For the mailbox only: one message at a time (one that waits for catch-up holds the ones behind it, in order). */
  receive(m: UserMessage): void | Promise<void> {
    const wait = this.mayBeStale(m);
    if (wait) {
      const go = () => { this.handle(m); this.retireIfIdle(); };
      return wait.then(go, go);
    }
    this.handle(m);
    this.retireIfIdle();
  }

  /**
   * Cluster mode: a DM to a name this node does not know, or a read cursor past this replica's
   * head, may be fine on the shared store already (the user signed in, the message was sent, on
   * another node an instant ago). Before refusing, wait (bounded) until this node's replica has
   * applied what the store had committed; then decide. Undefined on a single node, or when the
   * check passes: nothing to wait for.
   */
  private mayBeStale(m: UserMessage): Promise<void> | undefined {
    if (m.kind === "dm" && m.to !== this.name && !isKnownUser(this.hub.projection, m.to)) return this.hub.caughtUp();
    if (m.kind === "read" && m.frame.seq > this.hub.log.head(m.frame.stream)) return this.hub.caughtUp();
    return undefined;
  }

  /**
   * A user with no connection, nothing queued and nothing in flight has no state worth keeping
   * (read cursors are in the projection once committed), so the actor leaves the hub's directory:
   * memory follows the users online, not every name ever seen.
   */
  private retireIfIdle(): void {
    if (this.devices.length === 0 && this.inFlight === 0 && this.waiting === 0) this.hub.retireUser(this);
  }

  /** Counts an append until its answer, then lets the actor retire if that was the last thing keeping it. */
  private tracked<R>(reply: (r: R) => void): (r: R) => void {
    this.inFlight += 1;
    return (r) => {
      this.inFlight -= 1;
      reply(r);
      this.retireIfIdle();
    };
  }

  private handle(m: UserMessage): void {
    switch (m.kind) {
      case "attach": if (!this.devices.includes(m.conn)) this.devices.push(m.conn); return;
      case "detach": {
        const at = this.devices.indexOf(m.conn);
        if (at >= 0) this.devices.splice(at, 1);
        return;
      }
      case "dm": return this.dm(m.conn, m.frame, m.to);
      case "change": return this.change(m.conn, m.frame);
      case "read": return this.read(m.conn, m.frame);
      case "typing": {
        const peer = dmPeer(m.stream, this.name);
        if (peer) this.hub.typing([userGroup(peer)], { type: "typing", stream: m.stream, user: this.name });
        return;
      }
      case "membership":
        for (const d of this.devices) {
          if (m.joined) d.post({ kind: "follow-room", room: m.room, from: m.seq - 1, joined: m.event });
          else d.revokeRoom(m.room);
        }
        return;
      default: return unreachable(m, "user message");
    }
  }

  private dm(conn: Conn, f: SendFrame, to: string): void {
    if (to === this.name) return conn.reply(errorFrame(f.id, ErrorCode.InvalidField, "you cannot send a direct message to yourself"));
    // Whoever later signs in with a name nobody has used must not find messages waiting for it.
    if (!isKnownUser(this.hub.projection, to)) return conn.reply(errorFrame(f.id, ErrorCode.UnknownUser, `nobody called ${to} has signed in here`));
    this.hub.append(
      [{ stream: dmStream(this.name, to), kind: "message", author: this.name, body: { text: f.text }, cmid: f.cmid, at: Date.now() }],
      this.tracked((r) => conn.reply(appendReply(f.id, r))),
    );
  }

  private change(conn: Conn, f: ChangeFrame): void {
    if (!dmPeer(f.stream, this.name)) return conn.reply(errorFrame(f.id, ErrorCode.NotMember, `you are not part of ${f.stream}`));
    changeMessage(this.hub, conn, f, this.tracked((_: void) => {}));
  }

  private read(conn: Conn, f: ReadFrame): void {
    if (!conn.canRead(f.stream)) return conn.reply(errorFrame(f.id, ErrorCode.NotMember, `you cannot read ${f.stream}`));
    const head = this.hub.log.head(f.stream);
    if (f.seq > head) return conn.reply(errorFrame(f.id, ErrorCode.InvalidField, `seq ${f.seq} is beyond the head of ${f.stream} (${head})`));
    const current = Math.max(readCursor(this.hub.projection, this.name, f.stream), this.pendingReads?.get(f.stream) ?? 0);
    const own = userStream(this.name);
    if (f.seq <= current) {
      return conn.reply({ type: "ack", id: f.id, stream: own, seq: this.hub.log.head(own), pos: 0, duplicate: true });
    }
    const pending = (this.pendingReads ??= new Map());
    pending.set(f.stream, f.seq);
    this.hub.append(
      [{ stream: own, kind: "read", author: this.name, body: { stream: f.stream, seq: f.seq }, at: Date.now() }],
      this.tracked((r) => {
        if (r instanceof AppendError && pending.get(f.stream) === f.seq) pending.delete(f.stream);
        conn.reply(appendReply(f.id, r));
      }),
    );
  }
}
