import { describe, expect, test } from "bun:test";
import type { RoomListFrame } from "../protocol/index.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import { connected, settle, testHub, type TestClient } from "../server/testing/hub-harness.ts";

/** Sends a command and returns its reply once everything it caused has settled. */
async function ask(c: TestClient, frame: Record<string, unknown>) {
  const id = `q${Math.random()}`;
  c.send({ ...frame, id });
  await settle();
  return c.socket.reply(id);
}
const listed = async (c: TestClient) => ((await ask(c, { type: "rooms" })) as RoomListFrame).rooms.map((r) => r.room);

describe("private rooms", () => {
  test("made by a join with private: true; unlisted and closed to others until invited; the invite is used up by the join", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    expect(await ask(ann, { type: "join", room: "secret", private: true })).toMatchObject({ type: "ack", stream: "room:secret", seq: 1 });
    expect(ann.socket.events("room:secret")[0]).toMatchObject({ kind: "joined", author: "ann", body: { create: "private" } });
    expect(await listed(bob)).toEqual([]);
    expect(await ask(bob, { type: "join", room: "secret" })).toMatchObject({ type: "error", code: "not_invited" });
    expect(await ask(bob, { type: "history", stream: "room:secret" })).toMatchObject({ type: "error", code: "not_member" });
    expect(await ask(bob, { type: "room_info", room: "secret" })).toMatchObject({ type: "error", code: "not_member" });
    expect(await ask(bob, { type: "invite", room: "secret", user: "ann" })).toMatchObject({ type: "error", code: "not_member" });

    expect(await ask(ann, { type: "invite", room: "secret", user: "bob" })).toMatchObject({ type: "ack", stream: "room:secret" });
    expect(bob.socket.events("user:bob").at(-1)).toMatchObject({ kind: "room_invited", author: "ann", body: { room: "secret" } });
    expect(((await ask(bob, { type: "rooms" })) as RoomListFrame).rooms).toEqual([{ room: "secret", members: 1, head: 2, member: false, visibility: "private", invited: true }]);
    expect(await ask(bob, { type: "join", room: "secret" })).toMatchObject({ type: "ack" });
    expect(bob.socket.events("room:secret").at(-1)).toMatchObject({ kind: "joined", author: "bob", body: { via: "invite" } });
    expect(await ask(bob, { type: "room_info", room: "secret" })).toEqual({ type: "room_settings", id: expect.any(String), room: "secret", visibility: "private", owner: "ann", moderators: [], members: ["ann", "bob"], memberCount: 2 });
    expect(await ask(ann, { type: "room_info", room: "secret" })).toMatchObject({ owner: "ann", invited: [], banned: [] });

    // Leaving a private room: coming back needs a new invite (the owner needs none).
    await ask(bob, { type: "leave", room: "secret" });
    expect(await ask(bob, { type: "join", room: "secret" })).toMatchObject({ type: "error", code: "not_invited" });
    await ask(ann, { type: "leave", room: "secret" });
    expect(await ask(ann, { type: "join", room: "secret" })).toMatchObject({ type: "ack" });
    expect(ann.socket.events("room:secret").at(-1)).toMatchObject({ kind: "joined", body: { via: "owner" } });
  });

  test("uninvite withdraws an open invite: the room is unlisted and closed to them again, their devices are told; only the owner and moderators may", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    const bobPhone = await connected(th, "bob", "phone");
    const cy = await connected(th, "cy");
    await ask(ann, { type: "join", room: "secret", private: true });
    await ask(ann, { type: "invite", room: "secret", user: "bob" });
    await ask(ann, { type: "invite", room: "secret", user: "cy" });
    await ask(cy, { type: "join", room: "secret" });
    expect(await listed(bob)).toEqual(["secret"]);
    expect(await ask(cy, { type: "uninvite", room: "secret", user: "bob" })).toMatchObject({ type: "error", code: "forbidden" });
    expect(await ask(bob, { type: "uninvite", room: "secret", user: "bob" })).toMatchObject({ type: "error", code: "not_member" });

    expect(await ask(ann, { type: "uninvite", room: "secret", user: "bob" })).toMatchObject({ type: "ack", stream: "room:secret" });
    expect(ann.socket.events("room:secret").at(-1)).toMatchObject({ kind: "uninvited", author: "ann", body: { user: "bob" } });
    for (const d of [bob, bobPhone]) expect(d.socket.events("user:bob").at(-1)).toMatchObject({ kind: "room_uninvited", author: "ann", body: { room: "secret" } });
    expect(await listed(bob)).toEqual([]);
    expect(await ask(bob, { type: "join", room: "secret" })).toMatchObject({ type: "error", code: "not_invited" });
    expect(await ask(bob, { type: "room_info", room: "secret" })).toMatchObject({ type: "error", code: "not_member" });
    expect(await ask(ann, { type: "room_info", room: "secret" })).toMatchObject({ invited: [] });
    // Nothing to withdraw (already withdrawn; a member, whose invite the join used up): a repeat.
    expect(await ask(ann, { type: "uninvite", room: "secret", user: "bob" })).toMatchObject({ type: "ack", duplicate: true });
    expect(await ask(ann, { type: "uninvite", room: "secret", user: "cy" })).toMatchObject({ type: "ack", duplicate: true });
    // It survives a restart: the log says so.
    const th2 = testHub({ log: th.log });
    const bobAgain = await connected(th2, "bob");
    expect(await ask(bobAgain, { type: "join", room: "secret" })).toMatchObject({ type: "error", code: "not_invited" });
  });

  test("private: true for a room that exists is room_exists (a member's retry is a duplicate)", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    await ask(ann, { type: "join", room: "open" });
    expect(await ask(bob, { type: "join", room: "open", private: true })).toMatchObject({ type: "error", code: "room_exists" });
    expect(await ask(ann, { type: "join", room: "open", private: true })).toMatchObject({ type: "ack", duplicate: true });
  });

  test("a kick removes the member at once on every device: they get the kick, then nothing more of the room", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    const bob2 = await connected(th, "bob", "phone");
    await ask(ann, { type: "join", room: "s", private: true });
    await ask(ann, { type: "invite", room: "s", user: "bob" });
    await ask(bob, { type: "join", room: "s" });
    expect(await ask(bob, { type: "kick", room: "s", user: "ann" })).toMatchObject({ type: "error", code: "forbidden" });
    expect(await ask(ann, { type: "kick", room: "s", user: "bob" })).toMatchObject({ type: "ack", stream: "room:s" });
    ann.send({ type: "send", to: { room: "s" }, cmid: "after-kick", text: "bob is gone" });
    ann.send({ type: "typing", stream: "room:s" });
    await settle();
    for (const d of [bob, bob2]) {
      expect(d.socket.events("room:s").at(-1)).toMatchObject({ kind: "kicked", author: "ann", body: { user: "bob" } });
      expect(d.socket.events("user:bob").at(-1)).toMatchObject({ kind: "room_left", author: "ann", body: { room: "s", reason: "kicked" } });
      expect(d.socket.topics()).not.toContain("room:s|json");
      expect(d.socket.ofType("typing")).toEqual([]);
    }
    expect(ann.socket.ofType("presence").at(-1)).toMatchObject({ left: expect.arrayContaining([expect.objectContaining({ user: "bob" })]) });
    expect(await ask(bob, { type: "history", stream: "room:s" })).toMatchObject({ code: "not_member" });
    expect(await ask(bob, { type: "who", room: "s" })).toMatchObject({ code: "not_member" });
    expect(await ask(bob, { type: "send", to: { room: "s" }, cmid: "x", text: "hi" })).toMatchObject({ code: "not_member" });
    expect(await ask(bob, { type: "join", room: "s" })).toMatchObject({ code: "not_invited" });
    // A resume with the room's cursor replays nothing of it.
    const back = await connected(th, "bob", "laptop", { cursors: { "room:s": 0 } });
    expect(back.socket.events("room:s")).toEqual([]);
  });

  test("a ban keeps the user out until unbanned, even with an invite; bans and invites are for the owner and moderators", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    const cy = await connected(th, "cy");
    await ask(ann, { type: "join", room: "pub" });
    await ask(bob, { type: "join", room: "pub" });
    expect(await ask(bob, { type: "ban", room: "pub", user: "cy" })).toMatchObject({ code: "forbidden" });
    expect(await ask(ann, { type: "ban", room: "pub", user: "cy" })).toMatchObject({ type: "ack" });
    expect(await ask(ann, { type: "ban", room: "pub", user: "cy" })).toMatchObject({ type: "ack", duplicate: true });
    expect(await ask(cy, { type: "join", room: "pub" })).toMatchObject({ code: "banned" });
    expect(await ask(ann, { type: "invite", room: "pub", user: "cy" })).toMatchObject({ code: "banned" });
    expect(await ask(ann, { type: "invite", room: "pub", user: "nobody" })).toMatchObject({ code: "unknown_user" });
    expect(await ask(ann, { type: "unban", room: "pub", user: "cy" })).toMatchObject({ type: "ack" });
    expect(await ask(cy, { type: "join", room: "pub" })).toMatchObject({ type: "ack" });
    // A member banned is removed like a kick.
    expect(await ask(ann, { type: "ban", room: "pub", user: "cy" })).toMatchObject({ type: "ack" });
    expect(cy.socket.events("room:pub").at(-1)).toMatchObject({ kind: "banned", body: { user: "cy" } });
    expect(cy.socket.topics()).not.toContain("room:pub|json");
    expect(await listed(cy)).toEqual(["pub"]); // public rooms stay listed, banned or not
  });

  test("the owner appoints moderators; moderators invite, kick and ban members but never the owner or each other", async () => {
    const th = testHub();
    const [ann, bob, cy, dee] = await Promise.all(["ann", "bob", "cy", "dee"].map((u) => connected(th, u)));
    await ask(ann!, { type: "join", room: "s", private: true });
    for (const u of ["bob", "cy"]) { await ask(ann!, { type: "invite", room: "s", user: u }); }
    await ask(bob!, { type: "join", room: "s" });
    await ask(cy!, { type: "join", room: "s" });
    expect(await ask(bob!, { type: "set_role", room: "s", user: "bob", role: "moderator" })).toMatchObject({ code: "forbidden" });
    expect(await ask(ann!, { type: "set_role", room: "s", user: "dee", role: "moderator" })).toMatchObject({ code: "not_member" });
    expect(await ask(ann!, { type: "set_role", room: "s", user: "bob", role: "moderator" })).toMatchObject({ type: "ack" });
    expect(await ask(ann!, { type: "set_role", room: "s", user: "cy", role: "moderator" })).toMatchObject({ type: "ack" });
    expect(await ask(bob!, { type: "invite", room: "s", user: "dee" })).toMatchObject({ type: "ack" });
    expect(await ask(bob!, { type: "kick", room: "s", user: "cy" })).toMatchObject({ code: "forbidden" });
    expect(await ask(bob!, { type: "ban", room: "s", user: "ann" })).toMatchObject({ code: "forbidden" });
    expect(await ask(bob!, { type: "set_visibility", room: "s", visibility: "public" })).toMatchObject({ code: "forbidden" });
    await ask(dee!, { type: "join", room: "s" });
    expect(await ask(cy!, { type: "kick", room: "s", user: "dee" })).toMatchObject({ type: "ack" });
    // Demoted, a moderator can be kicked.
    expect(await ask(ann!, { type: "set_role", room: "s", user: "cy", role: "member" })).toMatchObject({ type: "ack" });
    expect(await ask(bob!, { type: "kick", room: "s", user: "cy" })).toMatchObject({ type: "ack" });
    expect(await ask(ann!, { type: "room_info", room: "s" })).toMatchObject({ owner: "ann", moderators: ["bob"] });
    // Public from now on: anyone may find and join it.
    expect(await ask(ann!, { type: "set_visibility", room: "s", visibility: "public" })).toMatchObject({ type: "ack" });
    expect(await ask(dee!, { type: "join", room: "s" })).toMatchObject({ type: "ack" });
  });

  test("a room from before owners existed stays public and ownerless: nobody can invite, kick or ban in it", async () => {
    const log = createMemoryLog();
    log.append([{ stream: "room:old", kind: "joined", author: "ann", body: {}, at: 1 }, { stream: "user:ann", kind: "room_joined", author: "ann", body: { room: "old" }, at: 1 }]);
    const th = testHub({ log });
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    expect(await ask(ann, { type: "kick", room: "old", user: "bob" })).toMatchObject({ code: "forbidden" });
    expect(await ask(ann, { type: "set_visibility", room: "old", visibility: "private" })).toMatchObject({ code: "forbidden" });
    expect(await ask(bob, { type: "room_info", room: "old" })).toEqual({ type: "room_settings", id: expect.any(String), room: "old", visibility: "public", moderators: [] });
    expect(await ask(bob, { type: "join", room: "old" })).toMatchObject({ type: "ack" });
  });

  test("everything is in the log: a restart (full replay, or from a snapshot) keeps visibility, roles, invites and bans", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    await connected(th, "cy");
    await ask(ann, { type: "join", room: "s", private: true });
    await ask(ann, { type: "invite", room: "s", user: "bob" });
    await ask(ann, { type: "ban", room: "s", user: "cy" });
    void bob;
    for (const snapshot of [false, true]) {
      if (snapshot) th.hub.snapshot();
      const again = testHub({ log: th.log });
      const cy = await connected(again, "cy");
      const bob2 = await connected(again, "bob");
      expect(await listed(cy)).toEqual([]);
      expect(await ask(cy, { type: "join", room: "s" })).toMatchObject({ code: "banned" });
      expect(await listed(bob2)).toEqual(["s"]);
      expect(again.hub.projection.access.get("s")).toEqual(th.hub.projection.access.get("s")!);
    }
  });
});
