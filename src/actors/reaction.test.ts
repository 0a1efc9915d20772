import { describe, expect, test } from "bun:test";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

describe("reactions", () => {
  test("anyone who may write reacts to a message (a reaction event); not to other events, not from outside", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    const cy = await connected(th, "cy");
    ann.send({ type: "join", room: "r" });
    bob.send({ type: "join", room: "r" });
    await settle();
    ann.send({ type: "send", to: { room: "r" }, cmid: "m1", text: "ship it?" }); // seq 3
    await settle();
    bob.send({ type: "react", id: "r1", stream: "room:r", seq: 3, cmid: "x1", emoji: "👍", on: true });
    bob.send({ type: "react", id: "r2", stream: "room:r", seq: 1, cmid: "x2", emoji: "👍", on: true }); // a `joined` event
    cy.send({ type: "react", id: "r3", stream: "room:r", seq: 3, cmid: "x3", emoji: "👍", on: true });
    bob.send({ type: "react", id: "r4", stream: "room:r", seq: 3, cmid: "x4", emoji: "two words", on: true });
    await settle();
    expect(bob.socket.reply("r1")).toMatchObject({ type: "ack", stream: "room:r", seq: 4 });
    expect(ann.socket.events("room:r").at(-1)).toMatchObject({ kind: "reaction", author: "bob", body: { target: 3, emoji: "👍", on: 1 } });
    expect(bob.socket.reply("r2")).toMatchObject({ type: "error", code: "unknown_event" });
    expect(cy.socket.reply("r3")).toMatchObject({ type: "error", code: "not_member" });
    expect(bob.socket.reply("r4")).toMatchObject({ type: "error", code: "invalid_field" });

    bob.send({ type: "send", to: { user: "ann" }, cmid: "d1", text: "psst" });
    await settle();
    ann.send({ type: "react", id: "dm", stream: "dm:ann:bob", seq: 1, cmid: "x5", emoji: "🎉", on: true });
    ann.send({ type: "react", id: "off", stream: "dm:ann:bob", seq: 1, cmid: "x6", emoji: "🎉", on: false });
    await settle();
    expect(bob.socket.events("dm:ann:bob").map((e) => [e.kind, e.body.on])).toEqual([["message", undefined], ["reaction", 1], ["reaction", 0]]);
  });
});
