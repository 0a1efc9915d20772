import { describe, expect, test } from "bun:test";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

describe("RoomActor: who is for members only", () => {
  test("a user who never joined, or has left, gets not_member and no device list", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const eve = await connected(th, "eve");
    ann.send({ type: "join", room: "r1" });
    eve.send({ type: "join", room: "r2" });
    await settle();
    eve.send({ type: "who", id: "w1", room: "r1" });
    await settle();
    expect(eve.socket.reply("w1")).toMatchObject({ type: "error", code: "not_member" });

    eve.send({ type: "join", room: "r1" });
    await settle();
    eve.send({ type: "who", id: "w2", room: "r1" });
    await settle();
    expect(eve.socket.reply("w2")).toMatchObject({ type: "presence", room: "r1" });

    eve.send({ type: "leave", room: "r1" });
    await settle();
    eve.send({ type: "who", id: "w3", room: "r1" });
    await settle();
    expect(eve.socket.reply("w3")).toMatchObject({ type: "error", code: "not_member" });
    expect(eve.socket.ofType("presence").filter((p) => p.id === "w1" || p.id === "w3")).toEqual([]);
  });
});
