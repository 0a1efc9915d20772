/** Finding rooms and things in them (issue 12): the directory as the first screen, topics, leaving, search, phones. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { PER_TEST, launch, startServer, type Server } from "./harness.ts";
import { joinFromDirectory, joinRoom, say, seedMessages, signIn } from "./pages.ts";

describe("web app rooms", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("the first screen is the room directory: browse, filter, join from the list, leave", PER_TEST, async () => {
    const host = await signIn(await browser.newContext(), server.url, "host");
    await joinRoom(host, "gardening");
    await joinRoom(host, "garage-sale");
    await joinRoom(host, "music");
    const ida = await signIn(await browser.newContext(), server.url, "ida");
    await ida.waitForSelector('#directory-list li[data-room="music"]');
    assert.ok(await ida.getByRole("heading", { name: "Rooms on this server" }).isVisible());
    assert.match(await ida.locator('#directory-list li[data-room="music"]').textContent() ?? "", /1 member(?!s)/);
    await ida.getByLabel("Find a room").fill("gar");
    await ida.waitForFunction(() => document.querySelectorAll("#directory-list li[data-room]").length === 2);
    await ida.getByRole("button", { name: "Join #gardening" }).click();
    await ida.waitForSelector('#conv-title:has-text("#gardening")');
    await ida.waitForSelector('#room-list button[data-stream="room:gardening"]');
    ida.once("dialog", (d) => void d.accept());
    await ida.getByRole("button", { name: "Leave" }).click();
    await ida.waitForSelector('#conv-title:text-is("Rooms")');
    await ida.waitForSelector('#room-list button[data-stream="room:gardening"]', { state: "detached" });
    await ida.getByLabel("Find a room").fill("brand-new");
    await ida.getByRole("button", { name: "Create #brand-new" }).click();
    await ida.waitForSelector('#conv-title:has-text("#brand-new")');
  });

  test("a room's topic is a logged event: set by a member, seen live by others, in the directory and after a reload", PER_TEST, async () => {
    const jan = await signIn(await browser.newContext(), server.url, "jan");
    const kit = await signIn(await browser.newContext(), server.url, "kit");
    await joinRoom(jan, "plans");
    await joinRoom(kit, "plans");
    jan.once("dialog", (d) => void d.accept("Release planning, Thursdays"));
    await jan.getByRole("button", { name: "Topic" }).click();
    await kit.waitForSelector('#conv-topic:has-text("Release planning, Thursdays")');
    await kit.waitForSelector('.notice:has-text("jan set the topic: Release planning, Thursdays")');
    await kit.reload();
    await kit.waitForSelector('#conv-topic:has-text("Release planning, Thursdays")');
    await kit.getByRole("button", { name: "Browse all rooms" }).click();
    await kit.waitForSelector('#directory-list li[data-room="plans"]:has-text("Release planning, Thursdays")');
  });

  test("search within a room's history: newest first, and older on request", PER_TEST, async () => {
    const lou = await signIn(await browser.newContext(), server.url, "lou");
    await joinRoom(lou, "archive2");
    await seedMessages(lou, "lou", "archive2", 60);
    await say(lou, "Seed of a different kind");
    await lou.getByRole("button", { name: "Search" }).first().click();
    await lou.getByLabel("Search this conversation").fill("seed 5");
    await lou.getByLabel("Search this conversation").press("Enter");
    await lou.waitForSelector('#search-status:has-text("found")');
    const found = await lou.locator("#search-results li .text").allTextContents();
    assert.deepEqual(found, ["seed 59", "seed 58", "seed 57", "seed 56", "seed 55", "seed 54", "seed 53", "seed 52", "seed 51", "seed 50", "seed 5"]);
    await lou.getByLabel("Search this conversation").fill("SEED OF");
    await lou.getByLabel("Search this conversation").press("Enter");
    await lou.waitForSelector('#search-results li:has-text("Seed of a different kind")');
    assert.equal(await lou.locator("#search-results li").count(), 1);
  });

  test("phone width: the member list is reachable, the composer's placeholder fits", PER_TEST, async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const mo = await signIn(ctx, server.url, "mo");
    const ned = await signIn(await browser.newContext(), server.url, "ned");
    await joinRoom(ned, "pocket2");
    await joinFromDirectory(mo, "pocket2");
    await mo.getByRole("button", { name: "People" }).click();
    await mo.waitForSelector('#people-list li[data-user="ned"]');
    assert.ok(await mo.locator('#people-list li[data-user="ned"]').isVisible());
    const fits = await mo.evaluate(`(() => {
      const t = document.getElementById("composer-input");
      const s = getComputedStyle(t);
      const c = document.createElement("canvas").getContext("2d");
      c.font = s.font;
      return [t.placeholder, c.measureText(t.placeholder).width, t.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)];
    })()`) as [string, number, number];
    assert.equal(fits[0], "Message #pocket2");
    assert.ok(fits[1] <= fits[2], `placeholder ${fits[1]}px in ${fits[2]}px`);
  });

  test("sign-in shows the app's own validation message", PER_TEST, async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await page.getByLabel("Your name").fill("not a name!");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector('#signin-error:has-text("Enter a name of 1–32 letters, digits")');
    assert.equal(await page.evaluate(() => document.activeElement?.id), "signin-name");
  });
});
