/** Private rooms in the web app (issue 12): create one, the settings panel (visibility, members with roles and presence, invite and withdraw an invite, kick, ban, unban), only the actions I may take. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { PER_TEST, launch, startServer, type Server } from "./harness.ts";
import { LOWEST_CONTRAST } from "./contrast.ts";
import { joinFromDirectory, seedMessages, signIn } from "./pages.ts";

const person = (page: Page, user: string) => page.locator(`#settings-body li[data-user="${user}"]`);

async function createPrivate(page: Page, room: string): Promise<void> {
  await page.getByLabel("Find a room").fill(room);
  await page.getByRole("button", { name: `Create private room #${room}` }).click();
  await page.waitForSelector(`#conv-title:has-text("#${room}")`);
}

async function openSettings(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Settings" }).click();
  await page.waitForSelector("#settings-body .settings-visibility");
}

async function invite(page: Page, user: string): Promise<void> {
  await page.getByLabel("Invite, kick or ban by name").fill(user);
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  await page.waitForSelector(`#settings-done:has-text("Invited ${user}")`);
}

describe("web app room settings", () => {
  let server: Server;
  let browser: Browser;
  before(async () => { server = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test("a private room: the owner invites, the invitee joins from the directory, roles change live, members see no actions", PER_TEST, async () => {
    const ann = await signIn(await browser.newContext(), server.url, "ann");
    const bob = await signIn(await browser.newContext(), server.url, "bob");
    await createPrivate(ann, "plans");
    await openSettings(ann);
    assert.match(await ann.locator("#settings-body .settings-visibility").textContent() ?? "", /^Private: only people who are invited can join\./);
    assert.match(await person(ann, "ann").textContent() ?? "", /ann \(you\)owner/);
    assert.ok(await ann.getByLabel("Invite, kick or ban by name").isVisible(), "the owner may invite");

    await bob.getByRole("button", { name: "Browse all rooms" }).click();
    assert.equal(await bob.locator('#directory-list li[data-room="plans"]').count(), 0, "a private room is not listed to others");
    await invite(ann, "bob");
    await bob.waitForSelector('#directory-note:has-text("ann invited you to #plans")');
    await bob.waitForSelector('#directory-list li[data-room="plans"] .tag:text-is("invited")');
    // Withdrawn: bob is told and the room leaves his list; invited again, he joins.
    await person(ann, "bob").getByRole("button", { name: "Withdraw bob's invite" }).click();
    await ann.waitForSelector(`#settings-done:has-text("Withdrew bob's invite")`);
    await bob.waitForSelector('#directory-note:has-text("ann withdrew your invite to #plans")');
    await bob.waitForSelector('#directory-list li[data-room="plans"]', { state: "detached" });
    await ann.waitForSelector('#settings-body .settings-invited', { state: "detached" });
    await invite(ann, "bob");
    await bob.waitForSelector('#directory-list li[data-room="plans"] .tag:text-is("invited")');
    await bob.getByRole("button", { name: "Join #plans (invited)" }).click();
    await bob.waitForSelector('#conv-title:has-text("#plans")');
    await bob.waitForSelector('.notice:has-text("ann invited bob")');
    await ann.waitForSelector('#settings-body .settings-count:text-is("2 members. Invite others by name below.")');

    // The owner sees bob, online, with what an owner may do; bob sees the same room with no actions at all.
    await person(ann, "bob").getByRole("button", { name: "Make bob a moderator" }).waitFor();
    assert.ok(await person(ann, "bob").getByRole("button", { name: "Kick bob" }).isVisible());
    await openSettings(bob);
    assert.match(await bob.locator("#settings-body").textContent() ?? "", /You are a member here\./);
    assert.equal(await bob.locator("#settings-body button").count(), 0, "a member is offered nothing they may not do");
    assert.ok(await bob.locator("#settings-form").isHidden());

    await person(ann, "bob").getByRole("button", { name: "Make bob a moderator" }).click();
    await bob.waitForSelector('#settings-body :text("You are its moderator here.")');
    assert.ok(await bob.locator("#settings-form").isVisible(), "a moderator may invite, kick and ban by name");
    assert.equal(await person(bob, "ann").locator("button").count(), 0, "nobody acts on the owner");
    await person(ann, "bob").getByRole("button", { name: "Remove bob as moderator" }).waitFor();
    assert.equal(await person(ann, "bob").getByRole("button", { name: "Kick bob" }).count(), 0, "a moderator is not kicked");

    await ann.getByRole("button", { name: "Make the room public" }).click();
    await bob.waitForSelector('#settings-body .settings-visibility[data-visibility="public"]');
    await bob.waitForSelector('.notice:has-text("ann made the room public")');
  });

  test("a moderator kicks and bans; the removed person lands on the directory and is told why; the owner unbans", PER_TEST, async () => {
    const ida = await signIn(await browser.newContext(), server.url, "ida");
    const max = await signIn(await browser.newContext(), server.url, "max");
    const cy = await signIn(await browser.newContext(), server.url, "cy");
    await createPrivate(ida, "council");
    await openSettings(ida);
    await invite(ida, "max");
    await invite(ida, "cy");
    for (const p of [max, cy]) {
      await p.getByRole("button", { name: "Join #council (invited)" }).click();
      await p.waitForSelector('#conv-title:has-text("#council")');
    }
    await person(ida, "max").getByRole("button", { name: "Make max a moderator" }).click();
    await openSettings(max);
    await max.waitForSelector('#settings-body :text("You are its moderator here.")');

    max.once("dialog", (d) => void d.accept());
    await person(max, "cy").getByRole("button", { name: "Kick cy" }).click();
    await cy.waitForSelector('#directory-note:has-text("max kicked you from #council.")');
    assert.equal(await cy.locator("#conv-title").textContent(), "Rooms");
    await cy.waitForSelector('#room-list button[data-stream="room:council"]', { state: "detached" });

    // Banned by name: cy is not in the room any more, so not in the list either.
    await max.getByLabel("Invite, kick or ban by name").fill("cy");
    max.once("dialog", (d) => void d.accept());
    await max.getByRole("button", { name: "Ban", exact: true }).click();
    await ida.waitForSelector('#settings-body .settings-banned li[data-user="cy"]');
    await cy.getByLabel("Find a room").fill("council");
    await cy.getByRole("button", { name: "Create #council" }).click(); // a private room's name is not listed to cy
    await cy.waitForSelector('#directory-note:has-text("Could not join #council")');
    assert.match(await cy.locator("#directory-note").textContent() ?? "", /banned/);

    await ida.getByRole("button", { name: "Unban cy" }).click();
    await ida.waitForSelector('#settings-body .settings-banned', { state: "detached" });
    await invite(ida, "cy");
    await cy.getByRole("button", { name: "Join #council (invited)" }).click();
    await cy.waitForSelector('#conv-title:has-text("#council")');
  });

  test("the member list: every member with role and presence, offline ones too; kick from the list; joins and kicks show live", PER_TEST, async () => {
    const ann = await signIn(await browser.newContext(), server.url, "ann2");
    await joinFromDirectory(ann, "hall");
    await seedMessages(ann, "cyd", "hall", 1); // joins, writes, goes away: a member who is offline
    const bob = await signIn(await browser.newContext(), server.url, "bob2");
    await joinFromDirectory(bob, "hall");
    await openSettings(ann);
    const count = ann.locator("#settings-body .settings-count");
    await ann.waitForSelector('#settings-body .settings-count:text-is("3 members. Invite others by name below.")');
    await person(ann, "bob2").locator(".presence").waitFor();
    assert.deepEqual(await ann.locator("#settings-body .settings-people li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-user"))), ["ann2", "bob2", "cyd"], "the owner first, then members by name");
    assert.match(await person(ann, "cyd").textContent() ?? "", /^cydmember/);
    assert.equal(await person(ann, "cyd").locator(".presence").count(), 0, "cyd is not online");
    const worst = (await ann.evaluate(LOWEST_CONTRAST)) as [string, number];
    assert.ok(worst[1] >= 4.5, `the settings panel: lowest contrast ${worst[1].toFixed(2)} for ${worst[0]}`);

    ann.once("dialog", (d) => void d.accept());
    await person(ann, "cyd").getByRole("button", { name: "Kick cyd" }).click();
    await person(ann, "cyd").waitFor({ state: "detached" });
    assert.equal(await count.textContent(), "2 members. Invite others by name below.");

    await seedMessages(ann, "dee2", "hall", 1); // joins while the panel is open
    await person(ann, "dee2").waitFor();
    assert.equal(await count.textContent(), "3 members. Invite others by name below.");

    // A plain member sees the same list, and no action on anyone.
    await openSettings(bob);
    await person(bob, "dee2").waitFor();
    assert.equal(await bob.locator("#settings-body .settings-count").textContent(), "3 members.");
    assert.equal(await bob.locator("#settings-body button").count(), 0);
  });
});
