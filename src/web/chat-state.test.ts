import { expect, test } from "bun:test";
import type { EventData, WelcomeFrame } from "../protocol/index.ts";
import { ChatState } from "./chat-state.ts";

const welcome: WelcomeFrame = {
  type: "welcome", user: "ann", device: "d", epoch: "e", heartbeatMs: 1000, limits: { maxPayload: 1, maxText: 1 },
  streams: [{ stream: "room:a", kind: "room", name: "a", head: 3, unread: 2 }, { stream: "user:ann", kind: "user", name: "ann", head: 0, unread: 0 }],
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
  expect(s.streams.get("room:a")).toMatchObject({ read: 4, unread: 0 });
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
