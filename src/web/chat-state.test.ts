import { expect, test } from "bun:test";
import type { EventData, WelcomeFrame } from "../protocol/index.ts";
import { ChatState } from "./chat-state.ts";

const welcome: WelcomeFrame = {
  type: "welcome", user: "ann", device: "d", epoch: "e", heartbeatMs: 1000, limits: { maxPayload: 1, maxText: 1 },
  streams: [{ stream: "room:a", kind: "room", name: "a", head: 3, unread: 2, mentions: 0 }, { stream: "user:ann", kind: "user", name: "ann", head: 0, unread: 0, mentions: 0 }],
  reads: { "room:a": 1 },
};
const msg = (seq: number, author: string, extra: Partial<EventData> = {}): EventData =>
  ({ stream: "room:a", seq, pos: seq, at: seq, author, kind: "message", body: { text: `m${seq}` }, ...extra });

test("unread counts follow live messages by others and drop when a read cursor moves anywhere", () => {
  const s = new ChatState();
  s.welcome(welcome);
  expect(s.list("room").map((r) => [r.name, r.unread])).toEqual([["a", 2]]);
  s.event(msg(2, "bob"), false);
  s.event(msg(3, "bob"), false);
  s.event(msg(4, "bob"), true);
  s.event(msg(5, "ann"), true);
  expect(s.streams.get("room:a")?.unread).toBe(3);
  s.event({ stream: "user:ann", seq: 1, pos: 9, at: 9, author: "ann", kind: "read", body: { stream: "room:a", seq: 4 } }, true);
  expect(s.streams.get("room:a")).toMatchObject({ read: 4, unread: 0, mentions: 0 });
});

test("my pending message is replaced by its event, edits and deletes apply to their target", () => {
  const s = new ChatState();
  s.welcome(welcome);
  s.outbox({ cmid: "c1", to: { room: "a" }, text: "hello", createdAt: 1, status: "pending" });
  expect(s.messagesOf("room:a").map((m) => [m.text, m.state])).toEqual([["hello", "pending"]]);
  s.event(msg(4, "ann", { cmid: "c1", body: { text: "hello" } }), true);
  s.outbox({ cmid: "c1", to: { room: "a" }, text: "hello", createdAt: 1, status: "sent", stream: "room:a", seq: 4 });
  expect(s.messagesOf("room:a").map((m) => [m.seq, m.state])).toEqual([[4, "sent"]]);
  s.event(msg(5, "ann", { kind: "edit", body: { target: 4, text: "hello!" } }), true);
  expect(s.messagesOf("room:a")[0]).toMatchObject({ text: "hello!", edited: true });
  s.event(msg(6, "ann", { kind: "delete", body: { target: 4 } }), true);
  expect(s.messagesOf("room:a")[0]).toMatchObject({ deleted: true });
  s.outbox({ cmid: "c2", to: { room: "a" }, text: "no", createdAt: 2, status: "failed", error: { code: "not_member", message: "x" } });
  expect(s.messagesOf("room:a").at(-1)).toMatchObject({ state: "failed", error: "not_member: x" });
});

test("rooms joined or left on another device appear and disappear; presence applies diffs", () => {
  const s = new ChatState();
  s.welcome(welcome);
  s.event({ stream: "user:ann", seq: 2, pos: 10, at: 10, author: "ann", kind: "room_joined", body: { room: "b" } }, true);
  expect(s.list("room").map((r) => r.name)).toEqual(["a", "b"]);
  s.event({ stream: "user:ann", seq: 3, pos: 11, at: 11, author: "ann", kind: "room_left", body: { room: "a" } }, true);
  expect(s.list("room").map((r) => r.name)).toEqual(["b"]);
  s.presenceFrame({ type: "presence", room: "b", online: [{ user: "bob", device: "1", client: "cli" }] });
  s.presenceFrame({ type: "presence", room: "b", joined: [{ user: "cy", device: "2", client: "web" }] });
  s.presenceFrame({ type: "presence", room: "b", left: [{ user: "bob", device: "1", client: "cli" }] });
  expect(s.online("room:b").map((e) => e.user)).toEqual(["cy"]);
});

test("a resume's replay is not counted twice: the welcome's unread already includes it", () => {
  const s = new ChatState();
  s.welcome({ ...welcome, streams: [{ stream: "room:a", kind: "room", name: "a", head: 5, unread: 2, mentions: 0 }], reads: { "room:a": 3 } });
  s.event(msg(4, "bob"), true); // replayed after the cursor: part of the 2
  s.event(msg(5, "bob"), true);
  expect(s.streams.get("room:a")?.unread).toBe(2);
  s.event(msg(6, "bob"), true); // new since the welcome
  expect(s.streams.get("room:a")?.unread).toBe(3);
});

test("a message whose text is 'joined' is a message, not a join notice", () => {
  const s = new ChatState();
  s.welcome(welcome);
  s.event(msg(4, "bob", { body: { text: "joined" } }), true);
  s.event(msg(5, "cy", { kind: "joined", body: {} }), true);
  expect(s.messagesOf("room:a").map((m) => [m.kind, m.text])).toEqual([["message", "joined"], ["joined", "joined"]]);
  expect(s.streams.get("room:a")?.unread).toBe(3);
});

test("an edit seen before its message (history loaded later) still applies", () => {
  const s = new ChatState();
  s.welcome(welcome);
  s.event(msg(4, "bob", { kind: "edit", body: { target: 2, text: "fixed" } }), true);
  s.event(msg(2, "bob"), false);
  expect(s.messagesOf("room:a")[0]).toMatchObject({ seq: 2, text: "fixed", edited: true });
});

test("a read cursor past messages not loaded gives an upper bound and says so", () => {
  const s = new ChatState();
  s.welcome({ ...welcome, streams: [{ stream: "room:a", kind: "room", name: "a", head: 10, unread: 8, mentions: 0 }], reads: { "room:a": 2 } });
  expect(s.markRead("room:a", 7)).toBe(false);
  expect(s.streams.get("room:a")?.unread).toBe(3);
  for (let i = 8; i <= 10; i++) s.event(msg(i, i === 9 ? "ann" : "bob"), false);
  expect(s.markRead("room:a", 8)).toBe(true);
  expect(s.streams.get("room:a")?.unread).toBe(1);
});

test("the newest broadcast wins", () => {
  const s = new ChatState();
  s.event({ stream: "broadcast", seq: 2, pos: 1, at: 5, author: "@operator", kind: "broadcast", body: { text: "maintenance at 6" } }, true);
  s.event({ stream: "broadcast", seq: 1, pos: 0, at: 4, author: "@operator", kind: "broadcast", body: { text: "old" } }, false);
  expect(s.broadcast).toEqual({ text: "maintenance at 6", at: 5, seq: 2 });
});

test("a snapshot restores the streams and newest messages; forgetting history keeps unsent and refused messages", () => {
  const s = new ChatState();
  s.welcome(welcome);
  for (let i = 1; i <= 5; i++) s.event(msg(i, "bob"), false);
  s.outbox({ cmid: "c1", to: { room: "a" }, text: "unsent", createdAt: 9, status: "pending" });
  const snap = JSON.parse(JSON.stringify(s.snapshot(3)));
  expect(snap.messages["room:a"].map((m: { text: string }) => m.text)).toEqual(["m3", "m4", "m5"]);

  const later = new ChatState();
  later.me = "ann";
  later.outbox({ cmid: "c1", to: { room: "a" }, text: "unsent", createdAt: 9, status: "pending" });
  later.restore(snap);
  expect(later.list("room").map((r) => r.name)).toEqual(["a"]);
  expect(later.messagesOf("room:a").map((m) => m.text)).toEqual(["m3", "m4", "m5", "unsent"]);
  expect(later.oldest.get("room:a")).toBe(3);
  later.forgetHistory();
  expect(later.messagesOf("room:a").map((m) => m.text)).toEqual(["unsent"]);
  expect(later.oldest.get("room:a")).toBeUndefined();

  const other = new ChatState();
  other.me = "bob"; // another user's snapshot is never shown
  other.restore(snap);
  expect(other.streams.size).toBe(0);
});

test("mentions of me are counted apart from other unread messages, and cleared by reading", () => {
  const s = new ChatState();
  s.welcome({ ...welcome, streams: [{ stream: "room:a", kind: "room", name: "a", head: 0, unread: 0, mentions: 0 }], reads: {} });
  s.event(msg(1, "bob", { body: { text: "hi all" } }), true);
  s.event(msg(2, "bob", { body: { text: "@ann look" } }), true);
  s.event(msg(3, "bob", { body: { text: "`@ann` in code" } }), true);
  expect(s.streams.get("room:a")).toMatchObject({ unread: 3, mentions: 1 });
  s.markRead("room:a", 1);
  expect(s.streams.get("room:a")).toMatchObject({ unread: 2, mentions: 1 });
  s.markRead("room:a", 3);
  expect(s.streams.get("room:a")).toMatchObject({ unread: 0, mentions: 0 });
});

test("reactions: the latest event per person and emoji counts, whatever order history brings them in", () => {
  const s = new ChatState();
  s.welcome(welcome);
  const react = (seq: number, author: string, emoji: string, on: number) =>
    s.event(msg(seq, author, { kind: "reaction", body: { target: 2, emoji, on } }), false);
  react(7, "bob", "👍", 0); // bob took it back later…
  react(5, "bob", "👍", 1); // …than this, which arrives second (an older history page)
  react(6, "cy", "👍", 1);
  react(4, "cy", "🎉", 1);
  s.event(msg(2, "ann"), false);
  expect(s.reactionsOf("room:a", 2)).toEqual([{ emoji: "🎉", users: ["cy"] }, { emoji: "👍", users: ["cy"] }]);
});

test("mentions after a reload come from the server's count, not from the messages this tab loaded", () => {
  const s = new ChatState();
  s.welcome({ ...welcome, streams: [{ stream: "room:a", kind: "room", name: "a", head: 40, unread: 30, mentions: 4 }], reads: { "room:a": 10 } });
  expect(s.streams.get("room:a")).toMatchObject({ unread: 30, mentions: 4 });
  s.event(msg(41, "bob", { body: { text: "@ann again" } }), true);
  expect(s.streams.get("room:a")).toMatchObject({ unread: 31, mentions: 5 });
  // A reconnect's welcome is the server's word again (another device may have read some of them).
  s.welcome({ ...welcome, streams: [{ stream: "room:a", kind: "room", name: "a", head: 41, unread: 2, mentions: 1 }], reads: { "room:a": 39 } });
  expect(s.streams.get("room:a")).toMatchObject({ unread: 2, mentions: 1 });
});
