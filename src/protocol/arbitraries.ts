/** fast-check arbitraries for every frame of the protocol (used by property tests across the project). */
import fc from "fast-check";
import type { ClientFrame, EventData, PresenceEntry, ServerFrame } from "./frames.ts";
import { ErrorCode } from "./codes.ts";

const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,16}$/);
const id = fc.option(fc.oneof(fc.string({ maxLength: 64 }), fc.integer()), { nil: undefined });
const seq = fc.nat({ max: 1_000_000 });
const target = fc.integer({ min: 1, max: 1_000_000 });
/** Any code points, lone surrogates included: both encodings must carry text exactly as sent. */
const anyString = (opts: { minLength?: number; maxLength?: number } = {}) => fc.string({ maxLength: 200, ...opts, unit: "binary" });
const text = anyString({ minLength: 1 });
const stream = fc.oneof(name.map((r) => `room:${r}`), name.map((u) => `user:${u}`), fc.constant("broadcast"),
  fc.tuple(name, name).filter(([a, b]) => a < b).map(([a, b]) => `dm:${a}:${b}`));

export const eventDataArb: fc.Arbitrary<EventData> = fc.record({
  stream, seq, pos: seq, at: fc.nat(), author: name,
  kind: fc.constantFrom("message", "edit", "delete", "joined", "left", "read", "room_joined", "room_left", "broadcast"),
  body: fc.dictionary(fc.constantFrom("text", "target", "stream", "seq", "room"), fc.oneof(anyString(), fc.nat())),
  cmid: fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined }),
}, { requiredKeys: ["stream", "seq", "pos", "at", "author", "kind", "body"] });

const presenceEntry: fc.Arbitrary<PresenceEntry> = fc.record({ user: name, device: name, client: fc.constantFrom("web", "cli") });

/** Drops `undefined` properties, which neither encoding carries. */
const clean = <T extends object>(a: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  a.map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T);

export const clientFrameArb: fc.Arbitrary<ClientFrame> = clean(fc.oneof(
  fc.record({ type: fc.constant("hello" as const), id, user: fc.option(name, { nil: undefined }), token: fc.option(fc.string(), { nil: undefined }),
    device: name, client: fc.constantFrom("web", "cli"), cursors: fc.option(fc.dictionary(stream, seq), { nil: undefined }),
    presence: fc.option(fc.constant(false), { nil: undefined }), batch: fc.option(fc.constant(true), { nil: undefined }) }),
  fc.record({ type: fc.constant("join" as const), id, room: name, private: fc.option(fc.constant(true as const), { nil: undefined }) }),
  fc.record({ type: fc.constantFrom("invite" as const, "uninvite" as const, "kick" as const, "ban" as const, "unban" as const), id, room: name, user: name }),
  fc.record({ type: fc.constant("set_role" as const), id, room: name, user: name, role: fc.constantFrom("moderator" as const, "member" as const) }),
  fc.record({ type: fc.constant("set_visibility" as const), id, room: name, visibility: fc.constantFrom("public" as const, "private" as const) }),
  fc.record({ type: fc.constant("room_info" as const), id, room: name }),
  fc.record({ type: fc.constant("leave" as const), id, room: name }),
  fc.record({ type: fc.constant("send" as const), id, to: fc.oneof(fc.record({ room: name }), fc.record({ user: name })), cmid: name, text }),
  fc.record({ type: fc.constant("edit" as const), id, stream, seq: target, cmid: name, text }),
  fc.record({ type: fc.constant("delete" as const), id, stream, seq: target, cmid: name }),
  fc.record({ type: fc.constant("history" as const), id, stream, before: fc.option(seq, { nil: undefined }), limit: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }) }),
  fc.record({ type: fc.constant("history" as const), id, stream, after: seq, limit: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }) }),
  fc.record({ type: fc.constant("read" as const), id, stream, seq }),
  fc.record({ type: fc.constant("typing" as const), stream }),
  fc.record({ type: fc.constant("ping" as const), id, t: fc.option(fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0))), { nil: undefined }) }),
  fc.record({ type: fc.constant("rooms" as const), id }),
  fc.record({ type: fc.constant("who" as const), id, room: name }),
  fc.record({ type: fc.constant("whois" as const), id, user: name }),
  fc.record({ type: fc.constant("topic" as const), id, room: name, text: name }),
  fc.record({ type: fc.constant("react" as const), id, stream, seq: target, cmid: name, emoji: fc.constantFrom("👍", "🎉", "+1"), on: fc.boolean() }),
  fc.record({ type: fc.constant("search" as const), id, stream, q: name, before: fc.option(seq, { nil: undefined }), limit: fc.integer({ min: 1, max: 50 }) }),
) as fc.Arbitrary<ClientFrame>);

export const serverFrameArb: fc.Arbitrary<ServerFrame> = clean(fc.oneof(
  fc.record({ type: fc.constant("welcome" as const), id, user: name, device: name, epoch: fc.uuid(),
    streams: fc.array(fc.record({ stream, kind: fc.constantFrom("room" as const, "dm" as const, "user" as const, "broadcast" as const), name, head: seq, unread: seq, mentions: seq }), { maxLength: 5 }),
    reads: fc.dictionary(stream, seq), heartbeatMs: fc.nat(), limits: fc.record({ maxPayload: fc.nat(), maxText: fc.nat() }) }),
  eventDataArb.map((e) => ({ type: "event" as const, ...e })),
  fc.record({ type: fc.constant("events" as const), stream, events: fc.array(eventDataArb.map(clean1), { minLength: 2, maxLength: 4 }) }),
  fc.record({ type: fc.constant("ack" as const), id, stream, seq, pos: seq, duplicate: fc.option(fc.constant(true), { nil: undefined }) }),
  fc.record({ type: fc.constant("synced" as const), id }),
  fc.record({ type: fc.constant("truncated" as const), stream, cursor: seq, first: seq }),
  fc.record({ type: fc.constant("presence" as const), id, room: name, online: fc.option(fc.array(presenceEntry, { maxLength: 4 }), { nil: undefined }),
    joined: fc.option(fc.array(presenceEntry, { maxLength: 2 }), { nil: undefined }), left: fc.option(fc.array(presenceEntry, { maxLength: 2 }), { nil: undefined }) }),
  fc.record({ type: fc.constant("typing" as const), stream, user: name }),
  fc.record({ type: fc.constant("page" as const), id, stream, events: fc.array(eventDataArb.map(clean1), { maxLength: 4 }), more: fc.boolean() }),
  fc.record({ type: fc.constant("room_list" as const), id, rooms: fc.array(fc.record({ room: name, members: fc.nat(), head: seq, member: fc.boolean(),
    visibility: fc.constant("private" as const), invited: fc.constant(true as const), role: fc.constantFrom("owner" as const, "moderator" as const) },
    { requiredKeys: ["room", "members", "head", "member"] }), { maxLength: 4 }) }),
  fc.record({ type: fc.constant("error" as const), id, code: fc.constantFrom(...Object.values(ErrorCode)), message: anyString() }),
  fc.record({ type: fc.constant("pong" as const), id, t: fc.option(fc.nat(), { nil: undefined }) }),
  fc.record({ type: fc.constant("user_info" as const), id, user: name, known: fc.boolean() }),
  fc.record({ type: fc.constant("room_settings" as const), id, room: name, visibility: fc.constantFrom("public" as const, "private" as const),
    owner: fc.option(name, { nil: undefined }), moderators: fc.array(name, { maxLength: 3 }),
    invited: fc.option(fc.array(name, { maxLength: 3 }), { nil: undefined }), banned: fc.option(fc.array(name, { maxLength: 3 }), { nil: undefined }),
    members: fc.option(fc.array(name, { maxLength: 3 }), { nil: undefined }), memberCount: fc.option(fc.nat(), { nil: undefined }) }),
  fc.record({ type: fc.constant("search_results" as const), id, stream, q: name, events: fc.array(eventDataArb.map(clean1), { maxLength: 3 }), next: fc.option(seq, { nil: undefined }) }),
) as fc.Arbitrary<ServerFrame>);

function clean1(e: EventData): EventData {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as EventData;
}

/** The frame of issue 8, item 1: 64 KB of nested array16 headers, each claiming 10,000 entries. */
export function nestedArray16Bomb(size = 64 * 1024): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(size - (size % 3));
  for (let i = 0; i < b.length; i += 3) { b[i] = 0xdc; b[i + 1] = 0x27; b[i + 2] = 0x10; }
  return b;
}
