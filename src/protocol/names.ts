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

/** Parsed streams are shared (see parseStream): read them, never change them. */
export type ParsedStream =
  | { readonly kind: "room"; readonly room: string }
  | { readonly kind: "dm"; readonly users: readonly [string, string] }
  | { readonly kind: "user"; readonly user: string }
  | { readonly kind: "broadcast" };

const BROADCAST: ParsedStream = { kind: "broadcast" };

/**
 * Every committed event and most commands parse a stream name, and a server sees few distinct
 * ones, so results are remembered. Bounded: past the limit the memory starts again from empty.
 */
const parsed = new Map<string, ParsedStream>();
const PARSED_LIMIT = 10_000;

export function parseStream(stream: unknown): ParsedStream | undefined {
  if (typeof stream !== "string") return undefined;
  const known = parsed.get(stream);
  if (known) return known;
  const p = parseFresh(stream);
  if (p) {
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(stream, p);
  }
  return p;
}

function parseFresh(stream: string): ParsedStream | undefined {
  if (stream === BROADCAST_STREAM) return BROADCAST;
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
