/**
 * The closed tables of error codes (sent in `error` frames) and WebSocket close codes.
 * Clients decide what to do next from these tables alone, so every entry says it.
 */

export const ErrorCode = {
  BadFrame: "bad_frame",
  UnknownType: "unknown_type",
  InvalidField: "invalid_field",
  ForgedSender: "forged_sender",
  TooLarge: "too_large",
  HelloRequired: "hello_required",
  AlreadyHello: "already_hello",
  Unauthorized: "unauthorized",
  NotMember: "not_member",
  UnknownRoom: "unknown_room",
  UnknownUser: "unknown_user",
  UnknownEvent: "unknown_event",
  NotAuthor: "not_author",
  /** A room command only the room's owner or moderators may give (or never on this target: the owner, a moderator). */
  Forbidden: "forbidden",
  /** Banned from that room: no join until unbanned. */
  Banned: "banned",
  /** Joining a private room needs an invite from its owner or a moderator. */
  NotInvited: "not_invited",
  /** `join` with `private: true` of a room that exists already. */
  RoomExists: "room_exists",
  RateLimited: "rate_limited",
  TooManyRooms: "too_many_rooms",
  Overloaded: "overloaded",
  /** The server cannot store anything right now (disk full, storage failing); nothing was stored. */
  StoreUnavailable: "store_unavailable",
  Internal: "internal",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Whether re-sending the same command later can succeed. */
export const RETRYABLE_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.RateLimited,
  ErrorCode.Overloaded,
  ErrorCode.StoreUnavailable,
  ErrorCode.Internal,
]);

/** What a client should do after a close. */
export type CloseAdvice = "stop" | "reconnect" | "reconnect-now";

/**
 * Application close codes follow one rule a client can apply to unknown codes too:
 * 4000–4099 stop (do not reconnect), 4100–4199 reconnect with backoff, 4200–4299 reconnect now.
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  Abnormal: 1006,
  MessageTooBig: 1009,
  InternalError: 1011,
  Unauthorized: 4001,
  UnsupportedProtocol: 4002,
  Forbidden: 4003,
  /** Too many frames or bytes before hello was accepted (--pre-hello-frames/--pre-hello-bytes). */
  PreHelloLimit: 4004,
  HelloTimeout: 4100,
  Flood: 4101,
  Overloaded: 4102,
  HeartbeatTimeout: 4103,
  /** The user already has --max-connections-per-user connections open. */
  UserConnectionLimit: 4104,
  /** The client's address already has --max-connections-per-ip connections open. */
  AddressConnectionLimit: 4105,
  /** Cluster mode: this node cannot reach the shared store (--store-timeout-ms); reconnect later, to any node. */
  StoreUnreachable: 4106,
  SlowConsumer: 4200,
  ServerRestart: 4201,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export function closeAdvice(code: number): CloseAdvice {
  if (code >= 4000 && code < 4100) return "stop";
  if (code >= 4200 && code < 4300) return "reconnect-now";
  if (code === CloseCode.Normal) return "stop";
  return "reconnect";
}
