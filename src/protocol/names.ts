/**
 * Names of users, rooms and devices, and the streams built from them.
 *
 * A stream is one gapless sequence of events in the log:
 *   room:<room>        a group room
 *   dm:<a>:<b>         the direct messages of two users (a < b, so one stream per pair)
 *   user:<id>          a user's private stream: read cursors, rooms joined/left (multi-device sync)
 *   broadcast          operator announcements, readable by everyone
 * ':' is not allowed in names, so a stream name always parses back unambiguously.
 */
const NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const ROOM = /^[A-Za-z0-9_.-]{1,64}$/;
const DEVICE = /^[A-Za-z0-9_.-]{1,64}$/;

export const isUserName = (s: unknown): s is string => typeof s === "string" && NAME.test(s);
export const isRoomName = (s: unknown): s is string => typeof s === "string" && ROOM.test(s);
export const isDeviceId = (s: unknown): s is string => typeof s === "string" && DEVICE.test(s);

export type StreamKind = "room" | "dm" | "user" | "broadcast";
export const BROADCAST_STREAM = "broadcast";

export const roomStream = (room: string): string => `room:${room}`;
export const userStream = (user: string): string => `user:${user}`;
export const dmStream = (a: string, b: string): string => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);

export type ParsedStream =
  | { kind: "room"; room: string }
  | { kind: "dm"; users: [string, string] }
  | { kind: "user"; user: string }
  | { kind: "broadcast" };

export function parseStream(stream: unknown): ParsedStream | undefined {
  if (typeof stream !== "string") return undefined;
  if (stream === BROADCAST_STREAM) return { kind: "broadcast" };
  const parts = stream.split(":");
  if (parts[0] === "room" && parts.length === 2 && isRoomName(parts[1])) return { kind: "room", room: parts[1] };
  if (parts[0] === "user" && parts.length === 2 && isUserName(parts[1])) return { kind: "user", user: parts[1] };
  if (parts[0] === "dm" && parts.length === 3 && isUserName(parts[1]) && isUserName(parts[2]) && parts[1] < parts[2]) {
    return { kind: "dm", users: [parts[1], parts[2]] };
  }
  return undefined;
}

/** The other participant of a DM stream, seen from `me`. */
export function dmPeer(stream: string, me: string): string | undefined {
  const p = parseStream(stream);
  if (p?.kind !== "dm") return undefined;
  if (p.users[0] === me) return p.users[1];
  if (p.users[1] === me) return p.users[0];
  return undefined;
}
