/** The web app in Debian's Chromium, driven like a person would. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, startServer, type Server } from "./harness.ts";
import { joinRoom, logTexts, messageTexts, say, seedMessages, signIn } from "./pages.ts";

describe("web app", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser.close(); await server.stop(); });

  test("two people chat; own messages are marked sent; presence shows the client kind", async () => {
    const alice = await signIn(await browser.newContext(), server.url, "alice");
    const bob = await signIn(await browser.newContext(), server.url, "bob");
    await joinRoom(alice, "lobby");
    await joinRoom(bob, "lobby");
    await say(alice, "hi bob");
    await alice.waitForSelector('article.msg.mine[data-state="sent"]:has-text("hi bob")');
    await bob.waitForSelector('article.msg:not(.mine):has-text("hi bob")');
    await bob.waitForSelector('#online-list li[data-user="alice"] .kind:has-text("web")');
    await say(bob, "hello alice");
    await alice.waitForSelector('article.msg:has-text("hello alice")');
    assert.deepEqual(await messageTexts(alice), ["hi bob", "hello alice"]);
  });

  test("a second browser of the same user shows the same read state and unread counts", async () => {
    const a1 = await signIn(await browser.newContext(), server.url, "carol");
    const a2 = await signIn(await browser.newContext(), server.url, "carol");
    const dave = await signIn(await browser.newContext(), server.url, "dave");
    await joinRoom(a1, "news");
    await joinRoom(dave, "news");
    await joinRoom(a1, "elsewhere"); // carol looks at another room on device 1
    await a2.waitForSelector('#room-list button[data-stream="room:news"]');
    await joinRoom(a2, "elsewhere"); // …and on device 2
    await say(dave, "news 1");
    await say(dave, "news 2");
    for (const p of [a1, a2]) await p.waitForSelector('#room-list button[data-stream="room:news"] .badge:has-text("2")');
    await a1.click('#room-list button[data-stream="room:news"]');
    await a1.waitForSelector('article.msg:has-text("news 2")');
    // Reading on device 1 clears the badge on device 2.
    await a2.waitForSelector('#room-list button[data-stream="room:news"] .badge', { state: "detached" });
    await a2.click('#room-list button[data-stream="room:news"]');
    assert.equal(await a2.locator(".divider").count(), 0, "no new-messages divider: everything was read elsewhere");
  });

  test("offline: messages show pending, then arrive exactly once after the connection comes back", async () => {
    const ctx = await browser.newContext();
    const erin = await signIn(ctx, server.url, "erin");
    const fay = await signIn(await browser.newContext(), server.url, "fay");
    await joinRoom(erin, "trip");
    await joinRoom(fay, "trip");
    await ctx.setOffline(true);
    await erin.waitForSelector("#status[data-state=reconnecting]");
    await say(erin, "sent while offline 1");
    await say(erin, "sent while offline 2");
    assert.equal(await erin.locator('article.msg.mine[data-state="pending"]').count(), 2);
    await say(fay, "meanwhile");
    await ctx.setOffline(false);
    await erin.waitForSelector("#status[data-state=live]", { timeout: 20_000 });
    await erin.waitForSelector('article.msg:has-text("meanwhile")');
    await fay.waitForSelector('article.msg:has-text("sent while offline 2")');
    await erin.waitForFunction(() => document.querySelectorAll('article.msg.mine[data-state="sent"]').length === 2);
    const texts = await messageTexts(fay);
    assert.equal(texts.filter((t) => t === "sent while offline 1").length, 1);
    assert.equal(texts.filter((t) => t === "sent while offline 2").length, 1);
    // The server's log agrees: once each, erin's after fay's (they reached it after the reconnect).
    assert.deepEqual(await logTexts(fay, "fay", "room:trip"), ["meanwhile", "sent while offline 1", "sent while offline 2"]);
  });

  test("scrolling up loads older history page by page", async () => {
    const gus = await signIn(await browser.newContext(), server.url, "gus");
    await seedMessages(gus, "seeder", "archive", 130);
    await joinRoom(gus, "archive");
    await gus.waitForSelector('article.msg:has-text("seed 130")');
    const firstLoad = await gus.locator("article.msg").count();
    assert.ok(firstLoad < 130, `loaded a page, not everything (${firstLoad})`);
    for (let i = 0; i < 10 && !(await gus.locator('article.msg:has-text("seed 1")').filter({ hasText: /^.*seed 1$/ }).count()); i++) {
      await gus.locator("#messages").evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event("scroll")); });
      await gus.waitForTimeout(150);
    }
    const texts = await messageTexts(gus);
    assert.equal(texts.length, 130);
    assert.equal(texts[0], "seed 1");
    assert.equal(texts[129], "seed 130");
  });

  test("keyboard only: sign in, join, write and send without a mouse", async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(server.url);
    await page.keyboard.type("hana"); // the name field has focus on load
    await page.keyboard.press("Enter");
    await page.waitForSelector("#status[data-state=live]");
    await page.getByLabel("Join or create a room").focus();
    await page.keyboard.type("keys");
    await page.keyboard.press("Enter");
    await page.waitForSelector('#conv-title:has-text("#keys")');
    // Joining puts the focus in the composer.
    await page.keyboard.type("typed, never clicked");
    await page.keyboard.press("Enter");
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("typed, never clicked")');
    // Tab order reaches the send button right after the composer.
    await page.getByLabel("Message", { exact: true }).focus();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "composer-send");
  });
});
