/**
 * What an actor may use of the actor system: a narrow interface instead of the concrete Hub, so
 * actors depend on a contract (and never on each other, or on the server that wires them). The
 * Hub implements it; a test may implement it with fakes.
 */
import type { EventData, HelloFrame, ServerFrame, TypingEventFrame } from "../protocol/index.ts";
import type { PresenceLink } from "./room-presence.ts";
import type { Projection } from "../projections/projection.ts";
import type { AppendOutcome, AppendRequest, EventLog } from "../store/event-log.ts";
import type { AppendError } from "./journal.ts";
import type { Fanout } from "../fanout/ports.ts";
import type { Connected, Postable, RoomMessage, UserMessage } from "./messages.ts";
import type { Logger } from "../observability/log.ts";
import type { HubMetrics } from "../observability/hub-metrics.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { FollowHeld } from "./held-frames.ts";

/** The settings actors read. The server's Config satisfies it; tests pass their own. */
export interface ActorConfig {
  readonly maxPayload: number;
  readonly maxText: number;
  /** Frames per second per user, across all of the user's connections; 0 turns the limit off. */
  readonly rateLimit: number;
  /** Bytes per second of history and replay per user; 0 turns the limit off. */
  readonly readRateLimit: number;
  /** Rooms one user may be a member of; 0 turns the limit off. */
  readonly maxRoomsPerUser: number;
  /** Connections one user may have open at once; 0 turns the limit off. */
  readonly maxConnectionsPerUser: number;
  readonly heartbeatMs: number;
  readonly helloTimeoutMs: number;
  readonly slowConsumerBytes: number;
  readonly presenceGraceMs: number;
  /** Events kept per room stream; 0 keeps everything. */
  readonly retain: number;
  readonly snapshotEvery: number;
  readonly commitWindowMs: number;
  readonly commitMaxEvents: number;
}


/** Turns a hello into a user name, or says why not. */
export type Authenticator = (hello: HelloFrame) => Promise<{ ok: true; user: string } | { ok: false; message: string }>;

/** A per-turn budget that work whose size is known only once done checks first and charges after. */
export interface TurnWork {
  hasRoom(): boolean;
  spend(n: number): void;
  room(): Promise<void>;
}

export interface ActorContext {
  readonly config: ActorConfig;
  /** Where actors report what happened (the log port). Structured fields only: never message bodies or tokens. */
  readonly logger: Logger;
  /** Counters and histograms, children bound up front (the metrics port). */
  readonly metrics: HubMetrics;
  /** The read model: written only by the commit path, read synchronously by actors. */
  readonly projection: Projection;
  /** The log, read synchronously (replay, history); written only through `append`. */
  readonly log: EventLog;
  readonly authenticate: Authenticator;
  /** Topic subscriptions and publish; actors subscribe their sockets through it. */
  readonly fanout: Fanout;
  /** The actor of an existing room, or undefined. */
  room(name: string): Postable<RoomMessage> | undefined;
  /** The actor of a room, made if the room is new (its first join creates it in the log). */
  roomOrNew(name: string): Postable<RoomMessage>;
  user(name: string): Postable<UserMessage>;
  /** An idle user actor leaves the directory (only if it is still the one listed under its name). */
  retireUser(u: Postable<UserMessage> & { readonly name: string }): void;
  /** An idle room actor leaves the directory (only if it is still the one listed under its name). */
  retireRoom(r: Postable<RoomMessage> & { readonly name: string }): void;
  /**
   * Makes a user known (a durable `registered` event) before its first welcome; undefined when
   * the user is known already.
   */
  register(user: string): Promise<void> | undefined;
  /**
   * Counts a hello'd connection of `user`; false (and nothing counted) when the user already has
   * `maxConnectionsPerUser`. Every true is matched by one `closeSession` when the connection ends.
   */
  openSession(user: string): boolean;
  closeSession(user: string): void;
  /** The rate budget shared by every connection of `user`; undefined when rates are not limited. */
  budgetOf(user: string): RateLimiter | undefined;
  /**
   * Paces hello work (describing and following streams) across all connections: resolves once
   * this event-loop turn has room for `streams` more, so many hellos at once never hold the loop.
   */
  helloWork(streams: number): Promise<void>;
  /**
   * Paces reads (pages of history and replay, searches) across all connections, in bytes: a read
   * runs now while this event-loop turn has room, else waits for a turn that has, and charges
   * what it read and sent. A burst of history requests on one socket then spans many turns.
   */
  readonly readWork: TurnWork;
  /** The read budget (bytes of history and replay) shared by every connection of `user`; undefined when not limited. */
  readBudgetOf(user: string): RateLimiter | undefined;
  /**
   * Cluster mode: resolves once this node's replica has applied everything the shared engine had
   * committed when it was called (a hello waits for it). Undefined on a single node: nothing to wait for.
   */
  caughtUp(): Promise<void> | undefined;
  /** Cluster mode: this node's replica may be an instant behind what other nodes committed. */
  readonly clustered: boolean;
  /**
   * The event the commit path is about to publish, while its reactions run (a `joined` event's
   * run before its publish), else undefined. While it is set, neither it nor anything after it
   * has been published, and every event of its stream before it has been or goes out before it
   * (held back in the same commit block: see followAtFlush): a connection told of its own
   * `joined` event right then follows the room from it and needs no replay at all.
   */
  readonly publishing: EventData | undefined;
  /**
   * While a commit's events are held back to go out together (Hub.commitBlock): `c` starts
   * following `stream` at its own `joined` (seq `seq`); calls `follow` when it may subscribe (see
   * FollowHeld: right before that event goes to the plain topic, or after the batch topic got the
   * commit's frame, with the frames to send first), in that one block, and returns true. False
   * when nothing is held back: subscribe now.
   */
  followAtFlush(stream: string, seq: number, c: Connected, follow: FollowHeld): boolean;
  /** The connection's hello was accepted: it follows topics from now on, the batch ones if `c.batch` (its hello said `batch: true`). */
  greeted(c: Connected): void;
  /** Appends through the journal; `done` runs after COMMIT and after the commit path (projection, publish). */
  append(requests: AppendRequest[], done: (result: AppendOutcome[] | AppendError) => void): void;
  /** Encodes once per encoding in use and publishes to every group. */
  publish(groups: string[], frame: ServerFrame): void;
  /** Publishes a typing signal (never in the log) here and, in cluster mode, on every other node. */
  typing(groups: string[], frame: TypingEventFrame): void;
  /** Cluster mode: other nodes' presence, and where this node's own goes; undefined on a single node. */
  readonly presenceLink: PresenceLink | undefined;
  addConnection(c: Connected): void;
  removeConnection(c: Connected): void;
  /** A connection's own write left bytes queued: the next slow-consumer sweep looks at it. */
  backlogged(c: Connected): void;
}
