import { describe, expect, test } from "bun:test";
import { MAX_LISTED_MEMBERS, type RoomSettingsFrame } from "../protocol/index.ts";
import type { AppendRequest } from "../store/event-log.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import { connected, settle, testHub, type TestClient } from "../server/testing/hub-harness.ts";

async function ask(c: TestClient, frame: Record<string, unknown>) {
  const id = `q${Math.random()}`;
  c.send({ ...frame, id });
  await settle();
  return c.socket.reply(id);
}

describe("room_info's member list", () => {
  test("members see everyone in the room, sorted, with the count; it follows joins, leaves, kicks and bans", async () => {
    const th = testHub();
    const [ann, bob, cy] = [await connected(th, "ann"), await connected(th, "bob"), await connected(th, "cy")];
    await ask(ann, { type: "join", room: "s", private: true });
    for (const u of ["cy", "bob"]) await ask(ann, { type: "invite", room: "s", user: u });
    await ask(cy, { type: "join", room: "s" });
    await ask(bob, { type: "join", room: "s" });
    expect(await ask(bob, { type: "room_info", room: "s" })).toMatchObject({ members: ["ann", "bob", "cy"], memberCount: 3 });
    await ask(ann, { type: "kick", room: "s", user: "cy" });
    expect(await ask(ann, { type: "room_info", room: "s" })).toMatchObject({ members: ["ann", "bob"], memberCount: 2 });
    await ask(bob, { type: "leave", room: "s" });
    expect(await ask(ann, { type: "room_info", room: "s" })).toMatchObject({ members: ["ann"], memberCount: 1 });
  });

  test("nobody outside the room learns who is in it: not an invitee of a private room, not a passer-by of a public one, not the owner who left", async () => {
    const th = testHub();
    const [ann, bob, eve] = [await connected(th, "ann"), await connected(th, "bob"), await connected(th, "eve")];
    await ask(ann, { type: "join", room: "s", private: true });
    await ask(ann, { type: "invite", room: "s", user: "bob" });
    const invitee = await ask(bob, { type: "room_info", room: "s" }) as RoomSettingsFrame;
    expect(invitee).toMatchObject({ type: "room_settings", owner: "ann" });
    expect(invitee.members).toBeUndefined();
    expect(invitee.memberCount).toBeUndefined();
    expect(await ask(eve, { type: "room_info", room: "s" })).toMatchObject({ type: "error", code: "not_member" });

    await ask(ann, { type: "join", room: "pub" });
    const passerBy = await ask(eve, { type: "room_info", room: "pub" }) as RoomSettingsFrame;
    expect(passerBy).toMatchObject({ type: "room_settings", visibility: "public" });
    expect([passerBy.members, passerBy.memberCount]).toEqual([undefined, undefined]);

    await ask(bob, { type: "join", room: "s" });
    await ask(ann, { type: "leave", room: "s" });
    const ownerGone = await ask(ann, { type: "room_info", room: "s" }) as RoomSettingsFrame;
    expect(ownerGone).toMatchObject({ type: "room_settings", owner: "ann" });
    expect(ownerGone.members).toBeUndefined();
  });

  test(`a big room lists its first ${MAX_LISTED_MEMBERS} names and counts all of them`, async () => {
    const log = createMemoryLog();
    const n = MAX_LISTED_MEMBERS + 37;
    const names = Array.from({ length: n }, (_, i) => `u${String(i).padStart(4, "0")}`);
    // Joined in reverse: the order of the reply is the server's sorting, not the order of joins.
    log.append([...names].reverse().flatMap((u): AppendRequest[] => [
      { stream: "room:big", kind: "joined", author: u, body: {}, at: 1 },
      { stream: `user:${u}`, kind: "room_joined", author: u, body: { room: "big" }, at: 1 },
    ]));
    const th = testHub({ log });
    const me = await connected(th, names.at(-1)!); // a member who is not among the names listed
    const r = await ask(me, { type: "room_info", room: "big" }) as RoomSettingsFrame;
    expect(r.memberCount).toBe(n);
    expect(r.members).toEqual(names.slice(0, MAX_LISTED_MEMBERS));
  });
});

describe("membership as the room actor checks it", () => {
  test("a refused join followed by a leave and a join that commit leaves the user a member, as the log says", async () => {
    // The first join's transaction fails (the journal then retries each command alone, and only
    // that one fails again); the leave and the second join behind it, accepted in the same tick,
    // commit. The room's actor once undid the refused join on its own copy of the members, so it
    // refused the member's messages until it was retired.
    const log = createMemoryLog();
    const bad = new WeakSet<AppendRequest>();
    let marked = false;
    const append = log.append.bind(log);
    log.append = (requests) => {
      for (const r of requests) if (!marked && r.kind === "joined" && r.author === "bob") { bad.add(r); marked = true; }
      if (requests.some((r) => bad.has(r))) throw new Error("this one cannot be stored");
      return append(requests);
    };
    const th = testHub({ log });
    const bob = await connected(th, "bob");
    bob.send({ type: "join", id: "j1", room: "r" });
    bob.send({ type: "leave", id: "l", room: "r" });
    bob.send({ type: "join", id: "j2", room: "r" });
    await settle();
    expect(bob.socket.reply("j1")).toMatchObject({ type: "error", code: "internal" });
    expect(bob.socket.reply("j2")).toMatchObject({ type: "ack" });
    expect(th.hub.projection.rooms.get("r")?.has("bob")).toBe(true);
    const sent = await ask(bob, { type: "send", to: { room: "r" }, cmid: "0000000000000000000000000A", text: "still here" });
    expect(sent).toMatchObject({ type: "ack" });
  });
});
