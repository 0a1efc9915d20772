/** Rate budgets against a real server: per user across connections, and per address for connection attempts. */
import { expect, test } from "bun:test";
import type { ServerFrame } from "../../src/protocol/index.ts";
import { TestClient, start } from "./harness.ts";

test("one user on ten connections shares one budget: the rest of a burst gets rate_limited", async () => {
  const server = await start({ rateLimit: 5 }); // burst 20 per user
  try {
    const socks: TestClient[] = [];
    for (let i = 0; i < 10; i++) socks.push(await TestClient.connect(server.url, "many", { device: `d${i}` }));
    for (const c of socks) for (let i = 0; i < 3; i++) c.send({ type: "rooms", id: i });
    for (const c of socks) await c.waitFor((f) => "id" in f && f.id === 2, 10_000);
    const count = (p: (f: ServerFrame) => boolean) => socks.reduce((n, c) => n + c.frames.filter(p).length, 0);
    const answered = count((f) => f.type === "room_list");
    expect(answered).toBeLessThan(25); // per connection it would have been all 30: the burst (20) plus what refilled meanwhile
    expect(answered + count((f) => f.type === "error" && f.code === "rate_limited")).toBe(30);
    const other = await TestClient.connect(server.url, "bystander");
    expect((await other.request({ type: "rooms" })).type).toBe("room_list");
    for (const c of [...socks, other]) c.close();
  } finally {
    await server.stop();
  }
}, 30_000);

test("connection attempts from one address beyond --connect-rate-limit get HTTP 429 before any WebSocket work", async () => {
  const server = await start({ connectRateLimit: 1 }); // burst 20
  try {
    const results = await Promise.all(Array.from({ length: 30 }, () => TestClient.open(server.url).then((c) => c, () => undefined)));
    const opened = results.filter((c) => c !== undefined);
    expect(opened.length).toBeGreaterThanOrEqual(20);
    expect(opened.length).toBeLessThan(30);
    const res = await fetch(`${server.url}/ws`, { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    for (const c of opened) c!.close();
  } finally {
    await server.stop();
  }
}, 30_000);

test("one more connection than --max-connections-per-ip from one address is closed with 4105; closing one frees a slot", async () => {
  const server = await start({ maxConnectionsPerIp: 3 });
  try {
    const open = [await TestClient.open(server.url), await TestClient.open(server.url), await TestClient.open(server.url)];
    const extra = await TestClient.open(server.url);
    expect((await extra.waitClosed(10_000)).code).toBe(4105);
    open[0]!.close();
    await open[0]!.waitClosed(10_000);
    // The server sees the close a moment after the client does: retry until the slot is free.
    let again: TestClient | undefined;
    for (let i = 0; i < 100 && !again; i++) {
      const c = await TestClient.open(server.url);
      c.send({ type: "hello", user: "ip", device: "x", client: "cli" });
      try { await c.waitFor((f) => f.type === "synced", 10_000); again = c; } catch { /* closed with 4105: not yet freed */ }
    }
    expect(again).toBeDefined();
    for (const c of [...open, again!]) c.close();
  } finally {
    await server.stop();
  }
}, 30_000);
