/** Page helpers for the browser tests: what a person does, expressed with accessible locators. */
import type { BrowserContext, Page } from "playwright-core";

export async function signIn(ctx: BrowserContext, url: string, name: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on("pageerror", (e) => console.error(`[${name}] page error: ${e.message}`));
  await page.goto(url);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Attached, not visible: on a phone the sidebar that holds it is one step back.
  await page.waitForSelector("#status[data-state=live]", { state: "attached" });
  return page;
}

export async function joinRoom(page: Page, room: string): Promise<void> {
  await page.getByLabel("Join or create a room").fill(room);
  await page.getByRole("button", { name: "Join", exact: true }).click();
  await page.waitForSelector(`#conv-title:has-text("#${room}")`);
}

/** Joins (or creates) a room from the directory: what a phone shows first. */
export async function joinFromDirectory(page: Page, room: string): Promise<void> {
  await page.getByLabel("Find a room").fill(room);
  await page.getByRole("button", { name: new RegExp(`^(Join|Create) #${room.replace(/[.]/g, "\\.")}$`) }).click();
  await page.waitForSelector(`#conv-title:has-text("#${room}")`);
}

export async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.keyboard.press("Enter");
}

export const messageTexts = (page: Page) => page.locator("article.msg .text").allTextContents();

/** Sends `n` messages ("seed 1", …, or `texts` when given) straight over a WebSocket opened inside the page (fast seeding). */
export function seedMessages(page: Page, user: string, room: string, n: number, texts: string[] = []): Promise<void> {
  return page.evaluate(async ({ user, room, n, texts }) => {
    const ws = new WebSocket(location.origin.replace("http", "ws") + "/ws", "hubbub.v1.json");
    await new Promise((r) => (ws.onopen = r));
    // Inline callbacks only: a named function here would be compiled with a helper the page lacks.
    const welcomed = new Promise<void>((r) => ws.addEventListener("message", (m) => { if (JSON.parse(m.data as string).type === "synced") r(); }));
    const done = new Promise<void>((r) => ws.addEventListener("message", (m) => {
      const f = JSON.parse(m.data as string);
      if (f.type === "ack" && f.id === "last") r();
    }));
    ws.send(JSON.stringify({ type: "hello", user, device: "seeder", client: "script" }));
    await welcomed; // the server takes only a few frames before a hello is answered
    ws.send(JSON.stringify({ type: "join", room }));
    for (let i = 1; i <= n; i++) ws.send(JSON.stringify({ type: "send", id: i === n ? "last" : i, to: { room }, cmid: `seed-${room}-${i}`, text: texts[i - 1] ?? `seed ${i}` }));
    await done;
    ws.close();
  }, { user, room, n, texts });
}

/** The texts of a stream's messages as the server's log has them (read over a WebSocket in the page). */
export function logTexts(page: Page, user: string, stream: string): Promise<string[]> {
  return page.evaluate(async ({ user, stream }) => {
    const ws = new WebSocket(location.origin.replace("http", "ws") + "/ws", "hubbub.v1.json");
    await new Promise((r) => (ws.onopen = r));
    const page = new Promise<{ events: { kind: string; body: { text?: string } }[] }>((resolve) => {
      ws.onmessage = (m) => { const f = JSON.parse(m.data as string); if (f.type === "page") resolve(f); };
    });
    ws.send(JSON.stringify({ type: "hello", user, device: "checker", client: "script" }));
    ws.send(JSON.stringify({ type: "history", id: 1, stream, limit: 500 }));
    const p = await page;
    ws.close();
    return p.events.filter((e) => e.kind === "message").map((e) => e.body.text ?? "");
  }, { user, stream });
}

/** Sends DMs from `user` to `to` straight over a WebSocket opened inside the page. */
export function seedDm(page: Page, user: string, to: string, texts: string[]): Promise<void> {
  return page.evaluate(async ({ user, to, texts }) => {
    const ws = new WebSocket(location.origin.replace("http", "ws") + "/ws", "hubbub.v1.json");
    await new Promise((r) => (ws.onopen = r));
    const welcomed = new Promise<void>((r) => ws.addEventListener("message", (m) => { if (JSON.parse(m.data as string).type === "synced") r(); }));
    const done = new Promise<void>((r, reject) => ws.addEventListener("message", (m) => {
      const f = JSON.parse(m.data as string);
      if (f.type === "ack" && f.id === "last") r();
      if (f.type === "error") reject(new Error(f.message));
    }));
    ws.send(JSON.stringify({ type: "hello", user, device: "seeder", client: "script" }));
    await welcomed;
    texts.forEach((text, i) => ws.send(JSON.stringify({ type: "send", id: i === texts.length - 1 ? "last" : i, to: { user: to }, cmid: `seed-dm-${user}-${to}-${i}`, text })));
    await done;
    ws.close();
  }, { user, to, texts });
}

/** Records every frame the context's pages send over their WebSockets (JSON encoding), in order; call before signIn. */
export function recordSentFrames(ctx: BrowserContext): Record<string, unknown>[] {
  const frames: Record<string, unknown>[] = [];
  ctx.on("page", (p) => p.on("websocket", (ws) => ws.on("framesent", (f) => {
    if (typeof f.payload === "string") frames.push(JSON.parse(f.payload) as Record<string, unknown>);
  })));
  return frames;
}

/**
 * Resolves once the page's app has sent every frame it meant to send until now: it makes the app
 * send one more (a search, which changes nothing) and waits to see that one go out. Frames leave
 * a WebSocket in order, so anything the app sent before it has been recorded too.
 */
export async function sentSoFar(page: Page, frames: Record<string, unknown>[]): Promise<void> {
  const q = `barrier-${Math.random().toString(36).slice(2)}`;
  await page.locator("#search-toggle").click();
  await page.getByLabel("Search this conversation").fill(q);
  await page.getByLabel("Search this conversation").press("Enter");
  for (const deadline = Date.now() + 30_000; !frames.some((f) => f.type === "search" && f.q === q);) {
    if (Date.now() > deadline) throw new Error("the barrier search was never sent");
    await new Promise((r) => setTimeout(r, 20)); // a poll interval inside an event-or-deadline wait
  }
  await page.locator("#search-toggle").click(); // closes the panel
}
