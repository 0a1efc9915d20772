/**
 * The mail the actors exchange: what each kind of actor accepts, and what a room or user actor
 * may do with the connection that asked. Kept apart from the actors themselves so that no actor
 * imports another (room and user actors know a connection only as a `Conn`), and the compiler
 * checks every switch over these unions (see protocol/exhaustive.ts).
 */
import type {
  ChangeFrame, ClientFrame, CommandId, Encoding, ErrorCode, EventData, ModerationFrame, PresenceEntry, ReadFrame, SendFrame, ServerFrame, TopicFrame,
} from "../protocol/index.ts";
import type { SharedFrame } from "./shared-frame.ts";

/** What room and user actors may ask of a connection. */
export interface Conn {
  readonly user: string;
  readonly device: string;
  readonly client: string;
  /** Queue a frame for this client, after anything already queued for it. */
  reply(frame: ServerFrame): void;
  /** The same for a frame many connections are sent as it is (encoded once per encoding, not per connection). */
  replyShared(frame: SharedFrame): void;
  post(m: ConnectionMessage): void;
  /** May this connection's user read the stream (membership, DM party, own stream)? */
  canRead(stream: string): boolean;
  /** The user left the room (on any device): stop following it now. */
  revokeRoom(room: string): void;
}

/** A connection as the hub keeps it: a `Conn` it can also sweep and close. */
export interface Connected extends Conn {
  readonly encoding: Encoding;
  /** Its client takes `events` frames (true) or not (false); undefined before its hello (see ActorContext.greeted). */
  readonly batch: boolean | undefined;
  /**
   * One look at the unsent backlog: "closed" when it stayed over the limit since the previous
   * look (the socket is then closed), "over" when over it now, "ok" otherwise.
   */
  checkSlow(): "closed" | "over" | "ok";
  closeSocket(code: number, reason: string): void;
  /** Messages waiting in its mailbox (metrics). */
  readonly queued: number;
}

/** Anything with a mailbox. */
export interface Postable<M> { post(m: M): void }

export type ConnectionMessage =
  | { kind: "frame"; frame: ClientFrame }
  | { kind: "reject"; id: CommandId | undefined; code: ErrorCode; message: string }
  | { kind: "out"; frame: ServerFrame | SharedFrame }
  /**
   * Follow `room` from seq `from` (replayed from the log). `joined` is the `joined` event that
   * made the user a member: a connection that gets this message while the commit path is about to
   * publish that very event (`ActorContext.publishing`) needs no replay (see ConnectionActor.followAtCommit).
   */
  | { kind: "follow-room"; room: string; from: number; joined?: EventData }
  | { kind: "closed" };

export type RoomMessage =
  | { kind: "join"; conn: Conn; id: CommandId | undefined; private: boolean }
  | { kind: "leave"; conn: Conn; id: CommandId | undefined }
  | { kind: "send"; conn: Conn; frame: SendFrame }
  | { kind: "change"; conn: Conn; frame: ChangeFrame }
  | { kind: "typing"; conn: Conn }
  | { kind: "who"; conn: Conn; id: CommandId | undefined }
  | { kind: "topic"; conn: Conn; frame: TopicFrame }
  | { kind: "moderate"; conn: Conn; frame: ModerationFrame }
  | { kind: "info"; conn: Conn; id: CommandId | undefined }
  | { kind: "presence-on"; conn: Conn }
  | { kind: "presence-off"; conn: Conn }
  | { kind: "presence-expire"; key: string }
  /** Cluster mode: other nodes' presence in this room changed (key -> union over them now; undefined = offline there). */
  /** Cluster mode: a command refused on a replica that may have been behind, decided again now that it has caught up; this answer is final. */
  | { kind: "recheck"; command: RoomCommand };

/** The room messages a client's command becomes, each answered with an ack or an error. */
export type RoomCommand = Extract<RoomMessage, { kind: "join" | "leave" | "send" | "change" | "who" | "topic" | "moderate" | "info" }>;

export type UserMessage =
  | { kind: "attach"; conn: Conn }
  | { kind: "detach"; conn: Conn }
  | { kind: "dm"; conn: Conn; frame: SendFrame; to: string }
  | { kind: "change"; conn: Conn; frame: ChangeFrame }
  | { kind: "read"; conn: Conn; frame: ReadFrame }
  | { kind: "typing"; conn: Conn; stream: string }
  /** A join or leave of the user committed; `event` is the `joined` event when it is one (passed on to follow-room). */
  | { kind: "membership"; room: string; joined: boolean; seq: number; event?: EventData };
