import { expect, test } from "bun:test";
import { mayModerate, roleOf } from "./room-settings.ts";

test("roles and who may moderate: the owner and moderators of an owned room, nobody in a room from before owners", () => {
  const owned = { room: "plans", visibility: "private" as const, owner: "ann", moderators: ["bob"] };
  expect([roleOf(owned, "ann"), roleOf(owned, "bob"), roleOf(owned, "cy")]).toEqual(["owner", "moderator", "member"]);
  expect([mayModerate(owned, "ann"), mayModerate(owned, "bob"), mayModerate(owned, "cy")]).toEqual([true, true, false]);
  expect(mayModerate({ room: "old", visibility: "public", moderators: [] }, "ann")).toBe(false);
  expect(mayModerate(undefined, "ann")).toBe(false);
});
