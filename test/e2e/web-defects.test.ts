/** The web app's reported defects (issue 12), each driven in Debian's Chromium the way a person met it. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { PER_TEST, launch, startServer, type Server } from "./harness.ts";
import { joinRoom, logTexts, messageTexts, say, signIn } from "./pages.ts";

describe("web app defects", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("a reload keeps the open conversation: a room and a DM", PER_TEST, async () => {
    const alice = await signIn(await browser.newContext(), server.url, "alice");
    await signIn(await browser.newContext(), server.url, "bob");
    await joinRoom(alice, "reloaded");
    for (const t of ["one", "two", "three"]) await say(alice, t);
    await alice.waitForSelector('article.msg.mine[data-state="sent"]:has-text("three")');
    await alice.reload();
    await alice.waitForSelector("#status[data-state=live]");
    await alice.waitForSelector('#conv-title:has-text("#reloaded")');
    await alice.waitForSelector('article.msg:has-text("three")', { timeout: 10_000 });
    assert.deepEqual(await messageTexts(alice), ["one", "two", "three"]);
    assert.equal(await alice.locator(".notice").first().textContent(), "beginning of the conversation");

    await alice.getByLabel("Start a direct message with").fill("bob");
    await alice.getByRole("button", { name: "Open", exact: true }).click();
    await alice.waitForSelector('#conv-title:text-is("bob")');
    await say(alice, "dm before the reload");
    await alice.waitForSelector('article.msg.mine[data-state="sent"]:has-text("dm before the reload")');
    await alice.reload();
    await alice.waitForSelector('#conv-title:text-is("bob")');
    await alice.waitForSelector('article.msg:has-text("dm before the reload")', { timeout: 10_000 });
  });

  test("the composer knows the limit: it counts down, refuses before sending, and keeps the text (also across a reload)", PER_TEST, async () => {
    const page = await signIn(await browser.newContext(), server.url, "uma");
    await joinRoom(page, "limits");
    const input = page.getByLabel("Message", { exact: true });
    await input.fill("x".repeat(3990));
    assert.equal(await page.locator("#composer-count").textContent(), "10");
    await input.fill("x".repeat(4001));
    assert.equal(await page.locator("#composer-count").textContent(), "-1");
    await page.keyboard.press("Enter");
    await page.waitForSelector('#composer-error:has-text("the limit is 4,000")');
    assert.equal((await input.inputValue()).length, 4001, "the text stays in the composer");
    assert.equal(await page.locator("article.msg").count(), 0, "nothing was sent");
    await page.reload(); // a draft survives a reload
    await page.waitForSelector('#conv-title:has-text("#limits")');
    assert.equal((await input.inputValue()).length, 4001);
    await input.press("End");
    await input.press("Backspace");
    await page.keyboard.press("Enter");
    await page.waitForSelector('article.msg.mine[data-state="sent"]');
    assert.equal(await input.inputValue(), "");
    assert.equal((await logTexts(page, "uma", "room:limits"))[0]?.length, 4000);
  });

  test("DM to a name that never signed in: the app asks first", PER_TEST, async () => {
    const page = await signIn(await browser.newContext(), server.url, "vic");
    await signIn(await browser.newContext(), server.url, "wes");
    const dmTo = async (name: string) => {
      await page.getByLabel("Start a direct message with").fill(name);
      await page.getByRole("button", { name: "Open", exact: true }).click();
    };
    await dmTo("typo-user-xyz");
    await page.waitForSelector('#dm-confirm:has-text("Nobody called “typo-user-xyz” has signed in here yet")');
    await page.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await page.locator('#dm-list button[data-stream="dm:typo-user-xyz:vic"]').count(), 0);
    await dmTo("wes"); // signed in: no question
    await page.waitForSelector('#conv-title:text-is("wes")');
    assert.ok(await page.locator("#dm-confirm").isHidden());
    await dmTo("newcomer");
    await page.getByRole("button", { name: "Start anyway" }).click();
    await page.waitForSelector('#conv-title:text-is("newcomer")');
    // The server refuses a DM to a name that never signed in: the message stays, said in words.
    await say(page, "are you there?");
    await page.waitForSelector('article.msg.mine[data-state="failed"]:has-text("not sent: nobody of that name has signed in here")');
    assert.ok(await page.getByRole("button", { name: "Edit failed message" }).isVisible());
  });
});

describe("web app across a server restart", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("'Retry now' reconnects at once; a message the restarted server refuses is kept, retryable and editable", PER_TEST, async () => {
    const page = await signIn(await browser.newContext(), server.url, "erin");
    await joinRoom(page, "restart");
    await server.stop();
    await page.waitForSelector("#status[data-state=reconnecting]");
    await say(page, "written while the server was down");
    await page.waitForSelector('article.msg.mine[data-state="pending"]');
    // Wait for a countdown long enough to tell a click from the scheduled attempt.
    await page.waitForFunction(() => /retrying in ([3-9]|\d\d+) s/.test(document.getElementById("status")?.textContent ?? ""), null, { timeout: 60_000 });
    const opened = page.waitForEvent("websocket", { timeout: 1500 });
    await page.getByRole("button", { name: "Retry now" }).click();
    await opened; // an attempt at once, not when the countdown ends
    // The server comes back with a smaller limit than the message: it is refused, not lost.
    server = await startServer(["--max-text", "10"], { port: server.port, db: server.db });
    await page.waitForFunction(() => /retrying in/.test(document.getElementById("status")?.textContent ?? ""));
    await page.getByRole("button", { name: "Retry now" }).click();
    await page.waitForSelector("#status[data-state=live]", { timeout: 5_000 });
    await page.waitForSelector('article.msg.mine[data-state="failed"]:has-text("not sent: longer than 10 characters")');
    await page.reload(); // the refused text survives a reload
    await page.waitForSelector('article.msg.mine[data-state="failed"]:has-text("written while the server was down")');
    await page.waitForSelector("#status[data-state=live]");
    await page.getByRole("button", { name: "Retry failed message" }).click(); // sent again as it is: refused again, still kept
    await page.waitForSelector('article.msg.mine[data-state="failed"]:has-text("not sent: longer than 10 characters")');
    assert.equal(await page.locator('article.msg[data-state="failed"]').count(), 1);
    await page.getByRole("button", { name: "Edit failed message" }).click();
    const input = page.getByLabel("Message", { exact: true });
    assert.equal(await input.inputValue(), "written while the server was down");
    assert.equal(await page.locator('article.msg[data-state="failed"]').count(), 0);
    assert.equal(await page.locator("#composer-count").textContent(), "-23");
    await page.keyboard.press("Enter");
    await page.waitForSelector('#composer-error:has-text("the limit is 10")');
    await input.fill("shorter");
    await page.keyboard.press("Enter");
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("shorter")');
    assert.deepEqual(await logTexts(page, "erin", "room:restart"), ["shorter"]);
  });
});
