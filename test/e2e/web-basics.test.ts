/** The basics a chat user expects (issue 12): grouping, edit/delete, formatting safely, mentions, notifications. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { PER_TEST, launch, startServer, type Server } from "./harness.ts";
import { joinRoom, messageTexts, say, seedMessages, signIn } from "./pages.ts";

/** Records every Notification the page makes (a string: the runner's transpiler must not add helpers). */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  window.__notes = [];
  class Recorded extends Real { constructor(title, options) { super(title, options); window.__notes.push({ title, body: options && options.body }); } }
  Object.defineProperty(window, "Notification", { value: Recorded, configurable: true });
})()`;

const setVisibility = (page: Page, state: "hidden" | "visible") => page.evaluate((s) => {
  Object.defineProperty(document, "visibilityState", { value: s, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}, state);

describe("web app basics", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("messages of one author close together share one header; initials have a stable colour", PER_TEST, async () => {
    const ann = await signIn(await browser.newContext(), server.url, "ann");
    const ben = await signIn(await browser.newContext(), server.url, "ben");
    await joinRoom(ann, "group");
    await joinRoom(ben, "group");
    for (const t of ["b1", "b2", "b3"]) await say(ben, t);
    await say(ann, "a1");
    await ann.waitForSelector('article.msg:has-text("a1")');
    await ann.waitForSelector('article.msg:has-text("b3")');
    const rows = await ann.locator("article.msg").evaluateAll((els) => els.map((e) => [e.querySelector(".text")?.textContent, e.classList.contains("grouped"), e.querySelector(".avatar")?.textContent ?? ""]));
    assert.deepEqual(rows, [["b1", false, "BE"], ["b2", true, ""], ["b3", true, ""], ["a1", false, "AN"]]);
    assert.deepEqual(await ann.locator("#messages h3.day").allTextContents(), ["Today"], "one day separator for today's messages");
    const colour = (p: Page) => p.locator('article.msg[data-author="ben"] .avatar').first().evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(await colour(ann), await colour(ben));
    await ann.getByLabel("Compact messages").check();
    assert.equal(await ann.locator("article.msg .avatar").first().isVisible(), false, "compact density hides avatars");
  });

  test("edit and delete my own messages: shown live to others and after a reload", PER_TEST, async () => {
    const cat = await signIn(await browser.newContext(), server.url, "cat");
    const dan = await signIn(await browser.newContext(), server.url, "dan");
    await joinRoom(cat, "changes");
    await joinRoom(dan, "changes");
    await say(cat, "teh typo");
    await say(cat, "regrettable");
    await cat.waitForSelector('article.msg.mine[data-state="sent"]:has-text("regrettable")');
    await dan.waitForSelector('article.msg:has-text("regrettable")');
    assert.equal(await dan.getByRole("button", { name: "Edit message" }).count(), 0, "no edit on others' messages");

    await cat.locator('article.msg:has-text("teh typo")').hover();
    await cat.locator('article.msg:has-text("teh typo")').getByRole("button", { name: "Edit message" }).click();
    await cat.waitForSelector("#editing:visible");
    const input = cat.getByLabel("Message", { exact: true });
    assert.equal(await input.inputValue(), "teh typo");
    await input.fill("the typo, fixed");
    await cat.keyboard.press("Enter");
    await dan.waitForSelector('article.msg:has-text("the typo, fixed"):has-text("(edited)")');
    assert.equal(await input.inputValue(), "", "the composer is back to what it held");

    cat.once("dialog", (d) => void d.accept());
    await cat.locator('article.msg:has-text("regrettable")').hover();
    await cat.locator('article.msg:has-text("regrettable")').getByRole("button", { name: "Delete message" }).click();
    await dan.waitForSelector('article.msg.deleted:has-text("message deleted")');
    await dan.reload();
    await dan.waitForSelector('article.msg:has-text("the typo, fixed")');
    await dan.waitForSelector('article.msg.deleted:has-text("message deleted")');
    assert.deepEqual(await messageTexts(dan), ["the typo, fixed", "message deleted"]);
  });

  test("links are clickable and safe, formatting works, and no text becomes markup (XSS)", PER_TEST, async () => {
    const eve = await signIn(await browser.newContext(), server.url, "eve");
    const fox = await signIn(await browser.newContext(), server.url, "fox");
    await joinRoom(eve, "format");
    await joinRoom(fox, "format");
    const hostile = `<img src=x onerror="window.__xss=1"> **bold** _it_ \`<b>code</b>\` https://example.com/a?b=1&c=<2> javascript:alert(1) [x](javascript:alert(2))`;
    await say(eve, hostile);
    await eve.getByLabel("Message", { exact: true }).fill("```\nconst a = 1 < 2;\n  <script>window.__xss=2</script>\n```");
    await eve.keyboard.press("Enter");
    await fox.waitForSelector("article.msg pre code");
    const text = fox.locator("article.msg .text").first();
    assert.equal(await text.locator("img, script, b").count(), 0, "no element from the text");
    assert.equal(await fox.evaluate(() => (window as { __xss?: number }).__xss), undefined);
    assert.equal(await text.locator("strong").textContent(), "bold");
    assert.equal(await text.locator("em").textContent(), "it");
    assert.equal(await text.locator("code").textContent(), "<b>code</b>");
    const links = await text.locator("a").evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.getAttribute("rel"), a.getAttribute("target")]));
    assert.deepEqual(links, [["https://example.com/a?b=1&c=", "noopener noreferrer nofollow ugc", "_blank"]]);
    assert.ok((await text.textContent())?.includes("<img src=x onerror=\"window.__xss=1\">"), "the markup is shown as text");
    assert.equal(await fox.locator("article.msg pre code").textContent(), "const a = 1 < 2;\n  <script>window.__xss=2</script>");
  });

  test("notifications are asked for from a click, not on load", PER_TEST, async () => {
    const ctx = await browser.newContext();
    const page = await signIn(ctx, server.url, "asker");
    assert.equal(await page.evaluate(() => Notification.permission), "default", "loading the app asked nothing");
    await page.getByRole("button", { name: "Enable notifications" }).click(); // headless leaves the prompt unanswered…
    assert.ok(await page.getByRole("button", { name: "Enable notifications" }).isVisible(), "…so the offer stays");
    await ctx.grantPermissions(["notifications"]); // the person says yes
    await page.getByRole("button", { name: "Enable notifications" }).click();
    await page.waitForSelector("#notify", { state: "hidden" });
    assert.equal(await page.evaluate(() => Notification.permission), "granted");
  });

  test("mentions are highlighted and counted apart; notifications for mentions and DMs while the tab is hidden; unread in the title and favicon", PER_TEST, async () => {
    const ctx = await browser.newContext();
    await ctx.grantPermissions(["notifications"]);
    await ctx.addInitScript(RECORD_NOTIFICATIONS);
    const gil = await signIn(ctx, server.url, "gil");
    const hal = await signIn(await browser.newContext(), server.url, "hal");
    await joinRoom(gil, "mentions");
    await joinRoom(hal, "mentions");
    await joinRoom(gil, "elsewhere"); // gil looks at another room
    assert.ok(await gil.locator("#notify").isHidden(), "permission already given: nothing to ask");
    await say(hal, "hello all");
    await say(hal, "@gil can you look?");
    const badge = (cls: string) => gil.locator(`#room-list button[data-stream="room:mentions"] .badge${cls}`);
    await badge(".mention").waitFor();
    assert.equal(await badge(".mention").textContent(), "@1");
    assert.equal(await badge(":not(.mention)").textContent(), "2");
    assert.equal(await gil.title(), "(2 · @1) hubbub");
    assert.match(await gil.locator("link[rel=icon]").getAttribute("href") ?? "", /^data:image\/png;base64,/);
    assert.equal(await gil.evaluate(() => (window as { __notes?: unknown[] }).__notes?.length), 0, "no notification while the tab is visible");

    await setVisibility(gil, "hidden");
    await say(hal, "@gil again, while you are away");
    await hal.getByLabel("Start a direct message with").fill("gil");
    await hal.getByRole("button", { name: "Open", exact: true }).click();
    await say(hal, "just you");
    await say(hal, "plain, no mention"); // a DM: notifies too
    await hal.click('#room-list button[data-stream="room:mentions"]');
    await say(hal, "no mention here");
    await gil.waitForFunction(() => ((window as { __notes?: unknown[] }).__notes?.length ?? 0) >= 3);
    // The room message without a mention must not add one: wait until gil's app has taken it in
    // (4 unread in the room), which is when it would have notified.
    await badge(":not(.mention)").filter({ hasText: /^4$/ }).waitFor();
    const notes = await gil.evaluate(() => (window as { __notes?: { title: string; body: string }[] }).__notes);
    assert.deepEqual(notes, [
      { title: "hal mentioned you in #mentions", body: "@gil again, while you are away" },
      { title: "hal (direct message)", body: "just you" },
      { title: "hal (direct message)", body: "plain, no mention" },
    ]);
    await setVisibility(gil, "visible");
    await gil.click('#room-list button[data-stream="room:mentions"]');
    await gil.waitForSelector("article.msg.mentions-me .mention.me");
    await badge(".mention").waitFor({ state: "detached" });
  });
});

describe("web app mention counts", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("a new browser's badges count the mentions in history it never loaded (the server counts them)", PER_TEST, async () => {
    const first = await browser.newContext();
    const nia = await signIn(first, server.url, "nia");
    await joinRoom(nia, "busy");
    // Three mentions among 120 messages, the newest of them far beyond the first history page.
    const texts = Array.from({ length: 120 }, (_, i) => (i < 3 ? `@nia number ${i + 1}` : i === 3 ? "`@nia` in code is no mention" : `chatter ${i + 1}`));
    await nia.getByRole("button", { name: "Browse all rooms" }).click(); // nothing open: nothing gets read
    await seedMessages(nia, "oz", "busy", texts.length, texts);
    await first.close();
    const again = await signIn(await browser.newContext(), server.url, "nia");
    const badge = (cls: string) => again.locator(`#room-list button[data-stream="room:busy"] .badge${cls}`);
    await badge(".mention").waitFor();
    assert.equal(await badge(".mention").textContent(), "@3");
    assert.equal(await badge(":not(.mention)").textContent(), "120");
    assert.equal(await again.title(), "(120 · @3) hubbub");
  });
});

describe("web app reactions", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("a reaction is an event: seen live by others, kept after a reload, taken back by pressing it again", PER_TEST, async () => {
    const ivy = await signIn(await browser.newContext(), server.url, "ivy");
    const jo = await signIn(await browser.newContext(), server.url, "jo");
    await joinRoom(ivy, "react");
    await joinRoom(jo, "react");
    await say(ivy, "shipping at five");
    const msg = jo.locator('article.msg:has-text("shipping at five")');
    await msg.hover();
    await msg.getByRole("button", { name: "Add a reaction" }).click();
    await msg.getByRole("button", { name: "React with 👍" }).click();
    await ivy.waitForSelector('article.msg .reactions button:has-text("👍 1")');
    assert.equal(await ivy.locator('article.msg .reactions button').getAttribute("aria-pressed"), "false", "not mine");
    await ivy.locator('article.msg .reactions button:has-text("👍 1")').click(); // ivy adds hers
    await jo.waitForSelector('article.msg .reactions button[aria-pressed="true"]:has-text("👍 2")');
    await jo.reload();
    await jo.waitForSelector('article.msg .reactions button[aria-pressed="true"]:has-text("👍 2")');
    await jo.locator('article.msg .reactions button:has-text("👍 2")').click(); // jo takes his back
    await ivy.waitForSelector('article.msg .reactions button[aria-pressed="true"]:has-text("👍 1")');
  });
});
