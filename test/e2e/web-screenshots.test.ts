/**
 * The README's pictures of the web app: desktop light, desktop dark and a phone, from one scene.
 * `HUBBUB_SCREENSHOTS=1 npm run test:e2e` writes them into docs/; otherwise into a temp dir.
 */
import assert from "node:assert/strict";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { LOWEST_CONTRAST } from "./contrast.ts";
import { PER_TEST, ROOT, launch, startServer, type Server } from "./harness.ts";
import { joinRoom, say, signIn } from "./pages.ts";

const OUT = process.env.HUBBUB_SCREENSHOTS ? join(ROOT, "docs") : mkdtempSync(join(tmpdir(), "hubbub-shots-"));

describe("web app screenshots", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("desktop light, desktop dark and phone, readable in each", PER_TEST, async () => {
    const maya = await signIn(await browser.newContext(), server.url, "maya");
    const theo = await signIn(await browser.newContext(), server.url, "theo");
    for (const r of ["design", "releases", "random"]) await joinRoom(maya, r);
    await joinRoom(theo, "releases");
    await joinRoom(theo, "design");
    await maya.click('#room-list button[data-stream="room:design"]');
    maya.once("dialog", (d) => void d.accept("Shipping the new web app — reviews on Thursdays"));
    await maya.getByRole("button", { name: "Topic" }).click();
    await say(theo, "Morning! The offline mode works: reload with the server down and the outbox is still there.");
    await say(theo, "Two builds to review: **web** and _cli_. Notes at https://example.com/hubbub/notes");
    await say(maya, "Nice. @theo can you check the service worker on a phone?");
    await maya.getByLabel("Message", { exact: true }).fill("```\nnpm test            # everything CI runs\nnpm run test:e2e    # the browser tests\n```");
    await maya.keyboard.press("Enter");
    await say(theo, "On it — `HUBBUB_SCREENSHOTS=1` takes these pictures.");
    await theo.click('#room-list button[data-stream="room:releases"]');
    await say(theo, "v0.2 is tagged");

    const shoot = async (name: string, colorScheme: "light" | "dark", viewport: { width: number; height: number }, prepare?: (p: Page) => Promise<void>) => {
      const page = await signIn(await browser.newContext({ colorScheme, viewport, deviceScaleFactor: 1 }), server.url, "maya");
      await page.getByRole("button", { name: "Open #design" }).click(); // from the directory, the first screen
      await page.waitForSelector('article.msg:has-text("HUBBUB_SCREENSHOTS")');
      await prepare?.(page);
      await page.locator("#composer-input").blur(); // the picture shows the app, not a focus ring
      const worst = (await page.evaluate(LOWEST_CONTRAST)) as [string, number];
      assert.ok(worst[1] >= 4.5, `${name}: lowest contrast ${worst[1].toFixed(2)} for ${worst[0]}`);
      const path = join(OUT, name);
      await page.screenshot({ path });
      assert.ok(statSync(path).size > 10_000, `${name} was written`);
    };
    await shoot("screenshot-light.png", "light", { width: 1200, height: 720 });
    await shoot("screenshot-dark.png", "dark", { width: 1200, height: 720 });
    await shoot("screenshot-mobile.png", "light", { width: 390, height: 760 });
  });
});
