import { describe, expect, test } from "bun:test";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

describe("room topic", () => {
  test("a member sets it: a topic event every member receives, listed in rooms, kept across a restart; others are refused", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    ann.send({ type: "join", room: "r" });
    await settle();
    ann.send({ type: "topic", id: "t", room: "r", text: "  release planning  " });
    bob.send({ type: "topic", id: "nope", room: "r", text: "mine now" });
    await settle();
    expect(ann.socket.reply("t")).toMatchObject({ type: "ack", stream: "room:r", seq: 2 });
    expect(bob.socket.reply("nope")).toMatchObject({ type: "error", code: "not_member" });
    expect(ann.socket.events("room:r").at(-1)).toMatchObject({ kind: "topic", author: "ann", body: { text: "release planning" } });
    bob.send({ type: "rooms", id: "l" });
    await settle();
    expect(bob.socket.reply("l")).toEqual({ type: "room_list", id: "l", rooms: [{ room: "r", members: 1, head: 2, member: false, topic: "release planning" }] });

    const again = testHub({ log: th.log });
    const cy = await connected(again, "cy");
    cy.send({ type: "rooms", id: "l" });
    await settle();
    expect(cy.socket.reply("l")).toMatchObject({ rooms: [{ room: "r", topic: "release planning" }] });
    ann.send({ type: "topic", id: "clear", room: "r", text: "" });
    await settle();
    ann.send({ type: "rooms", id: "l2" });
    await settle();
    expect(ann.socket.reply("l2")).toEqual({ type: "room_list", id: "l2", rooms: [{ room: "r", members: 1, head: 3, member: true, role: "owner" }] });
  });
});
