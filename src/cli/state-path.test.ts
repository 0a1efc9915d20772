import { expect, test } from "bun:test";
import { defaultStatePath, tokenOwner } from "./state-path.ts";

test("one state file per user and server under $XDG_CONFIG_HOME/hubbub, else ~/.config/hubbub", () => {
  expect(defaultStatePath("http://127.0.0.1:8080", "amy", { XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/hubbub/amy@127.0.0.1_8080.json");
  expect(defaultStatePath("https://chat.example.org", "amy", { HOME: "/home/amy" })).toBe("/home/amy/.config/hubbub/amy@chat.example.org.json");
  expect(defaultStatePath("http://[::1]:9/", "bob", { XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/hubbub/bob@___1__9.json");
});

test("a token's state is named after its subject; an unreadable token gets its own hashed name", () => {
  const jwt = (payload: object) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.sig`;
  expect(tokenOwner(jwt({ sub: "carol" }))).toBe("carol");
  expect(tokenOwner(jwt({ sub: "../../etc" }))).toMatch(/^token-[0-9a-f]{12}$/);
  expect(tokenOwner("garbage")).toMatch(/^token-[0-9a-f]{12}$/);
  expect(tokenOwner("garbage")).not.toBe(tokenOwner("other garbage"));
});
