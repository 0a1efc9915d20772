import { describe, expect, test } from "bun:test";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

describe("whois: has a name ever signed in here?", () => {
  test("a name that said hello is known, a typo is not, and the log keeps it known after a restart", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    const bob = await connected(th, "bob");
    bob.send({ type: "join", room: "r1" });
    ann.send({ type: "whois", id: 1, user: "bob" });
    ann.send({ type: "whois", id: 2, user: "bobb" });
    ann.send({ type: "whois", id: 3, user: "not a name" });
    await settle();
    expect(ann.socket.reply(1)).toEqual({ type: "user_info", id: 1, user: "bob", known: true });
    expect(ann.socket.reply(2)).toEqual({ type: "user_info", id: 2, user: "bobb", known: false });
    expect(ann.socket.reply(3)).toMatchObject({ type: "error", code: "invalid_field" });

    const again = testHub({ log: th.log }); // a restart: only the log remains
    const cy = await connected(again, "cy");
    cy.send({ type: "whois", id: "b", user: "bob" });
    cy.send({ type: "whois", id: "a", user: "ann" }); // said hello once, never acted: still known (registered in the log)
    await settle();
    expect(cy.socket.reply("b")).toMatchObject({ known: true });
    expect(cy.socket.reply("a")).toMatchObject({ known: true });
    cy.send({ type: "whois", id: "t", user: "bobb" });
    await settle();
    expect(cy.socket.reply("t")).toMatchObject({ known: false });
  });
});
