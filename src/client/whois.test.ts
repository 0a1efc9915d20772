import { expect, test } from "bun:test";
import { clientHarness } from "./testing.ts";

test("whois resolves with the server's user_info reply", async () => {
  const { c, live } = clientHarness();
  c.connect();
  const s = live();
  const answer = c.whois("bob");
  const sent = s.sent.at(-1) as { id: string };
  expect(sent).toMatchObject({ type: "whois", user: "bob" });
  s.push({ type: "user_info", id: sent.id, user: "bob", known: false });
  expect(await answer).toMatchObject({ user: "bob", known: false });
});
