/** The web app in Debian's Chromium, driven like a person would. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { launch, startServer, type Server, PER_TEST } from "./harness.ts";
import { signToken } from "./jwt.ts";
import { LOWEST_CONTRAST } from "./contrast.ts";
import { joinFromDirectory, joinRoom, logTexts, messageTexts, recordSentFrames, say, seedDm, seedMessages, sentSoFar, signIn } from "./pages.ts";

describe("web app", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(["--admin-token", "e2e-admin"]); browser = await launch(); });
  // Either may be missing if before() failed half-way; the server must still be stopped.
  after(async () => { await browser?.close(); await server?.stop(); });

  test("two people chat; own messages are marked sent; presence shows the client kind", PER_TEST, async () => {
    const alice = await signIn(await browser.newContext(), server.url, "alice");
    const bob = await signIn(await browser.newContext(), server.url, "bob");
    await joinRoom(alice, "lobby");
    await joinRoom(bob, "lobby");
    await say(alice, "hi bob");
    await alice.waitForSelector('article.msg.mine[data-state="sent"]:has-text("hi bob")');
    await bob.waitForSelector('article.msg:not(.mine):has-text("hi bob")');
    await bob.waitForSelector('#online-list li[data-user="alice"] .kind:has-text("web")');
    await bob.getByLabel("Message", { exact: true }).fill("hello al");
    await alice.waitForSelector('#typing:has-text("bob is typing")');
    await bob.getByLabel("Message", { exact: true }).fill("hello alice");
    await bob.keyboard.press("Enter");
    await alice.waitForSelector('article.msg:has-text("hello alice")');
    assert.equal(await alice.locator("#typing").textContent(), "", "a message ends the typing indicator");
    assert.deepEqual(await messageTexts(alice), ["hi bob", "hello alice"]);
    // A DM started from the online list.
    await alice.click('#online-list li[data-user="bob"] button');
    await alice.waitForSelector('#conv-title:text-is("bob")');
    await say(alice, "just between us");
    await bob.waitForSelector('#dm-list button[data-stream="dm:alice:bob"] .badge:has-text("1")');
    await bob.click('#dm-list button[data-stream="dm:alice:bob"]');
    await bob.waitForSelector('article.msg:not(.mine):has-text("just between us")');
  });

  test("a second browser of the same user shows the same read state and unread counts", PER_TEST, async () => {
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

  test("a read cursor moves only when the newest message can be seen: tab visible, list at the bottom", PER_TEST, async () => {
    const aCtx = await browser.newContext();
    const sent = recordSentFrames(aCtx);
    const a = await signIn(aCtx, server.url, "rae");
    /** Whether tab `a` has told the server it read room:watch since frame `from` (after making sure all it sent is recorded). */
    const readSince = async (from: number) => { await sentSoFar(a, sent); return sent.slice(from).some((f) => f.type === "read" && f.stream === "room:watch"); };
    const b = await signIn(await browser.newContext(), server.url, "rae");
    const sam = await signIn(await browser.newContext(), server.url, "sam");
    await joinRoom(sam, "watch");
    await seedMessages(sam, "sam", "watch", 80); // enough to scroll, also grouped into short rows
    await joinRoom(a, "watch");
    await a.waitForSelector('article.msg:has-text("seed 80")');
    await b.waitForSelector('#room-list button[data-stream="room:watch"]');
    const badge = b.locator('#room-list button[data-stream="room:watch"] .badge');
    const setVisibility = (state: "hidden" | "visible") => a.evaluate((s) => {
      Object.defineProperty(document, "visibilityState", { value: s, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    }, state);

    await setVisibility("hidden");
    let mark = sent.length;
    await say(sam, "while the tab was hidden");
    await a.waitForSelector('article.msg:has-text("while the tab was hidden")');
    await b.waitForSelector('#room-list button[data-stream="room:watch"] .badge:has-text("1")');
    assert.equal(await readSince(mark), false, "a hidden tab does not mark messages read");
    assert.equal(await badge.textContent(), "1");
    await setVisibility("visible");
    await badge.waitFor({ state: "detached" });
    assert.equal(await a.locator('.divider + article.msg .text').textContent(), "while the tab was hidden", "the divider marks where I stopped reading");

    await a.locator("#messages").evaluate((el) => { el.scrollTop = 0; });
    mark = sent.length;
    await say(sam, "while scrolled up");
    await a.waitForSelector('article.msg:has-text("while scrolled up")', { state: "attached" });
    await b.waitForSelector('#room-list button[data-stream="room:watch"] .badge:has-text("1")');
    assert.equal(await readSince(mark), false, "a list scrolled up does not mark messages read");
    assert.equal(await badge.textContent(), "1");
    await a.locator("#messages").evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await badge.waitFor({ state: "detached" });
  });

  test("offline: messages show pending, then arrive exactly once after the connection comes back", PER_TEST, async () => {
    const ctx = await browser.newContext();
    const erin = await signIn(ctx, server.url, "erin");
    const fay = await signIn(await browser.newContext(), server.url, "fay");
    await joinRoom(erin, "side");
    await joinRoom(fay, "side");
    await joinRoom(erin, "trip");
    await joinRoom(fay, "trip");
    await ctx.setOffline(true);
    await erin.waitForSelector("#status[data-state=reconnecting]");
    assert.match(await erin.locator("#status").textContent() ?? "", /retrying in \d+ s/);
    await say(erin, "sent while offline 1");
    await say(erin, "sent while offline 2");
    assert.equal(await erin.locator('article.msg.mine[data-state="pending"]').count(), 2);
    assert.match(await erin.locator("#status").textContent() ?? "", /2 waiting to send/);
    await say(fay, "meanwhile");
    await fay.click('#room-list button[data-stream="room:side"]');
    await say(fay, "side 1");
    await say(fay, "side 2");
    await fay.waitForSelector('article.msg.mine[data-state="sent"]:has-text("side 2")');
    await fay.click('#room-list button[data-stream="room:trip"]');
    await ctx.setOffline(false);
    await erin.waitForSelector("#status[data-state=live]", { timeout: 20_000 });
    // The resume replayed what erin missed; the badge counts it once, not once more per replayed event.
    assert.equal(await erin.locator('#room-list button[data-stream="room:side"] .badge').textContent(), "2");
    await erin.waitForSelector('article.msg:has-text("meanwhile")');
    await fay.waitForSelector('article.msg:has-text("sent while offline 2")');
    await erin.waitForFunction(() => document.querySelectorAll('article.msg.mine[data-state="sent"]').length === 2);
    const texts = await messageTexts(fay);
    assert.equal(texts.filter((t) => t === "sent while offline 1").length, 1);
    assert.equal(texts.filter((t) => t === "sent while offline 2").length, 1);
    // The server's log agrees: once each, erin's after fay's (they reached it after the reconnect).
    assert.deepEqual(await logTexts(fay, "fay", "room:trip"), ["meanwhile", "sent while offline 1", "sent while offline 2"]);
  });

  test("a message written offline in a tab that is then closed is sent by the next tab, once", PER_TEST, async () => {
    const ctx = await browser.newContext();
    const first = await signIn(ctx, server.url, "ola");
    await joinRoom(first, "drafts");
    const second = await ctx.newPage(); // a sibling tab, open the whole time
    await second.goto(server.url);
    await second.waitForSelector("#status[data-state=live]");
    await ctx.setOffline(true);
    await first.waitForSelector("#status[data-state=reconnecting]");
    await say(first, "written, then the tab was closed");
    await first.waitForSelector('article.msg.mine[data-state="pending"]');
    // The sibling saves its own state after the closing tab wrote its message (it does on each failed
    // reconnect; a focus asks for one at once): that save must not lose the message.
    await second.waitForFunction(() => {
      const entries = Object.keys(localStorage).filter((k) => k.includes("#")).map((k) => JSON.parse(localStorage.getItem(k) ?? "{}") as { savedAt?: number; outbox?: { text: string }[] });
      const first = entries.find((e) => e.outbox?.some((i) => i.text === "written, then the tab was closed"));
      const done = first !== undefined && entries.some((e) => e !== first && (e.savedAt ?? 0) > (first.savedAt ?? 0));
      if (!done) window.dispatchEvent(new Event("focus"));
      return done;
    }, undefined, { polling: 100 });
    await first.close();
    await ctx.setOffline(false);
    const third = await ctx.newPage(); // the session is remembered: no sign-in form
    await third.goto(server.url);
    await third.waitForSelector("#status[data-state=live]");
    await third.click('#room-list button[data-stream="room:drafts"]');
    await third.waitForSelector('article.msg.mine[data-state="sent"]:has-text("written, then the tab was closed")');
    assert.deepEqual(await logTexts(third, "ola", "room:drafts"), ["written, then the tab was closed"]);
  });

  test("an operator's broadcast shows as a banner until dismissed", PER_TEST, async () => {
    const page = await signIn(await browser.newContext(), server.url, "pat");
    const r = await fetch(`${server.url}/api/broadcast`, {
      method: "POST", headers: { authorization: "Bearer e2e-admin", "content-type": "application/json" }, body: JSON.stringify({ text: "Maintenance at 18:00" }),
    });
    assert.equal(r.status, 200);
    await page.waitForSelector('#broadcast:has-text("Maintenance at 18:00")');
    const later = await signIn(await browser.newContext(), server.url, "quinn"); // signed in after it was sent
    await later.waitForSelector('#broadcast:has-text("Maintenance at 18:00")');
    await page.getByRole("button", { name: "Dismiss announcement" }).click();
    await page.waitForSelector("#broadcast", { state: "hidden" });
  });

  test("scrolling up loads older history page by page", PER_TEST, async () => {
    const gus = await signIn(await browser.newContext(), server.url, "gus");
    await seedMessages(gus, "seeder", "archive", 130);
    await joinRoom(gus, "archive");
    await gus.waitForSelector('article.msg:has-text("seed 130")');
    const firstLoad = await gus.locator("article.msg").count();
    assert.ok(firstLoad < 130, `loaded a page, not everything (${firstLoad})`);
    for (let i = 0, shown = firstLoad; i < 10 && shown < 130; i++, shown = await gus.locator("article.msg").count()) {
      await gus.locator("#messages").evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event("scroll")); });
      await gus.waitForFunction((n) => document.querySelectorAll("article.msg").length > n, shown); // the older page is in
    }
    const texts = await messageTexts(gus);
    assert.equal(texts.length, 130);
    assert.equal(texts[0], "seed 1");
    assert.equal(texts[129], "seed 130");
  });

  test("keyboard only: Tab through the app, join, send, and keep focus while messages arrive", PER_TEST, async () => {
    const page = await (await browser.newContext()).newPage();
    const focused = () => page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      return a?.id || (a?.dataset.stream ? `stream:${a.dataset.stream}` : a?.tagName ?? "");
    });
    const tabTo = async (target: string, key = "Tab") => {
      for (let i = 0; i < 25 && (await focused()) !== target; i++) await page.keyboard.press(key);
      assert.equal(await focused(), target, `${key} reaches ${target}`);
    };
    await page.goto(server.url);
    assert.equal(await focused(), "signin-name", "the name field has focus on load");
    assert.ok(!(await page.locator("#app").isVisible()), "the app stays hidden (and out of the Tab order) until sign-in");
    await page.keyboard.type("hana");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#status[data-state=live]");
    await tabTo("join-room");
    await page.keyboard.type("keys");
    await page.keyboard.press("Enter");
    await page.waitForSelector('#conv-title:has-text("#keys")');
    assert.equal(await focused(), "composer-input", "joining puts the focus in the composer");
    await page.keyboard.type("typed, never clicked");
    await page.keyboard.press("Enter");
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("typed, never clicked")');
    await page.keyboard.press("Tab");
    assert.equal(await focused(), "composer-send", "the send button follows the composer");
    // Back to the room list with Shift+Tab; messages arriving meanwhile must not steal the focus.
    await tabTo("stream:room:keys", "Shift+Tab");
    await seedMessages(page, "ivan", "keys", 3);
    await page.waitForSelector('article.msg:has-text("seed 3")');
    assert.equal(await focused(), "stream:room:keys");
    await page.keyboard.press("Enter");
    assert.equal(await focused(), "composer-input");
    await page.keyboard.type("still no mouse");
    await page.keyboard.press("Enter");
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("still no mouse")');
  });

  test("phone width: the first screen is the room directory with my rooms' unread counts; list and conversation take turns, with a way back", PER_TEST, async () => {
    const page = await signIn(await browser.newContext({ viewport: { width: 390, height: 844 } }), server.url, "jo");
    assert.ok(await page.getByRole("heading", { name: "Rooms on this server" }).isVisible(), "the directory comes first");
    assert.ok(!(await page.locator(".sidebar").isVisible()));
    assert.ok(!(await page.locator("#composer").isVisible()), "no composer without a conversation");
    await joinFromDirectory(page, "pocket");
    assert.ok(await page.locator(".conversation").isVisible());
    assert.ok(!(await page.locator(".sidebar").isVisible()));
    await say(page, "small screen");
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("small screen")');
    const box = await page.locator("article.msg.mine").boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, "messages fit the width");
    await page.getByRole("button", { name: "Back to rooms" }).click();
    assert.ok(await page.locator(".sidebar").isVisible());
    await page.getByRole("button", { name: "Browse all rooms" }).click();
    assert.ok(await page.getByRole("heading", { name: "Rooms on this server" }).isVisible());
    // Someone writes in my room while I look at the directory: it says so there, and after a reload.
    await seedMessages(page, "kai", "pocket", 2, ["hi jo", "@jo look"]);
    const row = page.locator('#directory-list li[data-room="pocket"]');
    await row.locator(".badge.mention").waitFor();
    assert.deepEqual(await row.locator(".badge").allTextContents(), ["@1", "2"]);
    await page.reload();
    await page.waitForSelector("#status[data-state=live]", { state: "attached" });
    await row.locator(".badge.mention").waitFor();
    assert.ok(!(await page.locator(".sidebar").isVisible()), "a reload on the directory stays there");
    assert.deepEqual(await row.locator(".badge").allTextContents(), ["@1", "2"]);
    await page.getByRole("button", { name: "Open #pocket" }).click();
    await page.waitForSelector('article.msg:has-text("@jo look")');
    await page.locator('#room-list button[data-stream="room:pocket"] .badge').first().waitFor({ state: "detached" }); // read: the counts go
  });

  test("phone width: my DMs are on the first screen too, with unread and mention counts, one tap from the conversation", PER_TEST, async () => {
    const page = await signIn(await browser.newContext({ viewport: { width: 390, height: 844 } }), server.url, "lu");
    const dms = page.getByRole("region", { name: "Direct messages" });
    assert.ok(await dms.isVisible(), "the first screen has a place for DMs");
    assert.ok(!(await page.locator(".sidebar").isVisible()));
    await seedDm(page, "kit", "lu", ["hey lu", "@lu are you there?"]);
    const dm = page.locator('#directory-dm-list button[data-stream="dm:kit:lu"]');
    await dm.locator(".badge.mention").waitFor();
    assert.deepEqual(await dm.locator(".badge").allTextContents(), ["@1", "2"]);
    const worst = (await page.evaluate(LOWEST_CONTRAST)) as [string, number];
    assert.ok(worst[1] >= 4.5, `the phone's first screen: lowest contrast ${worst[1].toFixed(2)} for ${worst[0]}`);
    await page.reload(); // counted by the server's welcome, not only by events this page saw
    await page.waitForSelector("#status[data-state=live]", { state: "attached" });
    await dm.locator(".badge.mention").waitFor();
    assert.deepEqual(await dm.locator(".badge").allTextContents(), ["@1", "2"]);
    await dm.click();
    await page.waitForSelector('article.msg:has-text("are you there?")');
    assert.equal(await page.locator("#conv-title").textContent(), "kit");
    assert.ok(!(await page.locator(".sidebar").isVisible()));
    await say(page, "here");
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("here")');
    // Back on the first screen: read, so no counts; a new DM is one tap away.
    await page.getByRole("button", { name: "Back to rooms" }).click();
    await page.getByRole("button", { name: "Browse all rooms" }).click();
    await dm.waitFor();
    assert.equal(await dm.locator(".badge").count(), 0);
    // My rooms come first on a phone, above busier rooms I am not in.
    await seedMessages(page, "kit", "lu-busy", 1);
    await seedMessages(page, "kai", "lu-busy", 1);
    await joinFromDirectory(page, "lu-corner");
    await page.getByRole("button", { name: "Back to rooms" }).click();
    await page.getByRole("button", { name: "Browse all rooms" }).click();
    await page.getByLabel("Find a room").fill("lu-");
    const y = async (room: string) => (await page.locator(`#directory-list li[data-room="${room}"]`).boundingBox())!.y;
    assert.ok(await y("lu-corner") < await y("lu-busy"), "my room is listed before a busier one");
    await page.getByRole("button", { name: "New direct message" }).click();
    assert.ok(await page.locator(".sidebar").isVisible());
    assert.equal(await page.evaluate(() => document.activeElement?.id), "dm-user");
    // A wide screen lists DMs in the sidebar beside the directory, not twice.
    const wide = await signIn(await browser.newContext({ viewport: { width: 1280, height: 800 } }), server.url, "lu");
    await wide.locator('#dm-list button[data-stream="dm:kit:lu"]').waitFor();
    assert.ok(await wide.getByRole("heading", { name: "Rooms on this server" }).isVisible());
    assert.ok(!(await wide.locator("#directory-dms").isVisible()));
  });

  for (const colorScheme of ["light", "dark"] as const) {
    test(`readable in ${colorScheme} mode: text contrast at least 4.5:1`, PER_TEST, async () => {
      const page = await signIn(await browser.newContext({ colorScheme }), server.url, `kim-${colorScheme}`);
      await joinRoom(page, "contrast");
      await seedMessages(page, "lee", "contrast", 1);
      await say(page, "mine");
      await page.waitForSelector('article.msg.mine[data-state="sent"]');
      const worst = (await page.evaluate(LOWEST_CONTRAST)) as [string, number];
      assert.ok(worst[1] >= 4.5, `lowest contrast ${worst[1].toFixed(2)} for ${worst[0]}`);
    });
  }
});

describe("web app on a server that requires tokens", () => {
  const secret = "e2e-secret-at-least-32-bytes-long!!";
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(["--jwt-secret", secret]); browser = await launch(); });
  // Either may be missing if before() failed half-way; the server must still be stopped.
  after(async () => { await browser?.close(); await server?.stop(); });

  test("a refused token brings the sign-in back with the reason; a good one signs in as its subject", PER_TEST, async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await page.getByLabel("Token").fill(signToken("not-the-secret-but-long-enough-too!", "mallory"));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector('#signin-error:has-text("invalid token")');
    assert.ok(await page.locator("#signin").isVisible());
    await page.getByLabel("Token").fill(signToken(secret, "ivy"));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector("#status[data-state=live]");
    assert.equal(await page.locator("#me-name").textContent(), "ivy");
    await joinRoom(page, "vault");
    await say(page, "signed");
    await page.waitForSelector('article.msg.mine[data-state="sent"]:has-text("signed")');
  });
});
