/** The two clients talking through one server: the web app in Chromium and the CLI in a terminal. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { BUN, ROOT, cli, launch, startServer, type Server, PER_TEST } from "./harness.ts";
import { joinRoom, say, signIn } from "./pages.ts";

describe("browser and CLI together", () => {
  let server: Server;
  let browser: Browser;
  const state = mkdtempSync(join(tmpdir(), "hubbub-e2e-cli-"));
  const bob = (...args: string[]) => cli([...args, "--url", server.url, "--user", "bob", "--state", join(state, "bob.json")]);
  before(async () => { server = await startServer(); browser = await launch(); });
  // Either may be missing if before() failed half-way; the server must still be stopped.
  after(async () => { await browser?.close(); await server?.stop(); });

  test("a message typed in the browser reaches the CLI, and one sent from the CLI reaches the browser", PER_TEST, async () => {
    const alice = await signIn(await browser.newContext(), server.url, "alice");
    await joinRoom(alice, "lobby");
    assert.equal((await bob("join", "lobby")).code, 0);
    assert.equal((await bob("tail", "--room", "lobby")).code, 0); // remember where bob is
    await say(alice, "hello from the browser");
    await alice.waitForSelector('article.msg.mine[data-state="sent"]:has-text("hello from the browser")');
    const tail = await bob("tail", "--room", "lobby", "--json");
    const lines = tail.out.trim().split("\n").map((l) => JSON.parse(l) as { author: string; body: { text?: string } });
    assert.deepEqual(lines.filter((e) => e.body.text).map((e) => `${e.author}: ${e.body.text}`), ["alice: hello from the browser"]);
    const sent = await bob("send", "--room", "lobby", "hello from the terminal");
    assert.equal(sent.code, 0, sent.err);
    await alice.waitForSelector('article.msg:not(.mine):has-text("hello from the terminal")');
  });

  test("a DM from the CLI reaches the browser", PER_TEST, async () => {
    const alice = await signIn(await browser.newContext(), server.url, "alice");
    const r = await bob("send", "--to", "alice", "psst, just you");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /sent dm:alice:bob #1/);
    await alice.waitForSelector('#dm-list button[data-stream="dm:alice:bob"] .badge:has-text("1")');
    await alice.click('#dm-list button[data-stream="dm:alice:bob"]');
    await alice.waitForSelector('article.msg:has-text("psst, just you")');
  });

  test("presence shows a web user and a CLI user side by side (and the README screenshot)", PER_TEST, async () => {
    const chat = spawn(BUN, ["run", "src/cli/main.ts", "chat", "--room", "lobby", "--url", server.url, "--user", "bob", "--state", join(state, "bob-chat.json")], { cwd: ROOT });
    try {
      const carol = await signIn(await browser.newContext(), server.url, "carol");
      await joinRoom(carol, "lobby");
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const alice = await signIn(ctx, server.url, "alice");
      await alice.click('#room-list button[data-stream="room:lobby"]');
      await alice.waitForSelector('#online-list li[data-user="bob"] .kind:has-text("cli")');
      await alice.waitForSelector('#online-list li[data-user="carol"] .kind:has-text("web")');
      chat.stdin.write("Ship it when the tests are green.\n");
      await alice.waitForSelector('article.msg:has-text("Ship it when the tests are green.")');
      await say(carol, "Tests are green: browser and terminal agree.");
      await alice.waitForSelector('article.msg:has-text("browser and terminal agree")');
      await say(alice, "Merging now.");
      await alice.waitForSelector('article.msg.mine[data-state="sent"]:has-text("Merging now")');
      const typing = (await browser.contexts()[browser.contexts().length - 2]!.pages())[0]!;
      await typing.getByLabel("Message", { exact: true }).type("on it");
      await alice.waitForSelector('#typing:has-text("carol is typing")').catch(() => {});
      // The README's picture: `HUBBUB_SCREENSHOT=docs/screenshot.png npm run test:e2e` refreshes it.
      await alice.screenshot({ path: process.env.HUBBUB_SCREENSHOT ? join(ROOT, process.env.HUBBUB_SCREENSHOT) : join(state, "screenshot.png") });
    } finally {
      chat.stdin.end();
      await new Promise((r) => chat.once("exit", r));
    }
  });
});
