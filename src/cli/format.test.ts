import { describe, expect, test } from "bun:test";
import type { EventData } from "../protocol/index.ts";
import { errorLine, eventJson, eventLine, presenceLine, roomLine, stateLine, when, where } from "./format.ts";

const at = new Date(2026, 10, 28, 9, 5).getTime();
const ev = (over: Partial<EventData>): EventData => ({ stream: "room:lobby", seq: 7, pos: 70, at, author: "bob", kind: "message", body: { text: "hi" }, ...over });

describe("event lines", () => {
  test("today shows the time, another day the date too", () => {
    expect(when(at, at + 3600_000)).toBe("09:05");
    expect(when(at, at + 86_400_000)).toBe("2026-11-28 09:05");
  });

  test("rooms are #name and a DM is @the-other-person, whichever side I am", () => {
    expect(where("room:lobby", "amy")).toBe("#lobby");
    expect(where("dm:amy:bob", "amy")).toBe("@bob");
    expect(where("dm:amy:bob", "bob")).toBe("@amy");
    expect(where("broadcast", "amy")).toBe("broadcast");
  });

  test("one line per kind of event", () => {
    expect(eventLine(ev({}), "amy", at)).toBe("[09:05] #lobby bob: hi");
    expect(eventLine(ev({ stream: "dm:amy:bob" }), "amy", at)).toBe("[09:05] @bob bob: hi");
    expect(eventLine(ev({ kind: "edit", body: { target: 3, text: "fixed" } }), "amy", at)).toBe("[09:05] #lobby bob edited message 3: fixed");
    expect(eventLine(ev({ kind: "delete", body: { target: 3 } }), "amy", at)).toBe("[09:05] #lobby bob deleted message 3");
    expect(eventLine(ev({ kind: "joined", body: {} }), "amy", at)).toBe("[09:05] #lobby → bob joined");
    expect(eventLine(ev({ kind: "left", body: {} }), "amy", at)).toBe("[09:05] #lobby ← bob left");
    expect(eventLine(ev({ stream: "broadcast", kind: "broadcast", author: "@operator", body: { text: "maintenance at 6" } }), "amy", at)).toBe("[09:05] 📣 maintenance at 6");
  });

  test("JSON events lead with their type and keep every field", () => {
    const j = eventJson(ev({ cmid: "c1" }));
    expect(Object.keys(j)[0]).toBe("type");
    expect(j).toEqual({ type: "event", ...ev({ cmid: "c1" }) });
  });
});

test("who let whom in or out, as a line", () => {
  const now = at;
  expect(eventLine(ev({ kind: "kicked", author: "ann", body: { user: "bob" } }), "cy", now)).toBe("[09:05] #lobby ann kicked bob");
  expect(eventLine(ev({ kind: "role", author: "ann", body: { user: "bob", role: "moderator" } }), "cy", now)).toBe("[09:05] #lobby ann made bob a moderator");
  expect(eventLine(ev({ kind: "visibility", author: "ann", body: { visibility: "private" } }), "cy", now)).toBe("[09:05] #lobby ann made the room private");
  expect(eventLine(ev({ stream: "user:bob", kind: "room_left", author: "ann", body: { room: "plans", reason: "banned" } }), "bob", now)).toBe("[09:05] user:bob ann banned you from #plans");
  expect(eventLine(ev({ stream: "user:bob", kind: "room_invited", author: "ann", body: { room: "plans" } }), "bob", now)).toBe("[09:05] user:bob ann invited you to #plans");
  expect(eventLine(ev({ kind: "uninvited", author: "ann", body: { user: "bob" } }), "cy", now)).toBe("[09:05] #lobby ann uninvited bob");
  expect(eventLine(ev({ stream: "user:bob", kind: "room_uninvited", author: "ann", body: { room: "plans" } }), "bob", now)).toBe("[09:05] user:bob ann withdrew your invite to #plans");
});

test("rooms and presence", () => {
  expect(roomLine({ room: "lobby", members: 1, head: 12, member: true })).toBe("* #lobby                   1 member       12 events");
  expect(roomLine({ room: "news", members: 3, head: 0, member: false })).toBe("  #news                    3 members       0 events");
  expect(roomLine({ room: "plans", members: 2, head: 9, member: true, visibility: "private", role: "owner" })).toBe("* #plans                   2 members       9 events  (private, owner)");
  expect(roomLine({ room: "vault", members: 2, head: 9, member: false, visibility: "private", invited: true })).toBe("  #vault                   2 members       9 events  (private, invited: hubbub join lets you in)");
  expect(presenceLine({ user: "amy", device: "cli-1", client: "cli" })).toBe("amy (cli, cli-1)");
});

describe("connection states", () => {
  test("a reconnect says why, when and which attempt", () => {
    const now = 1_000_000;
    expect(stateLine({ name: "reconnecting", attempt: 2, nextAttemptAt: now + 2500, lastClose: { code: 1006, reason: "" } }, now))
      .toBe("connection lost (1006); reconnecting in 2.5 s (attempt 2)");
    expect(stateLine({ name: "reconnecting", attempt: 1, nextAttemptAt: now, lastClose: { code: 4200, reason: "slow consumer" } }, now))
      .toBe("connection lost (4200 slow consumer); reconnecting now (attempt 1)");
    expect(stateLine({ name: "stopped", reason: "unauthorized", code: 4001 }, now)).toBe("disconnected: unauthorized");
    expect(stateLine({ name: "live", since: now }, now)).toBe("connected");
    expect(stateLine({ name: "connecting", attempt: 1 }, now)).toBeUndefined();
  });
});

test("errors are one line: code and message, or a JSON object with --json", () => {
  expect(errorLine({ code: "not_member", message: "join lobby first" }, false)).toBe("hubbub: error: not_member: join lobby first");
  expect(errorLine({ code: "error", message: "--count must be…" }, false, true)).toBe("hubbub: usage: --count must be…");
  expect(errorLine({ code: "error", message: "EACCES: permission denied" }, false)).toBe("hubbub: error: EACCES: permission denied");
  expect(JSON.parse(errorLine({ code: "timeout", message: "no ack" }, true))).toEqual({ type: "error", code: "timeout", message: "no ack" });
});
