/** The app without its server: the shell, the outbox and the last-seen history load offline (issue 12, defect 2). */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { PER_TEST, launch, startServer, type Server } from "./harness.ts";
import { joinRoom, logTexts, messageTexts, say, signIn } from "./pages.ts";

describe("web app offline", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("a reload with the server stopped shows the shell, the cached history and the outbox; after the restart the outbox is delivered once", PER_TEST, async () => {
    const page = await signIn(await browser.newContext(), server.url, "olive");
    await joinRoom(page, "bunker");
    await say(page, "seen before the outage");
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("seen before the outage")');
    // The service worker has cached the shell once it is active.
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.waitForFunction(async () => (await (await caches.open("hubbub-shell-v1")).keys()).length >= 3);

    await server.stop();
    await page.reload();
    await page.waitForSelector('#conv-title:has-text("#bunker")');
    await page.waitForSelector('article.msg:has-text("seen before the outage")');
    await page.waitForSelector("#status[data-state=reconnecting]");
    await say(page, "typed with the server down");
    await page.waitForSelector('article.msg.mine[data-state="pending"]:has-text("typed with the server down")');
    await page.reload(); // again, with a message waiting
    await page.waitForSelector('article.msg.mine[data-state="pending"]:has-text("typed with the server down")');
    assert.deepEqual(await messageTexts(page), ["seen before the outage", "typed with the server down"]);
    assert.ok(await page.locator('#room-list button[data-stream="room:bunker"]').isVisible(), "the room list is there too");

    server = await startServer([], { port: server.port, db: server.db });
    // Do not wait out the backoff (the button is hidden while an attempt is under way).
    await page.getByRole("button", { name: "Retry now" }).click({ timeout: 3_000 }).catch(() => {});
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("typed with the server down")', { timeout: 30_000 });
    assert.deepEqual(await logTexts(page, "olive", "room:bunker"), ["seen before the outage", "typed with the server down"]);
    assert.deepEqual(await messageTexts(page), ["seen before the outage", "typed with the server down"]);
  });
});
