/**
 * Input guards: turn an untrusted decoded value into a typed ClientFrame, or a precise error.
 * Hand-written because they sit on the hot path of every frame and ship to the browser too.
 */
import { ErrorCode } from "./codes.ts";
import type { ClientFrame, CommandId, Cursors, HelloFrame, SendTarget } from "./frames.ts";
import { isDeviceId, isRoomName, isUserName, parseStream } from "./names.ts";

export interface GuardLimits {
  /** Longest message text, in UTF-16 code units. */
  maxText: number;
  /** Most streams a hello may carry cursors for. */
  maxCursors: number;
  /** Largest history page. */
  maxPage: number;
}
/** Longest `hello.token` read; a JWT with the claims hubbub uses is a few hundred characters. */
export const MAX_TOKEN_LENGTH = 4096;

export const DEFAULT_GUARD_LIMITS: GuardLimits = { maxText: 4000, maxCursors: 5000, maxPage: 500 };

/** Longest room topic, in UTF-16 code units. */
export const MAX_TOPIC = 300;

export type GuardResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id: CommandId | undefined; code: ErrorCode; message: string };

type Obj = Record<string, unknown>;

/** Only a short string or a finite number is echoed back, so an error reply can never fail to encode. */
export function safeId(v: unknown): CommandId | undefined {
  if (typeof v === "string" && v.length <= 64) return v;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  return undefined;
}

const isSeq = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Well-formed UTF-16 only: SQLite stores a lone surrogate as U+FFFD, so two different cmids would collide. */
const isCmid = (v: unknown): v is string => typeof v === "string" && v.length >= 1 && v.length <= 64 && !LONE_SURROGATE.test(v);
const FORGEABLE = ["author", "from", "sender", "user"] as const;

class Reject extends Error {
  constructor(readonly code: ErrorCode, message: string) { super(message); }
}
const fail = (code: ErrorCode, message: string): never => { throw new Reject(code, message); };
const field = (name: string, what: string): never => fail(ErrorCode.InvalidField, `\`${name}\` must be ${what}`);

function text(o: Obj, limits: GuardLimits): string {
  if (typeof o.text !== "string") return field("text", "a string");
  if (o.text.length === 0) return field("text", "non-empty");
  if (o.text.length > limits.maxText) fail(ErrorCode.TooLarge, `\`text\` is longer than ${limits.maxText} characters`);
  return o.text;
}
function room(o: Obj): string {
  return isRoomName(o.room) ? o.room : field("room", "a room name (1-64 of A-Z a-z 0-9 _ . -)");
}
function user(o: Obj): string {
  return isUserName(o.user) ? o.user : field("user", "a user name (1-32 of A-Z a-z 0-9 _ . -)");
}
function stream(o: Obj): string {
  return parseStream(o.stream) ? (o.stream as string) : field("stream", "a stream name such as room:lobby");
}
function optSeq(o: Obj, name: string): number | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  return isSeq(v) ? v : field(name, "a non-negative integer");
}
function cursors(v: unknown, limits: GuardLimits): Cursors | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "object" || v === null || Array.isArray(v)) return field("cursors", "an object of stream: seq");
  const entries = Object.entries(v);
  if (entries.length > limits.maxCursors) fail(ErrorCode.TooLarge, `at most ${limits.maxCursors} cursors`);
  const out: Cursors = {};
  for (const [s, seq] of entries) {
    if (!parseStream(s)) field("cursors", `keyed by stream names (bad: ${s.slice(0, 80)})`);
    if (!isSeq(seq)) field("cursors", "an object of stream: non-negative integer");
    out[s] = seq as number;
  }
  return out;
}
function target(v: unknown): SendTarget {
  if (typeof v !== "object" || v === null) return field("to", "{room} or {user}");
  const t = v as Obj;
  if (t.room !== undefined && t.user === undefined) return { room: room(t) };
  if (t.user !== undefined && t.room === undefined) {
    return isUserName(t.user) ? { user: t.user } : field("to.user", "a user name");
  }
  return field("to", "exactly one of {room} or {user}");
}

function parse(o: Obj, id: CommandId | undefined, limits: GuardLimits): ClientFrame {
  switch (o.type) {
    case "hello": {
      if (o.user !== undefined && !isUserName(o.user)) field("user", "a user name (1-32 of A-Z a-z 0-9 _ . -)");
      if (o.token !== undefined && typeof o.token !== "string") field("token", "a string (a JWT)");
      if (typeof o.token === "string" && o.token.length > MAX_TOKEN_LENGTH) {
        fail(ErrorCode.TooLarge, `\`token\` is ${o.token.length} characters long; at most ${MAX_TOKEN_LENGTH} are accepted (a JWT with fewer or shorter claims fits)`);
      }
      if (!isDeviceId(o.device)) field("device", "a device id (1-64 of A-Z a-z 0-9 _ . -)");
      if (!isDeviceId(o.client)) field("client", "a client kind such as web or cli");
      if (o.presence !== undefined && typeof o.presence !== "boolean") field("presence", "true or false");
      if (o.batch !== undefined && typeof o.batch !== "boolean") field("batch", "true or false");
      const hello: HelloFrame = {
        type: "hello", id, device: o.device as string, client: o.client as string,
        user: o.user as string | undefined, token: o.token as string | undefined,
        cursors: cursors(o.cursors, limits),
      };
      if (o.presence === false) hello.presence = false;
      if (o.batch === true) hello.batch = true;
      return hello;
    }
    case "join": {
      if (o.private !== undefined && typeof o.private !== "boolean") field("private", "true or false");
      return o.private === true ? { type: "join", id, room: room(o), private: true } : { type: "join", id, room: room(o) };
    }
    case "invite": case "uninvite": case "kick": case "ban": case "unban":
      return { type: o.type, id, room: room(o), user: user(o) };
    case "set_role": {
      if (o.role !== "moderator" && o.role !== "member") field("role", "\"moderator\" or \"member\"");
      return { type: "set_role", id, room: room(o), user: user(o), role: o.role as "moderator" | "member" };
    }
    case "set_visibility": {
      if (o.visibility !== "public" && o.visibility !== "private") field("visibility", "\"public\" or \"private\"");
      return { type: "set_visibility", id, room: room(o), visibility: o.visibility as "public" | "private" };
    }
    case "room_info": return { type: "room_info", id, room: room(o) };
    case "leave": return { type: "leave", id, room: room(o) };
    case "send": {
      for (const k of FORGEABLE) {
        if (o[k] !== undefined) fail(ErrorCode.ForgedSender, `\`${k}\` is not accepted: the sender is always the authenticated connection`);
      }
      const to = target(o.to);
      if (!isCmid(o.cmid)) field("cmid", "a client message id of 1-64 characters");
      return { type: "send", id, to, cmid: o.cmid as string, text: text(o, limits) };
    }
    case "edit":
    case "delete": {
      const s = stream(o);
      const seq = optSeq(o, "seq");
      if (seq === undefined || seq < 1) field("seq", "the seq of the message to change");
      if (!isCmid(o.cmid)) field("cmid", "a client message id of 1-64 characters");
      return o.type === "edit"
        ? { type: "edit", id, stream: s, seq: seq as number, cmid: o.cmid as string, text: text(o, limits) }
        : { type: "delete", id, stream: s, seq: seq as number, cmid: o.cmid as string };
    }
    case "history": {
      const s = stream(o);
      const before = optSeq(o, "before");
      const after = optSeq(o, "after");
      if (before !== undefined && after !== undefined) field("before", "absent when `after` is given");
      let limit = optSeq(o, "limit") ?? 50;
      if (limit < 1) field("limit", "at least 1");
      limit = Math.min(limit, limits.maxPage);
      return { type: "history", id, stream: s, before, after, limit };
    }
    case "react": {
      const s = stream(o);
      const seq = optSeq(o, "seq");
      if (seq === undefined || seq < 1) field("seq", "the seq of the message to react to");
      if (!isCmid(o.cmid)) field("cmid", "a client message id of 1-64 characters");
      if (typeof o.emoji !== "string" || o.emoji.length === 0 || o.emoji.length > 16 || /\s/.test(o.emoji) || LONE_SURROGATE.test(o.emoji)) {
        field("emoji", "1-16 characters without spaces");
      }
      if (typeof o.on !== "boolean") field("on", "true (add) or false (take back)");
      return { type: "react", id, stream: s, seq: seq as number, cmid: o.cmid as string, emoji: o.emoji as string, on: o.on as boolean };
    }
    case "topic": {
      if (typeof o.text !== "string" || o.text.length > MAX_TOPIC) field("text", `a string of at most ${MAX_TOPIC} characters`);
      return { type: "topic", id, room: room(o), text: (o.text as string).trim() };
    }
    case "search": {
      const s = stream(o);
      if (typeof o.q !== "string" || o.q.trim().length === 0 || o.q.length > 200) field("q", "a string of 1-200 characters");
      const before = optSeq(o, "before");
      const limit = Math.min(Math.max(optSeq(o, "limit") ?? 20, 1), 50);
      return { type: "search", id, stream: s, q: o.q as string, before, limit };
    }
    case "read": {
      const s = stream(o);
      const seq = optSeq(o, "seq");
      if (seq === undefined) field("seq", "a non-negative integer");
      return { type: "read", id, stream: s, seq: seq as number };
    }
    case "typing": return { type: "typing", stream: stream(o) };
    case "ping": return { type: "ping", id, t: typeof o.t === "number" && Number.isFinite(o.t) ? o.t : undefined };
    case "rooms": return { type: "rooms", id };
    case "who": return { type: "who", id, room: room(o) };
    case "whois": return { type: "whois", id, user: user(o) };
    default:
      return fail(ErrorCode.UnknownType, typeof o.type === "string"
        ? `unknown frame type \`${o.type.slice(0, 40)}\``
        : "every frame needs a string `type`");
  }
}

export function guardClientFrame(raw: unknown, limits: GuardLimits = DEFAULT_GUARD_LIMITS): GuardResult {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, id: undefined, code: ErrorCode.BadFrame, message: "a frame must be an object with a `type`" };
  }
  const o = raw as Obj;
  const id = safeId(o.id);
  if (o.id !== undefined && id === undefined) {
    return { ok: false, id: undefined, code: ErrorCode.InvalidField, message: "`id` must be a string of at most 64 characters or a finite number" };
  }
  try {
    return { ok: true, frame: parse(o, id, limits) };
  } catch (e) {
    if (e instanceof Reject) return { ok: false, id, code: e.code, message: e.message };
    return { ok: false, id, code: ErrorCode.BadFrame, message: "malformed frame" };
  }
}
