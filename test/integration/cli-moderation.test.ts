/** Private rooms from the CLI: create one, invite, kick, ban and unban, as scripts would, against a real server. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { isMember } from "../../src/projections/projection.ts";
import type { RunningServer } from "../../src/server/start.ts";
import { CliProcess, cli, tempDir } from "./cli-process.ts";
import { TestClient, start } from "./harness.ts";

const config = tempDir();
const run = (args: string[]) => cli(args, config);

describe("hubbub invite, uninvite, kick, ban, unban", () => {
  let server: RunningServer;
  let as: (user: string) => string[];
  beforeAll(async () => {
    server = await start();
    as = (user) => ["--url", server.url, "--user", user, "--state", join(config, `${user}.json`)];
  });
  afterAll(() => server.stop());

  test("the owner of a private room lets people in and puts them out; everyone else is refused in one line", async () => {
    const member = (user: string) => isMember(server.hub.projection, "plans", user);
    expect(await run(["join", "plans", "--private", ...as("ann")])).toEqual({ code: 0, out: "joined #plans (a new private room: hubbub invite lets people in)\n", err: "" });
    for (const u of ["bob", "cy"]) (await TestClient.connect(server.url, u)).close(); // only people who signed in can be invited

    const uninvited = await run(["join", "plans", ...as("bob")]);
    expect(uninvited.code).toBe(1);
    expect(uninvited.err).toStartWith("hubbub: error: not_invited: ");
    expect(await run(["invite", "plans", "bob", ...as("ann")])).toEqual({ code: 0, out: "invited bob to #plans\n", err: "" });
    expect(await run(["invite", "plans", "bob", ...as("ann")])).toMatchObject({ code: 0, out: "bob is already invited to or in #plans: nothing changed\n" });
    expect((await run(["rooms", ...as("bob")])).out).toMatch(/^ {2}#plans +1 member +\d+ events {2}\(private, invited: hubbub join lets you in\)$/m);
    // Withdrawn, the room is gone from bob's list and closed to him; invited again, he joins.
    expect(await run(["uninvite", "plans", "bob", ...as("ann")])).toEqual({ code: 0, out: "uninvited bob from #plans\n", err: "" });
    expect(await run(["uninvite", "plans", "bob", ...as("ann")])).toMatchObject({ code: 0, out: "bob has no open invite to #plans: nothing changed\n" });
    expect((await run(["rooms", ...as("bob")])).out).not.toContain("#plans");
    expect((await run(["join", "plans", ...as("bob")])).err).toStartWith("hubbub: error: not_invited: ");
    await run(["invite", "plans", "bob", ...as("ann")]);
    expect(await run(["join", "plans", ...as("bob")])).toMatchObject({ code: 0, out: "joined #plans\n" });
    expect(member("bob")).toBe(true);

    const notMod = await run(["invite", "plans", "cy", ...as("bob")]);
    expect(notMod).toMatchObject({ code: 1, out: "" });
    expect(notMod.err).toMatch(/^hubbub: error: forbidden: only the owner and moderators of plans may invite users\n$/);
    const nobody = await run(["invite", "plans", "nobody-here", ...as("ann")]);
    expect(nobody.code).toBe(1);
    expect(nobody.err).toStartWith("hubbub: error: unknown_user: ");

    expect(await run(["kick", "plans", "bob", ...as("ann")])).toEqual({ code: 0, out: "kicked bob from #plans\n", err: "" });
    expect(member("bob")).toBe(false);
    const ban = await run(["ban", "plans", "bob", "--json", ...as("ann")]);
    expect(ban.code).toBe(0);
    expect(JSON.parse(ban.out)).toMatchObject({ type: "banned", room: "plans", user: "bob", stream: "room:plans", duplicate: false });
    const banned = await run(["invite", "plans", "bob", ...as("ann")]);
    expect(banned.code).toBe(1);
    expect(banned.err).toStartWith("hubbub: error: banned: ");
    expect(await run(["unban", "plans", "bob", ...as("ann")])).toMatchObject({ code: 0, out: "unbanned bob in #plans\n" });
    expect(await run(["unban", "plans", "bob", ...as("ann")])).toMatchObject({ code: 0, out: "bob is not banned from #plans: nothing changed\n" });
    const kinds = server.hub.log.readAfter("room:plans", 0, 100).map((e) => `${e.kind}${typeof e.body.user === "string" ? ` ${e.body.user}` : ""}`);
    expect(kinds).toEqual(["joined", "invited bob", "uninvited bob", "invited bob", "joined", "kicked bob", "banned bob", "unbanned bob"]);
  }, 60_000);

  test("in chat, /invite /uninvite /kick /ban /unban act on the current room and its events show what happened", async () => {
    expect((await run(["join", "den", "--private", ...as("ann")])).code).toBe(0);
    const chat = new CliProcess(["chat", "--room", "den", ...as("ann")], config);
    const wait = 10_000;
    try {
      await chat.waitFor("* you are in #den", wait);
      chat.write("/invite dee");
      await chat.waitFor(/\* \/invite failed: unknown_user: /, wait); // dee never signed in
      (await TestClient.connect(server.url, "dee")).close();
      chat.write("/invite dee");
      await chat.waitFor("#den ann invited dee", wait);
      chat.write("/invite dee");
      await chat.waitFor("* /invite dee: nothing changed in #den", wait);
      chat.write("/uninvite dee");
      await chat.waitFor("#den ann uninvited dee", wait);
      chat.write("/uninvite dee");
      await chat.waitFor("* /uninvite dee: nothing changed in #den", wait);
      chat.write("/invite dee");
      await chat.waitFor(/#den ann invited dee[\s\S]*#den ann invited dee/, wait);
      expect((await run(["join", "den", ...as("dee")])).code).toBe(0);
      await chat.waitFor("#den → dee joined", wait);
      chat.write("/kick dee");
      await chat.waitFor("#den ann kicked dee", wait);
      chat.write("/ban dee");
      await chat.waitFor("#den ann banned dee", wait);
      chat.write("/unban dee");
      await chat.waitFor("#den ann unbanned dee", wait);
      chat.write("/quit");
      expect(await chat.exited).toBe(0);
    } finally {
      chat.kill();
    }
  }, 60_000);
});
