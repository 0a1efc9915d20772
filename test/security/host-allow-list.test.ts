import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import type { RunningServer } from "../../src/server/start.ts";
import { start } from "../integration/harness.ts";

/** One raw HTTP/1.1 request (fetch and WebSocket do not let a test choose the Host header freely); resolves with the status code. */
function rawStatus(port: number, path: string, headers: Record<string, string>, method = "GET"): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let got = "";
    sock.setTimeout(10_000, () => { sock.destroy(); reject(new Error(`no answer: ${got}`)); });
    sock.on("data", (d) => {
      got += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m) { sock.destroy(); resolve(Number(m[1])); }
    });
    sock.on("error", reject);
    const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), "", ""];
    sock.write(lines.join("\r\n"));
  });
}

const upgradeHeaders = { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" };

describe("DNS rebinding: every route answers only to allowed Host names", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start({ adminToken: "a".repeat(32), allowedHosts: ["chat.example"] }); });
  afterAll(() => server.stop());

  test("a rebound name (Host: attacker's name, Origin: the attacker's page) is refused with 421 on /ws, /health, / and the API", async () => {
    const p = server.port;
    const evil = { host: `rebind.evil.example:${p}`, origin: `http://rebind.evil.example:${p}` };
    expect(await rawStatus(p, "/ws", { ...evil, ...upgradeHeaders })).toBe(421);
    expect(await rawStatus(p, "/health", evil)).toBe(421);
    expect(await rawStatus(p, "/", evil)).toBe(421);
    expect(await rawStatus(p, "/api/broadcast", { ...evil, authorization: `Bearer ${"a".repeat(32)}`, "content-length": "0" }, "POST")).toBe(421);
    expect([400, 421]).toContain(await rawStatus(p, "/health", {})); // no Host at all (Bun itself answers 400)
  }, 30_000);

  test("the server's own names, its loopback aliases and --allowed-hosts pass; the Origin must name an allowed host", async () => {
    const p = server.port;
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, `chat.example:${p}`]) {
      expect({ host, status: await rawStatus(p, "/health", { host }) }).toEqual({ host, status: 200 });
      expect({ host, status: await rawStatus(p, "/ws", { host, origin: `http://${host}`, ...upgradeHeaders }) }).toEqual({ host, status: 101 });
    }
    // An allowed Host with a foreign Origin: the page is elsewhere, 403.
    expect(await rawStatus(p, "/ws", { host: `localhost:${p}`, origin: `http://rebind.evil.example:${p}`, ...upgradeHeaders })).toBe(403);
  }, 30_000);
});
