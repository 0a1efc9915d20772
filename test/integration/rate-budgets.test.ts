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

/** Opens a socket that claims to come through a proxy; resolves with its close code, or "open" after `synced`. */
async function viaProxy(url: string, forwardedFor: string, user: string): Promise<number | "open"> {
  const options: Bun.WebSocketOptions = { headers: { "x-forwarded-for": forwardedFor }, protocols: ["hubbub.v1.json"] };
  // Bun's client takes headers; the DOM typing the project also loads (for src/web) does not know that overload.
  const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;
  const ws = new BunWebSocket(`${url.replace(/^http/, "ws")}/ws`, options);
  return new Promise((resolve) => {
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", user, device: "d", client: "cli" }));
    ws.onmessage = (m) => { if (String(m.data).startsWith('{"type":"synced"')) resolve("open"); };
    ws.onclose = (e) => resolve(e.code);
  });
}

test("--trusted-proxies: behind a trusted proxy each forwarded client has its own per-address limit; without it X-Forwarded-For is ignored", async () => {
  const trusting = await start({ maxConnectionsPerIp: 2, trustedProxies: ["127.0.0.1", "::1"] });
  const plain = await start({ maxConnectionsPerIp: 2 });
  try {
    // Two clients behind the same proxy (the test's own address): two connections each.
    const behind = await Promise.all([
      viaProxy(trusting.url, "198.51.100.1", "a1"), viaProxy(trusting.url, "198.51.100.1", "a2"),
      viaProxy(trusting.url, "203.0.113.7, 198.51.100.2", "b1"), viaProxy(trusting.url, "198.51.100.2", "b2"),
    ]);
    expect(behind).toEqual(["open", "open", "open", "open"]);
    // A third from the first client is over its limit; what a client writes left of the real hop changes nothing.
    expect(await viaProxy(trusting.url, "198.51.100.1", "a3")).toBe(4105);
    expect(await viaProxy(trusting.url, "6.6.6.6, 198.51.100.1", "a4")).toBe(4105);
    // A server that trusts no proxy keys everyone by the peer: the header cannot buy more connections.
    expect(await Promise.all([viaProxy(plain.url, "198.51.100.1", "p1"), viaProxy(plain.url, "198.51.100.2", "p2")])).toEqual(["open", "open"]);
    expect(await viaProxy(plain.url, "198.51.100.3", "p3")).toBe(4105);
  } finally {
    await trusting.stop();
    await plain.stop();
  }
}, 30_000);
