import { expect, test } from "bun:test";
import { RoomSettingsBook, type RoomSettings } from "./room-settings.ts";
import { clientHarness, ev } from "./testing.ts";
import type { EventKind } from "../protocol/index.ts";

test("moderation commands send their frames; roomInfo's answer is kept current by the room's events and forgotten when I am removed", async () => {
  const { c, live } = clientHarness();
  c.connect();
  const s = live();
  const sent = () => s.sent.at(-1) as unknown as Record<string, unknown> & { id: string };
  const calls: [() => Promise<unknown>, Record<string, unknown>][] = [
    [() => c.createRoom("plans", { private: true }), { type: "join", room: "plans", private: true }],
    [() => c.join("lobby"), { type: "join", room: "lobby" }],
    [() => c.invite("plans", "bob"), { type: "invite", room: "plans", user: "bob" }],
    [() => c.uninvite("plans", "bob"), { type: "uninvite", room: "plans", user: "bob" }],
    [() => c.kick("plans", "bob"), { type: "kick", room: "plans", user: "bob" }],
    [() => c.ban("plans", "eve"), { type: "ban", room: "plans", user: "eve" }],
    [() => c.unban("plans", "eve"), { type: "unban", room: "plans", user: "eve" }],
    [() => c.setRole("plans", "bob", "moderator"), { type: "set_role", room: "plans", user: "bob", role: "moderator" }],
    [() => c.setVisibility("plans", "public"), { type: "set_visibility", room: "plans", visibility: "public" }],
  ];
  for (const [call, frame] of calls) {
    const p = call();
    expect(sent()).toEqual({ ...frame, id: sent().id });
    s.push({ type: "ack", id: sent().id, stream: "room:plans", seq: 1, pos: 1 });
    await p;
  }
  const denied = c.kick("plans", "ann");
  s.push({ type: "error", id: sent().id, code: "forbidden", message: "no" });
  await expect(denied).rejects.toMatchObject({ code: "forbidden" });

  expect(c.roomSettings("plans")).toBeUndefined();
  const info = c.roomInfo("plans");
  s.push({ type: "room_settings", id: sent().id, room: "plans", visibility: "private", owner: "ann", moderators: [], invited: [], banned: [] });
  expect(await info).toEqual({ room: "plans", visibility: "private", owner: "ann", moderators: [], invited: [], banned: [] });
  const changes: RoomSettings[] = [];
  c.on("room_settings", (r) => changes.push(r));
  s.push(ev("room:plans", 1, { kind: "invited", author: "ann", body: { user: "bob" } }));
  s.push(ev("room:plans", 2, { kind: "joined", author: "bob", body: { via: "invite" } }));
  s.push(ev("room:plans", 3, { kind: "role", author: "ann", body: { user: "bob", role: "moderator" } }));
  s.push(ev("room:plans", 4, { kind: "banned", author: "bob", body: { user: "eve" } }));
  s.push(ev("room:plans", 5, { kind: "visibility", author: "ann", body: { visibility: "public" } }));
  s.push(ev("room:plans", 6, { kind: "invited", author: "ann", body: { user: "cy" } }));
  expect(c.roomSettings("plans")?.invited).toEqual(["cy"]);
  s.push(ev("room:plans", 7, { kind: "uninvited", author: "bob", body: { user: "cy" } }));
  expect(c.roomSettings("plans")).toEqual({ room: "plans", visibility: "public", owner: "ann", moderators: ["bob"], invited: [], banned: ["eve"] });
  expect(changes.map((r) => r.visibility)).toEqual(["private", "private", "private", "private", "public", "public", "public"]);
  s.push(ev("user:ann", 1, { kind: "room_left", author: "bob", body: { room: "plans", reason: "kicked" } }));
  expect(c.roomSettings("plans")).toBeUndefined();
});

test("the member list follows joins, leaves, kicks and bans; a capped list stays the sorted prefix with the count of all", () => {
  const book = new RoomSettingsBook();
  const base = { type: "room_settings" as const, room: "r", visibility: "public" as const, owner: "ann", moderators: [] };
  let n = 0;
  const fold = (kind: EventKind, author: string, user?: string) => book.apply(ev("room:r", ++n, { kind, author, body: user ? { user } : {} }));
  const members = () => [book.get("r")?.members, book.get("r")?.memberCount];

  book.set({ ...base, members: ["ann", "cy"], memberCount: 2 });
  fold("joined", "bob");
  fold("joined", "bob"); // the answer and the event crossed: listed once
  fold("joined", "zed");
  expect(members()).toEqual([["ann", "bob", "cy", "zed"], 4]);
  fold("left", "cy");
  fold("kicked", "ann", "zed");
  fold("banned", "ann", "eve"); // never a member
  expect(members()).toEqual([["ann", "bob"], 2]);

  // Capped: the server listed the first 3 of 10 members.
  book.set({ ...base, members: ["b", "d", "f"], memberCount: 10 });
  fold("joined", "c"); // inside the prefix: listed, "f" pushed out
  expect(members()).toEqual([["b", "c", "d"], 11]);
  fold("joined", "x"); // beyond it: counted only
  expect(members()).toEqual([["b", "c", "d"], 12]);
  fold("left", "y"); // beyond it, a member: counted
  fold("kicked", "b", "d"); // listed
  fold("banned", "b", "a"); // inside the prefix, not listed: was no member
  expect(members()).toEqual([["b", "c"], 10]);

  // Not a member when asked: no list, and events do not make one up.
  book.set({ ...base });
  fold("joined", "bob");
  expect(members()).toEqual([undefined, undefined]);
});
